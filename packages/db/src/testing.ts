/**
 * Test databases: every test file gets its own, already migrated.
 * - Default: a fresh in-memory PGlite, cloned from a template data directory that is migrated once per
 *   migration history (cached in the system's temporary folder).
 * - `TEST_DATABASE_URL` set (the PostgreSQL pass): a uniquely named database on that server, created from a
 *   migrated template database, dropped again by `close()`.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { clientFor, serveEmbedded, type Database } from "./database";
import { applyPendingMigrations, committedMigrations, migrationsDirectory } from "./migrations";

export function migrationsFingerprint(): string {
  const hash = createHash("sha256");
  for (const name of committedMigrations()) {
    hash.update(name);
    hash.update(readFileSync(path.join(migrationsDirectory, name, "migration.sql")));
  }
  return hash.digest("hex").slice(0, 16);
}

export interface TestDatabase extends Database {
  /** SQL statements the client has sent (BEGIN/COMMIT included) since the last `reset()`. */
  statements: { readonly count: number; readonly log: readonly string[]; reset(): void };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  const log: string[] = [];
  const statements = {
    get count() {
      return log.length;
    },
    log,
    reset() {
      log.length = 0;
    },
  };
  const onStatement = (sql: string) => void log.push(sql);
  const database = serverUrl
    ? await createPostgresTestDatabase(serverUrl, onStatement)
    : await createEmbeddedTestDatabase(onStatement);
  return { ...database, statements };
}

// ---------------------------------------------------------------------------------------------- PGlite

export function embeddedTemplatePath(): string {
  return path.join(tmpdir(), `sso-cutover-template-${migrationsFingerprint()}.tar.gz`);
}

/** Builds the migrated template data directory unless it exists; returns its path. */
export async function ensureEmbeddedTemplate(): Promise<string> {
  const target = embeddedTemplatePath();
  if (existsSync(target)) return target;
  const db = await PGlite.create();
  const server = await serveEmbedded(db);
  try {
    await applyPendingMigrations(server.url);
    await server.stop();
    const dump = await db.dumpDataDir("gzip");
    // Written aside and renamed, so that a concurrent reader never sees half a file.
    const partial = `${target}.${process.pid}.${randomBytes(4).toString("hex")}`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, target);
  } finally {
    await db.close();
  }
  return target;
}

async function createEmbeddedTestDatabase(onStatement: (sql: string) => void): Promise<Database> {
  const template = await ensureEmbeddedTemplate();
  const db = await PGlite.create({ loadDataDir: new Blob([readFileSync(template)]) });
  const server = await serveEmbedded(db);
  const prisma = clientFor(server.url, 1, onStatement);
  return {
    prisma,
    kind: "pglite",
    url: server.url,
    close: async () => {
      await prisma.$disconnect();
      await server.close();
    },
  };
}

// ------------------------------------------------------------------------------------------ PostgreSQL

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Names of the databases a run creates all start with the database named in TEST_DATABASE_URL, so that the run
 * can drop everything it made (`<base>_tpl_<migrations>` template, `<base>_f_<random>` per test file).
 */
function baseName(serverUrl: string): string {
  const name = decodeURIComponent(new URL(serverUrl).pathname.slice(1)) || "postgres";
  if (!/^[a-z0-9_]{1,40}$/.test(name)) throw new Error(`TEST_DATABASE_URL names the database "${name}": use [a-z0-9_]{1,40}`);
  return name;
}

/** Creates (once per migration history, under an advisory lock) the migrated template database. */
export async function ensurePostgresTemplate(serverUrl: string): Promise<string> {
  const template = `${baseName(serverUrl)}_tpl_${migrationsFingerprint()}`;
  await admin(serverUrl, async (client) => {
    await client.query("SELECT pg_advisory_lock(742310)");
    try {
      const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [template]);
      if (found.rowCount) return;
      const building = `${template}_building`;
      await client.query(`DROP DATABASE IF EXISTS "${building}"`);
      await client.query(`CREATE DATABASE "${building}"`);
      await applyPendingMigrations(withDatabase(serverUrl, building));
      await client.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`);
    } finally {
      await client.query("SELECT pg_advisory_unlock(742310)");
    }
  });
  return template;
}

async function createPostgresTestDatabase(serverUrl: string, onStatement: (sql: string) => void): Promise<Database> {
  const template = await ensurePostgresTemplate(serverUrl);
  const name = `${baseName(serverUrl)}_f_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  await admin(serverUrl, async (client) => {
    // CREATE DATABASE … TEMPLATE fails while another session copies the same template: wait and retry.
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        return;
      } catch (error) {
        if (attempt >= 50 || !/being accessed by other users/.test(String(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
      }
    }
  });
  const url = withDatabase(serverUrl, name);
  const prisma = clientFor(url, 10, onStatement);
  return {
    prisma,
    kind: "postgresql",
    url,
    close: async () => {
      await prisma.$disconnect();
      await admin(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
