import type { AccountKind, Organization, Tx } from "@sso-cutover/db";
import type { Actor } from "@sso-cutover/enterprise";
import { permissionKey } from "./org-permissions";

/**
 * R9 for every path that removes memberships or permissions other than the cutover itself (directory import with
 * prune, organization permission changes): the state that matters is read before and after the change, inside the
 * same SERIALIZABLE transaction, and a change that breaks a rule is rolled back whole. The cutover's own plan
 * (`planDevopsAccountRemoval`) computes the same rules ahead of its writes; the codes and their meaning are shared.
 */
export type AccessRuleCode = "NO_BREAK_GLASS_ADMIN" | "BITBUCKET_WITHOUT_DOP_ADMIN" | "ORGANIZATION_WITHOUT_ADMIN" | "UNACKNOWLEDGED_ACCESS_LOSS";

export interface AccessRuleViolation {
  code: AccessRuleCode;
  message: string;
  organization: Organization | null;
  /** The DOP account the violation is about (UNACKNOWLEDGED_ACCESS_LOSS), else null. */
  accountId: string | null;
  accountLogin: string | null;
}

/** Who administers what: per organization the admins (direct or through a group) and their kind; DOP enterprise admins. */
export interface AdminState {
  organizations: Map<string, { organization: Organization; admins: Map<string, AccountKind> }>;
  /** DOP accounts (not deleted) holding Administer Enterprise: the break-glass accounts of R9 (a). */
  dopEnterpriseAdministrators: Set<string>;
}

/**
 * The admin state of the enterprise's organizations (all of them, or those named; with a null enterprise, the named
 * organizations outside any enterprise), in four statements.
 */
export async function adminState(tx: Tx, enterpriseId: string | null, organizationIds?: readonly string[]): Promise<AdminState> {
  const organizations = await tx.organization.findMany({
    where: { enterpriseId, ...(organizationIds ? { id: { in: [...organizationIds] } } : {}) },
    orderBy: { key: "asc" },
  });
  const ids = organizations.map((organization) => organization.id);
  const [direct, viaGroups, enterpriseAdmins] = await Promise.all([
    tx.orgPermission.findMany({
      where: { organizationId: { in: ids }, permission: "ADMIN", account: { deletedAt: null } },
      select: { accountId: true, organizationId: true, account: { select: { kind: true } } },
    }),
    tx.groupMembership.findMany({
      where: { account: { deletedAt: null }, group: { organizationId: { in: ids }, permissions: { some: { permission: "ADMIN" } } } },
      select: { accountId: true, account: { select: { kind: true } }, group: { select: { organizationId: true } } },
    }),
    tx.enterprisePermission.findMany({
      where: { enterpriseId: enterpriseId ?? { in: [] }, permission: "ADMINISTER_ENTERPRISE", account: { deletedAt: null, kind: "DEVOPS" } },
      select: { accountId: true },
    }),
  ]);
  const state: AdminState = {
    organizations: new Map(organizations.map((organization) => [organization.id, { organization, admins: new Map() }])),
    dopEnterpriseAdministrators: new Set(enterpriseAdmins.map((row) => row.accountId)),
  };
  for (const row of [...direct, ...viaGroups.map((row) => ({ ...row, organizationId: row.group.organizationId }))]) {
    state.organizations.get(row.organizationId)?.admins.set(row.accountId, row.account.kind);
  }
  return state;
}

/**
 * R9 (a), (b), (c) between two states, with the cutover's meaning: a rule is broken by what the change did — an
 * organization that already had no admin does not block it. (a) is checked only when `breakGlass` is asked for.
 */
