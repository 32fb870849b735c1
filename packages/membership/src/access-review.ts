import { forbidden, type Account, type Enterprise, type OrgPermissionKind, type Organization, type Tx } from "@sso-cutover/db";
import { holdsEnterprisePermission, type Actor } from "@sso-cutover/enterprise";
import { cutoverEnterprises, enterpriseCutoverMembersWhere, groupByEnterprise, type EnterpriseScopedRequest } from "./members";
import { ORG_PERMISSIONS, effectiveOrgPermissions, permissionKey } from "./org-permissions";

/** What an SSO account can lack compared with its DOP account in one organization. */
export type AccessRequirement = "MEMBERSHIP" | OrgPermissionKind;

export type AccessReviewStatus = "OK" | "MISSING_MEMBERSHIP" | "MISSING_PERMISSIONS";

/** One account's access to one organization; membership counts direct and group-derived memberships. */
export interface OrganizationAccess {
  member: boolean;
  /** Effective permissions (direct and through groups), in `ORG_PERMISSIONS` order. */
  permissions: OrgPermissionKind[];
}

export interface AccessReviewRow {
  organization: Organization;
  dop: OrganizationAccess;
  sso: OrganizationAccess;
  /** `MEMBERSHIP` first when the SSO account is not a member, then each permission the SSO account lacks. */
  missingOnSso: AccessRequirement[];
  status: AccessReviewStatus;
}

/** R4 for one person: its DOP account and SSO account (either may be missing), one row per organization. */
export interface AccessReview {
  /** The account the review was asked for (either side of the link). */
  accountId: string;
  devopsAccount: Account | null;
  ssoAccount: Account | null;
  organizations: AccessReviewRow[];
  /** The worst row status: MISSING_MEMBERSHIP over MISSING_PERMISSIONS over OK. */
  status: AccessReviewStatus;
}

const NO_ACCESS: OrganizationAccess = { member: false, permissions: [] };

/**
 * R4: access parity of many people at once, in six queries whatever their number (it backs
 * `members { accessReview }`). Each given account stands for a person: a DOP account brings its linked SSO
 * account and vice versa. For each organization of the enterprise, compares what the DOP account has with
 * what the SSO account has and lists what the SSO account lacks. Unknown account ids are absent from the map.
 */
export async function accessReviews(
  tx: Tx,
  accountIds: readonly string[],
  enterpriseId: string,
): Promise<Map<string, AccessReview>> {
  const reviews = new Map<string, AccessReview>();
  if (accountIds.length === 0) return reviews;
  const [accounts, organizations] = await Promise.all([
    tx.account.findMany({
      where: { id: { in: [...accountIds] } },
      include: { linkAsDevops: { include: { ssoAccount: true } }, linkAsSso: { include: { devopsAccount: true } } },
    }),
    tx.organization.findMany({ where: { enterpriseId }, orderBy: { key: "asc" } }),
  ]);

  const people = accounts.map((account) => ({
    accountId: account.id,
    devopsAccount: account.kind === "DEVOPS" ? account : (account.linkAsSso?.devopsAccount ?? null),
    ssoAccount: account.kind === "SSO" ? account : (account.linkAsDevops?.ssoAccount ?? null),
  }));
  const personAccountIds = [
    ...new Set(people.flatMap((person) => [person.devopsAccount?.id, person.ssoAccount?.id]).filter((id): id is string => !!id)),
  ];
  const organizationIds = organizations.map((organization) => organization.id);

  const [direct, viaGroups, permissions] = await Promise.all([
    tx.orgMembership.findMany({
      where: { accountId: { in: personAccountIds }, organizationId: { in: organizationIds } },
      select: { accountId: true, organizationId: true },
    }),
    tx.groupMembership.findMany({
      where: { accountId: { in: personAccountIds }, group: { organizationId: { in: organizationIds } } },
      select: { accountId: true, group: { select: { organizationId: true } } },
    }),
    effectiveOrgPermissions(tx, personAccountIds, organizationIds),
  ]);
  const memberships = new Set([
    ...direct.map((row) => permissionKey(row.accountId, row.organizationId)),
    ...viaGroups.map((row) => permissionKey(row.accountId, row.group.organizationId)),
  ]);
  const accessOf = (account: Account | null, organizationId: string): OrganizationAccess => {
    if (!account) return NO_ACCESS;
    const key = permissionKey(account.id, organizationId);
    const held = permissions.get(key);
    return {
      member: memberships.has(key),
      permissions: ORG_PERMISSIONS.filter((permission) => held?.has(permission)),
    };
  };

  for (const person of people) {
    const rows = organizations.map((organization): AccessReviewRow => {
      const dop = accessOf(person.devopsAccount, organization.id);
      const sso = accessOf(person.ssoAccount, organization.id);
      return { organization, dop, sso, ...compareAccess(dop, sso) };
    });
    const status: AccessReviewStatus = rows.some((r) => r.status === "MISSING_MEMBERSHIP")
      ? "MISSING_MEMBERSHIP"
      : rows.some((r) => r.status === "MISSING_PERMISSIONS")
        ? "MISSING_PERMISSIONS"
        : "OK";
    reviews.set(person.accountId, { ...person, organizations: rows, status });
  }
  return reviews;
}

