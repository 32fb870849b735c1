/**
 * The embedded database (PGlite) and its pre-migrated template.
 *
 * PGlite is PostgreSQL compiled to WebAssembly: it runs a statement synchronously, on the thread that holds it. It
 * therefore runs in a process of its own ({@link openEmbedded}), a child of the server, serving the PostgreSQL
 * protocol on a loopback port as it always did: a statement never holds up the server's event loop (`/health`,
 * other requests), the database uses the machine's second core while the server works on the first, and its memory
 * (PGlite's WebAssembly memory cannot start below 128 MiB) is its own, as a PostgreSQL server's is.
 *
 * A new data directory is not created by PGlite's initdb and then migrated by the Prisma CLI (seconds of
 * WebAssembly work each); it is unpacked from a template made once per migration history and PGlite version, and
 * kept beside the installed dependencies.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { PGlite } from "@electric-sql/pglite";
import { applyPendingMigrations, committedMigrations, migrationsDirectory, repositoryRoot } from "./migrations";

/**
 * Added to PGlite's own start parameters: 16 MB of shared buffers instead of PostgreSQL's 128 MB. The buffers live
 * in the process's memory (WebAssembly), and the operating system caches the data directory's files anyway.
 */
export const EMBEDDED_EXTRA_START_PARAMS = ["-c", "shared_buffers=16MB"];

/** Changes with every committed migration (name and SQL). */
export function migrationsFingerprint(): string {
  const hash = createHash("sha256");
  for (const name of committedMigrations()) {
    hash.update(name);
    hash.update(readFileSync(path.join(migrationsDirectory, name, "migration.sql")));
  }
  return hash.digest("hex").slice(0, 16);
}

/** The installed PGlite's version (its package.json is not exported: found upwards from its entry). */
function pgliteVersion(): string {
  let folder = path.dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"));
  for (; path.dirname(folder) !== folder; folder = path.dirname(folder)) {
    const manifest = path.join(folder, "package.json");
    if (!existsSync(manifest)) continue;
    const { name, version } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string; version: string };
    if (name === "@electric-sql/pglite") return version;
  }
  return "unknown";
}

/**
 * The template for the committed migrations and the installed PGlite (a data directory's format is PGlite's).
 * "analyzed": the template carries planner statistics (templates made before did not).
 */
export function embeddedTemplatePath(): string {
  return path.join(repositoryRoot, "node_modules", ".cache", "sso-cutover", `pglite-${pgliteVersion()}-${migrationsFingerprint()}-analyzed.tar.gz`);
}

/** Builds the migrated template data directory unless it exists; returns its path. */
export async function ensureEmbeddedTemplate(): Promise<string> {
  const target = embeddedTemplatePath();
  if (existsSync(target)) return target;
  const { PGlite } = await import("@electric-sql/pglite");
  const db = await PGlite.create({ startParams: [...PGlite.defaultStartParams, ...EMBEDDED_EXTRA_START_PARAMS] });
  const server = await serveEmbedded(db);
  try {
    await applyPendingMigrations(server.url);
    await server.stop();
    // Statistics of the empty tables, so that a database made from the template has none out of date to refresh
    // at its first start (see openDatabase).
    await db.exec("ANALYZE");
    const dump = await db.dumpDataDir("gzip");
    mkdirSync(path.dirname(target), { recursive: true });
    // Written aside and renamed, so that a concurrent reader never sees half a file.
    const partial = `${target}.${process.pid}.${randomBytes(4).toString("hex")}`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, target);
  } finally {
    await db.close();
  }
  return target;
}

/** The template's contents, for `PGlite.create({ loadDataDir })`. */
export async function embeddedTemplate(): Promise<Blob> {
  return new Blob([readFileSync(await ensureEmbeddedTemplate())]);
}