export function adminRuleViolations(before: AdminState, after: AdminState, { breakGlass = true } = {}): AccessRuleViolation[] {
  const violations: AccessRuleViolation[] = [];
  if (breakGlass && before.dopEnterpriseAdministrators.size > 0 && after.dopEnterpriseAdministrators.size === 0) {
    violations.push({
      code: "NO_BREAK_GLASS_ADMIN",
      message:
        "No DOP account would keep Administer Enterprise: keep at least one as a break-glass account " +
        "(it is the way in when SSO is unavailable).",
      organization: null,
      accountId: null,
      accountLogin: null,
    });
  }
  for (const [organizationId, { organization, admins: adminsBefore }] of before.organizations) {
    const adminsAfter = after.organizations.get(organizationId)?.admins ?? new Map<string, AccountKind>();
    if (adminsBefore.size > 0 && adminsAfter.size === 0) {
      violations.push({
        code: "ORGANIZATION_WITHOUT_ADMIN",
        message: `"${organization.key}" would have no admin left: grant ADMIN on it to an account that stays first.`,
        organization,
        accountId: null,
        accountLogin: null,
      });
    }
    const dopAdminRemoved = [...adminsBefore].some(([accountId, kind]) => kind === "DEVOPS" && !adminsAfter.has(accountId));
    const dopAdminLeft = [...adminsAfter.values()].some((kind) => kind === "DEVOPS");
    const platformAfter = after.organizations.get(organizationId)?.organization.devopsPlatform ?? organization.devopsPlatform;
    if (platformAfter === "BITBUCKET_CLOUD" && dopAdminRemoved && !dopAdminLeft) {
      violations.push({
        code: "BITBUCKET_WITHOUT_DOP_ADMIN",
        message:
          `"${organization.key}" is bound to Bitbucket Cloud, whose workspace only a DOP account can link: ` +
          "keep at least one DOP account with ADMIN on it.",
        organization,
        accountId: null,
        accountLogin: null,
      });
    }
  }
  return violations;
}

const CHUNK = 5_000;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/** Which of these accounts are members of which organizations, directly or through a group: `permissionKey` pairs. */
async function membershipPairs(tx: Tx, accountIds: readonly string[], organizationIds: readonly string[]): Promise<Set<string>> {
  const pairs = new Set<string>();
  for (const ids of chunks(accountIds)) {
    const [direct, viaGroups] = await Promise.all([
      tx.orgMembership.findMany({
        where: { accountId: { in: ids }, organizationId: { in: [...organizationIds] } },
        select: { accountId: true, organizationId: true },
      }),
      tx.groupMembership.findMany({
        where: { accountId: { in: ids }, group: { organizationId: { in: [...organizationIds] } } },
        select: { accountId: true, group: { select: { organizationId: true } } },
      }),
    ]);
    for (const row of direct) pairs.add(permissionKey(row.accountId, row.organizationId));
    for (const row of viaGroups) pairs.add(permissionKey(row.accountId, row.group.organizationId));
  }
  return pairs;
}

/** R9 (d): a person left with no way into organizations they were in before the change. */
export interface AccessLossAfterChange {
  accountId: string;
  login: string;
  ssoAccountId: string | null;
  ssoLogin: string | null;
  organizations: Organization[];
  acknowledged: boolean;
}

/**
 * R9 (d), read after the change: of the DOP accounts that were members of these organizations before, those that
 * are no longer members (directly or through a group) and whose linked SSO account is not a member either.
 */
