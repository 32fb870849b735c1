import {
  forbidden,
  notFound,
  type Account,
  type Enterprise,
  type Organization,
  type Plan,
  type Token,
  type TokenKind,
  type Tx,
} from "@sso-cutover/db";
import { holdsEnterprisePermission } from "@sso-cutover/enterprise";
import {
  cutoverEnterprises,
  effectiveOrgPermissions,
  permissionKey,
  type EnterpriseScopedRequest,
} from "@sso-cutover/membership";
import { organizationsOfAccounts } from "./memberships";
import { planAllowsScopedTokens } from "./scoped-tokens";
import { tokenDisplay, tokenStatus, type TokenStatus } from "./status";
import { ANALYSIS_PERMISSIONS } from "./token-info";

export interface TokenRecommendation {
  kind: TokenKind;
  reason: string;
}

/** R7: from the TEAM plan on, scoped organization tokens are recommended for analysis over personal tokens. */
export function recommendedTokenKind(plan: Plan): TokenRecommendation {
  if (planAllowsScopedTokens(plan)) {
    return {
      kind: "SOT",
      reason:
        `On the ${plan} plan, run analysis with a scoped organization token: it belongs to the organization, is ` +
        "limited to executing analysis on the projects you choose, and keeps working when any person's account is removed.",
    };
  }
  return {
    kind: "PAT",
    reason:
      `Scoped organization tokens need the TEAM or ENTERPRISE plan, and this organization is on the ${plan} plan: run ` +
      "analysis with a personal access token of your SSO account (it needs the SCAN permission on the organization).",
  };
}

/** What to create instead of a token that breaks with its DOP account, in one organization. */
export interface TokenReplacement {
  /** SOT where the plan allows it; otherwise a PAT created by the person's SSO account. */
  kind: TokenKind;
  organization: Organization;
  /** The projects the DOP account could analyze there: organization permissions cover every project. */
  allProjects: boolean;
  projectKeys: string[];
  reason: string;
}

/** R7: a token owned by a DOP account, which stops working for analysis once that account is removed. */
export interface BreakingToken {
  token: Token;
  status: TokenStatus;
  display: string;
  owner: Account;
  /** Organizations (among those asked about) the owner belongs to, where the token loses its access. */
  affectedOrganizations: Organization[];
  /**
   * One per affected organization where the owner may analyze (SCAN or ADMIN), hence where the token may be
   * running analysis today. Empty when the token could not analyze anywhere it is losing access.
   */
  replacements: TokenReplacement[];
}

/**
 * R7/R9: tokens that break when these DOP accounts are removed — from `organizationIds` when given (the token is
 * listed only when its owner belongs to one of them), otherwise removed altogether — each with the token that
 * replaces it per organization. A fixed number of queries (six) whatever the number of accounts, so the cutover
 * plan can call it for a whole enterprise. Revoked tokens are left out; expired ones are listed with their status.
 */
export async function tokensBreakingWith(
  tx: Tx,
  devopsAccountIds: readonly string[],
  organizationIds?: readonly string[],
  now: Date = new Date(),
): Promise<BreakingToken[]> {
  const accountIds = [...new Set(devopsAccountIds)];
  if (accountIds.length === 0 || organizationIds?.length === 0) return [];
  const [tokens, memberships, permissions] = await Promise.all([
    tx.token.findMany({
      where: {
        kind: "PAT",
        revokedAt: null,
        ownerAccountId: { in: accountIds },
        ownerAccount: { kind: "DEVOPS", deletedAt: null },
      },
      include: { ownerAccount: true },
    }),
    organizationsOfAccounts(tx, accountIds, organizationIds),
    effectiveOrgPermissions(tx, accountIds, organizationIds),
  ]);
  const organizationIdsInPlay = [...new Set([...memberships.values()].flatMap((set) => [...set]))];
  const organizations = new Map(
    (organizationIdsInPlay.length === 0
      ? []
      : await tx.organization.findMany({ where: { id: { in: organizationIdsInPlay } } })
    ).map((organization) => [organization.id, organization]),
  );

  const result: BreakingToken[] = [];
  for (const token of tokens) {
    const owner = token.ownerAccount;
    if (!owner) continue;
    const affectedOrganizations = [...(memberships.get(owner.id) ?? [])]
      .flatMap((id) => organizations.get(id) ?? [])
      .sort((a, b) => a.key.localeCompare(b.key));
    if (organizationIds && affectedOrganizations.length === 0) continue;
    const replacements = affectedOrganizations.flatMap((organization) => {
      const held = permissions.get(permissionKey(owner.id, organization.id));
      const analysis = ANALYSIS_PERMISSIONS.filter((permission) => held?.has(permission));
      return analysis.length === 0 ? [] : [replacementFor(organization, owner, analysis[0]!)];
    });
    const { ownerAccount: _owner, ...row } = token;
    result.push({ token: row, status: tokenStatus(token, now), display: tokenDisplay(token), owner, affectedOrganizations, replacements });
  }
  return result.sort(
    (a, b) => a.owner.login.localeCompare(b.owner.login) || a.token.name.localeCompare(b.token.name) || a.token.id.localeCompare(b.token.id),
  );
}