/** Serves a PGlite instance of this process on a free loopback port (building the template only). */
async function serveEmbedded(db: PGlite): Promise<{ url: string; stop(): Promise<void> }> {
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0 });
  await server.start();
  return { url: embeddedUrl(Number(server.getServerConn().split(":").at(-1))), stop: () => server.stop() };
}

const embeddedUrl = (port: number) => `postgresql://postgres@127.0.0.1:${port}/postgres?sslmode=disable`;

export interface EmbeddedServer {
  /** Connection string of the loopback port the database is served on (one session at a time). */
  url: string;
  /** The database process's pid. */
  pid: number;
  /** Stops serving, closes PGlite (which flushes its data directory) and waits for its process to end. */
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  /**
   * Hears the database process's pid as soon as it exists, before the database opens (the data directory's lock
   * records it: a server killed meanwhile leaves a process that may still write to the folder).
   */
  onProcess?: (pid: number) => void;
}

/**
 * The ES module entry of a dependency, as a file URL the database process can import whatever loads this module
 * (Node from dist/, or the test runner from the sources). The packages used here ship `dist/index.js` beside
 * `index.cjs`.
 */
function moduleUrl(name: string): string {
  const entry = createRequire(import.meta.url).resolve(name);
  const esm = entry.replace(/\.cjs$/, ".js");
  return pathToFileURL(existsSync(esm) ? esm : entry).href;
}

/**
 * The database process's program. It is evaluated rather than loaded from a file so that it runs the same from the
 * sources (tests) and from dist/; what it imports is resolved here, by this module, and handed over as its argument.
 * Messages: it sends `{ ready, port }` or `{ failed }` once, then `{ closed }` or `{ failed }` after the "close" it
 * is sent, and ends.
 *
 * Whatever ends it, it closes PGlite first (which flushes the data directory): the "close" message (the server's
 * ordered shutdown), its own SIGTERM, or the server's end without a close (the IPC channel disconnects: a SIGKILL, a
 * crash). A terminal's Ctrl-C (SIGINT) and hang-up (SIGHUP) reach the whole process group: they are left to the
 * server, which closes the database after its last statement.
 */
const DATABASE_PROGRAM = `
const { readFileSync } = require("node:fs");
const options = JSON.parse(process.argv[1]);
const failure = (error) => ({ failed: String((error && error.message) || error), stack: error && error.stack });
const send = (message) => new Promise((resolve) => (process.connected ? process.send(message, undefined, {}, () => resolve()) : resolve()));
let db;
let server;
let stopping = false;
const started = (async () => {
  const { PGlite } = await import(options.pglite);
  const { PGLiteSocketServer } = await import(options.socket);
  if (stopping) return;
  db = await PGlite.create({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.template === undefined ? {} : { loadDataDir: new Blob([readFileSync(options.template)]) }),
    startParams: [...PGlite.defaultStartParams, ...options.extraStartParams],
  });
  if (stopping) return;
  server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0 });
  await server.start();
  if (stopping) return;
  await send({ ready: true, port: Number(server.getServerConn().split(":").at(-1)) });
})();
let closed;
const close = () =>
  (closed ??= (async () => {
    stopping = true;
    await started.catch(() => undefined);
    if (server) await server.stop();
    if (db && !db.closed) await db.close();
  })());
let ending = false;
const end = (code) => {
  if (ending) return;
  ending = true;
  if (process.connected) process.disconnect();
  process.exitCode = code;
  // Ends by itself once nothing is left open; a stuck socket does not keep it.
  setTimeout(() => process.exit(code), 1000).unref();
};
started.catch(async (error) => {
  await send(failure(error));
  await close().catch(() => undefined);
  end(1);
});
process.on("message", (message) => {
  if (message !== "close") return;
  close().then(
    () => send({ closed: true }).then(() => end(0)),
    (error) => send(failure(error)).then(() => end(1)),
  );
});
process.on("disconnect", () => close().then(() => end(0), () => end(1)));
process.on("SIGTERM", () => close().then(() => end(0), () => end(1)));
process.on("SIGINT", () => {});
process.on("SIGHUP", () => {});
`;

