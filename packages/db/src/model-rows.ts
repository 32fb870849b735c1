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
  const value = (column: string) =>
    timestamps.includes(column) ? `(extract(epoch from ${alias}."${column}") * 1000)::float8` : `${alias}."${column}"`;
  return Prisma.raw(`json_build_array(${list.map(value).join(", ")})`);
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
