import {
  ACCOUNT_COLUMNS,
  ACCOUNT_TIMESTAMPS,
  ENTERPRISE_COLUMNS,
  ENTERPRISE_TIMESTAMPS,
  forbidden,
  localeCompare,
  localeRanks,
  columnsFromJson,
  columnsJson,
  modelColumnsJson,
  modelsFromColumns,
  modelsFromTuples,
  rowsFromColumns,
  modelTupleJson,
  ORGANIZATION_COLUMNS,
  ORGANIZATION_TIMESTAMPS,
  TOKEN_COLUMNS,
  TOKEN_TIMESTAMPS,
  notFound,
  type Account,
  type Enterprise,
  type Organization,
  type Plan,
  Prisma,
  type Token,
  type TokenKind,
  type Tx,
  readComposed,
  readRows,
  type ComposedRead,
} from "@sso-cutover/db";
import { holdsEnterprisePermission, visibleEnterpriseSql } from "@sso-cutover/enterprise";
import {
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
  return tokensBreakingFrom(
    tokens.flatMap(({ ownerAccount, ...token }) => (ownerAccount ? [{ token, owner: ownerAccount }] : [])),
    { memberships, permissions, organizations },
    { onlyAffected: !!organizationIds, now },
  );
}

/** What {@link tokensBreakingFrom} knows of the owners of the tokens, read beforehand. */
export interface TokenOwnersAccess {
  /** Owner id → the organizations (among those asked about) it belongs to, directly or through a group. */
  memberships: ReadonlyMap<string, ReadonlySet<string>>;
  /** `permissionKey(owner, organization)` → the owner's effective permissions there. */
  permissions: ReadonlyMap<string, ReadonlySet<string>>;
  /** At least every organization named in `memberships`. */
  organizations: ReadonlyMap<string, Organization>;
}

/**
 * R7/R9: `tokensBreakingWith` from data already read — the PATs (not revoked) of DOP accounts with their owners,
 * and what the owners can do where — so that the cutover plan, which reads those memberships and permissions
 * anyway, reads them once. `onlyAffected`: leave out a token whose owner belongs to none of the organizations.
 * Sorted by owner login, token name and id (`localeCompare`), through ranks: one collation per distinct value.
 */
export function tokensBreakingFrom(
  tokens: readonly { token: Token; owner: Account }[],
  access: TokenOwnersAccess,
  { onlyAffected, now }: { onlyAffected: boolean; now: Date },
): BreakingToken[] {
  const keyRank = localeRanks([...access.organizations.values()].map((organization) => organization.key));
  // What breaks depends on the owner only: worked out once per owner, shared by its tokens.
  const perOwner = new Map<string, Pick<BreakingToken, "affectedOrganizations" | "replacements">>();
  const ofOwner = (owner: Account) => {
    let entry = perOwner.get(owner.id);
    if (!entry) {
      // Plain loops: run for each of up to 1,000 owners of a cutover plan, where flatMap's callbacks cost more.
      const affectedOrganizations: Organization[] = [];
      for (const id of access.memberships.get(owner.id) ?? []) {
        const organization = access.organizations.get(id);
        if (organization) affectedOrganizations.push(organization);
      }
      affectedOrganizations.sort((a, b) => keyRank.get(a.key)! - keyRank.get(b.key)!);
      const replacements: TokenReplacement[] = [];
      for (const organization of affectedOrganizations) {
        const held = access.permissions.get(permissionKey(owner.id, organization.id));
        if (!held) continue;
        const permission = ANALYSIS_PERMISSIONS.find((candidate) => held.has(candidate));
        if (permission !== undefined) replacements.push(replacementFor(organization, owner, permission));
      }
      perOwner.set(owner.id, (entry = { affectedOrganizations, replacements }));
    }
    return entry;
  };
  const result: BreakingToken[] = [];
  for (const { token, owner } of tokens) {
    const { affectedOrganizations, replacements } = ofOwner(owner);
    if (onlyAffected && affectedOrganizations.length === 0) continue;
    result.push({ token, status: tokenStatus(token, now), display: tokenDisplay(token), owner, affectedOrganizations, replacements });
  }
  const loginRank = localeRanks(result.map((row) => row.owner.login));
  const nameRank = localeRanks(result.map((row) => row.token.name));
  // The ranks are read once per token rather than at each comparison (thousands of tokens in a cutover plan).
  const ranked = result.map((row) => ({ row, login: loginRank.get(row.owner.login)!, name: nameRank.get(row.token.name)! }));
  ranked.sort((a, b) => a.login - b.login || a.name - b.name || localeCompare(a.row.token.id, b.row.token.id));
  return ranked.map((entry) => entry.row);
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
 * What one account brings to a person's guidance: its organizations (directly and through groups, with the groups'
 * permissions), its direct permissions and its personal access tokens that are not revoked. Read with relation
 * joins, so that a whole page of people is one statement.
 */
