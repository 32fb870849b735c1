import { notFound, type AccountKind, type Enterprise, type Prisma, type Tx } from "@sso-cutover/db";
import { visibleEnterpriseWhere } from "@sso-cutover/enterprise";
import { invitationWhereForStatus } from "./invitations";

/**
 * Where a member of an enterprise stands in the cutover, relative to that enterprise. "Linked" below means
 * linked to an SSO account *of this enterprise*; a DOP account is "in the enterprise" when it belongs to one
 * of its organizations directly or through a group.
 *
 * DOP accounts
 * - NOT_INVITED  not linked, and no PENDING (unexpired) or ACCEPTED invitation of the enterprise for its email.
 * - INVITED      not linked, and such an invitation exists for its email (case-insensitive): the person was
 *                asked to sign in with SSO and has not linked the accounts yet.
 * - LINKED       linked, not deleted and still in the enterprise.
 * - DOP_REMOVED  linked, and deleted or no longer in the enterprise (the cutover is done for this person).
 *                A deleted DOP account that was never linked is no longer a member at all.
 * - REMOVED_WITHOUT_SSO  not linked, not deleted, no longer in the enterprise, and removed from it with an
 *                acknowledged loss of access (R9 d): the person has no way in and stays listed until linked.
 * SSO accounts (of the enterprise)
 * - SSO_ACTIVE   not linked to a DOP account.
 * - LINKED       linked to a DOP account that is still LINKED as above.
 * - DOP_REMOVED  linked to a DOP account that is DOP_REMOVED as above.
 */
export type CutoverStatus = "NOT_INVITED" | "INVITED" | "SSO_ACTIVE" | "LINKED" | "DOP_REMOVED" | "REMOVED_WITHOUT_SSO";

export const CUTOVER_STATUSES: readonly CutoverStatus[] = [
  "NOT_INVITED",
  "INVITED",
  "SSO_ACTIVE",
  "LINKED",
  "DOP_REMOVED",
  "REMOVED_WITHOUT_SSO",
];

type AccountWhere = Prisma.AccountWhereInput;

/** Belongs to one of the organizations matched by `organization`, directly or through a group. */
function inOrganizations(organization: Prisma.OrganizationWhereInput): AccountWhere {
  return {
    OR: [{ memberships: { some: { organization } } }, { groupMemberships: { some: { group: { organization } } } }],
  };
}

function notInOrganizations(organization: Prisma.OrganizationWhereInput): AccountWhere {
  return { memberships: { none: { organization } }, groupMemberships: { none: { group: { organization } } } };
}

/**
 * Members of the enterprises matched by the two filters: DOP accounts (not deleted) in one of their
 * organizations, their SSO accounts (not deleted), and DOP accounts linked to those SSO accounts — kept so
 * that a removed or deleted DOP account still shows as DOP_REMOVED — and DOP accounts (not deleted) removed
 * from their organizations with an acknowledged loss of access (R9 d), kept so that nobody vanishes.
 */
function membersWhere(organizationOfEnterprise: Prisma.OrganizationWhereInput, ssoAccountOfEnterprise: AccountWhere): AccountWhere {
  return {
    OR: [
      { kind: "DEVOPS", deletedAt: null, ...inOrganizations(organizationOfEnterprise) },
      { kind: "SSO", deletedAt: null, ...ssoAccountOfEnterprise },
      { kind: "DEVOPS", linkAsDevops: { is: { ssoAccount: ssoAccountOfEnterprise } } },
      { kind: "DEVOPS", deletedAt: null, accessLosses: { some: { organization: organizationOfEnterprise } } },
    ],
  };
}

/**
 * All members of the enterprise in the cutover's sense (see `membersWhere`), whatever their kind and status.
 * Unlike `enterpriseMembersWhere` of @sso-cutover/enterprise, it keeps the DOP accounts linked to the
 * enterprise's SSO accounts after they left or were deleted, so that they can be listed as DOP_REMOVED.
 */
export function enterpriseCutoverMembersWhere(enterpriseId: string): AccountWhere {
  return membersWhere({ enterpriseId }, { enterpriseId });
}

export interface EnterpriseMembersFilter {
  kind?: AccountKind | null;
  cutoverStatus?: CutoverStatus | null;
}

/**
 * Members of the enterprise, optionally only one kind and one cutover status, as a where-clause a connection
 * can page over. Async because INVITED/NOT_INVITED depend on invitations, which relate to accounts only by
 * email: the invited emails are read first (one query) and matched with `in`.
 */
export async function enterpriseMembersWhere(
  tx: Tx,
  enterpriseId: string,
  { kind, cutoverStatus }: EnterpriseMembersFilter = {},
  now: Date = new Date(),
): Promise<AccountWhere> {
  const clauses: AccountWhere[] = [enterpriseCutoverMembersWhere(enterpriseId)];
  if (kind) clauses.push({ kind });
  if (cutoverStatus) clauses.push(await cutoverStatusWhere(tx, enterpriseId, cutoverStatus, now));
  return { AND: clauses };
}

