import { ORGANIZATION_COLUMNS, Prisma, rowOf, selectColumns, type Organization, type Tx, readRows } from "@sso-cutover/db";

/**
 * R15: the organizations each account is a direct member of, among those the viewer may see (the rule of
 * `visibleOrganizationWhere`: the viewer's own organizations, directly or through a group, and every organization of
 * an enterprise the viewer sees — holder of one of its permissions, member of one of its organizations directly or
 * through a group, or one of its SSO accounts), by key. Every account asked about has an entry, empty when none.
 *
 * One statement whatever the number of accounts, written by hand: the viewer's organizations and enterprises are
 * found once, where the same filter as a Prisma relation filter is evaluated again for every membership, and Prisma
 * compiles a query naming a whole page of account ids anew at every call.
 */
export async function visibleOrganizationsOfAccounts(
  tx: Tx,
  viewerAccountId: string,
  accountIds: readonly string[],
): Promise<Map<string, Organization[]>> {
  const ids = [...new Set(accountIds)];
  const result = new Map<string, Organization[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return result;
  const rows = await readRows<Record<string, unknown>>(tx, Prisma.sql`
    WITH viewer_organization AS (
      SELECT m."organizationId" AS "id" FROM "OrgMembership" m WHERE m."accountId" = ${viewerAccountId}
      UNION
      SELECT g."organizationId" FROM "GroupMembership" gm JOIN "Group" g ON g."id" = gm."groupId" WHERE gm."accountId" = ${viewerAccountId}
    ),
    viewer_enterprise AS (
      SELECT ep."enterpriseId" AS "id" FROM "EnterprisePermission" ep WHERE ep."accountId" = ${viewerAccountId}
      UNION
      SELECT o."enterpriseId" FROM "Organization" o WHERE o."id" IN (SELECT "id" FROM viewer_organization) AND o."enterpriseId" IS NOT NULL
      UNION
      SELECT a."enterpriseId" FROM "Account" a WHERE a."id" = ${viewerAccountId} AND a."enterpriseId" IS NOT NULL
    )
    SELECT m."accountId", ${selectColumns("o", ORGANIZATION_COLUMNS)}
    FROM "OrgMembership" m JOIN "Organization" o ON o."id" = m."organizationId"
    WHERE m."accountId" = ANY(${ids}::text[])
      AND (o."id" IN (SELECT "id" FROM viewer_organization) OR o."enterpriseId" IN (SELECT "id" FROM viewer_enterprise))
    ORDER BY m."accountId", o."key"`);
  for (const row of rows) result.get(row.accountId as string)!.push(rowOf<Organization>(row, "o", ORGANIZATION_COLUMNS)!);
  return result;
}
