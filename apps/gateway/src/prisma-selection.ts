/**
 * Whether a Prisma query planned from a GraphQL selection (`queryFromInfo`, a connection's `query`) asks for more of
 * a model than its own columns: relations, counts. Rows a domain statement read with every column (see
 * `packages/db/src/model-rows.ts`) then answer the selection as they are, without a second read through Prisma.
 */
export function selectsOnlyColumns(query: object): boolean {
  const { include, select } = query as { include?: Record<string, unknown>; select?: Record<string, unknown> };
  if (include && Object.values(include).some((value) => value !== undefined && value !== false)) return false;
  if (select && Object.values(select).some((value) => typeof value === "object" && value !== null)) return false;
  return true;
}
