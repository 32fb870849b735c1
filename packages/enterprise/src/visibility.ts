import type { Prisma } from "@sso-cutover/db";

/**
 * Accounts that belong to an enterprise: members of one of its organizations (directly or through a group)
 * and the SSO accounts the enterprise's IdP created. Deleted accounts are excluded.
 */
export function enterpriseMembersWhere(enterpriseId: string): Prisma.AccountWhereInput {
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

/** Organizations a viewer may see: its own, and every organization of an enterprise it can see. */
export function visibleOrganizationWhere(viewerAccountId: string): Prisma.OrganizationWhereInput {
  return {
    OR: [
      { memberships: { some: { accountId: viewerAccountId } } },
      { enterprise: visibleEnterpriseWhere(viewerAccountId) },
    ],
  };
}

/** Accounts a viewer may load by id: itself, and the members of enterprises it can see. */
export function visibleAccountWhere(viewerAccountId: string): Prisma.AccountWhereInput {
  return {
    OR: [
      { id: viewerAccountId },
      { deletedAt: null, memberships: { some: { organization: { enterprise: visibleEnterpriseWhere(viewerAccountId) } } } },
      { deletedAt: null, kind: "SSO", enterprise: visibleEnterpriseWhere(viewerAccountId) },
    ],
  };
}