/** R4 in one organization: what the SSO account lacks compared with the DOP account, and the row's status. */
export function compareAccess(dop: OrganizationAccess, sso: OrganizationAccess): Pick<AccessReviewRow, "missingOnSso" | "status"> {
  const missingMembership = dop.member && !sso.member;
  const missingPermissions = dop.permissions.filter((permission) => !sso.permissions.includes(permission));
  const missingOnSso: AccessRequirement[] = [...(missingMembership ? (["MEMBERSHIP"] as const) : []), ...missingPermissions];
  const status: AccessReviewStatus = missingMembership ? "MISSING_MEMBERSHIP" : missingPermissions.length > 0 ? "MISSING_PERMISSIONS" : "OK";
  return { missingOnSso, status };
}

/** R4 for one account; null when the account does not exist. */
export async function accessReview(tx: Tx, accountId: string, enterpriseId: string): Promise<AccessReview | null> {
  return (await accessReviews(tx, [accountId], enterpriseId)).get(accountId) ?? null;
}

/**
 * Which of the given accounts the actor may review in the enterprise, in three queries whatever their number:
 * only members of the enterprise are reviewed at all; the actor may review itself and the account it is
 * linked to (either side of its link); an enterprise admin may review every member.
 */
export async function reviewableAccountIds(
  tx: Tx,
  actor: Pick<Actor, "accountId">,
  accountIds: readonly string[],
  enterpriseId: string,
): Promise<Set<string>> {
  if (accountIds.length === 0) return new Set();
  const [isAdmin, ownLink, members] = await Promise.all([
    holdsEnterprisePermission(tx, actor.accountId, enterpriseId),
    tx.identityLink.findFirst({
      where: { OR: [{ devopsAccountId: actor.accountId }, { ssoAccountId: actor.accountId }] },
      select: { devopsAccountId: true, ssoAccountId: true },
    }),
    tx.account.findMany({
      where: { AND: [{ id: { in: [...accountIds] } }, enterpriseCutoverMembersWhere(enterpriseId)] },
      select: { id: true },
    }),
  ]);
  const own = new Set([actor.accountId, ownLink?.devopsAccountId, ownLink?.ssoAccountId]);
  return new Set(members.map((member) => member.id).filter((id) => isAdmin || own.has(id)));
}

/** FORBIDDEN unless the actor may review the account's access in the enterprise (see `reviewableAccountIds`). */
export async function requireCanReviewAccess(tx: Tx, actor: Pick<Actor, "accountId">, accountId: string, enterpriseId: string): Promise<void> {
  const allowed = await reviewableAccountIds(tx, actor, [accountId], enterpriseId);
  if (!allowed.has(accountId)) {
    throw forbidden("You may review only your own access (either of your linked accounts); enterprise admins may review any member's.");
  }
}

/** An access review together with the enterprise it was made in. */
export interface EnterpriseAccessReview extends AccessReview {
  enterprise: Enterprise;
}

/**
 * R4 as a viewer asks it, for many accounts at once (`members { accessReview }`): each request is about the
 * enterprise it names or else the account's own (`cutoverEnterprises`); the answer is null when that
 * enterprise is not visible or the viewer may not review the account (`reviewableAccountIds`). A fixed number
 * of queries per enterprise involved, whatever the number of accounts.
 */
export async function accessReviewsForViewer(
  tx: Tx,
  actor: Pick<Actor, "accountId">,
  requests: readonly EnterpriseScopedRequest[],
): Promise<(EnterpriseAccessReview | null)[]> {
  const enterprises = await cutoverEnterprises(tx, actor.accountId, requests);
  const byEnterprise = groupByEnterprise(requests, enterprises);
  const reviews = new Map<string, Map<string, AccessReview>>();
  await Promise.all(
    [...byEnterprise].map(async ([enterpriseId, accountIds]) => {
      const allowed = await reviewableAccountIds(tx, actor, accountIds, enterpriseId);
      reviews.set(enterpriseId, await accessReviews(tx, [...allowed], enterpriseId));
    }),
  );
  return requests.map((request, index) => {
    const enterprise = enterprises[index];
    const review = enterprise ? reviews.get(enterprise.id)?.get(request.accountId) : undefined;
    return enterprise && review ? { ...review, enterprise } : null;
  });
}
