/**
 * The embedded database (PGlite) and its pre-migrated template.
 *
 * PGlite is PostgreSQL compiled to WebAssembly: it runs a statement synchronously, on the thread that holds it. It
 * therefore runs on a worker thread of its own ({@link openEmbedded}), serving the PostgreSQL protocol on a
 * loopback port as it always did: a statement never holds up the server's event loop (`/health`, other requests),
 * and the database uses the machine's second core while the server works on the first.
 *
 * A new data directory is not created by PGlite's initdb and then migrated by the Prisma CLI (seconds of
 * WebAssembly work each); it is unpacked from a template made once per migration history and PGlite version, and
 * kept beside the installed dependencies.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
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

/** Serves a PGlite instance of this thread on a free loopback port (building the template only). */
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
  /** Stops serving, closes PGlite (which flushes its data directory) and ends its thread. */
  close(): Promise<void>;
}

/**
 * The ES module entry of a dependency, as a file URL the worker can import whatever loads this module (Node from
 * dist/, or the test runner from the sources). The packages used here ship `dist/index.js` beside `index.cjs`.
 */
function moduleUrl(name: string): string {
  const entry = createRequire(import.meta.url).resolve(name);
  const esm = entry.replace(/\.cjs$/, ".js");
  return pathToFileURL(existsSync(esm) ? esm : entry).href;
}

/**
 * The worker's program. It is evaluated rather than loaded from a file so that it runs the same from the sources
 * (tests) and from dist/; what it imports is resolved here, by this module. Messages: it posts `{ ready, port }`
 * or `{ failed }` once, then `{ closed }` or `{ failed }` after the "close" it is sent.
 */
const WORKER_PROGRAM = `
const { parentPort, workerData } = require("node:worker_threads");
const { readFileSync } = require("node:fs");
const failure = (error) => ({ failed: String((error && error.message) || error), stack: error && error.stack });
let db;
let server;
(async () => {
  const { PGlite } = await import(workerData.pglite);
  const { PGLiteSocketServer } = await import(workerData.socket);
  db = await PGlite.create({
    ...(workerData.dataDir === undefined ? {} : { dataDir: workerData.dataDir }),
    ...(workerData.template === undefined ? {} : { loadDataDir: new Blob([readFileSync(workerData.template)]) }),
    startParams: [...PGlite.defaultStartParams, ...workerData.extraStartParams],
  });
  server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0 });
  await server.start();
  parentPort.postMessage({ ready: true, port: Number(server.getServerConn().split(":").at(-1)) });
})().catch((error) => parentPort.postMessage(failure(error)));
parentPort.on("message", (message) => {
  if (message !== "close") return;
  (async () => {
    if (server) await server.stop();
    if (db) await db.close();
  })().then(() => parentPort.postMessage({ closed: true }), (error) => parentPort.postMessage(failure(error)));
});
`;

interface WorkerReply {
  ready?: true;
  port?: number;
  closed?: true;
  failed?: string;
  stack?: string;
}

/** The worker's next reply; its unexpected end is an error that says how it ended. */
function nextReply(worker: Worker): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    };
    const onMessage = (reply: WorkerReply) => {
      cleanup();
      if (reply.failed === undefined) return resolve(reply);
      const error = new Error(reply.failed);
      if (reply.stack) error.stack = reply.stack;
      reject(error);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`the embedded database's thread ended (exit code ${code})`));
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
  });
}

/**
 * Opens the embedded database in `dataDir` (persisted there) on a worker thread of its own and serves it on a free
 * loopback port; a folder without a database gets the migrated template. `dataDir` undefined: in memory, from the
 * template too. `onExit` hears of the thread ending before `close()` (the database is gone then: every statement
 * fails to connect).
 */
export async function openEmbedded(dataDir?: string, onExit?: (reason: string) => void): Promise<EmbeddedServer> {
  const initialized = dataDir !== undefined && existsSync(path.join(dataDir, "PG_VERSION"));
  const worker = new Worker(WORKER_PROGRAM, {
    eval: true,
    workerData: {
      dataDir,
      template: initialized ? undefined : await ensureEmbeddedTemplate(),
      extraStartParams: EMBEDDED_EXTRA_START_PARAMS,
      pglite: moduleUrl("@electric-sql/pglite"),
      socket: moduleUrl("@electric-sql/pglite-socket"),
    },
    // The worker's console goes to this process's; its output is PGlite's own notices only.
    stdout: false,
    stderr: false,
  });
  let closing = false;
  let ended = false;
  worker.on("error", (error) => {
    if (!closing) onExit?.(`the embedded database's thread failed: ${error.message}`);
  });
  worker.on("exit", (code) => {
    ended = true;
    if (!closing) onExit?.(`the embedded database's thread ended (exit code ${code})`);
  });
  let port: number;
  try {
    ({ port } = (await nextReply(worker)) as { port: number });
  } catch (error) {
    closing = true;
    await worker.terminate();
    throw error;
  }
  // The thread does not keep the process alive by itself: the connections to it do while they are open (and a
  // server's own listener does), so a program that forgets to close the database still ends.
  worker.unref();
  return {
    url: embeddedUrl(port),
    close: async () => {
      // A thread that already ended would never answer "close".
      if (closing || ended) return;
      closing = true;
      worker.ref();
      try {
        const replied = nextReply(worker);
        worker.postMessage("close");
        await replied;
      } finally {
        await worker.terminate();
      }
    },
  };
}

