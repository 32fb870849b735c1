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
  /** The database process's pid (in memory: the process shared by this process's in-memory databases). */
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
 * It serves the databases it is asked to open, each on a port of its own: `{ open: id, dataDir, template }` is
 * answered `{ id, ready, port }` or `{ id, failed }`, `{ close: id }` with `{ id, closed }` or `{ id, failed }`. A
 * dedicated process (one data directory) ends once its database is closed or failed to open.
 *
 * Whatever ends it, it closes PGlite first (which flushes the data directory): its own SIGTERM, or the server's end
 * without a close (the IPC channel disconnects: a SIGKILL, a crash). A terminal's Ctrl-C (SIGINT) and hang-up
 * (SIGHUP) reach the whole process group: they are left to the server, which closes the database after its last
 * statement.
 */
const DATABASE_PROGRAM = `
const { readFileSync } = require("node:fs");
const settings = JSON.parse(process.argv[1]);
const failure = (id, error) => ({ id, failed: String((error && error.message) || error), stack: error && error.stack });
const send = (message) => new Promise((resolve) => (process.connected ? process.send(message, undefined, {}, () => resolve()) : resolve()));
const modules = Promise.all([import(settings.pglite), import(settings.socket)]);
const databases = new Map();
function open(id, dataDir, template) {
  const entry = { closing: false };
  databases.set(id, entry);
  entry.started = (async () => {
    const [{ PGlite }, { PGLiteSocketServer }] = await modules;
    if (entry.closing) return;
    entry.db = await PGlite.create({
      ...(dataDir === undefined ? {} : { dataDir }),
      ...(template === undefined ? {} : { loadDataDir: new Blob([readFileSync(template)]) }),
      startParams: [...PGlite.defaultStartParams, ...settings.extraStartParams],
    });
    if (entry.closing) return;
    entry.server = new PGLiteSocketServer({ db: entry.db, host: "127.0.0.1", port: 0 });
    await entry.server.start();
    return Number(entry.server.getServerConn().split(":").at(-1));
  })();
  entry.started.then(
    (port) => (entry.closing ? undefined : send({ id, ready: true, port })),
    async (error) => {
      await send(failure(id, error));
      await close(id).catch(() => undefined);
      if (settings.dedicated) end(1);
    },
  );
}
function close(id) {
  const entry = databases.get(id);
  if (!entry) return Promise.resolve();
  entry.closing = true;
  return (entry.closed ??= (async () => {
    await entry.started.catch(() => undefined);
    if (entry.server) await entry.server.stop();
    if (entry.db && !entry.db.closed) await entry.db.close();
  })().finally(() => databases.delete(id)));
}
const closeAll = () =>
  Promise.allSettled([...databases.keys()].map(close)).then((results) => (results.some((result) => result.status === "rejected") ? 1 : 0));
let ending = false;
function end(code) {
  if (ending) return;
  ending = true;
  if (process.connected) process.disconnect();
  process.exitCode = code;
  // Ends by itself once nothing is left open; a stuck socket does not keep it.
  setTimeout(() => process.exit(code), 1000).unref();
}
process.on("message", (message) => {
  if (message.open !== undefined) return open(message.open, message.dataDir, message.template);
  if (message.close === undefined) return;
  close(message.close)
    .then(
      () => send({ id: message.close, closed: true }).then(() => 0),
      (error) => send(failure(message.close, error)).then(() => 1),
    )
    .then((code) => settings.dedicated && end(code));
});
process.on("disconnect", () => closeAll().then(end));
process.on("SIGTERM", () => closeAll().then(end));
process.on("SIGINT", () => {});
process.on("SIGHUP", () => {});
`;

