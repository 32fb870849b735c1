import {
  invalidInput,
  Prisma,
  serializable,
  type Account,
  type EnterprisePermissionKind,
  type OrgPermissionKind,
  type Organization,
  type PrismaClient,
  type Tx,
} from "@sso-cutover/db";
import { recordAuditEvent, requireEnterpriseAdmin, requireVisibleEnterprise, type Actor } from "@sso-cutover/enterprise";
import { accessReviews, permissionKey, requireVisibleAccountIds } from "@sso-cutover/membership";
import { tokensBreakingWith, type BreakingToken } from "@sso-cutover/tokens";

/**
 * Accounts one dry run or removal may name. The plan for 1,000 accounts kept the server busy for over 100 ms at a
 * stretch (tests/security/bounded-work.test.ts measures /health while the largest allowed request runs); 500 stays
 * within that budget. A larger cutover is planned and applied in batches.
 */
export const MAX_ACCOUNTS_PER_REMOVAL = 500;

/** `localeCompare`'s order, without building a collator per comparison (thousands of memberships are sorted). */
const byLocale = new Intl.Collator();

export interface RemoveDevopsAccountsInput extends AccessLossAcknowledgementInput {
  enterpriseKey: string;
  accountIds: readonly string[];
  dryRun: boolean;
}

/** R9 (d): whose loss of access the admin accepts; either list the DOP accounts or accept every loss. */
export interface AccessLossAcknowledgementInput {
  /** DOP accounts (among those removed) whose people may lose organizations they cannot reach with SSO. */
  acknowledgeAccessLoss?: readonly string[] | null;
  /** Accept the access loss of every person in the batch. */
  acknowledgeAll?: boolean | null;
}

export type CutoverViolationCode =
  | "NO_BREAK_GLASS_ADMIN"
  | "BITBUCKET_WITHOUT_DOP_ADMIN"
  | "ORGANIZATION_WITHOUT_ADMIN"
  | "UNACKNOWLEDGED_ACCESS_LOSS";

/** A rule of R9 the removal would break; any violation makes the real run change nothing. */
export interface CutoverViolation {
  code: CutoverViolationCode;
  message: string;
  organization: Organization | null;
  /** The DOP account the violation is about (UNACKNOWLEDGED_ACCESS_LOSS), else null. */
  account: Account | null;
}

/**
 * R9 (d): a person the removal leaves with no way into organizations they are in today: no linked SSO account,
 * or a linked SSO account that is not a member there.
 */
export interface AccessLoss {
  account: Account;
  ssoAccount: Account | null;
  organizations: Organization[];
  /** Named in `acknowledgeAccessLoss`, or `acknowledgeAll`: the loss does not block the removal. */
  acknowledged: boolean;
}

export interface RemovedMembership {
  account: Account;
  organization: Organization;
  /** Direct membership, or the groups of the organization the account belongs to (all removed). */
  direct: boolean;
  groups: string[];
  /** Permissions held directly on the organization (removed with the membership). */
  permissions: OrgPermissionKind[];
}

export interface RemovedEnterprisePermission {
  account: Account;
  permission: EnterprisePermissionKind;
}

export interface OrganizationLosingAdmin {
  organization: Organization;
  /** Admins before the removal, direct or through a group. */
  adminsBefore: number;
}

/** What a removed DOP account's person lacks on its SSO account in one organization (R4 applied to R9). */
export interface MissingSsoMembership {
  devopsAccount: Account;
  /** Null when the DOP account has no linked SSO account: the person loses the organization entirely. */
  ssoAccount: Account | null;
  organization: Organization;
  missing: string[];
}

/** Exactly what removing the DOP accounts does; the dry run and the real run return the same plan (R9). */
export interface CutoverPlan {
  enterpriseId: string;
  dryRun: boolean;
  /** True only for a real run without violations: the changes below were made. */
  applied: boolean;
  accounts: Account[];
  memberships: RemovedMembership[];
  enterprisePermissions: RemovedEnterprisePermission[];
  tokensThatBreak: BreakingToken[];
  organizationsLosingLastAdmin: OrganizationLosingAdmin[];
  missingSsoMemberships: MissingSsoMembership[];
  accessLoss: AccessLoss[];
  violations: CutoverViolation[];
  warnings: string[];
}