interface DatabaseReply {
  ready?: true;
  port?: number;
  closed?: true;
  failed?: string;
  stack?: string;
}

/** How the database process ended, with the end of what it wrote to stderr (a crash's message). */
function describeEnd(code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  const how = signal ? `killed by ${signal}` : `exit code ${code}`;
  const said = stderr.trim().split("\n").slice(-10).join("\n");
  return `the embedded database's process ended (${how})${said ? `: ${said}` : ""}`;
}

/**
 * Opens the embedded database in `dataDir` (persisted there) in a process of its own and serves it on a free
 * loopback port; a folder without a database gets the migrated template. `dataDir` undefined: in memory, from the
 * template too. `onExit` hears of the process ending before `close()` (the database is gone then: every statement
 * fails to connect).
 */
export async function openEmbedded(dataDir?: string, onExit?: (reason: string) => void, options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  const initialized = dataDir !== undefined && existsSync(path.join(dataDir, "PG_VERSION"));
  const settings = {
    dataDir,
    template: initialized ? undefined : await ensureEmbeddedTemplate(),
    extraStartParams: EMBEDDED_EXTRA_START_PARAMS,
    pglite: moduleUrl("@electric-sql/pglite"),
    socket: moduleUrl("@electric-sql/pglite-socket"),
  };
  // stdout: PGlite's notices only, never shown. stderr: kept (its end) for the reason of a crash.
  const child = spawn(process.execPath, ["-e", DATABASE_PROGRAM, JSON.stringify(settings)], {
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    windowsHide: true,
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  let closing = false;
  let ended: string | null = null;
  const end = new Promise<string>((resolve) => {
    child.once("error", (error) => resolve((ended = `the embedded database's process could not start: ${error.message}`)));
    // "close": the process has ended and its stderr is read to the end.
    child.once("close", (code, signal) => resolve((ended = describeEnd(code, signal, stderr))));
  });
  let ready = false;
  void end.then((reason) => {
    // Before it is ready, its end is openEmbedded's error instead.
    if (ready && !closing) onExit?.(reason);
  });
  const replies: DatabaseReply[] = [];
  const waiting: (() => void)[] = [];
  child.on("message", (reply: DatabaseReply) => {
    replies.push(reply);
    waiting.splice(0).forEach((wake) => wake());
  });
  /** The process's next reply; its end before it is an error that says how it ended. */
  const nextReply = async (): Promise<DatabaseReply> => {
    for (;;) {
      const reply = replies.shift();
      if (reply) {
        if (reply.failed === undefined) return reply;
        const error = new Error(reply.failed);
        if (reply.stack) error.stack = reply.stack;
        throw error;
      }
      if (ended !== null) throw new Error(ended);
      await Promise.race([new Promise<void>((wake) => waiting.push(wake)), end]);
    }
  };
  let port: number;
  try {
    if (child.pid !== undefined) options.onProcess?.(child.pid);
    ({ port } = (await nextReply()) as { port: number });
  } catch (error) {
    closing = true;
    // After a failure of its own it closes what it opened and ends by itself; SIGTERM makes it do the same.
    if (ended === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await end;
    clearTimeout(timer);
    throw error;
  }
  // The process does not keep this one alive by itself: the connections to it do while they are open (and a
  // server's own listener does), so a program that forgets to close the database still ends (and the database
  // process, seeing the channel close, closes PGlite and ends too).
  ready = true;
  child.unref();
  child.channel?.unref();
  (child.stderr as unknown as { unref(): void }).unref();
  return {
    url: embeddedUrl(port),
    pid: child.pid!,
    close: async () => {
      // A process that already ended would never answer "close".
      if (closing || ended !== null) return;
      closing = true;
      child.ref();
      child.channel?.ref();
      try {
        const replied = nextReply();
        child.send("close");
        await replied;
      } finally {
        await end;
      }
    },
  };
}