function linkedInEnterprise(enterpriseId: string): AccountWhere {
  return { linkAsDevops: { is: { ssoAccount: { enterpriseId } } } };
}

function notLinkedInEnterprise(enterpriseId: string): AccountWhere {
  return {
    OR: [{ linkAsDevops: { is: null } }, { linkAsDevops: { is: { ssoAccount: { enterpriseId: { not: enterpriseId } } } } }],
  };
}

function devopsAccountRemoved(enterpriseId: string): AccountWhere {
  return { OR: [{ deletedAt: { not: null } }, notInOrganizations({ enterpriseId })] };
}

function devopsAccountStillIn(enterpriseId: string): AccountWhere {
  return { deletedAt: null, ...inOrganizations({ enterpriseId }) };
}

/**
 * R9 (d): DOP accounts removed from the enterprise with an acknowledged loss of access and still without a
 * linked SSO account of it (see REMOVED_WITHOUT_SSO).
 */
export function removedWithoutSsoWhere(enterpriseId: string): AccountWhere {
  return {
    kind: "DEVOPS",
    deletedAt: null,
    accessLosses: { some: { enterpriseId } },
    AND: [notInOrganizations({ enterpriseId }), notLinkedInEnterprise(enterpriseId)],
  };
}

/** Invitations that count as "invited" for a DOP account's cutover status. */
function invitingWhere(enterpriseId: string, now: Date): Prisma.InvitationWhereInput {
  return { enterpriseId, OR: [invitationWhereForStatus("PENDING", now), invitationWhereForStatus("ACCEPTED", now)] };
}

/** Accounts whose cutover status in the enterprise is `status`; meant to be combined with `enterpriseCutoverMembersWhere`. */
async function cutoverStatusWhere(tx: Tx, enterpriseId: string, status: CutoverStatus, now: Date): Promise<AccountWhere> {
  switch (status) {
    case "SSO_ACTIVE":
      return { kind: "SSO", enterpriseId, deletedAt: null, linkAsSso: { is: null } };
    case "LINKED":
      return {
        OR: [
          { kind: "SSO", enterpriseId, deletedAt: null, linkAsSso: { is: { devopsAccount: devopsAccountStillIn(enterpriseId) } } },
          { kind: "DEVOPS", AND: [devopsAccountStillIn(enterpriseId), linkedInEnterprise(enterpriseId)] },
        ],
      };
    case "DOP_REMOVED":
      return {
        OR: [
          { kind: "SSO", enterpriseId, deletedAt: null, linkAsSso: { is: { devopsAccount: devopsAccountRemoved(enterpriseId) } } },
          { kind: "DEVOPS", AND: [linkedInEnterprise(enterpriseId), devopsAccountRemoved(enterpriseId)] },
        ],
      };
    case "REMOVED_WITHOUT_SSO":
      return removedWithoutSsoWhere(enterpriseId);
    case "INVITED":
    case "NOT_INVITED": {
      const invited = await tx.invitation.findMany({
        where: invitingWhere(enterpriseId, now),
        select: { emailNormalized: true },
        distinct: ["emailNormalized"],
      });
      const emails = invited.map((row) => row.emailNormalized);
      const unlinked: AccountWhere = { kind: "DEVOPS", AND: [devopsAccountStillIn(enterpriseId), notLinkedInEnterprise(enterpriseId)] };
      if (status === "INVITED") return { ...unlinked, emailNormalized: { in: emails } };
      return { ...unlinked, OR: [{ emailNormalized: null }, { emailNormalized: { notIn: emails } }] };
    }
  }
}

/**
 * Cutover status in the enterprise of each given account that is a member of it (others are absent from the
 * map), in five queries whatever the number of accounts.
 */