export const accountAccessInclude = {
  memberships: { include: { organization: true } },
  groupMemberships: { include: { group: { include: { organization: true, permissions: { select: { permission: true } } } } } },
  orgPermissions: { include: { organization: true } },
  tokens: { where: { kind: "PAT", revokedAt: null } },
} as const satisfies Prisma.AccountInclude;

export type AccountWithAccess = Prisma.AccountGetPayload<{ include: typeof accountAccessInclude }>;

/**
 * What a person's guidance uses of one account: its row, the organizations it belongs to (directly and through
 * groups, with the groups' permissions), its direct permissions and its personal access tokens that are not revoked.
 * An account read with `accountAccessInclude` has all of it; `readPeople` reads the tokens of DOP accounts that are
 * not deleted only, the only ones that can break (`breakingTokensOf`).
 */
export interface AccountAccess extends Account {
  memberships: readonly { organization: Organization }[];
  groupMemberships: readonly { group: { organization: Organization; permissions: readonly { permission: string }[] } }[];
  orgPermissions: readonly { organization: Organization; permission: string }[];
  tokens: readonly Token[];
}

/** An account asked about, with both sides of its identity links. */
export interface PersonGraph extends AccountAccess {
  linkAsDevops: { ssoAccountId: string; ssoAccount: AccountAccess } | null;
  linkAsSso: { devopsAccountId: string; devopsAccount: AccountAccess } | null;
}

/** An enterprise a viewer may see (`visibleEnterpriseWhere`), and whether the viewer administers it. */
interface EnterpriseSeen {
  enterprise: Enterprise;
  /** The viewer, not deleted, holds Administer Enterprise there. */
  administered: boolean;
}

/** A viewer asking about people: the enterprises their guidance may be about are read with them. */
interface PeopleViewer {
  accountId: string;
  /** Enterprises named by the requests. */
  enterpriseKeys: readonly string[];
}

/**
 * The accounts asked about with both sides of their identity links and everything their guidance needs: one
 * statement, written by hand — Prisma's SQL for the same graph (five nested includes per side) was large enough to
 * cost more to plan and to build at every call than to run. Each organization is read once, however many
 * memberships name it. The people come back in no particular order. The accounts of both sides are one array, so
 * that every table is read through its account index (`= ANY`): as `IN (SELECT … FROM side)` PostgreSQL could not
 * tell how few they are and hashed all memberships (100,000 on a large enterprise) to find a page's.
 */
export async function readPeople(tx: Tx, accountIds: readonly string[]): Promise<PersonGraph[]> {
  return (await readPeopleSeenBy(tx, accountIds)).people;
}

/**
 * `readPeople`, and with a viewer, in the same statement, the enterprises the guidance may be about (those named, and
 * every enterprise of the accounts and of their organizations: each person's own is among them) that the viewer may
 * see (R15, the rule of `visibleEnterpriseWhere`).
 */
