import { ENTERPRISE_COLUMNS, Prisma, type Enterprise, type Tx, readRows } from "@sso-cutover/db";

// R15: each type that belongs to an enterprise decides here (or in the package that owns it) who may see it, as a
// where-clause. The gateway applies these filters to every path that reaches an object of the type — lists,
// relations, `node`, `nodes`, mutation payloads — so a new field cannot show what its type hides.

/**
 * Accounts that belong to an enterprise now: members of one of its organizations (directly or through a group)
 * and the SSO accounts the enterprise's IdP created. Deleted accounts are excluded. (The membership package's
 * `enterpriseMembersWhere` also lists DOP accounts that already left, for the cutover's own bookkeeping.)
 */
export function enterpriseAccountsWhere(enterpriseId: string): Prisma.AccountWhereInput {
  return {
    deletedAt: null,
    OR: [
      { memberships: { some: { organization: { enterpriseId } } } },
      { groupMemberships: { some: { group: { organization: { enterpriseId } } } } },
      { kind: "SSO", enterpriseId },
    ],
  };
}

/** Enterprises a viewer may see: member of one of its organizations, permission holder, or one of its SSO accounts. */
export function visibleEnterpriseWhere(viewerAccountId: string): Prisma.EnterpriseWhereInput {
  return {
    OR: [
      { permissions: { some: { accountId: viewerAccountId } } },
      { organizations: { some: { memberships: { some: { accountId: viewerAccountId } } } } },
      { organizations: { some: { groups: { some: { memberships: { some: { accountId: viewerAccountId } } } } } } },
      { ssoAccounts: { some: { id: viewerAccountId } } },
    ],
  };
}

const ENTERPRISE_SELECT = Prisma.raw(ENTERPRISE_COLUMNS.map((column) => `e."${column}"`).join(", "));

/**
 * `visibleEnterpriseWhere` for hand-written statements: the enterprise row `alias` is one the viewer may see.
 * Membership of one of its organizations, directly or through a group, is the viewer's EnterpriseMember row, kept by
 * the database.
 */
export function visibleEnterpriseSql(alias: string, viewerAccountId: string): Prisma.Sql {
  const id = Prisma.raw(`${alias}."id"`);
  return Prisma.sql`(EXISTS (SELECT 1 FROM "EnterprisePermission" p WHERE p."enterpriseId" = ${id} AND p."accountId" = ${viewerAccountId})
    OR EXISTS (SELECT 1 FROM "EnterpriseMember" em WHERE em."enterpriseId" = ${id} AND em."accountId" = ${viewerAccountId})
    OR EXISTS (SELECT 1 FROM "Account" v WHERE v."id" = ${viewerAccountId} AND v."enterpriseId" = ${id}))`;
}

/**
 * The enterprise with this key when the viewer may see it (`visibleEnterpriseWhere`), else null, in one hand-written
 * statement: it is on the path of most requests, and Prisma compiled the where-clause's four relation filters at
 * every call (about 3 ms of CPU, three times the statement's own).
 */
export async function visibleEnterpriseByKey(tx: Tx, viewerAccountId: string, key: string): Promise<Enterprise | null> {
  const [enterprise] = await readRows<Enterprise>(tx, Prisma.sql`
    SELECT ${ENTERPRISE_SELECT} FROM "Enterprise" e WHERE e."key" = ${key} AND ${visibleEnterpriseSql("e", viewerAccountId)}`);
  return enterprise ?? null;
}

/** Enterprises where the viewer holds Administer Enterprise. */
export function administeredEnterpriseWhere(viewerAccountId: string): Prisma.EnterpriseWhereInput {
  return { permissions: { some: { accountId: viewerAccountId, permission: "ADMINISTER_ENTERPRISE" } } };
}

/**
 * Organizations a viewer may see: its own (directly or through a group), and every organization of an enterprise
 * it can see. An organization outside any enterprise is seen only by its members.
 */
export function visibleOrganizationWhere(viewerAccountId: string): Prisma.OrganizationWhereInput {
  return {
    OR: [
      { memberships: { some: { accountId: viewerAccountId } } },
      { groups: { some: { memberships: { some: { accountId: viewerAccountId } } } } },
      { enterprise: visibleEnterpriseWhere(viewerAccountId) },
    ],
  };
}

/** Audit events (R13) are read by the admins of their enterprise only. */
export function visibleAuditEventWhere(viewerAccountId: string): Prisma.AuditEventWhereInput {
  return { enterprise: administeredEnterpriseWhere(viewerAccountId) };
}

/** An enterprise's SSO connection is read by the holders of an enterprise permission there. */
export function visibleSsoConnectionWhere(viewerAccountId: string): Prisma.SsoConnectionWhereInput {
  return { enterprise: { permissions: { some: { accountId: viewerAccountId } } } };
}

/** An organization's groups are seen by whoever sees the organization. */
export function visibleGroupWhere(viewerAccountId: string): Prisma.GroupWhereInput {
  return { organization: visibleOrganizationWhere(viewerAccountId) };
}

/** IdP group mappings (R14) are part of the SSO connection: seen by those who see the connection. */
export function visibleSsoGroupMappingWhere(viewerAccountId: string): Prisma.SsoGroupMappingWhereInput {
  return { ssoConnection: visibleSsoConnectionWhere(viewerAccountId) };
}
