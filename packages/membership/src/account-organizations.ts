import {
  modelsFromTuples,
  modelTupleJson,
  ORGANIZATION_COLUMNS,
  ORGANIZATION_TIMESTAMPS,
  Prisma,
  readRows,
  type Organization,
  type Tx,
} from "@sso-cutover/db";

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
  // The memberships as (account, organization) pairs and each organization once, as JSON arrays of values: a page of
  // 50 people names a few hundred memberships of a few dozen organizations, and one text parses faster than as many
  // rows of columns.
  const [row] = await readRows<{ memberships: string | null; organizations: string | null }>(tx, Prisma.sql`
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
    ),
    membership AS MATERIALIZED (
      SELECT m."accountId", m."organizationId", o."key"
      FROM "OrgMembership" m JOIN "Organization" o ON o."id" = m."organizationId"
      WHERE m."accountId" = ANY(${ids}::text[])
        AND (o."id" IN (SELECT "id" FROM viewer_organization) OR o."enterpriseId" IN (SELECT "id" FROM viewer_enterprise))
    )
    SELECT
      (SELECT json_agg(json_build_array(m."accountId", m."organizationId") ORDER BY m."accountId", m."key") FROM membership m)::text AS "memberships",
      (SELECT json_agg(${modelTupleJson("o", ORGANIZATION_COLUMNS, ORGANIZATION_TIMESTAMPS)}) FROM "Organization" o
         WHERE o."id" IN (SELECT "organizationId" FROM membership))::text AS "organizations"`);
  const organizations = new Map(
    modelsFromTuples<Organization>(row!.organizations, ORGANIZATION_COLUMNS, ORGANIZATION_TIMESTAMPS).map((organization) => [organization.id, organization]),
  );
  const memberships = row!.memberships ? (JSON.parse(row!.memberships) as [string, string][]) : [];
  for (const [accountId, organizationId] of memberships) result.get(accountId)!.push(organizations.get(organizationId)!);
  return result;
}