async function readPeopleSeenBy(
  tx: Tx,
  accountIds: readonly string[],
  viewer?: PeopleViewer,
): Promise<{ people: PersonGraph[]; enterprises: EnterpriseSeen[] }> {
  const ids = [...new Set(accountIds)];
  if (ids.length === 0) return { people: [], enterprises: [] };
  const viewerAccountId = viewer?.accountId ?? null;
  // Rows come as JSON arrays of values (not objects naming every column in every row): a page of 50 people reads a
  // few hundred memberships, tokens and organizations, and the text to parse is half as long.
  const [row] = await readRows<Record<string, string | null>>(tx, Prisma.sql`
    WITH person AS (SELECT a."id" FROM "Account" a WHERE a."id" = ANY(${ids}::text[])),
    link AS (
      SELECT l."devopsAccountId", l."ssoAccountId" FROM "IdentityLink" l WHERE l."devopsAccountId" = ANY(${ids}::text[])
      UNION
      SELECT l."devopsAccountId", l."ssoAccountId" FROM "IdentityLink" l WHERE l."ssoAccountId" = ANY(${ids}::text[])
    ),
    side AS (
      SELECT array_agg(x."id") AS "ids"
      FROM (SELECT "id" FROM person UNION SELECT "devopsAccountId" FROM link UNION SELECT "ssoAccountId" FROM link) x
    ),
    membership AS (
      SELECT m."accountId", m."organizationId" FROM "OrgMembership" m WHERE m."accountId" = ANY((SELECT "ids" FROM side)::text[])
    ),
    group_membership AS (
      SELECT gm."accountId", g."organizationId",
             COALESCE((SELECT json_agg(gp."permission") FROM "GroupPermission" gp WHERE gp."groupId" = g."id"), '[]'::json) AS "permissions"
      FROM "GroupMembership" gm JOIN "Group" g ON g."id" = gm."groupId" WHERE gm."accountId" = ANY((SELECT "ids" FROM side)::text[])
    ),
    permission AS (
      SELECT p."accountId", p."organizationId", p."permission" FROM "OrgPermission" p WHERE p."accountId" = ANY((SELECT "ids" FROM side)::text[])
    )
    SELECT
      (SELECT json_agg(p."id") FROM person p)::text AS "people",
      (SELECT json_agg(json_build_array(l."devopsAccountId", l."ssoAccountId")) FROM link l)::text AS "links",
      (SELECT json_agg(${modelTupleJson("a", ACCOUNT_COLUMNS, ACCOUNT_TIMESTAMPS)}) FROM "Account" a WHERE a."id" = ANY((SELECT "ids" FROM side)::text[]))::text AS "accounts",
      (SELECT json_agg(json_build_array(m."accountId", m."organizationId")) FROM membership m)::text AS "memberships",
      (SELECT json_agg(json_build_array(g."accountId", g."organizationId", g."permissions")) FROM group_membership g)::text AS "groupMemberships",
      (SELECT json_agg(json_build_array(p."accountId", p."organizationId", p."permission")) FROM permission p)::text AS "permissions",
      (SELECT json_agg(${modelTupleJson("t", TOKEN_COLUMNS, TOKEN_TIMESTAMPS)}) FROM "Token" t
         JOIN "Account" owner ON owner."id" = t."ownerAccountId" AND owner."kind" = 'DEVOPS' AND owner."deletedAt" IS NULL
         WHERE t."ownerAccountId" = ANY((SELECT "ids" FROM side)::text[]) AND t."kind" = 'PAT' AND t."revokedAt" IS NULL)::text AS "tokens",
      (SELECT json_agg(${modelTupleJson("o", ORGANIZATION_COLUMNS, ORGANIZATION_TIMESTAMPS)}) FROM "Organization" o WHERE o."id" IN (
         SELECT "organizationId" FROM membership UNION SELECT "organizationId" FROM group_membership
         UNION SELECT "organizationId" FROM permission))::text AS "organizations",
      ${enterprisesSeenJson(
        viewerAccountId,
        viewer?.enterpriseKeys ?? [],
        Prisma.sql`SELECT a."enterpriseId" FROM "Account" a WHERE a."id" = ANY((SELECT "ids" FROM side)::text[])
                   UNION SELECT o."enterpriseId" FROM "Organization" o WHERE o."id" IN (
                     SELECT "organizationId" FROM membership UNION SELECT "organizationId" FROM group_membership)`,
      )} AS "enterprises"`);
  const list = <T>(value: string | null | undefined): T[] => (value ? (JSON.parse(value) as T[]) : []);
  const organizations = new Map(
    modelsFromTuples<Organization>(row!.organizations, ORGANIZATION_COLUMNS, ORGANIZATION_TIMESTAMPS).map((organization) => [organization.id, organization]),
  );
  const organization = (id: string) => organizations.get(id)!;
  const accounts = new Map<string, AccountAccess & { memberships: AccountAccess["memberships"][number][] }>();
  const sides = new Map<
    string,
    {
      memberships: AccountAccess["memberships"][number][];
      groupMemberships: AccountAccess["groupMemberships"][number][];
      orgPermissions: AccountAccess["orgPermissions"][number][];
      tokens: Token[];
    }
  >();
  for (const account of modelsFromTuples<Account>(row!.accounts, ACCOUNT_COLUMNS, ACCOUNT_TIMESTAMPS)) {
    const access = { memberships: [], groupMemberships: [], orgPermissions: [], tokens: [] };
    sides.set(account.id, access);
    accounts.set(account.id, Object.assign(account, access));
  }
  for (const [accountId, organizationId] of list<[string, string]>(row!.memberships)) {
    sides.get(accountId)!.memberships.push({ organization: organization(organizationId) });
  }
  for (const [accountId, organizationId, permissions] of list<[string, string, string[]]>(row!.groupMemberships)) {
    sides.get(accountId)!.groupMemberships.push({
      group: { organization: organization(organizationId), permissions: permissions.map((permission) => ({ permission })) },
    });
  }
  for (const [accountId, organizationId, permission] of list<[string, string, string]>(row!.permissions)) {
    sides.get(accountId)!.orgPermissions.push({ organization: organization(organizationId), permission });
  }
  for (const token of modelsFromTuples<Token>(row!.tokens, TOKEN_COLUMNS, TOKEN_TIMESTAMPS)) sides.get(token.ownerAccountId!)!.tokens.push(token);
  const links = list<[string, string]>(row!.links).map(([devopsAccountId, ssoAccountId]) => ({ devopsAccountId, ssoAccountId }));
  const linkAsDevops = new Map(links.map((link) => [link.devopsAccountId, link]));
  const linkAsSso = new Map(links.map((link) => [link.ssoAccountId, link]));
  const enterprises = enterprisesFromJson(row!.enterprises);
  const people = list<string>(row!.people).map((id) => {
    const asDevops = linkAsDevops.get(id);
    const asSso = linkAsSso.get(id);
    return {
      ...accounts.get(id)!,
      linkAsDevops: asDevops ? { ssoAccountId: asDevops.ssoAccountId, ssoAccount: accounts.get(asDevops.ssoAccountId)! } : null,
      linkAsSso: asSso ? { devopsAccountId: asSso.devopsAccountId, devopsAccount: accounts.get(asSso.devopsAccountId)! } : null,
    };
  });
  return { people, enterprises };
}