function replacementFor(organization: Organization, owner: Account, permission: string): TokenReplacement {
  if (planAllowsScopedTokens(organization.plan)) {
    return {
      kind: "SOT",
      organization,
      allProjects: true,
      projectKeys: [],
      reason:
        `${owner.login} holds ${permission} on "${organization.key}", so this token can analyze every project there; ` +
        `an organization admin creates a scoped organization token for all projects of "${organization.key}" to keep that analysis running.`,
    };
  }
  return {
    kind: "PAT",
    organization,
    allProjects: true,
    projectKeys: [],
    reason:
      `"${organization.key}" is on the ${organization.plan} plan, where scoped organization tokens are unavailable: ` +
      `create a personal access token from the SSO account that replaces ${owner.login}, once it holds SCAN on "${organization.key}".`,
  };
}

export interface OrganizationTokenGuidance {
  organization: Organization;
  recommendation: TokenRecommendation;
  scopedTokensAvailable: boolean;
  /** Every token of a DOP member of the organization: the cutover removes those accounts. */
  willBreak: BreakingToken[];
}

/** R7 for one organization: which token kind to use, and which DOP-owned tokens break with the cutover. */
export async function tokenGuidanceForOrganization(
  tx: Tx,
  organizationId: string,
  now: Date = new Date(),
): Promise<OrganizationTokenGuidance> {
  const organization = await tx.organization.findUnique({ where: { id: organizationId } });
  if (!organization) throw notFound("No such organization.", "organizationKey");
  const devopsMembers = await tx.account.findMany({
    where: {
      kind: "DEVOPS",
      deletedAt: null,
      OR: [
        { memberships: { some: { organizationId } } },
        { groupMemberships: { some: { group: { organizationId } } } },
      ],
    },
    select: { id: true },
  });
  return {
    organization,
    recommendation: recommendedTokenKind(organization.plan),
    scopedTokensAvailable: planAllowsScopedTokens(organization.plan),
    willBreak: await tokensBreakingWith(tx, devopsMembers.map((account) => account.id), [organizationId], now),
  };
}

/** What one person's SSO account can already do about analysis tokens in one organization. */
export interface SsoTokenAccess {
  organization: Organization;
  recommendation: TokenRecommendation;
  /** Holds SCAN or ADMIN: a personal access token of the SSO account can run analysis there. */
  canAnalyze: boolean;
  /** Holds ADMIN on a TEAM or ENTERPRISE plan organization: can create scoped organization tokens. */
  canCreateScopedTokens: boolean;
  /** Either of the above: the SSO account can create its own analysis token there. */
  canCreateAnalysisTokens: boolean;
}

export interface AccountTokenGuidance {
  devopsAccount: Account | null;
  ssoAccount: Account | null;
  /** The DOP account's tokens that break with the cutover, within the enterprise's organizations. */
  willBreak: BreakingToken[];
  /** The enterprise's organizations where the DOP or the SSO account belongs, or the SSO account holds a permission. */
  organizations: SsoTokenAccess[];
  /**
   * The SSO account can create its own analysis tokens in every organization where a DOP-owned token used for
   * analysis will break (when none will, in at least one organization). False without a linked SSO account.
   */
  ssoAccountCanCreateAnalysisTokens: boolean;
}

/**
 * R7 for one person, named by either of their accounts: the tokens of their DOP account that will break in the
 * enterprise, and whether their SSO account can already create its own analysis tokens.
 */
export async function accountTokenGuidance(
  tx: Tx,
  accountId: string,
  enterpriseId: string,
  now: Date = new Date(),
): Promise<AccountTokenGuidance> {
  const guidance = (await accountTokenGuidances(tx, [accountId], enterpriseId, now)).get(accountId);
  if (!guidance) throw notFound("No such account.", "accountId");
  return guidance;
}