export async function cutoverStatuses(
  tx: Tx,
  accountIds: readonly string[],
  enterpriseId: string,
  now: Date = new Date(),
): Promise<Map<string, CutoverStatus>> {
  const result = new Map<string, CutoverStatus>();
  if (accountIds.length === 0) return result;
  const accounts = await tx.account.findMany({
    where: { id: { in: [...accountIds] } },
    select: {
      id: true,
      kind: true,
      enterpriseId: true,
      deletedAt: true,
      emailNormalized: true,
      linkAsDevops: { select: { ssoAccount: { select: { enterpriseId: true } } } },
      linkAsSso: { select: { devopsAccount: { select: { id: true, deletedAt: true } } } },
    },
  });
  const devopsIds = new Set<string>();
  const emails = new Set<string>();
  for (const account of accounts) {
    if (account.kind === "DEVOPS") devopsIds.add(account.id);
    if (account.linkAsSso) devopsIds.add(account.linkAsSso.devopsAccount.id);
    if (account.kind === "DEVOPS" && account.emailNormalized) emails.add(account.emailNormalized);
  }
  const [direct, viaGroups, invitations, accessLosses] = await Promise.all([
    tx.orgMembership.findMany({
      where: { accountId: { in: [...devopsIds] }, organization: { enterpriseId } },
      select: { accountId: true },
    }),
    tx.groupMembership.findMany({
      where: { accountId: { in: [...devopsIds] }, group: { organization: { enterpriseId } } },
      select: { accountId: true },
    }),
    tx.invitation.findMany({
      where: { ...invitingWhere(enterpriseId, now), emailNormalized: { in: [...emails] } },
      select: { emailNormalized: true },
    }),
    tx.accessLossAcknowledgement.findMany({
      where: { enterpriseId, devopsAccountId: { in: [...devopsIds] } },
      select: { devopsAccountId: true },
      distinct: ["devopsAccountId"],
    }),
  ]);
  const inEnterprise = new Set([...direct, ...viaGroups].map((row) => row.accountId));
  const lostAccess = new Set(accessLosses.map((row) => row.devopsAccountId));
  const invitedEmails = new Set(invitations.map((row) => row.emailNormalized));
  const removed = (devops: { id: string; deletedAt: Date | null }) => devops.deletedAt !== null || !inEnterprise.has(devops.id);

  for (const account of accounts) {
    if (account.kind === "SSO") {
      if (account.enterpriseId !== enterpriseId || account.deletedAt) continue;
      const linked = account.linkAsSso?.devopsAccount;
      result.set(account.id, !linked ? "SSO_ACTIVE" : removed(linked) ? "DOP_REMOVED" : "LINKED");
      continue;
    }
    if (account.linkAsDevops?.ssoAccount.enterpriseId === enterpriseId) {
      result.set(account.id, removed(account) ? "DOP_REMOVED" : "LINKED");
    } else if (!account.deletedAt && inEnterprise.has(account.id)) {
      const invited = account.emailNormalized !== null && invitedEmails.has(account.emailNormalized);
      result.set(account.id, invited ? "INVITED" : "NOT_INVITED");
    } else if (!account.deletedAt && lostAccess.has(account.id)) {
      result.set(account.id, "REMOVED_WITHOUT_SSO");
    }
  }
  return result;
}

/** Cutover status of one account in the enterprise; null when it is not a member of it. */
export async function cutoverStatus(
  tx: Tx,
  accountId: string,
  enterpriseId: string,
  now: Date = new Date(),
): Promise<CutoverStatus | null> {
  return (await cutoverStatuses(tx, [accountId], enterpriseId, now)).get(accountId) ?? null;
}

/**
 * R15: the accounts a viewer may see, on every path: itself, the account it is linked to, every member (as above,
 * so also group-only members and linked DOP accounts that left) of an enterprise it can see
 * (`visibleEnterpriseWhere`), and the holders of that enterprise's permissions (its admins, who invite and link).
 */
export function visibleAccountWhere(viewerAccountId: string): AccountWhere {
  const visibleEnterprise = visibleEnterpriseWhere(viewerAccountId);
  return {
    OR: [
      { id: viewerAccountId },
      { linkAsDevops: { is: { ssoAccountId: viewerAccountId } } },
      { linkAsSso: { is: { devopsAccountId: viewerAccountId } } },
      membersWhere({ enterprise: visibleEnterprise }, { enterprise: visibleEnterprise }),
      { enterprisePermissions: { some: { enterprise: visibleEnterprise } } },
    ],
  };
}

/**
 * R15: refuses, as NOT_FOUND naming only the input field (e.g. `input.accountIds[2]`), the first id of an account
 * the viewer may not see, so that a mutation cannot be used to learn who an id is. One query.
 */
export async function requireVisibleAccountIds(
  tx: Tx,
  viewerAccountId: string,
  ids: readonly string[],
  fieldOf: (index: number) => string,
): Promise<void> {
  const visible = await tx.account.findMany({
    where: { id: { in: [...new Set(ids)] }, ...visibleAccountWhere(viewerAccountId) },
    select: { id: true },
  });
  const visibleIds = new Set(visible.map((account) => account.id));
  const index = ids.findIndex((id) => !visibleIds.has(id));
  if (index >= 0) throw notFound("No account with this id.", fieldOf(index));
}

/** R15: an identity link is seen by whoever may see both of its accounts. */
export function visibleIdentityLinkWhere(viewerAccountId: string): Prisma.IdentityLinkWhereInput {
  return { devopsAccount: visibleAccountWhere(viewerAccountId), ssoAccount: visibleAccountWhere(viewerAccountId) };
}

/** A question about an account within an enterprise: the one named, or else the account's own (see below). */
export interface EnterpriseScopedRequest {
  accountId: string;
  enterpriseKey?: string | null;
}

