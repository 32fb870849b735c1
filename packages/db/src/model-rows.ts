/**
 * Model rows read by hand-written SQL (`readRows`), for the few statements on every request's path — the
 * authentication of a token or a session. Prisma compiles each of its model queries (findUnique, include…) to SQL
 * at every call, which costs more CPU than the statement itself; a raw statement is sent as written. The column
 * lists below are checked against the generated model types: a column added to the schema and missing here fails
 * the type check.
 */
import { Prisma, type Account, type Enterprise, type Organization, type Project, type Session, type Token } from "./generated/prisma/client";

/** Every column of model `M`: the type check fails on an unknown one, and names the missing ones. */
function columns<M>() {
  return <const L extends readonly (keyof M & string)[]>(
    list: L & (Exclude<keyof M, L[number]> extends never ? unknown : { missingColumns: Exclude<keyof M, L[number]> }),
  ): L => list;
}

export const ACCOUNT_COLUMNS = columns<Account>()([
  "id",
  "login",
  "email",
  "emailNormalized",
  "emailVerified",
  "name",
  "kind",
  "devopsPlatform",
  "externalId",
  "enterpriseId",
  "ssoSubject",
  "lastLoginAt",
  "createdAt",
  "deletedAt",
  "deactivatedAt",
  "scimProvisionedAt",
  "scimUserName",
  "scimUserNameNormalized",
  "scimExternalId",
  "scimAttributes",
  "scimUpdatedAt",
]);

export const TOKEN_COLUMNS = columns<Token>()([
  "id",
  "kind",
  "name",
  "prefix",
  "lastFour",
  "hash",
  "ownerAccountId",
  "organizationId",
  "allProjects",
  "createdById",
  "expiresAt",
  "lastUsedAt",
  "createdAt",
  "revokedAt",
  "importedAt",
]);

export const ORGANIZATION_COLUMNS = columns<Organization>()(["id", "key", "name", "enterpriseId", "plan", "devopsPlatform", "createdAt"]);

export const ENTERPRISE_COLUMNS = columns<Enterprise>()(["id", "key", "name", "createdAt"]);

export const PROJECT_COLUMNS = columns<Project>()(["id", "organizationId", "key", "name", "createdAt"]);

export const SESSION_COLUMNS = columns<Session>()(["id", "tokenHash", "accountId", "createdAt", "expiresAt", "revokedAt"]);

/** `alias."column" AS "alias.column", …`: the columns of one joined table, told apart by their alias. */
export function selectColumns(alias: string, list: readonly string[]): Prisma.Sql {
  return Prisma.raw(list.map((column) => `${alias}."${column}" AS "${alias}.${column}"`).join(", "));
}

/** The result-row keys of each column list under each alias (`alias.column`), built once: rows are read by the thousand. */
const aliasedColumns = new Map<string, Map<readonly string[], string[]>>();

function aliased(alias: string, list: readonly string[]): string[] {
  let byList = aliasedColumns.get(alias);
  if (!byList) aliasedColumns.set(alias, (byList = new Map()));
  let keys = byList.get(list);
  if (!keys) byList.set(list, (keys = list.map((column) => `${alias}.${column}`)));
  return keys;
}

/** The row of `alias` within a joined result row, or null when the join found none (its id is null). */
export function rowOf<M>(row: Record<string, unknown>, alias: string, list: readonly (keyof M & string)[]): M | null {
  const keys = aliased(alias, list);
  const id = row[`${alias}.id`];
  if (id === null || id === undefined) return null;
  const model: Record<string, unknown> = {};
  for (let index = 0; index < list.length; index++) model[list[index]!] = row[keys[index]!];
  return model as M;
}

/** Every timestamp column of model `M`: the type check fails on a column that is not one, and names the missing ones. */
type TimestampColumn<M> = { [K in keyof M & string]: Date extends M[K] ? K : never }[keyof M & string];
function timestamps<M>() {
  return <const L extends readonly TimestampColumn<M>[]>(
    list: L & (Exclude<TimestampColumn<M>, L[number]> extends never ? unknown : { missingTimestamps: Exclude<TimestampColumn<M>, L[number]> }),
  ): L => list;
}

/** Timestamp columns of the models read back from JSON (see {@link modelsFromTuples}). */
export const ACCOUNT_TIMESTAMPS = timestamps<Account>()(["lastLoginAt", "createdAt", "deletedAt", "deactivatedAt", "scimProvisionedAt", "scimUpdatedAt"]);
export const TOKEN_TIMESTAMPS = timestamps<Token>()(["expiresAt", "lastUsedAt", "createdAt", "revokedAt", "importedAt"]);
export const ORGANIZATION_TIMESTAMPS = timestamps<Organization>()(["createdAt"]);
export const ENTERPRISE_TIMESTAMPS = timestamps<Enterprise>()(["createdAt"]);
export const PROJECT_TIMESTAMPS = timestamps<Project>()(["createdAt"]);

/**
 * One row of `alias` as a JSON array of the columns listed, in that order (for `json_agg`): the rows a hand-written
 * statement reads along with others (a token's projects, a page of people's accounts and tokens), without repeating
 * each column's name in every row. The timestamps named come as milliseconds since the epoch (stored without time
 * zone, in UTC): a number becomes a date far faster than a text does. Read back with {@link modelsFromTuples} and the
 * same lists.
 */
export function modelTupleJson(alias: string, list: readonly string[], timestamps: readonly string[] = []): Prisma.Sql {
  return Prisma.raw(`json_build_array(${columnValues(alias, list, timestamps).join(", ")})`);
}

