import { existsSync } from "node:fs";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/prisma/client";
import { ensureDataDir, lockDataDirWhenFree } from "./data-dir";
import { registerDirectReads } from "./direct-reads";
import { openEmbedded, type EmbeddedServer } from "./embedded";
import { applyPendingMigrations, committedMigrations, pendingMigrations } from "./migrations";
import { checkPostgresConnection, DEFAULT_CONNECT_TIMEOUT_MS } from "./postgres-connection";

/** How often the embedded database refreshes its planner statistics. */
export const EMBEDDED_ANALYZE_INTERVAL_MS = 10 * 60_000;
/**
 * Tables whose planner statistics are missing or out of date: never analysed, or grown or shrunk by more than a
 * tenth (in pages) since. PGlite keeps no activity counters across restarts, but `pg_class` is stored with the data.
 */
const STALE_STATISTICS = `SELECT quote_ident(c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = current_schema() AND c.relkind = 'r'
    AND (c.reltuples < 0 OR abs(pg_relation_size(c.oid) / 8192 - c.relpages) > 2 + 0.1 * c.relpages)`;

export interface DatabaseOptions {
  /** PostgreSQL connection string. Unset: the embedded PGlite database in `dataDir`. */
  databaseUrl?: string | undefined;
  /** Folder of the embedded database (default `.data/`). */
  dataDir?: string;
  /** Connections in the pool (PostgreSQL only: PGlite is a single session). */
  poolSize?: number;
  /** How long to wait for PostgreSQL to accept the first connection (default 5 s). */
  connectTimeoutMs?: number;
  /** Apply pending migrations at start (default); when false, refuse to start while any are pending. */
  migrateOnStart?: boolean;
  /** Receives one line per notable step (migrations applied, embedded server address). */
  log?: (message: string) => void;
  /** Called once per SQL statement the client sends (statement counts in metrics). */
  onStatement?: (sql: string, durationMs: number) => void;
}

export interface Database {
  prisma: PrismaClient;
  kind: "pglite" | "postgresql";
  /** Connection string the Prisma client uses (for the embedded database: its loopback socket). */
  url: string;
  /**
   * Closes the client, then (embedded) the socket server and PGlite, which flushes its data directory, and
   * releases the data directory's lock.
   */
  close(): Promise<void>;
}

export class MigrationsPendingError extends Error {
  constructor(readonly pending: string[]) {
    super(
      `The database has ${pending.length} pending migration(s) (${pending.join(", ")}) and MIGRATE_ON_START=false. ` +
        "Run `pnpm db:migrate` against it, or start with MIGRATE_ON_START=true.",
    );
  }
}

/**
 * One factory for every process: embedded PGlite by default, any PostgreSQL through `databaseUrl`. Failures say
 * what to fix: `DatabaseUnreachableError` (DATABASE_URL), `DataDirUnusableError` and `DataDirLockedError`
 * (DATA_DIR: another process holds it), `MigrationsPendingError`.
 */