/** Checks the list of accounts: non-empty, bounded, existing DOP accounts of this enterprise. */
async function requireRemovableAccounts(tx: Tx, enterpriseId: string, accountIds: readonly string[]): Promise<Account[]> {
  if (accountIds.length === 0) throw invalidInput("input.accountIds", "Name at least one DOP account to remove.");
  if (accountIds.length > MAX_ACCOUNTS_PER_REMOVAL) {
    throw invalidInput(
      "input.accountIds",
      `At most ${MAX_ACCOUNTS_PER_REMOVAL} accounts per call (got ${accountIds.length}): split the removal into batches.`,
    );
  }
  const ids = [...new Set(accountIds)];
  // One statement with the id list as one array parameter, whatever its length.
  const accounts = await tx.$queryRaw<(Account & { belongs: boolean })[]>(Prisma.sql`
    SELECT a.*, (
      EXISTS (SELECT 1 FROM "OrgMembership" m JOIN "Organization" o ON o."id" = m."organizationId"
              WHERE m."accountId" = a."id" AND o."enterpriseId" = ${enterpriseId})
      OR EXISTS (SELECT 1 FROM "GroupMembership" gm JOIN "Group" g ON g."id" = gm."groupId" JOIN "Organization" o ON o."id" = g."organizationId"
                 WHERE gm."accountId" = a."id" AND o."enterpriseId" = ${enterpriseId})
      OR EXISTS (SELECT 1 FROM "EnterprisePermission" p WHERE p."accountId" = a."id" AND p."enterpriseId" = ${enterpriseId})
    ) AS "belongs"
    FROM "Account" a WHERE a."id" = ANY(${ids}::text[])`);
  const byId = new Map(accounts.map((account) => [account.id, account]));
  const problems: { index: number; id: string; reason: string }[] = [];
  accountIds.forEach((id, index) => {
    const account = byId.get(id);
    if (!account || account.deletedAt) problems.push({ index, id, reason: "no such account" });
    else if (account.kind !== "DEVOPS") problems.push({ index, id, reason: `${account.login} is an SSO account, not a DOP account` });
    else if (!account.belongs) problems.push({ index, id, reason: `${account.login} does not belong to this enterprise` });
  });
  if (problems.length > 0) {
    const first = problems[0]!;
    const shown = problems.slice(0, 5).map((problem) => `input.accountIds[${problem.index}]: ${problem.reason}`);
    throw invalidInput(
      `input.accountIds[${first.index}]`,
      `${problems.length} account(s) cannot be removed: ${shown.join("; ")}${problems.length > 5 ? "; …" : ""}.`,
      { refused: problems },
    );
  }
  return ids.map((id) => {
    const { belongs: _belongs, ...account } = byId.get(id)!;
    return account;
  });
}

/** The acknowledged DOP account ids; each must be one of the accounts removed (else the input is refused). */
function acknowledgedAccounts(accountIds: readonly string[], input: AccessLossAcknowledgementInput): (accountId: string) => boolean {
  if (input.acknowledgeAll) return () => true;
  const removed = new Set(accountIds);
  const listed = input.acknowledgeAccessLoss ?? [];
  const strangers = listed.flatMap((id, index) => (removed.has(id) ? [] : [index]));
  if (strangers.length > 0) {
    throw invalidInput(
      `input.acknowledgeAccessLoss[${strangers[0]}]`,
      `${strangers.length} acknowledged account(s) are not among the accounts removed (input.accountIds): ` +
        `${strangers.slice(0, 5).map((index) => `input.acknowledgeAccessLoss[${index}]`).join(", ")}${strangers.length > 5 ? ", …" : ""}.`,
    );
  }
  const acknowledged = new Set(listed);
  return (accountId) => acknowledged.has(accountId);
}

