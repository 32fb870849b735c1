import {
  ENTERPRISE_COLUMNS,
  ENTERPRISE_TIMESTAMPS,
  columnsFromJson,
  columnsJson,
  modelColumnsJson,
  modelsFromColumns,
  ORGANIZATION_COLUMNS,
  ORGANIZATION_TIMESTAMPS,
  Prisma,
  readComposed,
  type ComposedRead,
  type Enterprise,
  type Organization,
  type Tx,
} from "@sso-cutover/db";

/**
 * An organization with its enterprise, read in the same statement: null when the organization belongs to none. The
 * enterprise of an organization the viewer may see is one the viewer may see too (R15: the viewer is a member of the
 * organization, hence sees its enterprise, or sees the organization through its enterprise); the statement reads it
 * only then, so that it is absent rather than shown should that ever not hold.
 */
export type OrganizationWithEnterprise = Organization & { enterprise?: Enterprise | null };

/**
 * The columns a list of organizations by key and name shows (and its enterprise, read with it): with these, the
 * organizations read have no other column set, for a caller whose fields read no other.
 */
export const ORGANIZATION_LISTING_COLUMNS = ["id", "key", "name", "enterpriseId"] as const satisfies readonly (keyof Organization)[];

/**
 * R15: the organizations each account is a direct member of, among those the viewer may see (the rule of
 * `visibleOrganizationWhere`: the viewer's own organizations, directly or through a group, and every organization of
 * an enterprise the viewer sees — holder of one of its permissions, member of one of its organizations directly or
 * through a group, or one of its SSO accounts), by key, each with its enterprise. Every account asked about has an entry, empty when none.
 *
 * One statement whatever the number of accounts, written by hand: the viewer's organizations and enterprises are
 * found once, where the same filter as a Prisma relation filter is evaluated again for every membership, and Prisma
 * compiles a query naming a whole page of account ids anew at every call.
 */
export async function visibleOrganizationsOfAccounts(
  tx: Tx,
  viewerAccountId: string,
  accountIds: readonly string[],
): Promise<Map<string, OrganizationWithEnterprise[]>> {
  const ids = [...new Set(accountIds)];
  if (ids.length === 0) return new Map();
  const read = visibleOrganizationsRead(viewerAccountId, Prisma.sql`${ids}::text[]`);
  return read.answer(await readComposed(tx, [read]), ids);
}

/**
 * `visibleOrganizationsOfAccounts` as parts of a statement, for the accounts of `ids` (an expression of type text[],
 * e.g. a page read by the same statement), reading the organizations' `columns` (by default all of them). Its CTEs
 * are `viewer_organization`, `viewer_enterprise` and `membership`; its columns `org_memberships`,
 * `org_organizations` and `org_enterprises`.
 */
export function visibleOrganizationsRead(
  viewerAccountId: string,
  ids: Prisma.Sql,
  columns: readonly (keyof Organization & string)[] = ORGANIZATION_COLUMNS,
): ComposedRead<Map<string, OrganizationWithEnterprise[]>, [accountIds: readonly string[]]> {
  const timestamps = ORGANIZATION_TIMESTAMPS.filter((column) => columns.includes(column));
  // The memberships as (account, organization, position by key) and each organization once, one JSON array per
  // column (`columnsJson`): a page of 50 people names a few hundred memberships of a few dozen organizations.
  return {
    ctes: Prisma.sql`
    viewer_organization AS (
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
      SELECT m."accountId", m."organizationId", row_number() OVER (ORDER BY o."key") AS "position"
      FROM "OrgMembership" m JOIN "Organization" o ON o."id" = m."organizationId"
      WHERE m."accountId" = ANY(${ids})
        AND (o."id" IN (SELECT "id" FROM viewer_organization) OR o."enterpriseId" IN (SELECT "id" FROM viewer_enterprise))
    )`,
    columns: Prisma.sql`
      (SELECT ${columnsJson(['m."accountId"', 'm."organizationId"', 'm."position"'])} FROM membership m)::text AS "org_memberships",
      (SELECT ${modelColumnsJson("o", columns, timestamps)} FROM "Organization" o
         WHERE o."id" IN (SELECT "organizationId" FROM membership))::text AS "org_organizations",
      (SELECT ${modelColumnsJson("e", ENTERPRISE_COLUMNS, ENTERPRISE_TIMESTAMPS)} FROM "Enterprise" e
         WHERE e."id" IN (SELECT o."enterpriseId" FROM "Organization" o WHERE o."id" IN (SELECT "organizationId" FROM membership))
           AND e."id" IN (SELECT "id" FROM viewer_enterprise))::text AS "org_enterprises"`,
    answer(row, accountIds) {
      const result = new Map<string, OrganizationWithEnterprise[]>(accountIds.map((id) => [id, []]));
      const enterprises = new Map(
        modelsFromColumns<Enterprise>(columnsFromJson(row.org_enterprises, ENTERPRISE_COLUMNS.length), ENTERPRISE_COLUMNS, ENTERPRISE_TIMESTAMPS).map(
          (enterprise) => [enterprise.id, enterprise],
        ),
      );
      const organizations = new Map<string, OrganizationWithEnterprise>();
      const organizationColumns = columnsFromJson(row.org_organizations, columns.length);
      for (const organization of modelsFromColumns<OrganizationWithEnterprise>(organizationColumns, columns, timestamps)) {
        // The rows were built here: the enterprise is set on them rather than on copies.
        const enterprise = organization.enterpriseId === null ? null : enterprises.get(organization.enterpriseId);
        if (enterprise !== undefined) organization.enterprise = enterprise;
        organizations.set(organization.id, organization);
      }
      // Each account's organizations by key: the memberships in the order of their positions.
      const [accountColumn, organizationColumn, positions] = columnsFromJson(row.org_memberships, 3) as [string[], string[], number[]];
      const byPosition: number[] = new Array(positions.length);
      for (let index = 0; index < positions.length; index++) byPosition[positions[index]! - 1] = index;
      for (const index of byPosition) result.get(accountColumn[index]!)?.push(organizations.get(organizationColumn[index]!)!);
      return result;
    },
  };
}