/**
 * `accountTokenGuidance` for many people of one enterprise at once, in a fixed number of queries (about a dozen)
 * whatever their number. Unknown account ids are left out of the map.
 */
export async function accountTokenGuidances(
  tx: Tx,
  accountIds: readonly string[],
  enterpriseId: string,
  now: Date = new Date(),
): Promise<Map<string, AccountTokenGuidance>> {
  const result = new Map<string, AccountTokenGuidance>();
  if (accountIds.length === 0) return result;
  const [accounts, enterpriseOrganizations] = await Promise.all([
    tx.account.findMany({
      where: { id: { in: [...new Set(accountIds)] } },
      include: { linkAsDevops: { include: { ssoAccount: true } }, linkAsSso: { include: { devopsAccount: true } } },
    }),
    tx.organization.findMany({ where: { enterpriseId }, orderBy: { key: "asc" } }),
  ]);
  const people = accounts.map((account) => {
    const { linkAsDevops, linkAsSso, ...plain } = account;
    const devopsAccount: Account | null = account.kind === "DEVOPS" ? plain : (linkAsSso?.devopsAccount ?? null);
    const ssoAccount: Account | null = account.kind === "SSO" ? plain : (linkAsDevops?.ssoAccount ?? null);
    return { id: account.id, devopsAccount, ssoAccount, activeSso: ssoAccount && !ssoAccount.deletedAt ? ssoAccount : null };
  });
  const organizationIds = enterpriseOrganizations.map((organization) => organization.id);
  const devopsIds = [...new Set(people.flatMap((person) => (person.devopsAccount ? [person.devopsAccount.id] : [])))];
  const ssoIds = [...new Set(people.flatMap((person) => (person.activeSso ? [person.activeSso.id] : [])))];
  const [breaking, memberships, ssoPermissions] = await Promise.all([
    tokensBreakingWith(tx, devopsIds, organizationIds, now),
    organizationsOfAccounts(tx, [...devopsIds, ...ssoIds], organizationIds),
    effectiveOrgPermissions(tx, ssoIds, organizationIds),
  ]);

  for (const { id, devopsAccount, ssoAccount, activeSso } of people) {
    const willBreak = devopsAccount ? breaking.filter((row) => row.owner.id === devopsAccount.id) : [];
    const involved = [devopsAccount?.id, activeSso?.id].filter((accountId): accountId is string => !!accountId);
    const organizations: SsoTokenAccess[] = [];
    for (const organization of enterpriseOrganizations) {
      const held = activeSso ? ssoPermissions.get(permissionKey(activeSso.id, organization.id)) : undefined;
      const relevant = (held?.size ?? 0) > 0 || involved.some((accountId) => memberships.get(accountId)?.has(organization.id));
      if (!relevant) continue;
      const canAnalyze = ANALYSIS_PERMISSIONS.some((permission) => held?.has(permission));
      const canCreateScopedTokens = (held?.has("ADMIN") ?? false) && planAllowsScopedTokens(organization.plan);
      organizations.push({
        organization,
        recommendation: recommendedTokenKind(organization.plan),
        canAnalyze,
        canCreateScopedTokens,
        canCreateAnalysisTokens: canAnalyze || canCreateScopedTokens,
      });
    }
    const access = new Map(organizations.map((row) => [row.organization.id, row.canCreateAnalysisTokens]));
    const needed = new Set(willBreak.flatMap((row) => row.replacements.map((replacement) => replacement.organization.id)));
    const ssoAccountCanCreateAnalysisTokens =
      activeSso !== null &&
      (needed.size > 0
        ? [...needed].every((organizationId) => access.get(organizationId) === true)
        : organizations.some((row) => row.canCreateAnalysisTokens));
    result.set(id, { devopsAccount, ssoAccount, willBreak, organizations, ssoAccountCanCreateAnalysisTokens });
  }
  return result;
}

/** A person's guidance in one enterprise, as `Account.tokenGuidance` answers it. */
export interface EnterpriseAccountTokenGuidance extends AccountTokenGuidance {
  enterprise: Enterprise;
}

/**
 * `accountTokenGuidance` for a viewer, per request: in the enterprise named, or else the person's own (see
 * `cutoverEnterprises`); null when that enterprise is not visible, or the viewer is neither that person (either
 * linked account) nor an admin of the enterprise. A fixed number of queries per enterprise involved.
 */