/**
 * R9: what removing these DOP accounts from every organization (and enterprise permission) of the enterprise
 * would do, computed in a fixed number of queries whatever the number of accounts.
 */
export async function planDevopsAccountRemoval(
  tx: Tx,
  enterpriseId: string,
  accountIds: readonly string[],
  now = new Date(),
  acknowledgement: AccessLossAcknowledgementInput = {},
): Promise<Omit<CutoverPlan, "dryRun" | "applied">> {
  const accounts = await requireRemovableAccounts(tx, enterpriseId, accountIds);
  const isAcknowledged = acknowledgedAccounts(accountIds, acknowledgement);
  const removed = new Set(accounts.map((account) => account.id));
  const accountsById = new Map(accounts.map((account) => [account.id, account]));

  const organizations = await tx.organization.findMany({ where: { enterpriseId }, orderBy: { key: "asc" } });
  const organizationIds = organizations.map((organization) => organization.id);
  const organizationsById = new Map(organizations.map((organization) => [organization.id, organization]));

  // Flat rows, the account and organization lists as one array parameter each: a fixed number of statements, and
  // little for the client to decode, whatever the number of accounts.
  const removedIds = [...removed];
  const [directMemberships, groupMemberships, directPermissions, enterprisePermissions, admins] = await Promise.all([
    tx.$queryRaw<{ accountId: string; organizationId: string }[]>(Prisma.sql`
      SELECT m."accountId", m."organizationId" FROM "OrgMembership" m
      WHERE m."accountId" = ANY(${removedIds}::text[]) AND m."organizationId" = ANY(${organizationIds}::text[])`),
    tx.$queryRaw<{ accountId: string; organizationId: string; name: string }[]>(Prisma.sql`
      SELECT gm."accountId", g."organizationId", g."name" FROM "GroupMembership" gm JOIN "Group" g ON g."id" = gm."groupId"
      WHERE gm."accountId" = ANY(${removedIds}::text[]) AND g."organizationId" = ANY(${organizationIds}::text[])`),
    tx.$queryRaw<{ accountId: string; organizationId: string; permission: OrgPermissionKind }[]>(Prisma.sql`
      SELECT p."accountId", p."organizationId", p."permission"::text AS "permission" FROM "OrgPermission" p
      WHERE p."accountId" = ANY(${removedIds}::text[]) AND p."organizationId" = ANY(${organizationIds}::text[])`),
    tx.enterprisePermission.findMany({
      where: { enterpriseId, account: { deletedAt: null } },
      include: { account: { select: { id: true, kind: true } } },
    }),
    // Everyone holding ADMIN on an organization of the enterprise, directly or through a group that holds ADMIN.
    tx.$queryRaw<{ accountId: string; organizationId: string; kind: "DEVOPS" | "SSO" }[]>(Prisma.sql`
      SELECT p."accountId", p."organizationId", a."kind"::text AS "kind" FROM "OrgPermission" p JOIN "Account" a ON a."id" = p."accountId"
      WHERE p."organizationId" = ANY(${organizationIds}::text[]) AND p."permission" = 'ADMIN' AND a."deletedAt" IS NULL
      UNION ALL
      SELECT gm."accountId", g."organizationId", a."kind"::text FROM "GroupMembership" gm
        JOIN "Group" g ON g."id" = gm."groupId" JOIN "Account" a ON a."id" = gm."accountId"
      WHERE g."organizationId" = ANY(${organizationIds}::text[]) AND a."deletedAt" IS NULL
        AND EXISTS (SELECT 1 FROM "GroupPermission" gp WHERE gp."groupId" = g."id" AND gp."permission" = 'ADMIN')`),
  ]);

  // Memberships removed, per account and organization.
  const membershipKey = (accountId: string, organizationId: string) => permissionKey(accountId, organizationId);
  const memberships = new Map<string, RemovedMembership>();
  const membershipOf = (accountId: string, organizationId: string): RemovedMembership => {
    const key = membershipKey(accountId, organizationId);
    let entry = memberships.get(key);
    if (!entry) {
      entry = {
        account: accountsById.get(accountId)!,
        organization: organizationsById.get(organizationId)!,
        direct: false,
        groups: [],
        permissions: [],
      };
      memberships.set(key, entry);
    }
    return entry;
  };
  for (const row of directMemberships) membershipOf(row.accountId, row.organizationId).direct = true;
  for (const row of groupMemberships) membershipOf(row.accountId, row.organizationId).groups.push(row.name);
  for (const row of directPermissions) membershipOf(row.accountId, row.organizationId).permissions.push(row.permission);
  const affectedOrganizations = new Set([...memberships.values()].map((entry) => entry.organization.id));

  // Admins per organization before and after, and DOP admins per organization after.
  const adminsByOrganization = new Map<string, Map<string, "DEVOPS" | "SSO">>();
  for (const row of admins) {
    let set = adminsByOrganization.get(row.organizationId);
    if (!set) adminsByOrganization.set(row.organizationId, (set = new Map()));
    set.set(row.accountId, row.kind);
  }
  const violations: CutoverViolation[] = [];
  const organizationsLosingLastAdmin: OrganizationLosingAdmin[] = [];
  for (const organization of organizations) {
    if (!affectedOrganizations.has(organization.id)) continue;
    const before = adminsByOrganization.get(organization.id) ?? new Map<string, "DEVOPS" | "SSO">();
    const after = [...before].filter(([accountId]) => !removed.has(accountId));
    // (c) is about what the removal does: an organization that already had no admin does not block the batch,
    // so the violation and `organizationsLosingLastAdmin` always name the same organizations.
    if (before.size > 0 && after.length === 0) {
      organizationsLosingLastAdmin.push({ organization, adminsBefore: before.size });
      violations.push({
        code: "ORGANIZATION_WITHOUT_ADMIN",
        message: `"${organization.key}" would have no admin left: grant ADMIN on it to an account that stays first.`,
        organization,
        account: null,
      });
    }
    const dopAdminRemoved = [...before].some(([accountId, kind]) => kind === "DEVOPS" && removed.has(accountId));
    if (organization.devopsPlatform === "BITBUCKET_CLOUD" && dopAdminRemoved && !after.some(([, kind]) => kind === "DEVOPS")) {
      violations.push({
        code: "BITBUCKET_WITHOUT_DOP_ADMIN",
        message:
          `"${organization.key}" is bound to Bitbucket Cloud, whose workspace only a DOP account can link: ` +
          "keep at least one DOP account with ADMIN on it.",
        organization,
        account: null,
      });
    }
  }

  // Enterprise permissions removed, and the break-glass rule (a).
  const removedEnterprisePermissions: RemovedEnterprisePermission[] = enterprisePermissions
    .filter((grant) => removed.has(grant.accountId))
    .map((grant) => ({ account: accountsById.get(grant.accountId)!, permission: grant.permission }));
  const dopAdministrators = enterprisePermissions.filter(
    (grant) => grant.permission === "ADMINISTER_ENTERPRISE" && grant.account.kind === "DEVOPS",
  );
  const breakGlassRemoved = dopAdministrators.some((grant) => removed.has(grant.accountId));
  if (breakGlassRemoved && dopAdministrators.every((grant) => removed.has(grant.accountId))) {
    violations.unshift({
      code: "NO_BREAK_GLASS_ADMIN",
      message:
        "No DOP account would keep Administer Enterprise: keep at least one as a break-glass account " +
        "(it is the way in when SSO is unavailable).",
      organization: null,
      account: null,
    });
  }

  // What each person lacks on the SSO side, in the organizations the DOP account is removed from.
  const removedFrom = new Map<string, Set<string>>();
  for (const entry of memberships.values()) {
    let organizationIdsOfAccount = removedFrom.get(entry.account.id);
    if (!organizationIdsOfAccount) removedFrom.set(entry.account.id, (organizationIdsOfAccount = new Set()));
    organizationIdsOfAccount.add(entry.organization.id);
  }
  // Only where a membership is removed: linear in the memberships, not in accounts × organizations.
  const reviews = await accessReviews(tx, [...removed], enterpriseId, { organizationsOf: removedFrom });
  const missingSsoMemberships: MissingSsoMembership[] = [];
  for (const account of accounts) {
    const review = reviews.get(account.id);
    for (const row of review?.organizations ?? []) {
      if (!affectedOrganizations.has(row.organization.id) || !row.dop.member || row.missingOnSso.length === 0) continue;
      if (!memberships.has(membershipKey(account.id, row.organization.id))) continue;
      missingSsoMemberships.push({
        devopsAccount: account,
        ssoAccount: review?.ssoAccount ?? null,
        organization: row.organization,
        missing: row.missingOnSso,
      });
    }
  }

  // R9 (d): organizations each person can no longer enter at all once the DOP account is gone.
  const accessLoss: AccessLoss[] = [];
  for (const account of accounts) {
    const review = reviews.get(account.id);
    const lost = (review?.organizations ?? [])
      .filter((row) => row.dop.member && !row.sso.member && memberships.has(membershipKey(account.id, row.organization.id)))
      .map((row) => row.organization);
    if (lost.length === 0) continue;
    const acknowledged = isAcknowledged(account.id);
    accessLoss.push({ account, ssoAccount: review?.ssoAccount ?? null, organizations: lost, acknowledged });
    if (!acknowledged) {
      const keys = lost.map((organization) => `"${organization.key}"`).join(", ");
      violations.push({
        code: "UNACKNOWLEDGED_ACCESS_LOSS",
        message: review?.ssoAccount
          ? `${account.login} would lose ${keys}: the linked SSO account ${review.ssoAccount.login} is not a member there. ` +
            "Give the SSO account that access first, or acknowledge the loss (acknowledgeAccessLoss)."
          : `${account.login} would lose ${keys} with no SSO account to sign in with. ` +
            "Have the person sign in with SSO and link the accounts first, or acknowledge the loss (acknowledgeAccessLoss).",
        organization: null,
        account,
      });
    }
  }

  const tokensThatBreak = await tokensBreakingWith(tx, [...removed], organizationIds, now);
  const unlinked = accounts.filter((account) => !reviews.get(account.id)?.ssoAccount);
  const warnings: string[] = [];
  if (unlinked.length > 0) {
    warnings.push(
      `${unlinked.length} DOP account(s) have no linked SSO account (${unlinked.slice(0, 5).map((a) => a.login).join(", ")}` +
        `${unlinked.length > 5 ? ", …" : ""}): those people lose access until they sign in with SSO.`,
    );
  }
  if (tokensThatBreak.length > 0) {
    warnings.push(`${tokensThatBreak.length} token(s) owned by these DOP accounts stop working for the enterprise's organizations.`);
  }

  return {
    enterpriseId,
    accounts,
    memberships: [...memberships.values()].sort(
      (a, b) => byLocale.compare(a.account.login, b.account.login) || byLocale.compare(a.organization.key, b.organization.key),
    ),
    enterprisePermissions: removedEnterprisePermissions,
    tokensThatBreak,
    organizationsLosingLastAdmin,
    missingSsoMemberships,
    accessLoss,
    violations,
    warnings,
  };
}