export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const log = options.log ?? (() => {});
  if (options.databaseUrl) {
    const url = options.databaseUrl;
    await checkPostgresConnection(url, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    await migrate(url, options.migrateOnStart ?? true, log);
    const prisma = clientFor(url, options.poolSize ?? 10, options.onStatement);
    return { prisma, kind: "postgresql", url, close: () => prisma.$disconnect() };
  }
  const dataDir = path.resolve(options.dataDir ?? ".data");
  ensureDataDir(dataDir);
  const lock = await lockDataDirWhenFree(dataDir);
  if (lock.tookOverFrom) {
    const { pid, command, databasePid } = lock.tookOverFrom;
    const waited = lock.waitedMs > 0 ? ` (waited ${lock.waitedMs} ms for its database process, pid ${databasePid}, to close the database)` : "";
    log(`took over the lock of ${dataDir} left by pid ${pid} (${command}), which no longer runs${waited}`);
  }
  let embedded: EmbeddedServer;
  // A folder without a database starts from the template, migrated to the committed migrations of this checkout
  // (its name carries their fingerprint): nothing is pending then, and the check is skipped.
  const created = !existsSync(path.join(dataDir, "PG_VERSION"));
  try {
    embedded = await openEmbedded(dataDir, (reason) => log(`${reason}: every statement fails from now on; restart the server`), {
      onProcess: (pid) => lock.recordDatabaseProcess(pid),
    });
    if (created) log(`created the database in ${dataDir} from the template migrated to ${committedMigrations().at(-1)}`);
  } catch (error) {
    lock.release();
    throw error;
  }
  try {
    if (!created) await migrate(embedded.url, options.migrateOnStart ?? true, log);
  } catch (error) {
    await embedded.close();
    lock.release();
    throw error;
  }
  log(`embedded PostgreSQL (PGlite) in ${dataDir}, served on ${embedded.url.replace(/\?.*$/, "")}`);
  const prisma = clientFor(embedded.url, 1, options.onStatement);
  // PGlite runs no autovacuum, so nothing would collect planner statistics: without them PostgreSQL plans the
  // membership filters of a large enterprise as if tables were empty (measured: 5.5 s instead of 1.2 s a page).
  // Statistics are stored in the data directory, so a start has those of the last run and refreshes only the tables
  // that changed much since (PGlite is a single session: an ANALYZE of everything would hold up every request).
  const refreshStatistics = async () => {
    try {
      const stale = await prisma.$queryRawUnsafe<{ name: string }[]>(STALE_STATISTICS);
      if (stale.length > 0) await prisma.$executeRawUnsafe(`ANALYZE ${stale.map((table) => table.name).join(", ")}`);
    } catch (error) {
      log(`ANALYZE failed: ${(error as Error).message}`);
    }
  };
  await refreshStatistics();
  const maintenance = setInterval(() => void refreshStatistics(), EMBEDDED_ANALYZE_INTERVAL_MS);
  maintenance.unref();
  return {
    prisma,
    kind: "pglite",
    url: embedded.url,
    close: async () => {
      clearInterval(maintenance);
      try {
        await prisma.$disconnect();
        await embedded.close();
      } finally {
        lock.release();
      }
    },
  };
}

/**
 * A Prisma client over the pg driver adapter; PGlite needs exactly one connection (it is a single session).
 * `onStatement`, when given, is called once per SQL statement sent (tests count them to catch N+1 queries).
 */
export function clientFor(
  url: string,
  poolSize: number,
  onStatement?: (sql: string, durationMs: number) => void,
  /** How long an idle connection stays open (pg's default, 10 s, unless given). */
  idleTimeoutMs?: number,
): PrismaClient {
  // JIT off for the session: the set-based reads (one statement over a whole enterprise, e.g. setup progress) cost
  // enough for PostgreSQL to compile them, and compiling took 3.5 s of a query that runs in 0.2 s (measured on
  // PostgreSQL 15 with 20,000 accounts); none of our statements runs long enough to repay it.
  // The pool is made here, not by the adapter, so that the hot reads can use it directly (`readRows`); the adapter
  // ends it when the client disconnects.
  const pool = new KeepingPool({
    connectionString: url,
    max: poolSize,
    allowExitOnIdle: true,
    options: "-c jit=off",
    ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMillis: idleTimeoutMs }),
  });
  // A new connection starts without prepared statements (`readRows` names its statements). On PostgreSQL a new
  // connection is a new session anyway; the embedded database has one session, which outlives the connection the
  // pool closed when it was idle, and the next connection's first statement would be refused as "already exists".
  pool.on("connect", (client) => {
    client.query("DEALLOCATE ALL").catch(() => undefined);
  });
  // An idle connection that breaks (the server ended it) is dropped by the pool, and the next statement opens another;
  // without a listener, the pool's "error" event would end the process. (Prisma's adapter adds its own only once it
  // has run a statement, and the direct reads may come first.)
  pool.on("error", () => undefined);
  const adapter = releasingFailedTransactionEnds(new PrismaPg(pool, { disposeExternalPool: true }));
  // The transactions Prisma opens by itself (a read it runs as several statements) wait for a connection as long
  // as ours do: with PGlite's single connection, a read queued behind a large dry run or import would otherwise
  // fail after Prisma's default 2 s with "Unable to start a transaction in the given time".
  const transactionOptions = { maxWait: 30_000, timeout: 20_000 };
  if (!onStatement) {
    const client = new PrismaClient({ adapter, transactionOptions });
    registerDirectReads(client, pool);
    return client;
  }
  const client = new PrismaClient({ adapter, transactionOptions, log: [{ emit: "event", level: "query" }] });
  client.$on("query", (event) => onStatement(event.query, Number(event.duration)));
  registerDirectReads(client, pool, onStatement);
  return client;
}