export async function accountTokenGuidanceForViewer(
  tx: Tx,
  viewerAccountId: string,
  requests: readonly EnterpriseScopedRequest[],
  now: Date = new Date(),
): Promise<(EnterpriseAccountTokenGuidance | null)[]> {
  const enterprises = await cutoverEnterprises(tx, viewerAccountId, requests);
  const enterpriseIds = [...new Set(enterprises.flatMap((enterprise) => (enterprise ? [enterprise.id] : [])))];
  const [administered, viewerLinks] = await Promise.all([
    tx.enterprisePermission.findMany({
      where: {
        accountId: viewerAccountId,
        enterpriseId: { in: enterpriseIds },
        permission: "ADMINISTER_ENTERPRISE",
        account: { deletedAt: null },
      },
      select: { enterpriseId: true },
    }),
    tx.identityLink.findMany({
      where: { OR: [{ devopsAccountId: viewerAccountId }, { ssoAccountId: viewerAccountId }] },
      select: { devopsAccountId: true, ssoAccountId: true },
    }),
  ]);
  const adminOf = new Set(administered.map((row) => row.enterpriseId));
  const viewerIsPerson = new Set([viewerAccountId, ...viewerLinks.flatMap((link) => [link.devopsAccountId, link.ssoAccountId])]);
  const allowed = (accountId: string, enterpriseId: string) => viewerIsPerson.has(accountId) || adminOf.has(enterpriseId);

  const asked = new Map<string, Set<string>>();
  requests.forEach((request, index) => {
    const enterprise = enterprises[index];
    if (!enterprise || !allowed(request.accountId, enterprise.id)) return;
    const ids = asked.get(enterprise.id) ?? new Set<string>();
    asked.set(enterprise.id, ids.add(request.accountId));
  });
  const answers = new Map<string, Map<string, AccountTokenGuidance>>();
  await Promise.all(
    [...asked].map(async ([enterpriseId, ids]) => {
      answers.set(enterpriseId, await accountTokenGuidances(tx, [...ids], enterpriseId, now));
    }),
  );
  return requests.map((request, index) => {
    const enterprise = enterprises[index];
    const guidance = enterprise ? answers.get(enterprise.id)?.get(request.accountId) : undefined;
    return enterprise && guidance ? { ...guidance, enterprise } : null;
  });
}

/**
 * `Enterprise.tokenGuidance(organizationKey)`: the organization must belong to the enterprise (NOT_FOUND naming
 * `organizationKey` otherwise) and the viewer must administer it or the enterprise (FORBIDDEN otherwise).
 */
export async function organizationTokenGuidanceForViewer(
  tx: Tx,
  viewerAccountId: string,
  enterpriseId: string,
  organizationKey: string,
  now: Date = new Date(),
): Promise<OrganizationTokenGuidance> {
  const organization = await tx.organization.findFirst({ where: { key: organizationKey, enterpriseId } });
  if (!organization) {
    throw notFound("The enterprise has no organization with this key.", "organizationKey");
  }
  await requireOrganizationTokenGuidanceAccess(tx, viewerAccountId, organization);
  return tokenGuidanceForOrganization(tx, organization.id, now);
}

/** Who may read an organization's token guidance: its admins and the admins of its enterprise. */
export async function requireOrganizationTokenGuidanceAccess(
  tx: Tx,
  viewerAccountId: string,
  organization: Pick<Organization, "id" | "key" | "enterpriseId">,
): Promise<void> {
  const [orgPermissions, enterpriseAdmin] = await Promise.all([
    effectiveOrgPermissions(tx, [viewerAccountId], [organization.id]),
    organization.enterpriseId ? holdsEnterprisePermission(tx, viewerAccountId, organization.enterpriseId) : false,
  ]);
  if (enterpriseAdmin || orgPermissions.get(permissionKey(viewerAccountId, organization.id))?.has("ADMIN")) return;
  throw forbidden(
    `Only administrators of organization "${organization.key}" or of its enterprise may see which tokens will break there.`,
  );
}

/** Who may read a person's token guidance: that person (through either linked account) and enterprise admins. */
export async function requireAccountTokenGuidanceAccess(
  tx: Tx,
  viewerAccountId: string,
  accountId: string,
  enterpriseId: string,
): Promise<void> {
  if (viewerAccountId === accountId) return;
  const link = await tx.identityLink.findFirst({
    where: {
      OR: [
        { devopsAccountId: viewerAccountId, ssoAccountId: accountId },
        { devopsAccountId: accountId, ssoAccountId: viewerAccountId },
      ],
    },
    select: { id: true },
  });
  if (link || (await holdsEnterprisePermission(tx, viewerAccountId, enterpriseId))) return;
  throw forbidden("Only the person themselves and enterprise admins may see a person's token guidance.");
}