/**
 * R9: removes DOP accounts from every organization of the enterprise (memberships, group memberships,
 * organization permissions) and from its enterprise permissions. Enterprise admins only. The dry run returns
 * exactly what the real run would do; the real run refuses the whole batch when the plan has a violation.
 * One SERIALIZABLE transaction (R11): two admins racing cannot together remove the last break-glass account.
 */
export async function removeDevopsAccountsFromOrganizations(
  prisma: PrismaClient,
  actor: Actor,
  input: RemoveDevopsAccountsInput,
  now = new Date(),
): Promise<CutoverPlan> {
  return serializable(prisma, async (tx) => {
    const enterprise = await requireVisibleEnterprise(tx, actor.accountId, input.enterpriseKey);
    await requireEnterpriseAdmin(tx, actor.accountId, enterprise.id);
    if (input.accountIds.length <= MAX_ACCOUNTS_PER_REMOVAL) {
      await requireVisibleAccountIds(tx, actor.accountId, input.accountIds, (index) => `input.accountIds[${index}]`);
    }
    const plan = await planDevopsAccountRemoval(tx, enterprise.id, input.accountIds, now, input);
    if (input.dryRun || plan.violations.length > 0) return { ...plan, dryRun: input.dryRun, applied: false };

    const accountIds = plan.accounts.map((account) => account.id);
    const organizationIds = (await tx.organization.findMany({ where: { enterpriseId: enterprise.id }, select: { id: true } })).map(
      (organization) => organization.id,
    );
    const [memberships, groups, permissions, enterprisePermissions] = await Promise.all([
      tx.orgMembership.deleteMany({ where: { accountId: { in: accountIds }, organizationId: { in: organizationIds } } }),
      tx.groupMembership.deleteMany({ where: { accountId: { in: accountIds }, group: { organizationId: { in: organizationIds } } } }),
      tx.orgPermission.deleteMany({ where: { accountId: { in: accountIds }, organizationId: { in: organizationIds } } }),
      tx.enterprisePermission.deleteMany({ where: { accountId: { in: accountIds }, enterpriseId: enterprise.id } }),
    ]);
    await recordAccessLoss(tx, enterprise.id, actor, plan.accessLoss, now);
    await recordAuditEvent(tx, {
      enterpriseId: enterprise.id,
      actor,
      action: "cutover.devops_accounts_removed",
      target: { type: "Enterprise", id: enterprise.id },
      payload: {
        accounts: plan.accounts.map((account) => ({ id: account.id, login: account.login })),
        removed: {
          memberships: memberships.count,
          groupMemberships: groups.count,
          organizationPermissions: permissions.count,
          enterprisePermissions: enterprisePermissions.count,
        },
        accessLoss: plan.accessLoss.map((loss) => ({
          account: { id: loss.account.id, login: loss.account.login },
          organizations: loss.organizations.map((organization) => organization.key),
        })),
        // Not `tokensThatBreak`: audit keys starting with "token" are refused as secret-looking (R5).
        breakingTokens: plan.tokensThatBreak.map((breaking) => ({ id: breaking.token.id, name: breaking.token.name, owner: breaking.owner.login })),
      },
    });
    return { ...plan, dryRun: false, applied: true };
  });
}