/**
 * A pool whose `query` keeps the connection when PostgreSQL answered the statement with an error (a bad statement,
 * a violated constraint): the session is fine, and pg-pool would close it and open another for the next statement.
 * On the embedded database that was worse than a wasted connection: its socket serves one session at a time, and
 * the new session, opened while the old one was still closing, was reset — the statement after any failed one
 * failed too ("Connection terminated unexpectedly"). Other errors (the connection broke) still close it.
 */
class KeepingPool extends pg.Pool {
  // pg-pool's overloads; Prisma's adapter and `readRows` use the promise form, the callback form is left to pg-pool.
  override query(...args: unknown[]): never {
    if (args.some((arg) => typeof arg === "function")) return (super.query as (...a: unknown[]) => never)(...args);
    return (async () => {
      const client = await this.connect();
      let released = false;
      const release = (error?: Error) => {
        if (released) return;
        released = true;
        client.release(error);
      };
      // As pg-pool does: a connection that breaks while the statement runs is closed (and its "error" heard, which
      // would otherwise end the process).
      const onBroken = (error: Error) => release(error);
      client.once("error", onBroken);
      try {
        return await (client.query as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (error) {
        // Kept only for an error of the statement (severity ERROR); FATAL means the server ends the session.
        release(error instanceof pg.DatabaseError && error.severity === "ERROR" ? undefined : (error as Error));
        throw error;
      } finally {
        client.removeListener("error", onBroken);
        release();
      }
    })() as never;
  }
}

type PgAdapter = Awaited<ReturnType<PrismaPg["connect"]>>;

/**
 * Prisma 6.19 ends an interactive transaction by sending COMMIT (or ROLLBACK) and only then hands the connection
 * back to the pool; when that statement fails — as COMMIT of a SERIALIZABLE transaction does when PostgreSQL
 * detects a serialization failure at commit time (R11) — the connection is never handed back. Each such failure
 * leaked one connection until the pool was exhausted (later transactions could not start, `$disconnect` hung).
 * PostgreSQL has ended the transaction either way, so the connection is released when the statement fails.
 */
function releasingFailedTransactionEnds(factory: PrismaPg): PrismaPg {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter: PgAdapter = await connect();
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => {
      const transaction = await startTransaction(isolationLevel);
      const executeRaw = transaction.executeRaw.bind(transaction);
      transaction.executeRaw = async (query) => {
        try {
          return await executeRaw(query);
        } catch (error) {
          // `rollback()` of the adapter's transaction sends nothing: it only releases the connection.
          if (query.sql === "COMMIT" || query.sql === "ROLLBACK") await transaction.rollback().catch(() => undefined);
          throw error;
        }
      };
      return transaction;
    };
    return adapter;
  };
  return factory;
}

async function migrate(url: string, migrateOnStart: boolean, log: (message: string) => void): Promise<void> {
  const pending = await pendingMigrations(url);
  if (pending.length === 0) return;
  if (!migrateOnStart) throw new MigrationsPendingError(pending);
  await applyPendingMigrations(url);
  log(`applied ${pending.length} migration(s): ${pending.join(", ")}`);
}