/** Each account's own row, built once: a person's guidance names it once per token. */
const plainAccounts = new WeakMap<Account, Account>();

/** The account's own row (its scalar fields), without the relations read along with it. */
export function plainAccount(account: Account): Account {
  let plain = plainAccounts.get(account);
  if (!plain) {
    const row: Record<string, unknown> = {};
    for (const column of ACCOUNT_COLUMNS) row[column] = account[column];
    plainAccounts.set(account, (plain = row as unknown as Account));
  }
  return plain;
}

/** The organizations of the enterprise the account belongs to (directly or through a group), by id. */
function organizationsIn(account: AccountAccess, enterpriseId: string): Map<string, Organization> {
  const result = new Map<string, Organization>();
  for (const { organization } of account.memberships) if (organization.enterpriseId === enterpriseId) result.set(organization.id, organization);
  for (const { group } of account.groupMemberships) {
    if (group.organization.enterpriseId === enterpriseId) result.set(group.organization.id, group.organization);
  }
  return result;
}

/** The account's permissions in each organization of the enterprise, direct and through groups (organization id → kinds). */
function permissionsIn(account: AccountAccess, enterpriseId: string): Map<string, { organization: Organization; held: Set<string> }> {
  const result = new Map<string, { organization: Organization; held: Set<string> }>();
  const add = (organization: Organization, permission: string) => {
    if (organization.enterpriseId !== enterpriseId) return;
    const entry = result.get(organization.id) ?? { organization, held: new Set<string>() };
    entry.held.add(permission);
    result.set(organization.id, entry);
  };
  for (const row of account.orgPermissions) add(row.organization, row.permission);
  for (const { group } of account.groupMemberships) for (const { permission } of group.permissions) add(group.organization, permission);
  return result;
}

/**
 * R7: the DOP account's tokens that break in the enterprise (as `tokensBreakingWith` lists them), from the account
 * read with `accountAccessInclude`: no statement of its own. What the tokens lose and what replaces them is the same
 * for every token of the account and is worked out when first read: a list of the tokens that break (their display
 * and last use, as the member list asks) does not build it.
 */
export function breakingTokensOf(devops: AccountAccess, enterpriseId: string, now: Date): BreakingToken[] {
  if (devops.kind !== "DEVOPS" || devops.deletedAt || devops.tokens.length === 0) return [];
  const inEnterprise = organizationsIn(devops, enterpriseId);
  if (inEnterprise.size === 0) return [];
  const owner = plainAccount(devops);
  let shared: Pick<BreakingToken, "affectedOrganizations" | "replacements"> | undefined;
  const sharedOf = () => (shared ??= lossesAndReplacements(devops, [...inEnterprise.values()], enterpriseId, owner));
  return devops.tokens
    .map(
      (token): BreakingToken => ({
        token,
        status: tokenStatus(token, now),
        display: tokenDisplay(token),
        owner,
        get affectedOrganizations() {
          return sharedOf().affectedOrganizations;
        },
        get replacements() {
          return sharedOf().replacements;
        },
      }),
    )
    .sort((a, b) => localeCompare(a.token.name, b.token.name) || localeCompare(a.token.id, b.token.id));
}

/** The organizations a DOP account's tokens lose (by key), and a replacement where the account may analyze. */
function lossesAndReplacements(
  devops: AccountAccess,
  organizations: Organization[],
  enterpriseId: string,
  owner: Account,
): Pick<BreakingToken, "affectedOrganizations" | "replacements"> {
  organizations.sort((a, b) => a.key.localeCompare(b.key));
  const permissions = permissionsIn(devops, enterpriseId);
  const replacements = organizations.flatMap((organization) => {
    const held = permissions.get(organization.id)?.held;
    const analysis = ANALYSIS_PERMISSIONS.filter((permission) => held?.has(permission));
    return analysis.length === 0 ? [] : [replacementFor(organization, owner, analysis[0]!)];
  });
  return { affectedOrganizations: organizations, replacements };
}

/**
 * One person's guidance in the enterprise, computed from the graph `readPeople` read. What the SSO account can do in
 * each organization is computed when first asked for: a page of people listing only the tokens that break (the
 * member list's usual selection) does not build it for every organization of every person.
 */