/**
 * The SQL of each column of `alias` listed, the timestamps named as milliseconds since the epoch (with their
 * microseconds as a fraction, which a date drops). In double precision throughout: `extract` answers a numeric,
 * whose arithmetic cost the embedded database an eighth of the member list's statement (PostgreSQL compiled to
 * WebAssembly); the microseconds are rounded to an integer first, so the value is the numeric one's, exactly.
 */
function columnValues(alias: string, list: readonly string[], timestamps: readonly string[]): string[] {
  return list.map((column) =>
    timestamps.includes(column) ? `(round(date_part('epoch', ${alias}."${column}") * 1000000) / 1000)` : `${alias}."${column}"`,
  );
}

/**
 * The rows of a query as one JSON array per column (`[[id1, id2, …], [login1, login2, …], …]`), for the statements
 * of the member list, which read several lists of rows at once: `json_build_array(array_agg(e1), array_agg(e2), …)`.
 * PostgreSQL's `json_build_array` looks up the type of each of its arguments at every call, three catalog lookups per
 * value when called once per row; over arrays it looks each column's type up once (on the benchmark's member list,
 * the statement's JSON cost a third less), and the gateway parses a few arrays instead of one per row. The arrays
 * are aggregated without an order: a caller that needs one reads a position too. Read back with
 * {@link columnsFromJson}, then {@link modelsFromColumns} or {@link rowsFromColumns}.
 */
export function columnsJson(expressions: readonly string[]): Prisma.Sql {
  return Prisma.raw(`json_build_array(${expressions.map((expression) => `array_agg(${expression})`).join(", ")})`);
}

/** {@link columnsJson} of the columns of `alias` listed, then of `extra` expressions (a position, say). */
export function modelColumnsJson(alias: string, list: readonly string[], timestamps: readonly string[] = [], extra: readonly string[] = []): Prisma.Sql {
  return columnsJson([...columnValues(alias, list, timestamps), ...extra]);
}

/**
 * The columns of a {@link columnsJson} value (text or parsed): `count` arrays of the same length, empty when the query
 * had no row (PostgreSQL's `array_agg` answers null then, and a scalar subquery of no row null as well).
 */
export function columnsFromJson(value: unknown, count: number): unknown[][] {
  const parsed = (typeof value === "string" ? JSON.parse(value) : value) as (unknown[] | null)[] | null | undefined;
  const columns: unknown[][] = new Array(count);
  for (let index = 0; index < count; index++) columns[index] = parsed?.[index] ?? [];
  return columns;
}

/** The rows of columns read by {@link columnsJson}, each as the array of its values. */
export function rowsFromColumns<T extends unknown[]>(columns: readonly unknown[][]): T[] {
  const length = columns[0]?.length ?? 0;
  const rows: T[] = new Array(length);
  for (let at = 0; at < length; at++) {
    const row = new Array(columns.length);
    for (let index = 0; index < columns.length; index++) row[index] = columns[index]![at];
    rows[at] = row as T;
  }
  return rows;
}

/**
 * The models of columns read by {@link modelColumnsJson} with the same lists (columns past the list's are left to the
 * caller): the timestamps listed become dates again.
 */
export function modelsFromColumns<M>(columns: readonly unknown[][], list: readonly (keyof M & string)[], timestamps: readonly (keyof M & string)[]): M[] {
  const length = columns[0]?.length ?? 0;
  const models: Record<string, unknown>[] = new Array(length);
  for (let at = 0; at < length; at++) models[at] = {};
  for (let index = 0; index < list.length; index++) {
    const column = list[index]!;
    const values = columns[index]!;
    if (timestamps.includes(column)) {
      for (let at = 0; at < length; at++) {
        const value = values[at];
        models[at]![column] = value === null || value === undefined ? value : new Date(value as number);
      }
    } else {
      for (let at = 0; at < length; at++) models[at]![column] = values[at];
    }
  }
  return models as M[];
}

/**
 * The rows of a JSON array built with {@link modelTupleJson} (text or parsed; null, as `json_agg` answers for no row,
 * is none), as models: the timestamps listed become dates again.
 */
export function modelsFromTuples<M>(value: unknown, list: readonly (keyof M & string)[], timestamps: readonly (keyof M & string)[]): M[] {
  const rows = (typeof value === "string" ? JSON.parse(value) : (value ?? [])) as unknown[][];
  const isDate = list.map((column) => timestamps.includes(column));
  const models: M[] = new Array(rows.length);
  for (let at = 0; at < rows.length; at++) {
    const row = rows[at]!;
    const model: Record<string, unknown> = {};
    for (let index = 0; index < list.length; index++) {
      const field = row[index];
      model[list[index]!] = !isDate[index] || field === null || field === undefined ? field : new Date(typeof field === "number" ? field : `${field}Z`);
    }
    models[at] = model as M;
  }
  return models;
}

/** Characters a PostgreSQL array literal's element may hold unquoted (ids are made of these). */
const PLAIN_ELEMENT = /^[A-Za-z0-9_\-.:]+$/;

/**
 * A list of strings as one `text[]` parameter written as an array literal (`{a,b}`), for `= ANY(…)`: Prisma hands a
 * JavaScript array to its query compiler element by element, which cost about 2 ms of CPU per 1,000 ids and per
 * occurrence in the statement (the cutover plan names its 1,000 accounts a dozen times); one string costs nothing.
 * Elements that need it are quoted and escaped, so any string is kept as is.
 */
export function textArray(values: readonly string[]): Prisma.Sql {
  const literal = `{${values
    .map((value) => (PLAIN_ELEMENT.test(value) && value.toUpperCase() !== "NULL" ? value : `"${value.replace(/[\\"]/g, "\\$&")}"`))
    .join(",")}}`;
  return Prisma.sql`${literal}::text[]`;
}