/**
 * For each request, the enterprise it is about, when the viewer can see it (null otherwise): the enterprise
 * named by key, or else the one the account's cutover belongs to — an SSO account's own enterprise, the
 * enterprise of a DOP account's linked SSO account, or the only enterprise whose organizations a DOP account
 * belongs to (null when it belongs to several: the caller must name one). Three queries whatever the count.
 */
export async function cutoverEnterprises(
  tx: Tx,
  viewerAccountId: string,
  requests: readonly EnterpriseScopedRequest[],
): Promise<(Enterprise | null)[]> {
  const keys = [...new Set(requests.flatMap((request) => (request.enterpriseKey ? [request.enterpriseKey] : [])))];
  const inferFor = [...new Set(requests.filter((request) => !request.enterpriseKey).map((request) => request.accountId))];
  const [named, accounts] = await Promise.all([
    keys.length
      ? tx.enterprise.findMany({ where: { key: { in: keys }, ...visibleEnterpriseWhere(viewerAccountId) } })
      : Promise.resolve([]),
    inferFor.length
      ? tx.account.findMany({
          where: { id: { in: inferFor } },
          select: {
            id: true,
            kind: true,
            enterpriseId: true,
            linkAsDevops: { select: { ssoAccount: { select: { enterpriseId: true } } } },
            memberships: { select: { organization: { select: { enterpriseId: true } } } },
            groupMemberships: { select: { group: { select: { organization: { select: { enterpriseId: true } } } } } },
          },
        })
      : Promise.resolve([]),
  ]);
  const inferred = new Map<string, string | null>();
  for (const account of accounts) {
    if (account.kind === "SSO") {
      inferred.set(account.id, account.enterpriseId);
    } else if (account.linkAsDevops) {
      inferred.set(account.id, account.linkAsDevops.ssoAccount.enterpriseId);
    } else {
      const enterpriseIds = new Set(
        [
          ...account.memberships.map((membership) => membership.organization.enterpriseId),
          ...account.groupMemberships.map((membership) => membership.group.organization.enterpriseId),
        ].filter((id): id is string => id !== null),
      );
      inferred.set(account.id, enterpriseIds.size === 1 ? ([...enterpriseIds][0] ?? null) : null);
    }
  }
  const inferredIds = [...new Set([...inferred.values()].filter((id): id is string => id !== null))];
  const visibleInferred = inferredIds.length
    ? await tx.enterprise.findMany({ where: { id: { in: inferredIds }, ...visibleEnterpriseWhere(viewerAccountId) } })
    : [];
  const byKey = new Map(named.map((enterprise) => [enterprise.key, enterprise]));
  const byId = new Map(visibleInferred.map((enterprise) => [enterprise.id, enterprise]));
  return requests.map((request) => {
    if (request.enterpriseKey) return byKey.get(request.enterpriseKey) ?? null;
    const enterpriseId = inferred.get(request.accountId);
    return enterpriseId ? (byId.get(enterpriseId) ?? null) : null;
  });
}

/**
 * Cutover status of each requested account in its enterprise (see `cutoverEnterprises`), for a viewer: null
 * when the enterprise is not visible to the viewer or the account is not a member of it. A fixed number of
 * queries per enterprise involved, whatever the number of accounts.
 */
export async function cutoverStatusesForViewer(
  tx: Tx,
  viewerAccountId: string,
  requests: readonly EnterpriseScopedRequest[],
  now: Date = new Date(),
): Promise<(CutoverStatus | null)[]> {
  const enterprises = await cutoverEnterprises(tx, viewerAccountId, requests);
  const byEnterprise = groupByEnterprise(requests, enterprises);
  const statuses = new Map<string, Map<string, CutoverStatus>>();
  await Promise.all(
    [...byEnterprise].map(async ([enterpriseId, accountIds]) => {
      statuses.set(enterpriseId, await cutoverStatuses(tx, accountIds, enterpriseId, now));
    }),
  );
  return requests.map((request, index) => {
    const enterprise = enterprises[index];
    return enterprise ? (statuses.get(enterprise.id)?.get(request.accountId) ?? null) : null;
  });
}

/** Enterprise id → the distinct account ids asked about in it. */
export function groupByEnterprise(
  requests: readonly EnterpriseScopedRequest[],
  enterprises: readonly (Enterprise | null)[],
): Map<string, string[]> {
  const groups = new Map<string, Set<string>>();
  requests.forEach((request, index) => {
    const enterprise = enterprises[index];
    if (!enterprise) return;
    let group = groups.get(enterprise.id);
    if (!group) groups.set(enterprise.id, (group = new Set()));
    group.add(request.accountId);
  });
  return new Map([...groups].map(([enterpriseId, ids]) => [enterpriseId, [...ids]]));
}