function guidanceOf(person: PersonGraph, enterpriseId: string, now: Date): AccountTokenGuidance {
  const devops: AccountAccess | null = person.kind === "DEVOPS" ? person : (person.linkAsSso?.devopsAccount ?? null);
  const sso: AccountAccess | null = person.kind === "SSO" ? person : (person.linkAsDevops?.ssoAccount ?? null);
  const activeSso = sso && !sso.deletedAt ? sso : null;
  const willBreak = devops ? breakingTokensOf(devops, enterpriseId, now) : [];
  let access: Pick<AccountTokenGuidance, "organizations" | "ssoAccountCanCreateAnalysisTokens"> | undefined;
  const accessOf = () => (access ??= ssoTokenAccessOf(devops, activeSso, enterpriseId, willBreak));
  return {
    devopsAccount: devops ? plainAccount(devops) : null,
    ssoAccount: sso ? plainAccount(sso) : null,
    willBreak,
    get organizations() {
      return accessOf().organizations;
    },
    get ssoAccountCanCreateAnalysisTokens() {
      return accessOf().ssoAccountCanCreateAnalysisTokens;
    },
  };
}

/** The part of a person's guidance about the SSO account: what it can do in each organization that matters. */
function ssoTokenAccessOf(
  devops: AccountAccess | null,
  activeSso: AccountAccess | null,
  enterpriseId: string,
  willBreak: readonly BreakingToken[],
): Pick<AccountTokenGuidance, "organizations" | "ssoAccountCanCreateAnalysisTokens"> {
  const ssoPermissions = activeSso ? permissionsIn(activeSso, enterpriseId) : new Map<string, { organization: Organization; held: Set<string> }>();
  const relevant = new Map<string, Organization>();
  for (const account of [devops, activeSso]) if (account) for (const [id, organization] of organizationsIn(account, enterpriseId)) relevant.set(id, organization);
  for (const [id, { organization, held }] of ssoPermissions) if (held.size > 0) relevant.set(id, organization);
  const organizations: SsoTokenAccess[] = [...relevant.values()]
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((organization) => {
      const held = ssoPermissions.get(organization.id)?.held;
      const canAnalyze = ANALYSIS_PERMISSIONS.some((permission) => held?.has(permission));
      const canCreateScopedTokens = (held?.has("ADMIN") ?? false) && planAllowsScopedTokens(organization.plan);
      return {
        organization,
        recommendation: recommendedTokenKind(organization.plan),
        canAnalyze,
        canCreateScopedTokens,
        canCreateAnalysisTokens: canAnalyze || canCreateScopedTokens,
      };
    });
  const access = new Map(organizations.map((row) => [row.organization.id, row.canCreateAnalysisTokens]));
  const needed = new Set(willBreak.flatMap((row) => row.replacements.map((replacement) => replacement.organization.id)));
  const ssoAccountCanCreateAnalysisTokens =
    activeSso !== null &&
    (needed.size > 0
      ? [...needed].every((organizationId) => access.get(organizationId) === true)
      : organizations.some((row) => row.canCreateAnalysisTokens));
  return { organizations, ssoAccountCanCreateAnalysisTokens };
}

/**
 * The enterprise a person's guidance is about when none is named (see `cutoverEnterprises`): an SSO account's own,
 * the enterprise of a DOP account's linked SSO account, or the only enterprise whose organizations it belongs to.
 */
function inferredEnterpriseId(person: PersonGraph): string | null {
  return enterpriseOfPerson(person.kind, person.enterpriseId, person.linkAsDevops ? person.linkAsDevops.ssoAccount.enterpriseId : undefined, [
    ...person.memberships.map((row) => row.organization.enterpriseId),
    ...person.groupMemberships.map((row) => row.group.organization.enterpriseId),
  ]);
}

/**
 * `inferredEnterpriseId` from its parts: the account's kind and enterprise, its linked SSO account's enterprise
 * (undefined without a link as a DOP account) and the enterprises of the organizations it belongs to.
 */
function enterpriseOfPerson(
  kind: Account["kind"],
  enterpriseId: string | null,
  linkedSsoEnterpriseId: string | null | undefined,
  organizationEnterpriseIds: Iterable<string | null>,
): string | null {
  if (kind === "SSO") return enterpriseId;
  if (linkedSsoEnterpriseId !== undefined) return linkedSsoEnterpriseId;
  const enterpriseIds = new Set<string>();
  for (const id of organizationEnterpriseIds) if (id !== null) enterpriseIds.add(id);
  return enterpriseIds.size === 1 ? [...enterpriseIds][0]! : null;
}

/**
 * The enterprise a person's guidance is about for a request (the one named, else the person's own) among those the
 * viewer may see, provided the viewer is that person (either linked account) or administers it; else null.
 */
function guidanceEnterprise(
  request: EnterpriseScopedRequest,
  person: { id: string; linkedSsoAccountId: string | null; linkedDevopsAccountId: string | null; inferredEnterpriseId: () => string | null },
  seen: { byKey: ReadonlyMap<string, EnterpriseSeen>; byId: ReadonlyMap<string, EnterpriseSeen> },
  viewerAccountId: string,
): Enterprise | null {
  const found = request.enterpriseKey ? seen.byKey.get(request.enterpriseKey) : seen.byId.get(person.inferredEnterpriseId() ?? "");
  if (!found) return null;
  const viewerIsPerson =
    person.id === viewerAccountId || person.linkedSsoAccountId === viewerAccountId || person.linkedDevopsAccountId === viewerAccountId;
  return viewerIsPerson || found.administered ? found.enterprise : null;
}

