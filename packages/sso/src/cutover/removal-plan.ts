import {
  ACCOUNT_COLUMNS,
  ACCOUNT_TIMESTAMPS,
  invalidInput,
  localeRanks,
  modelsFromTuples,
  modelTupleJson,
  ORGANIZATION_COLUMNS,
  ORGANIZATION_TIMESTAMPS,
  Prisma,
  serializable,
  textArray,
  TOKEN_COLUMNS,
  TOKEN_TIMESTAMPS,
  type Account,
  type EnterprisePermissionKind,
  type OrgPermissionKind,
  type Organization,
  type PrismaClient,
  type Token,
  type Tx,
} from "@sso-cutover/db";
import { recordAuditEvent, requireEnterpriseAdmin, requireVisibleEnterprise, type Actor } from "@sso-cutover/enterprise";
import { compareAccess, ORG_PERMISSIONS, permissionKey, requireVisibleAccountIds, type OrganizationAccess } from "@sso-cutover/membership";
import { tokensBreakingFrom, type BreakingToken } from "@sso-cutover/tokens";

/**
 * Accounts one dry run or removal may name (R15, bounded work): the plan for 1,000 accounts is a fixed number of
 * statements whose answers are JSON values, and yields to other requests between its stretches, so that the
 * server keeps answering (tests/security/bounded-work.test.ts measures /health while the largest allowed request
 * runs). A larger cutover is planned and applied in batches.
 */
export const MAX_ACCOUNTS_PER_REMOVAL = 1000;

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

/** The DOP accounts to remove, in the order named, and the SSO account each is linked to (if any). */
interface RemovableAccounts {
  accounts: Account[];
  ssoAccountOf: Map<string, Account>;
}

/**
 * Checks the list of accounts: non-empty, bounded, existing DOP accounts of this enterprise; reads their identity
 * links' SSO accounts along. One statement, the id list as one array parameter whatever its length.
 * `beforeRefusal` runs before a refusal is thrown (the caller's visibility check, whose NOT_FOUND comes first).
 */