export async function accessLossAfterChange(
  tx: Tx,
  formerMemberships: readonly { accountId: string; organizationId: string }[],
  isAcknowledged: (account: { id: string; login: string }) => boolean,
): Promise<AccessLossAfterChange[]> {
  if (formerMemberships.length === 0) return [];
  const accountIds = [...new Set(formerMemberships.map((pair) => pair.accountId))];
  const organizationIds = [...new Set(formerMemberships.map((pair) => pair.organizationId))];
  const stillMember = await membershipPairs(tx, accountIds, organizationIds);
  const gone = formerMemberships.filter((pair) => !stillMember.has(permissionKey(pair.accountId, pair.organizationId)));
  if (gone.length === 0) return [];
  const goneAccountIds = [...new Set(gone.map((pair) => pair.accountId))];
  const accounts = new Map<string, { id: string; login: string; kind: AccountKind; ssoId: string | null; ssoLogin: string | null }>();
  for (const ids of chunks(goneAccountIds)) {
    const rows = await tx.account.findMany({
      where: { id: { in: ids } },
      select: { id: true, login: true, kind: true, linkAsDevops: { select: { ssoAccount: { select: { id: true, login: true, deletedAt: true } } } } },
    });
    for (const row of rows) {
      const sso = row.linkAsDevops?.ssoAccount;
      const live = sso && !sso.deletedAt ? sso : null;
      accounts.set(row.id, { id: row.id, login: row.login, kind: row.kind, ssoId: live?.id ?? null, ssoLogin: live?.login ?? null });
    }
  }
  const ssoIds = [...accounts.values()].flatMap((account) => (account.ssoId ? [account.ssoId] : []));
  const ssoMember = await membershipPairs(tx, ssoIds, organizationIds);
  const organizations = new Map(
    (await tx.organization.findMany({ where: { id: { in: organizationIds } } })).map((organization) => [organization.id, organization]),
  );
  const losses = new Map<string, AccessLossAfterChange>();
  for (const pair of gone) {
    const account = accounts.get(pair.accountId);
    if (!account || account.kind !== "DEVOPS") continue;
    if (account.ssoId && ssoMember.has(permissionKey(account.ssoId, pair.organizationId))) continue;
    let loss = losses.get(account.id);
    if (!loss) {
      loss = {
        accountId: account.id,
        login: account.login,
        ssoAccountId: account.ssoId,
        ssoLogin: account.ssoLogin,
        organizations: [],
        acknowledged: isAcknowledged(account),
      };
      losses.set(account.id, loss);
    }
    loss.organizations.push(organizations.get(pair.organizationId)!);
  }
  const result = [...losses.values()].sort((a, b) => a.login.localeCompare(b.login));
  for (const loss of result) loss.organizations.sort((a, b) => a.key.localeCompare(b.key));
  return result;
}

/** The UNACKNOWLEDGED_ACCESS_LOSS violations of these losses, worded like the cutover's. */
export function accessLossViolations(losses: readonly AccessLossAfterChange[], acknowledgeHint: string): AccessRuleViolation[] {
  return losses
    .filter((loss) => !loss.acknowledged)
    .map((loss) => {
      const keys = loss.organizations.map((organization) => `"${organization.key}"`).join(", ");
      return {
        code: "UNACKNOWLEDGED_ACCESS_LOSS" as const,
        message: loss.ssoLogin
          ? `${loss.login} would lose ${keys}: the linked SSO account ${loss.ssoLogin} is not a member there. ` +
            `Give the SSO account that access first, or acknowledge the loss (${acknowledgeHint}).`
          : `${loss.login} would lose ${keys} with no SSO account to sign in with. ` +
            `Have the person sign in with SSO and link the accounts first, or acknowledge the loss (${acknowledgeHint}).`,
        organization: null,
        accountId: loss.accountId,
        accountLogin: loss.login,
      };
    });
}

/**
 * R9 (d): remembers who acknowledged which person's loss of which organization (readiness keeps showing them). A
 * later acknowledgement of the same person and organization replaces the earlier one.
 */
export async function recordAcknowledgedAccessLoss(
  tx: Tx,
  enterpriseId: string,
  actor: Pick<Actor, "accountId"> | null,
  losses: readonly AccessLossAfterChange[],
  now: Date,
): Promise<void> {
  const rows = losses.flatMap((loss) =>
    loss.organizations.map((organization) => ({
      enterpriseId,
      devopsAccountId: loss.accountId,
      organizationId: organization.id,
      acknowledgedById: actor?.accountId ?? null,
      acknowledgedAt: now,
    })),
  );
  for (const part of chunks(rows, 1_000)) {
    await tx.accessLossAcknowledgement.deleteMany({
      where: { OR: part.map((row) => ({ organizationId: row.organizationId, devopsAccountId: row.devopsAccountId })) },
    });
    await tx.accessLossAcknowledgement.createMany({ data: part });
  }
}
