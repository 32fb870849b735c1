/**
 * Test databases: every test file gets its own, already migrated.
 * - Default: a fresh in-memory PGlite, cloned from the embedded database's template data directory, migrated
 *   once per migration history (`ensureEmbeddedTemplate`).
 * - `TEST_DATABASE_URL` set (the PostgreSQL pass): a uniquely named database on that server, created from a
 *   migrated template database, dropped again by `close()`.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { clientFor, type Database } from "./database";
import { migrationsFingerprint, openEmbedded } from "./embedded";
import { applyPendingMigrations } from "./migrations";

export { ensureEmbeddedTemplate, embeddedTemplatePath, migrationsFingerprint } from "./embedded";

export interface TestDatabase extends Database {
  /** SQL statements the client has sent (BEGIN/COMMIT included) since the last `reset()`. */
  statements: {
    readonly count: number;
    readonly log: readonly string[];
    /** Milliseconds each statement of `log` took, in the same order. */
    readonly durations: readonly number[];
    reset(): void;
  };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  const log: string[] = [];
  const durations: number[] = [];
  const statements = {
    get count() {
      return log.length;
    },
    log,
    durations,
    reset() {
      log.length = 0;
      durations.length = 0;
    },
  };
  const onStatement = (sql: string, durationMs: number) => {
    log.push(sql);
    durations.push(durationMs);
  };
  const database = serverUrl
    ? await createPostgresTestDatabase(serverUrl, onStatement)
    : await createEmbeddedTestDatabase(onStatement);
  return { ...database, statements };
}

// ---------------------------------------------------------------------------------------------- PGlite

async function createEmbeddedTestDatabase(onStatement: (sql: string, durationMs: number) => void): Promise<Database> {
  const server = await openEmbedded();
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

async function createPostgresTestDatabase(serverUrl: string, onStatement: (sql: string, durationMs: number) => void): Promise<Database> {
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