/**
 * R9 (d): remembers who acknowledged which person's loss of which organization, so that readiness keeps showing
 * those people. A later acknowledgement of the same person and organization replaces the earlier one.
 */
async function recordAccessLoss(tx: Tx, enterpriseId: string, actor: Actor, losses: readonly AccessLoss[], now: Date): Promise<void> {
  const rows = losses.flatMap((loss) =>
    loss.organizations.map((organization) => ({
      enterpriseId,
      devopsAccountId: loss.account.id,
      organizationId: organization.id,
      acknowledgedById: actor.accountId,
      acknowledgedAt: now,
    })),
  );
  if (rows.length === 0) return;
  const accountsByOrganization = new Map<string, string[]>();
  for (const row of rows) {
    const ids = accountsByOrganization.get(row.organizationId) ?? [];
    ids.push(row.devopsAccountId);
    accountsByOrganization.set(row.organizationId, ids);
  }
  // One condition per organization keeps the statement small whatever the number of people.
  await tx.accessLossAcknowledgement.deleteMany({
    where: { OR: [...accountsByOrganization].map(([organizationId, devopsAccountIds]) => ({ organizationId, devopsAccountId: { in: devopsAccountIds } })) },
  });
  await tx.accessLossAcknowledgement.createMany({ data: rows });
}