async function requireRemovableAccounts(
  tx: Tx,
  enterpriseId: string,
  accountIds: readonly string[],
  beforeRefusal: () => Promise<void>,
): Promise<RemovableAccounts> {
  if (accountIds.length === 0) throw invalidInput("input.accountIds", "Name at least one DOP account to remove.");
  if (accountIds.length > MAX_ACCOUNTS_PER_REMOVAL) {
    throw invalidInput(
      "input.accountIds",
      `At most ${MAX_ACCOUNTS_PER_REMOVAL} accounts per call (got ${accountIds.length}): split the removal into batches.`,
    );
  }
  const ids = [...new Set(accountIds)];
  const [row] = await tx.$queryRaw<{ accounts: unknown; outside: unknown; links: unknown; ssoAccounts: unknown }[]>(Prisma.sql`
    WITH asked AS (SELECT a.* FROM "Account" a WHERE a."id" = ANY(${textArray(ids)})),
    link AS (SELECT l."devopsAccountId", l."ssoAccountId" FROM "IdentityLink" l WHERE l."devopsAccountId" IN (SELECT "id" FROM asked))
    SELECT
      (SELECT json_agg(${modelTupleJson("a", ACCOUNT_COLUMNS, ACCOUNT_TIMESTAMPS)}) FROM asked a) AS "accounts",
      -- Who belongs, as one set (a membership of the enterprise, directly or through a group: its EnterpriseMember
      -- row; or an enterprise permission) rather than lookups per account.
      (SELECT json_agg(a."id") FROM asked a WHERE a."id" NOT IN (
        SELECT em."accountId" FROM "EnterpriseMember" em WHERE em."accountId" = ANY(${textArray(ids)}) AND em."enterpriseId" = ${enterpriseId}
        UNION
        SELECT p."accountId" FROM "EnterprisePermission" p WHERE p."accountId" = ANY(${textArray(ids)}) AND p."enterpriseId" = ${enterpriseId}
      )) AS "outside",
      (SELECT json_agg(json_build_array(l."devopsAccountId", l."ssoAccountId")) FROM link l) AS "links",
      (SELECT json_agg(${modelTupleJson("s", ACCOUNT_COLUMNS, ACCOUNT_TIMESTAMPS)}) FROM "Account" s WHERE s."id" IN (SELECT "ssoAccountId" FROM link)) AS "ssoAccounts"`);
  const byId = new Map(modelsFromTuples<Account>(row!.accounts, ACCOUNT_COLUMNS, ACCOUNT_TIMESTAMPS).map((account) => [account.id, account]));
  const outside = new Set(jsonList<string>(row!.outside));
  const problems: { index: number; id: string; reason: string }[] = [];
  accountIds.forEach((id, index) => {
    const account = byId.get(id);
    if (!account || account.deletedAt) problems.push({ index, id, reason: "no such account" });
    else if (account.kind !== "DEVOPS") problems.push({ index, id, reason: `${account.login} is an SSO account, not a DOP account` });
    else if (outside.has(id)) problems.push({ index, id, reason: `${account.login} does not belong to this enterprise` });
  });
  if (problems.length > 0) {
    await beforeRefusal();
    const first = problems[0]!;
    const shown = problems.slice(0, 5).map((problem) => `input.accountIds[${problem.index}]: ${problem.reason}`);
    throw invalidInput(
      `input.accountIds[${first.index}]`,
      `${problems.length} account(s) cannot be removed: ${shown.join("; ")}${problems.length > 5 ? "; …" : ""}.`,
      { refused: problems },
    );
  }
  const ssoAccounts = new Map(modelsFromTuples<Account>(row!.ssoAccounts, ACCOUNT_COLUMNS, ACCOUNT_TIMESTAMPS).map((account) => [account.id, account]));
  const ssoAccountOf = new Map<string, Account>();
  for (const [devopsAccountId, ssoAccountId] of jsonList<[string, string]>(row!.links)) {
    const ssoAccount = ssoAccounts.get(ssoAccountId);
    if (ssoAccount) ssoAccountOf.set(devopsAccountId, ssoAccount);
  }
  return { accounts: ids.map((id) => byId.get(id)!), ssoAccountOf };
}

