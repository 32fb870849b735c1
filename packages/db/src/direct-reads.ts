/**
 * Reads sent straight to the connection pool the Prisma client uses, for the hand-written statements on the path of
 * every request (authentication, a page of people, their organizations and tokens). `$queryRaw` costs a fixed
 * ~0.3 ms of CPU per statement (its request goes through Prisma's engine, and every value of every row is converted
 * again by type), several times what the statement's own round trip costs the server: on a page of 50 people that
 * was a tenth of the request. Outside a transaction these reads take a connection of the same pool (PGlite's single
 * session included, queued the same way); inside one (`tx` is a transaction client) they go through `tx` as before.
 *
 * Each statement is prepared once per connection (see `statementName`).
 *
 * Values come back as `$queryRaw` gives them for the types these statements use: timestamps (stored without time
 * zone, in UTC) as dates, `bigint` as bigint, JSON parsed, text arrays as arrays, enums as their names.
 */
import { SpanKind, SpanStatusCode, type Span, type Tracer, type TracerProvider } from "@opentelemetry/api";
import pg from "pg";
import { Prisma } from "./generated/prisma/client";
import type { Tx } from "./transactions";

interface DirectReader {
  pool: pg.Pool;
  onStatement: ((sql: string, durationMs: number) => void) | undefined;
}

/** Clients built by `clientFor`, with the pool their adapter uses. */
const readers = new WeakMap<object, DirectReader>();

export function registerDirectReads(client: object, pool: pg.Pool, onStatement?: (sql: string, durationMs: number) => void): void {
  readers.set(client, { pool, onStatement });
}

const TIMESTAMP = 1114;
const INT8 = 20;

/** `timestamp without time zone` text (`2026-11-30 06:14:13.863`), stored in UTC, as a date. */
const utcTimestamp = (text: string) => new Date(`${text.replace(" ", "T")}Z`);
const bigInteger = (text: string) => BigInt(text);

const TYPES = {
  getTypeParser: ((oid: number, format?: string) => {
    if (format !== "binary") {
      if (oid === TIMESTAMP) return utcTimestamp;
      if (oid === INT8) return bigInteger;
    }
    return pg.types.getTypeParser(oid, format as "text");
  }) as typeof pg.types.getTypeParser,
};

/**
 * A parameter as the driver adapter sends it: a date as its instant in ISO form (UTC; a `timestamp without time
 * zone` parameter keeps its UTC wall-clock time, whatever the process's time zone), a bigint as text.
 */
function parameter(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(parameter);
  return value === undefined ? null : value;
}

/**
 * Each statement text gets a name, so that a connection prepares it once (parse and analysis) and PostgreSQL may keep
 * its plan: the statements of a page of people are long, and planning them cost PostgreSQL more than running them
 * (measured on the benchmark's member list: the database's CPU per request fell by a third). The texts are a fixed
 * set (values are always parameters); a text beyond the first 500 is sent unnamed, so nothing grows without bound.
 */
const MAX_NAMED_STATEMENTS = 500;
const names = new Map<string, string>();

function statementName(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED_STATEMENTS) names.set(text, (name = `read_${names.size}`));
  return name;
}

/** Set while tracing is on (`traceDirectReads`): each direct read is then a span of its own. */
let tracer: Tracer | null = null;

/**
 * Traces the direct reads with `provider` (null: stop), as Prisma's instrumentation traces Prisma's statements: a
 * `db_query` span with the SQL text (placeholders, never values), under the span active when the read starts.
 */
export function traceDirectReads(provider: TracerProvider | null): void {
  tracer = provider ? provider.getTracer("sso-cutover-db") : null;
}

/**
 * The rows of a read-only statement, as `tx.$queryRaw` returns them (see the module's comment for the types). Sent
 * directly on the pool when `tx` is a client of `clientFor` outside a transaction; through `tx` otherwise.
 */
export async function readRows<T = Record<string, unknown>>(tx: Tx, query: Prisma.Sql): Promise<T[]> {
  const reader = readers.get(tx);
  if (!reader) return tx.$queryRaw<T[]>(query);
  if (!tracer) return send<T>(reader, query.text, query.values, null);
  return tracer.startActiveSpan("db_query", { kind: SpanKind.CLIENT, attributes: { "db.system": "postgresql", "db.query.text": query.text } }, (span) =>
    send<T>(reader, query.text, query.values, span),
  );
}

async function send<T>(reader: DirectReader, text: string, values: readonly unknown[], span: Span | null): Promise<T[]> {
  const started = performance.now();
  try {
    const result = await reader.pool.query<T & pg.QueryResultRow>({ name: statementName(text), text, values: values.map(parameter), types: TYPES });
    return result.rows;
  } catch (error) {
    span?.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    reader.onStatement?.(text, performance.now() - started);
    span?.end();
  }
}

/**
 * A read written as parts of a statement, so that reads about the same rows can run alone or together in one
 * statement (one round trip): its CTEs (without WITH; their names must differ from the other parts'), its columns
 * (one row; names prefixed per part), and what its columns answer.
 */
export interface ComposedRead<T, A extends unknown[]> {
  ctes: Prisma.Sql;
  columns: Prisma.Sql;
  answer(row: Record<string, unknown>, ...args: A): T;
}

/** Runs composed reads as one statement (`WITH` their CTEs `SELECT` their columns) and answers its one row. */
export async function readComposed(tx: Tx, parts: readonly Pick<ComposedRead<unknown, never>, "ctes" | "columns">[]): Promise<Record<string, unknown>> {
  const [row] = await readRows<Record<string, unknown>>(
    tx,
    Prisma.sql`WITH ${Prisma.join(parts.map((part) => part.ctes), ", ")} SELECT ${Prisma.join(parts.map((part) => part.columns), ", ")}`,
  );
  return row!;
}