interface DatabaseReply {
  id: number;
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

interface DatabaseProcess {
  pid: number;
  /** Why it ended, once it has. */
  ended: string | null;
  end: Promise<string>;
  /** Sends an `open` or `close` and resolves with its answer; an error with the child's message, or how it ended. */
  request(message: { open: number; dataDir?: string | undefined; template?: string | undefined } | { close: number }): Promise<DatabaseReply>;
  /** Called when it ends (each open database's `onExit`). */
  listeners: Set<(reason: string) => void>;
  /** Keeps this process alive until the database process has ended (a close waits for its end). */
  awaitEnd(): Promise<string>;
  kill(signal: NodeJS.Signals): void;
}

let requestIds = 0;

/**
 * Starts a database process. It keeps this process alive only while a request to it is pending: otherwise the
 * connections to its databases do while they are open (and a server's own listener does), so a program that
 * forgets to close a database still ends (and the database process, seeing the channel close, closes PGlite and
 * ends too).
 */
function startDatabaseProcess(dedicated: boolean): DatabaseProcess {
  const settings = {
    dedicated,
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
  (child.stderr as unknown as { unref(): void }).unref();
  const pending = new Map<number, { resolve(reply: DatabaseReply): void; reject(error: Error): void }>();
  const hold = () => {
    child.ref();
    child.channel?.ref();
  };
  let awaited = false;
  const letGo = () => {
    if (pending.size > 0 || awaited) return;
    child.unref();
    child.channel?.unref();
  };
  const host: DatabaseProcess = {
    pid: child.pid ?? 0,
    ended: null,
    end: new Promise<string>((resolve) => {
      const ended = (reason: string) => {
        if (host.ended !== null) return;
        host.ended = reason;
        for (const request of pending.values()) request.reject(new Error(reason));
        pending.clear();
        host.listeners.forEach((listener) => listener(reason));
        resolve(reason);
      };
      child.once("error", (error) => ended(`the embedded database's process could not start: ${error.message}`));
      // "close": the process has ended and its stderr is read to the end.
      child.once("close", (code, signal) => ended(describeEnd(code, signal, stderr)));
    }),
    listeners: new Set(),
    request: (message) =>
      new Promise<DatabaseReply>((resolve, reject) => {
        if (host.ended !== null) return reject(new Error(host.ended));
        const id = "open" in message ? message.open : message.close;
        hold();
        pending.set(id, {
          resolve: (reply) => {
            pending.delete(id);
            letGo();
            resolve(reply);
          },
          reject: (error) => {
            pending.delete(id);
            letGo();
            reject(error);
          },
        });
        child.send(message, (error) => error && pending.get(id)?.reject(error));
      }),
    awaitEnd: () => {
      awaited = true;
      child.ref();
      return host.end;
    },
    kill: (signal) => {
      if (host.ended === null) child.kill(signal);
    },
  };
  child.on("message", (reply: DatabaseReply) => {
    const request = pending.get(reply.id);
    if (!request) return;
    if (reply.failed === undefined) return request.resolve(reply);
    const error = new Error(reply.failed);
    if (reply.stack) error.stack = reply.stack;
    request.reject(error);
  });
  return host;
}

/**
 * The process that serves this process's in-memory databases (tests open one per file). One for all: a new
 * process would compile PGlite's WebAssembly and warm its JavaScript again for each (about a second of CPU).
 */
let sharedProcess: DatabaseProcess | null = null;

/**
 * Opens the embedded database in `dataDir` (persisted there) in a process of its own and serves it on a free
 * loopback port; a folder without a database gets the migrated template. `dataDir` undefined: in memory, from the
 * template too, in a process shared by this process's in-memory databases. `onExit` hears of the process ending
 * before `close()` (the database is gone then: every statement fails to connect).
 */
export async function openEmbedded(dataDir?: string, onExit?: (reason: string) => void, options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  const initialized = dataDir !== undefined && existsSync(path.join(dataDir, "PG_VERSION"));
  const template = initialized ? undefined : await ensureEmbeddedTemplate();
  const dedicated = dataDir !== undefined;
  if (!dedicated && (sharedProcess === null || sharedProcess.ended !== null)) sharedProcess = startDatabaseProcess(false);
  const host = dedicated ? startDatabaseProcess(true) : sharedProcess!;
  const id = ++requestIds;
  let port: number;
  try {
    if (dedicated) options.onProcess?.(host.pid);
    ({ port } = (await host.request({ open: id, dataDir, template })) as { port: number });
  } catch (error) {
    if (dedicated) {
      // After a failure of its own it closes what it opened and ends by itself; SIGTERM makes it do the same.
      host.kill("SIGTERM");
      const timer = setTimeout(() => host.kill("SIGKILL"), 10_000);
      await host.awaitEnd();
      clearTimeout(timer);
    }
    throw error;
  }
  let closing = false;
  const ended = (reason: string) => {
    if (!closing) onExit?.(reason);
  };
  host.listeners.add(ended);
  return {
    url: embeddedUrl(port),
    pid: host.pid,
    close: async () => {
      // A process that already ended would never answer.
      if (closing || host.ended !== null) return;
      closing = true;
      host.listeners.delete(ended);
      try {
        await host.request({ close: id });
      } finally {
        if (dedicated) await host.awaitEnd();
      }
    },
  };
}