/** A JSON array read back (`json_agg` answers null for no row). */
function jsonList<T>(value: unknown): T[] {
  return (typeof value === "string" ? JSON.parse(value) : (value ?? [])) as T[];
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

/** What one account has in one organization of the enterprise: membership (direct or through a group) and permissions. */
interface HeldAccess {
  member: boolean;
  /** Null while none is held: most of the thousands of entries of a large plan hold no permission. */
  held: Set<OrgPermissionKind> | null;
}

const NO_ACCESS: OrganizationAccess = { member: false, permissions: [] };

/** The event loop's turn between two stretches of a large plan: no stretch of it keeps other requests waiting long. */
const yieldToOtherRequests = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * R9: what removing these DOP accounts from every organization (and enterprise permission) of the enterprise
 * would do, computed in a fixed number of statements whatever the number of accounts. Each statement answers a
 * few JSON values built by the database (memberships, permissions, admins per organization, tokens): for 1,000
 * accounts, the client decoding tens of thousands of rows and building models cost more than the rest of the plan.
 * `beforeRefusal`: see {@link requireRemovableAccounts}.
 */
export async function planDevopsAccountRemoval(
  tx: Tx,
  enterpriseId: string,
  accountIds: readonly string[],
  now = new Date(),
  acknowledgement: AccessLossAcknowledgementInput = {},
  beforeRefusal: () => Promise<void> = async () => {},
): Promise<Omit<CutoverPlan, "dryRun" | "applied">> {
  const { accounts, ssoAccountOf } = await requireRemovableAccounts(tx, enterpriseId, accountIds, beforeRefusal);
  const isAcknowledged = acknowledgedAccounts(accountIds, acknowledgement);
  const removedIds = accounts.map((account) => account.id);
  const removed = new Set(removedIds);
  const accountsById = new Map(accounts.map((account) => [account.id, account]));
  // Both sides of each person: the access review compares the DOP account with its SSO account.
  const sideIds = [...new Set([...removedIds, ...[...ssoAccountOf.values()].map((account) => account.id)])];

  // The enterprise: its organizations (in key order), its enterprise permissions, and per organization its admins
  // (direct or through a group holding ADMIN) before and after the removal.
  const [enterpriseRow] = await tx.$queryRaw<{ organizations: unknown; enterprisePermissions: unknown; admins: unknown }[]>(Prisma.sql`
    WITH org AS (SELECT o."id" FROM "Organization" o WHERE o."enterpriseId" = ${enterpriseId}),
    admin AS (
      SELECT p."accountId", p."organizationId", a."kind" FROM "OrgPermission" p JOIN "Account" a ON a."id" = p."accountId"
      WHERE p."organizationId" IN (SELECT "id" FROM org) AND p."permission" = 'ADMIN' AND a."deletedAt" IS NULL
      UNION ALL
      SELECT gm."accountId", g."organizationId", a."kind" FROM "GroupMembership" gm
        JOIN "Group" g ON g."id" = gm."groupId" JOIN "Account" a ON a."id" = gm."accountId"
      WHERE g."organizationId" IN (SELECT "id" FROM org) AND a."deletedAt" IS NULL
        AND EXISTS (SELECT 1 FROM "GroupPermission" gp WHERE gp."groupId" = g."id" AND gp."permission" = 'ADMIN')
    ),
    removed AS (SELECT DISTINCT unnest(${textArray(removedIds)}) AS "id"),
    admins AS (
      -- The removed accounts joined once (a hash join), rather than the id list searched for each admin row.
      SELECT ad."organizationId",
             count(DISTINCT ad."accountId") AS "before",
             count(DISTINCT ad."accountId") FILTER (WHERE r."id" IS NULL) AS "after",
             COALESCE(bool_or(ad."kind" = 'DEVOPS' AND r."id" IS NOT NULL), false) AS "devopsRemoved",
             COALESCE(bool_or(ad."kind" = 'DEVOPS' AND r."id" IS NULL), false) AS "devopsStays"
      FROM admin ad LEFT JOIN removed r ON r."id" = ad."accountId" GROUP BY ad."organizationId"
    )
    SELECT
      (SELECT json_agg(${modelTupleJson("o", ORGANIZATION_COLUMNS, ORGANIZATION_TIMESTAMPS)} ORDER BY o."key") FROM "Organization" o WHERE o."enterpriseId" = ${enterpriseId}) AS "organizations",
      (SELECT json_agg(json_build_array(p."accountId", p."permission", a."kind")) FROM "EnterprisePermission" p
         LEFT JOIN "Account" a ON a."id" = p."accountId" WHERE p."enterpriseId" = ${enterpriseId} AND a."deletedAt" IS NULL) AS "enterprisePermissions",
      (SELECT json_agg(json_build_array(ad."organizationId", ad."before", ad."after", ad."devopsRemoved", ad."devopsStays")) FROM admins ad) AS "admins"`);
  const organizations = modelsFromTuples<Organization>(enterpriseRow!.organizations, ORGANIZATION_COLUMNS, ORGANIZATION_TIMESTAMPS);
  const organizationsById = new Map(organizations.map((organization) => [organization.id, organization]));
  const position = new Map(organizations.map((organization, index) => [organization.id, index]));

  // Memberships (direct and through groups, with the groups' permissions) and direct permissions of both sides of
  // each person, in the enterprise's organizations.
  const [accessRow] = await tx.$queryRaw<{ memberships: unknown; groupMemberships: unknown; permissions: unknown }[]>(Prisma.sql`
    WITH org AS (SELECT o."id" FROM "Organization" o WHERE o."enterpriseId" = ${enterpriseId})
    SELECT
      (SELECT json_agg(json_build_array(m."accountId", m."organizationId")) FROM "OrgMembership" m
         WHERE m."accountId" = ANY(${textArray(sideIds)}) AND m."organizationId" IN (SELECT "id" FROM org)) AS "memberships",
      (SELECT json_agg(json_build_array(gm."accountId", g."organizationId", g."name",
                COALESCE((SELECT json_agg(gp."permission") FROM "GroupPermission" gp WHERE gp."groupId" = g."id"), '[]'::json)))
         FROM "GroupMembership" gm JOIN "Group" g ON g."id" = gm."groupId"
         WHERE gm."accountId" = ANY(${textArray(sideIds)}) AND g."organizationId" IN (SELECT "id" FROM org)) AS "groupMemberships",
      (SELECT json_agg(json_build_array(p."accountId", p."organizationId", p."permission")) FROM "OrgPermission" p
         WHERE p."accountId" = ANY(${textArray(sideIds)}) AND p."organizationId" IN (SELECT "id" FROM org)) AS "permissions"`);
  const directMemberships = jsonList<[string, string]>(accessRow!.memberships);
  const groupMemberships = jsonList<[string, string, string, OrgPermissionKind[]]>(accessRow!.groupMemberships);
  const directPermissions = jsonList<[string, string, OrgPermissionKind]>(accessRow!.permissions);

  // What each side holds per organization (R4: direct and through groups).
  // Keyed by a number per (account, organization): tens of thousands of lookups, each of which would otherwise build
  // and hash a string key.
  const sideIndex = new Map(sideIds.map((id, index) => [id, index]));
  const pairKey = (accountId: string, organizationId: string) => sideIndex.get(accountId)! * organizations.length + position.get(organizationId)!;
  const access = new Map<number, HeldAccess & { accountId: string; organizationId: string }>();
  const accessEntry = (accountId: string, organizationId: string): HeldAccess => {
    const key = pairKey(accountId, organizationId);
    let entry = access.get(key);
    if (!entry) access.set(key, (entry = { accountId, organizationId, member: false, held: null }));
    return entry;
  };
  const hold = (entry: HeldAccess, permission: OrgPermissionKind) => (entry.held ??= new Set()).add(permission);
  for (const [accountId, organizationId] of directMemberships) accessEntry(accountId, organizationId).member = true;
  for (const [accountId, organizationId, , permissions] of groupMemberships) {
    const entry = accessEntry(accountId, organizationId);
    entry.member = true;
    for (const permission of permissions) hold(entry, permission);
  }
  for (const [accountId, organizationId, permission] of directPermissions) hold(accessEntry(accountId, organizationId), permission);
  const entryOf = (account: Account | null, organizationId: string) => (account ? access.get(pairKey(account.id, organizationId)) : undefined);
  const accessOf = (entry: HeldAccess | undefined): OrganizationAccess => {
    if (!entry) return NO_ACCESS;
    const held = entry.held;
    return { member: entry.member, permissions: held ? ORG_PERMISSIONS.filter((permission) => held.has(permission)) : [] };
  };

  // Memberships removed, per account and organization.
  const memberships = new Map<number, RemovedMembership>();
  const membershipOf = (accountId: string, organizationId: string): RemovedMembership => {
    const key = pairKey(accountId, organizationId);
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
  for (const [accountId, organizationId] of directMemberships) if (removed.has(accountId)) membershipOf(accountId, organizationId).direct = true;
  for (const [accountId, organizationId, name] of groupMemberships) if (removed.has(accountId)) membershipOf(accountId, organizationId).groups.push(name);
  for (const [accountId, organizationId, permission] of directPermissions) {
    if (removed.has(accountId)) membershipOf(accountId, organizationId).permissions.push(permission);
  }
  const affectedOrganizations = new Set([...memberships.values()].map((entry) => entry.organization.id));

  // (b) and (c): admins per organization before and after, and DOP admins after.
  const admins = new Map(
    jsonList<[string, number, number, boolean, boolean]>(enterpriseRow!.admins).map(([organizationId, before, after, devopsRemoved, devopsStays]) => [
      organizationId,
      { before, after, devopsRemoved, devopsStays },
    ]),
  );
  const violations: CutoverViolation[] = [];
  const organizationsLosingLastAdmin: OrganizationLosingAdmin[] = [];
  for (const organization of organizations) {
    if (!affectedOrganizations.has(organization.id)) continue;
    const { before, after, devopsRemoved, devopsStays } = admins.get(organization.id) ?? { before: 0, after: 0, devopsRemoved: false, devopsStays: false };
    // (c) is about what the removal does: an organization that already had no admin does not block the batch,
    // so the violation and `organizationsLosingLastAdmin` always name the same organizations.
    if (before > 0 && after === 0) {
      organizationsLosingLastAdmin.push({ organization, adminsBefore: before });
      violations.push({
        code: "ORGANIZATION_WITHOUT_ADMIN",
        message: `"${organization.key}" would have no admin left: grant ADMIN on it to an account that stays first.`,
        organization,
        account: null,
      });
    }
    if (organization.devopsPlatform === "BITBUCKET_CLOUD" && devopsRemoved && !devopsStays) {
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
  const enterprisePermissions = jsonList<[string, EnterprisePermissionKind, "DEVOPS" | "SSO"]>(enterpriseRow!.enterprisePermissions);
  const removedEnterprisePermissions: RemovedEnterprisePermission[] = enterprisePermissions
    .filter(([accountId]) => removed.has(accountId))
    .map(([accountId, permission]) => ({ account: accountsById.get(accountId)!, permission }));
  const dopAdministrators = enterprisePermissions.filter(([, permission, kind]) => permission === "ADMINISTER_ENTERPRISE" && kind === "DEVOPS");
  const breakGlassRemoved = dopAdministrators.some(([accountId]) => removed.has(accountId));
  if (breakGlassRemoved && dopAdministrators.every(([accountId]) => removed.has(accountId))) {
    violations.unshift({
      code: "NO_BREAK_GLASS_ADMIN",
      message:
        "No DOP account would keep Administer Enterprise: keep at least one as a break-glass account " +
        "(it is the way in when SSO is unavailable).",
      organization: null,
      account: null,
    });
  }
  await yieldToOtherRequests();

  // R4 applied to R9, only where a membership is removed (linear in the memberships, not in accounts ×
  // organizations): what each person lacks on the SSO side, and (d) the organizations they can no longer enter.
  const removedFrom = new Map<string, number[]>();
  for (const entry of memberships.values()) {
    let positions = removedFrom.get(entry.account.id);
    if (!positions) removedFrom.set(entry.account.id, (positions = []));
    positions.push(position.get(entry.organization.id)!);
  }
  const missingSsoMemberships: MissingSsoMembership[] = [];
  const accessLoss: AccessLoss[] = [];
  for (const account of accounts) {
    const ssoAccount = ssoAccountOf.get(account.id) ?? null;
    const lost: Organization[] = [];
    // In key order, like the enterprise's organizations.
    for (const index of (removedFrom.get(account.id) ?? []).sort((a, b) => a - b)) {
      const organization = organizations[index]!;
      const dopEntry = entryOf(account, organization.id);
      if (!dopEntry?.member) continue;
      const ssoEntry = entryOf(ssoAccount, organization.id);
      // The common case, a member on both sides with no permission on the DOP side, lacks nothing (R4).
      if (!dopEntry.held && ssoEntry?.member) continue;
      const dop = accessOf(dopEntry);
      const sso = accessOf(ssoEntry);
      const { missingOnSso } = compareAccess(dop, sso);
      if (missingOnSso.length > 0) missingSsoMemberships.push({ devopsAccount: account, ssoAccount, organization, missing: missingOnSso });
      if (!sso.member) lost.push(organization);
    }
    if (lost.length === 0) continue;
    const acknowledged = isAcknowledged(account.id);
    accessLoss.push({ account, ssoAccount, organizations: lost, acknowledged });
    if (!acknowledged) {
      const keys = lost.map((organization) => `"${organization.key}"`).join(", ");
      violations.push({
        code: "UNACKNOWLEDGED_ACCESS_LOSS",
        message: ssoAccount
          ? `${account.login} would lose ${keys}: the linked SSO account ${ssoAccount.login} is not a member there. ` +
            "Give the SSO account that access first, or acknowledge the loss (acknowledgeAccessLoss)."
          : `${account.login} would lose ${keys} with no SSO account to sign in with. ` +
            "Have the person sign in with SSO and link the accounts first, or acknowledge the loss (acknowledgeAccessLoss).",
        organization: null,
        account,
      });
    }
  }

  // R7: the personal access tokens of these accounts stop working in the organizations they belong to.
  const [tokenRow] = await tx.$queryRaw<{ tokens: unknown }[]>(Prisma.sql`
    SELECT json_agg(${modelTupleJson("t", TOKEN_COLUMNS, TOKEN_TIMESTAMPS)}) AS "tokens" FROM "Token" t
    WHERE t."ownerAccountId" = ANY(${textArray(removedIds)}) AND t."kind" = 'PAT' AND t."revokedAt" IS NULL`);
  const organizationsOf = new Map<string, Set<string>>();
  const permissionsOf = new Map<string, Set<OrgPermissionKind>>();
  for (const entry of access.values()) {
    if (!removed.has(entry.accountId)) continue;
    if (entry.held) permissionsOf.set(permissionKey(entry.accountId, entry.organizationId), entry.held);
    if (!entry.member) continue;
    let set = organizationsOf.get(entry.accountId);
    if (!set) organizationsOf.set(entry.accountId, (set = new Set()));
    set.add(entry.organizationId);
  }
  const tokensThatBreak = tokensBreakingFrom(
    modelsFromTuples<Token>(tokenRow!.tokens, TOKEN_COLUMNS, TOKEN_TIMESTAMPS).map((token) => ({ token, owner: accountsById.get(token.ownerAccountId!)! })),
    { memberships: organizationsOf, permissions: permissionsOf, organizations: organizationsById },
    { onlyAffected: true, now },
  );

  await yieldToOtherRequests();

  const unlinked = accounts.filter((account) => !ssoAccountOf.has(account.id));
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

  // By login, then organization key (localeCompare), through ranks: one collation per distinct login and key.
  const loginRank = localeRanks(accounts.map((account) => account.login));
  const keyRank = localeRanks(organizations.map((organization) => organization.key));
  // The ranks are read once per membership, not twice per comparison; ties keep the order found (a stable sort).
  const ranked = [...memberships.values()].map((entry, at) => ({
    entry,
    login: loginRank.get(entry.account.login)!,
    key: keyRank.get(entry.organization.key)!,
    at,
  }));
  ranked.sort((a, b) => a.login - b.login || a.key - b.key || a.at - b.at);
  return {
    enterpriseId,
    accounts,
    memberships: ranked.map((row) => row.entry),
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
    // R15: an id the admin may not see is NOT_FOUND before any other refusal. Every account the plan accepts (a DOP
    // account that belongs to this enterprise, which the admin sees) is visible, so the check runs only on refusal.
    const plan = await planDevopsAccountRemoval(tx, enterprise.id, input.accountIds, now, input, () =>
      requireVisibleAccountIds(tx, actor.accountId, input.accountIds, (index) => `input.accountIds[${index}]`),
    );
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
