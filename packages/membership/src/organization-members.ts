import { ACCOUNT_COLUMNS, invalidInput, Prisma, rowOf, selectColumns, type Account, type AccountKind, type Tx, readRows } from "@sso-cutover/db";

/** Accounts one page of an organization's members may hold. */
export const MAX_ORGANIZATION_MEMBERS_PAGE = 100;
export const DEFAULT_ORGANIZATION_MEMBERS_PAGE = 20;

/** A forward page of an organization's members, by login: accounts after `after` (exclusive), at most `first`. */
export interface OrganizationMembersPage {
  first: number;
  after?: string | null;
  kind?: AccountKind | null;
}

/** One organization's page: its member accounts by login, and whether more follow. */
export interface OrganizationMemberPage {
  accounts: Account[];
  /**
   * R15: the ids of those of `accounts` the viewer certainly sees (`visibleAccountWhere`), as members of an organization of
   * an enterprise where the viewer holds a permission — DOP accounts, and SSO accounts of that enterprise. Whether
   * the viewer sees the others is for `visibleAccountWhere` to say.
   */
  visibleAccountIds: string[];
  hasNextPage: boolean;
}

/** Refuses a page size out of range, naming the argument. */
export function checkOrganizationMembersPage(page: OrganizationMembersPage): void {
  if (!Number.isInteger(page.first) || page.first < 0 || page.first > MAX_ORGANIZATION_MEMBERS_PAGE) {
    throw invalidInput("first", `first must be between 0 and ${MAX_ORGANIZATION_MEMBERS_PAGE}.`);
  }
}

/**
 * One page of members (accounts not deleted, directly or through a group of the organization, optionally of one
 * kind) of each organization, by login, for a viewer: null for an organization whose members the viewer may not
 * list — only its admins (ADMIN directly or through a group) and the admins of its enterprise may. One statement
 * whatever the number of organizations: each organization's page is cut in the database, in the database's own
 * order of logins (the order its cursors compare in), which Prisma cannot express for a union of two relations.
 * The accounts' rows come with it, so that a page whose selection needs nothing else costs no other statement.
 */
export async function organizationMemberPages(
  tx: Tx,
  viewerAccountId: string,
  organizationIds: readonly string[],
  page: OrganizationMembersPage,
): Promise<Map<string, OrganizationMemberPage | null>> {
  checkOrganizationMembersPage(page);
  const result = new Map<string, OrganizationMemberPage | null>(organizationIds.map((id) => [id, null]));
  if (organizationIds.length === 0) return result;
  const rows = await readRows<Record<string, unknown>>(tx, Prisma.sql`
    SELECT o."id" AS "organizationId", page.*,
           page."a.id" IS NOT NULL AND o."enterpriseId" IS NOT NULL
             AND (page."a.kind" = 'DEVOPS' OR page."a.enterpriseId" = o."enterpriseId")
             AND EXISTS (SELECT 1 FROM "EnterprisePermission" ep
                         WHERE ep."enterpriseId" = o."enterpriseId" AND ep."accountId" = ${viewerAccountId}) AS "visible"
    FROM "Organization" o
    LEFT JOIN LATERAL (
      SELECT ${selectColumns("a", ACCOUNT_COLUMNS)}
      FROM (
          SELECT m."accountId" FROM "OrgMembership" m WHERE m."organizationId" = o."id"
          UNION
          SELECT gm."accountId" FROM "GroupMembership" gm JOIN "Group" g ON g."id" = gm."groupId" WHERE g."organizationId" = o."id"
        ) member
        JOIN "Account" a ON a."id" = member."accountId"
      WHERE a."deletedAt" IS NULL
        AND (${page.kind ?? null}::text IS NULL OR a."kind"::text = ${page.kind ?? null}::text)
        AND (${page.after ?? null}::text IS NULL OR a."login" > ${page.after ?? null}::text)
      ORDER BY a."login"
      LIMIT ${page.first + 1}
    ) page ON true
    WHERE o."id" = ANY(${[...organizationIds]}::text[])
      AND (
        EXISTS (SELECT 1 FROM "OrgPermission" p
                WHERE p."organizationId" = o."id" AND p."accountId" = ${viewerAccountId} AND p."permission" = 'ADMIN')
        OR EXISTS (SELECT 1 FROM "GroupMembership" gm
                   JOIN "Group" g ON g."id" = gm."groupId"
                   JOIN "GroupPermission" gp ON gp."groupId" = g."id"
                   WHERE g."organizationId" = o."id" AND gm."accountId" = ${viewerAccountId} AND gp."permission" = 'ADMIN')
        OR EXISTS (SELECT 1 FROM "EnterprisePermission" ep
                   WHERE ep."enterpriseId" = o."enterpriseId" AND ep."accountId" = ${viewerAccountId}
                     AND ep."permission" = 'ADMINISTER_ENTERPRISE')
      )
    ORDER BY o."id", page."a.login"
  `);
  for (const row of rows) {
    const organizationId = row.organizationId as string;
    let members = result.get(organizationId);
    if (!members) result.set(organizationId, (members = { accounts: [], visibleAccountIds: [], hasNextPage: false }));
    const account = rowOf<Account>(row, "a", ACCOUNT_COLUMNS);
    if (!account) continue;
    members.accounts.push(account);
    if (row.visible === true) members.visibleAccountIds.push(account.id);
  }
  for (const members of result.values()) {
    if (members && members.accounts.length > page.first) {
      const beyond = new Set(members.accounts.splice(page.first).map((account) => account.id));
      members.visibleAccountIds = members.visibleAccountIds.filter((id) => !beyond.has(id));
      members.hasNextPage = true;
    }
  }
  return result;
}
