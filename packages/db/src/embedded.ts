/**
 * The embedded database (PGlite) and its pre-migrated template. A new data directory is not created by PGlite's
 * initdb and then migrated by the Prisma CLI (seconds of WebAssembly work each); it is unpacked from a template
 * made once per migration history and PGlite version, and kept beside the installed dependencies.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { applyPendingMigrations, committedMigrations, migrationsDirectory, repositoryRoot } from "./migrations";

/**
 * PGlite's own start parameters, with 16 MB of shared buffers instead of PostgreSQL's 128 MB: the buffers live in
 * the server process's memory (WebAssembly), and the operating system caches the data directory's files anyway.
 */
export const EMBEDDED_START_PARAMS = [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"];

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
  const db = await PGlite.create({ startParams: EMBEDDED_START_PARAMS });
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

/**
 * Opens the embedded database in `dataDir` (persisted there); a folder without a database gets the migrated
 * template. `dataDir` undefined: in memory, from the template too.
 */
export async function openPGlite(dataDir?: string): Promise<PGlite> {
  const initialized = dataDir !== undefined && existsSync(path.join(dataDir, "PG_VERSION"));
  return PGlite.create({
    ...(dataDir === undefined ? {} : { dataDir }),
    ...(initialized ? {} : { loadDataDir: await embeddedTemplate() }),
    startParams: EMBEDDED_START_PARAMS,
  });
}

export interface EmbeddedServer {
  db: PGlite;
  url: string;
  /** Stops serving; PGlite stays open. */
  stop(): Promise<void>;
  /** Stops serving and closes PGlite. */
  close(): Promise<void>;
}

/** Serves a PGlite instance on a free loopback port, so that adapter-pg and the Prisma CLI can reach it. */
export async function serveEmbedded(db: PGlite): Promise<EmbeddedServer> {
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0 });
  await server.start();
  const port = server.getServerConn().split(":").at(-1);
  return {
    db,
    url: `postgresql://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    stop: () => server.stop(),
    close: async () => {
      await server.stop();
      await db.close();
    },
  };
}