/** The enterprise keys the requests name, each once. */
function enterpriseKeysOf(requests: readonly EnterpriseScopedRequest[]): string[] {
  return [...new Set(requests.flatMap((request) => (request.enterpriseKey ? [request.enterpriseKey] : [])))];
}

/** The enterprises a statement read as seen by the viewer, by key and by id. */
function enterprisesSeen(seen: readonly EnterpriseSeen[]) {
  return {
    byKey: new Map(seen.map((entry) => [entry.enterprise.key, entry])),
    byId: new Map(seen.map((entry) => [entry.enterprise.id, entry])),
  };
}

/**
 * The enterprises a person's guidance may be about that the viewer may see (R15, the rule of
 * `visibleEnterpriseWhere`), each as [enterprise, administered by the viewer], as one JSON array: those named, and
 * those `candidates` (a subquery of enterprise ids) names.
 */
function enterprisesSeenJson(viewerAccountId: string | null, enterpriseKeys: readonly string[], candidates: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(SELECT json_agg(json_build_array(
                ${modelTupleJson("e", ENTERPRISE_COLUMNS, ENTERPRISE_TIMESTAMPS)},
                EXISTS (SELECT 1 FROM "EnterprisePermission" ep JOIN "Account" v ON v."id" = ep."accountId"
                        WHERE ep."enterpriseId" = e."id" AND ep."accountId" = ${viewerAccountId}
                          AND ep."permission" = 'ADMINISTER_ENTERPRISE' AND v."deletedAt" IS NULL)))
         FROM "Enterprise" e
         WHERE ${viewerAccountId}::text IS NOT NULL
           AND (e."key" = ANY(${enterpriseKeys}::text[]) OR e."id" IN (${candidates}))
           AND ${visibleEnterpriseSql("e", viewerAccountId ?? "")}
      )::text`;
}

/** The JSON array `enterprisesSeenJson` answers. */
function enterprisesFromJson(value: string | null | undefined): EnterpriseSeen[] {
  const seen = value ? (JSON.parse(value) as [unknown[], boolean][]) : [];
  return modelsFromTuples<Enterprise>(seen.map((entry) => entry[0]), ENTERPRISE_COLUMNS, ENTERPRISE_TIMESTAMPS).map(
    (enterprise, index) => ({ enterprise, administered: seen[index]![1] }),
  );
}

/**
 * `accountTokenGuidance` for many people of one enterprise at once, in one statement whatever their number.
 * Unknown account ids are left out of the map.
 */
export async function accountTokenGuidances(
  tx: Tx,
  accountIds: readonly string[],
  enterpriseId: string,
  now: Date = new Date(),
): Promise<Map<string, AccountTokenGuidance>> {
  const result = new Map<string, AccountTokenGuidance>();
  if (accountIds.length === 0) return result;
  for (const person of await readPeople(tx, accountIds)) result.set(person.id, guidanceOf(person, enterpriseId, now));
  return result;
}

/** A person's guidance in one enterprise, as `Account.tokenGuidance` answers it. */
export interface EnterpriseAccountTokenGuidance extends AccountTokenGuidance {
  enterprise: Enterprise;
}

/**
 * `accountTokenGuidance` for a viewer, per request: in the enterprise named, or else the person's own (see
 * `cutoverEnterprises`); null when that enterprise is not visible, or the viewer is neither that person (either
 * linked account) nor an admin of the enterprise. One statement, whatever the number of people and enterprises.
 */
export async function accountTokenGuidanceForViewer(
  tx: Tx,
  viewerAccountId: string,
  requests: readonly EnterpriseScopedRequest[],
  now: Date = new Date(),
): Promise<(EnterpriseAccountTokenGuidance | null)[]> {
  if (requests.length === 0) return [];
  // The enterprises asked about that the viewer may see (R15), each with whether the viewer administers it.
  const read = await readPeopleSeenBy(
    tx,
    requests.map((request) => request.accountId),
    { accountId: viewerAccountId, enterpriseKeys: enterpriseKeysOf(requests) },
  );
  const people = new Map(read.people.map((person) => [person.id, person]));
  const seen = enterprisesSeen(read.enterprises);
  return requests.map((request) => {
    const person = people.get(request.accountId);
    if (!person) return null;
    const enterprise = guidanceEnterprise(
      request,
      {
        id: person.id,
        linkedSsoAccountId: person.linkAsDevops?.ssoAccountId ?? null,
        linkedDevopsAccountId: person.linkAsSso?.devopsAccountId ?? null,
        inferredEnterpriseId: () => inferredEnterpriseId(person),
      },
      seen,
      viewerAccountId,
    );
    if (!enterprise) return null;
    // Assigned, not spread: the guidance's lazy parts stay lazy.
    return Object.assign(guidanceOf(person, enterprise.id, now), { enterprise });
  });
}

/** What a list of the tokens that break shows of each token (not its secret's hash, nor who created it). */
export type BreakingTokenSummary = Pick<Token, "id" | "name" | "prefix" | "lastFour" | "ownerAccountId" | "expiresAt" | "lastUsedAt" | "revokedAt">;

/** The columns of {@link BreakingTokenSummary}, and those of them that are timestamps (see `modelColumnsJson`). */
const SUMMARY_COLUMNS = ["id", "name", "prefix", "lastFour", "ownerAccountId", "expiresAt", "lastUsedAt", "revokedAt"] as const satisfies readonly (keyof BreakingTokenSummary)[];
const SUMMARY_TIMESTAMPS = ["expiresAt", "lastUsedAt", "revokedAt"] as const satisfies readonly (keyof BreakingTokenSummary)[];

/**
 * A token of a person's guidance that breaks, as a list of them shows it: its display, status and last use, without
 * the token's other columns, what it loses or what replaces it.
 */
export interface ListedBreakingToken {
  token: BreakingTokenSummary;
  status: TokenStatus;
  display: string;
}

/** A person's guidance reduced to the tokens that break: what the member list asks of it. */
export interface BreakingTokensGuidance {
  enterprise: Enterprise;
  willBreak: ListedBreakingToken[];
}

/**
 * `accountTokenGuidanceForViewer` when only the tokens that break are asked for (their display, status and last use):
 * the same answer (null for the same requests, the same tokens in the same order) from a statement that reads, of
 * each person, only the accounts and links, the enterprises the DOP-side accounts belong to (their EnterpriseMember
 * rows) and the DOP-side tokens: not the memberships, permissions and organizations of both sides that the rest of
 * the guidance needs. `packages/tokens/test/breaking-tokens-equivalence.test.ts` compares the two on generated
 * enterprises.
 */
export async function breakingTokensForViewer(
  tx: Tx,
  viewerAccountId: string,
  requests: readonly EnterpriseScopedRequest[],
  now: Date = new Date(),
): Promise<(BreakingTokensGuidance | null)[]> {
  if (requests.length === 0) return [];
  const ids = [...new Set(requests.map((request) => request.accountId))];
  const read = breakingTokensRead(viewerAccountId, Prisma.sql`${ids}::text[]`, enterpriseKeysOf(requests));
  return read.answer(await readComposed(tx, [read]), requests, now);
}

/**
 * `breakingTokensForViewer` as parts of a statement (see `ComposedRead`), for the accounts of `ids` (an expression of
 * type text[], e.g. a page read by the same statement) and the enterprise keys the requests name. Its CTEs are
 * `person`, `link`, `side`, `side_account` and `member_of`; its columns are named `bt_…`. `answer` takes the requests
 * (about those accounts) and the moment the statuses are computed at.
 */
export function breakingTokensRead(
  viewerAccountId: string,
  ids: Prisma.Sql,
  enterpriseKeys: readonly string[],
): ComposedRead<(BreakingTokensGuidance | null)[], [requests: readonly EnterpriseScopedRequest[], now: Date]> {
  return {
    ctes: Prisma.sql`
    person AS (
      SELECT a."id", a."kind", a."enterpriseId", a."deletedAt" IS NOT NULL AS "deleted" FROM "Account" a WHERE a."id" = ANY(${ids})
    ),
    -- Each person's links, through the two unique indexes (matched against the array of ids, PostgreSQL scanned
    -- every link twice). Two linked people of one page find their link twice: DISTINCT.
    link AS (
      SELECT DISTINCT l."devopsAccountId", l."ssoAccountId" FROM person p CROSS JOIN LATERAL (
        SELECT l."devopsAccountId", l."ssoAccountId" FROM "IdentityLink" l WHERE l."devopsAccountId" = p."id"
        UNION ALL
        SELECT l."devopsAccountId", l."ssoAccountId" FROM "IdentityLink" l WHERE l."ssoAccountId" = p."id") l
    ),
    side AS (
      SELECT array_agg(x."id") AS "ids"
      FROM (SELECT "id" FROM person UNION SELECT "devopsAccountId" FROM link UNION SELECT "ssoAccountId" FROM link) x
    ),
    side_account AS (
      SELECT a."id", a."kind", a."enterpriseId", a."deletedAt" IS NOT NULL AS "deleted"
      FROM "Account" a WHERE a."id" = ANY((SELECT "ids" FROM side)::text[])
    ),
    member_of AS (
      SELECT em."accountId", em."enterpriseId" FROM "EnterpriseMember" em WHERE em."accountId" = ANY((SELECT "ids" FROM side)::text[])
    )`,
    columns: Prisma.sql`
      (SELECT ${columnsJson(['p."id"', 'p."kind"', 'p."enterpriseId"'])} FROM person p)::text AS "bt_people",
      (SELECT ${columnsJson(['l."devopsAccountId"', 'l."ssoAccountId"'])} FROM link l)::text AS "bt_links",
      (SELECT ${columnsJson(['a."id"', 'a."kind"', 'a."enterpriseId"', 'a."deleted"'])} FROM side_account a)::text AS "bt_accounts",
      (SELECT ${columnsJson(['m."accountId"', 'm."enterpriseId"'])} FROM member_of m)::text AS "bt_member_of",
      (SELECT ${modelColumnsJson("t", SUMMARY_COLUMNS, SUMMARY_TIMESTAMPS)} FROM "Token" t
         JOIN side_account owner ON owner."id" = t."ownerAccountId" AND owner."kind" = 'DEVOPS' AND NOT owner."deleted"
         -- The join alone names the owners: an array condition on top made each owner's index probe one per element.
         WHERE t."kind" = 'PAT' AND t."revokedAt" IS NULL)::text AS "bt_tokens",
      ${enterprisesSeenJson(
        viewerAccountId,
        enterpriseKeys,
        Prisma.sql`SELECT "enterpriseId" FROM side_account UNION SELECT "enterpriseId" FROM member_of`,
      )} AS "bt_enterprises"`,
    answer: (row, requests, now) => breakingTokensAnswer(row, requests, viewerAccountId, now),
  };
}

/** What `breakingTokensRead`'s columns answer for the requests. */
function breakingTokensAnswer(
  row: Record<string, unknown>,
  requests: readonly EnterpriseScopedRequest[],
  viewerAccountId: string,
  now: Date,
): (BreakingTokensGuidance | null)[] {
  // Each list as one JSON array per column (`columnsJson`).
  const list = <T extends unknown[]>(value: unknown, columns: number): T[] => rowsFromColumns<T>(columnsFromJson(value, columns));
  const accounts = new Map(
    list<[string, Account["kind"], string | null, boolean]>(row.bt_accounts, 4).map(([id, kind, enterpriseId, deleted]) => [id, { kind, enterpriseId, deleted }]),
  );
  const memberOf = new Map<string, Set<string>>();
  for (const [accountId, enterpriseId] of list<[string, string]>(row.bt_member_of, 2)) {
    let set = memberOf.get(accountId);
    if (!set) memberOf.set(accountId, (set = new Set()));
    set.add(enterpriseId);
  }
  const tokensOf = new Map<string, BreakingTokenSummary[]>();
  for (const token of modelsFromColumns<BreakingTokenSummary>(columnsFromJson(row.bt_tokens, SUMMARY_COLUMNS.length), SUMMARY_COLUMNS, SUMMARY_TIMESTAMPS)) {
    let tokens = tokensOf.get(token.ownerAccountId!);
    if (!tokens) tokensOf.set(token.ownerAccountId!, (tokens = []));
    tokens.push(token);
  }
  const links = list<[string, string]>(row.bt_links, 2);
  const ssoOf = new Map(links.map(([devopsAccountId, ssoAccountId]) => [devopsAccountId, ssoAccountId]));
  const devopsOf = new Map(links.map(([devopsAccountId, ssoAccountId]) => [ssoAccountId, devopsAccountId]));
  const people = new Map(list<[string, Account["kind"], string | null]>(row.bt_people, 3).map((person) => [person[0], person]));
  const seen = enterprisesSeen(enterprisesFromJson(row.bt_enterprises as string | null));
  return requests.map((request) => {
    const person = people.get(request.accountId);
    if (!person) return null;
    const [id, kind, enterpriseId] = person;
    const linkedSsoAccountId = ssoOf.get(id) ?? null;
    const linkedDevopsAccountId = devopsOf.get(id) ?? null;
    const enterprise = guidanceEnterprise(
      request,
      {
        id,
        linkedSsoAccountId,
        linkedDevopsAccountId,
        inferredEnterpriseId: () =>
          enterpriseOfPerson(
            kind,
            enterpriseId,
            linkedSsoAccountId === null ? undefined : (accounts.get(linkedSsoAccountId)?.enterpriseId ?? null),
            memberOf.get(id) ?? [],
          ),
      },
      seen,
      viewerAccountId,
    );
    if (!enterprise) return null;
    // The tokens of the person's DOP account (theirs, or the one linked to their SSO account), as `breakingTokensOf`
    // lists them: a DOP account not deleted, with a membership in the enterprise.
    const devopsId = kind === "DEVOPS" ? id : linkedDevopsAccountId;
    const devops = devopsId === null ? undefined : accounts.get(devopsId);
    const tokens = devops && devops.kind === "DEVOPS" && !devops.deleted && memberOf.get(devopsId!)?.has(enterprise.id) ? (tokensOf.get(devopsId!) ?? []) : [];
    const willBreak = tokens
      .map((token): ListedBreakingToken => ({ token, status: tokenStatus(token, now), display: tokenDisplay(token) }))
      .sort((a, b) => localeCompare(a.token.name, b.token.name) || localeCompare(a.token.id, b.token.id));
    return { enterprise, willBreak };
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
