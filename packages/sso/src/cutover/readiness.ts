import {
  ACCOUNT_COLUMNS,
  ACCOUNT_TIMESTAMPS,
  ORGANIZATION_COLUMNS,
  ORGANIZATION_TIMESTAMPS,
  Prisma,
  modelsFromTuples,
  modelTupleJson,
  type Account,
  type Invitation,
  type InvitationStatus,
  type Organization,
  type Tx,
  readRows,
} from "@sso-cutover/db";
import {
  enterpriseMembersWhere,
  invitationStatus,
  normalizeEmail,
  removedWithoutSsoWhere,
  type CutoverStatus,
} from "@sso-cutover/membership";
import {
  accountAccessInclude,
  breakingTokensOf,
  plainAccount,
  readPeople,
  type AccountAccess,
  type BreakingToken,
} from "@sso-cutover/tokens";
import { readCutoverFacts } from "../cutover-facts";
import { setupProgressFrom } from "../setup-progress";

/** One person in the cutover: a DOP account of the enterprise and/or the SSO account that supersedes it. */
export interface ReadinessRow {
  /** The account the row is keyed by: the DOP account when there is one in the enterprise, else the SSO account. */
  account: Account;
  devopsAccount: Account | null;
  ssoAccount: Account | null;
  cutoverStatus: CutoverStatus;
  lastSsoLoginAt: Date | null;
  /** Organizations the person reaches through the DOP account but not (yet) through the SSO account. */
  organizationsOnlyThroughDop: Organization[];
  /** DOP-owned tokens that stop working for the enterprise when the DOP account is removed. */
  tokensThatWouldBreak: BreakingToken[];
  invitation: { status: InvitationStatus; email: string; expiresAt: Date } | null;
  /** R9 (d): organizations the person was removed from with no way back in, and who acknowledged it when. */
  accessLoss: AccessLossRecord[];
  /** R14 / R9 (c): what needs an admin's eye about this person (e.g. kept as an organization's last admin). */
  warnings: string[];
}

export interface AccessLossRecord {
  organization: Organization;
  acknowledgedBy: Account | null;
  acknowledgedAt: Date;
  /** The person's SSO account is a member of the organization again: the loss is resolved. */
  regained: boolean;
}

export interface ReadinessFilter {
  cutoverStatus?: CutoverStatus | null;
  /**
   * Only people who would lose something today (organizations only through DOP, or breaking tokens) or who lost
   * an organization at a removal and have not regained it through SSO (R9 d).
   */
  notReadyOnly?: boolean | null;
  /** Login prefix, case-insensitive. */
  loginStartsWith?: string | null;
}

export interface ReadinessPageRequest {
  /** Exclusive login bounds (cursors are logins). */
  after?: string | null;
  before?: string | null;
  limit: number;
  /** Read backwards from `before` (a `last: n` request). */
  inverted?: boolean;
  filter?: ReadinessFilter | null;
}

function inEnterprise(enterpriseId: string): Prisma.AccountWhereInput {
  return {
    OR: [
      { memberships: { some: { organization: { enterpriseId } } } },
      { groupMemberships: { some: { group: { organization: { enterpriseId } } } } },
    ],
  };
}

/**
 * The accounts that stand for a person: every DOP account in the enterprise, and the enterprise's SSO accounts
 * whose DOP account is not (or no longer) in it — so each person appears once.
 */
function personWhere(enterpriseId: string): Prisma.AccountWhereInput {
  return {
    OR: [
      { kind: "DEVOPS", deletedAt: null, ...inEnterprise(enterpriseId) },
      // R9 (d): removed without a way in; they stay listed until they link an SSO account.
      removedWithoutSsoWhere(enterpriseId),
      {
        kind: "SSO",
        enterpriseId,
        deletedAt: null,
        OR: [
          { linkAsSso: { is: null } },
          {
            linkAsSso: {
              is: {
                devopsAccount: {
                  OR: [
                    { deletedAt: { not: null } },
                    { memberships: { none: { organization: { enterpriseId } } }, groupMemberships: { none: { group: { organization: { enterpriseId } } } } },
                  ],
                },
              },
            },
          },
        ],
      },
    ],
  };
}

async function readinessWhere(tx: Tx, enterpriseId: string, filter: ReadinessFilter | null | undefined, now: Date) {
  const clauses: Prisma.AccountWhereInput[] = [personWhere(enterpriseId)];
  if (filter?.cutoverStatus) clauses.push(await enterpriseMembersWhere(tx, enterpriseId, { cutoverStatus: filter.cutoverStatus }, now));
  if (filter?.loginStartsWith) {
    // Prisma hands the prefix to LIKE as is: escape its wildcards so that "x_" does not match "xy".
    const prefix = filter.loginStartsWith.replace(/[\\%_]/g, (character) => `\\${character}`);
    clauses.push({ login: { startsWith: prefix, mode: "insensitive" } });
  }
  return { AND: clauses };
}

/**
 * What one side of a person (a DOP or an SSO account) brings to a readiness row, read with the page: organizations
 * and permissions (direct and through groups), personal access tokens, acknowledged access losses and last-admin
 * retentions in the enterprise.
 */
function sideInclude(enterpriseId: string) {
  return {
    ...accountAccessInclude,
    accessLosses: { where: { enterpriseId }, include: { organization: true, acknowledgedBy: true } },
    lastAdminRetentions: { where: { enterpriseId }, include: { organization: { select: { key: true } } } },
  } as const satisfies Prisma.AccountInclude;
}

/** What a readiness row reads of one side of a person: `sideInclude`'s graph, however it was read. */
interface Side extends AccountAccess {
  accessLosses: readonly { organization: Organization; acknowledgedBy: Account | null; acknowledgedAt: Date }[];
  lastAdminRetentions: readonly { organization: { key: string } }[];
}

/** The account a row is keyed by, with both sides of its identity links. */
interface Person extends Side {
  linkAsDevops: { ssoAccount: Side } | null;
  linkAsSso: { devopsAccount: Side } | null;
}

/** Organization keys in the database's order (PostgreSQL's "C" collation: code units). */
function byKey(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Ids of the enterprise's organizations the account belongs to, directly or through a group. */
function memberOf(account: Side | null, enterpriseId: string): Set<string> {
  if (!account) return new Set();
  return new Set([
    ...account.memberships.filter((row) => row.organization.enterpriseId === enterpriseId).map((row) => row.organization.id),
    ...account.groupMemberships.filter((row) => row.group.organization.enterpriseId === enterpriseId).map((row) => row.group.organization.id),
  ]);
}

/** Escapes LIKE's wildcards (and its escape character) so that a prefix matches only itself. */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/** What a readiness row reads of an invitation. */
type PageInvitation = Pick<Invitation, "email" | "emailNormalized" | "status" | "expiresAt">;

/**
 * A page of people (`personWhere`, in login order) and the invitations of their emails (both accounts of each
 * person), newest first, in one statement. The people are a UNION of one branch per kind of person, each an index
 * walk in login order that probes memberships, links and acknowledgements per account — so that a page reads about
 * `limit` accounts, where one OR of the kinds made PostgreSQL hash every membership of the enterprise (100,000
 * rows on a large one) for each page.
 */
async function pageOfPeople(
  tx: Tx,
  enterpriseId: string,
  request: ReadinessPageRequest,
): Promise<{ ids: string[]; invitations: PageInvitation[]; sides: Map<string, Pick<Side, "accessLosses" | "lastAdminRetentions">> }> {
  const direction = request.inverted ? Prisma.sql`DESC` : Prisma.sql`ASC`;
  const conditions: Prisma.Sql[] = [];
  if (request.after) conditions.push(Prisma.sql`AND a."login" > ${request.after}`);
  if (request.before) conditions.push(Prisma.sql`AND a."login" < ${request.before}`);
  if (request.filter?.loginStartsWith) conditions.push(Prisma.sql`AND a."login" ILIKE ${likePrefix(request.filter.loginStartsWith)}`);
  const bounds = conditions.length > 0 ? Prisma.join(conditions, " ") : Prisma.empty;
  // A membership in an organization of the enterprise, directly or through a group: one probe of the kept
  // EnterpriseMember rows (see the model) instead of two joins through the memberships.
  const member = (account: Prisma.Sql) => Prisma.sql`
    SELECT 1 FROM "EnterpriseMember" em WHERE em."enterpriseId" = ${enterpriseId} AND em."accountId" = ${account}`;
  const branch = (where: Prisma.Sql, cutoff: Prisma.Sql = Prisma.empty) => Prisma.sql`
    (SELECT a."id", a."login", a."emailNormalized" FROM "Account" a WHERE a."deletedAt" IS NULL ${bounds} ${cutoff} AND ${where}
     ORDER BY a."login" ${direction} LIMIT ${request.limit})`;
  // SSO accounts alone are few among many linked ones once the cutover is under way: their walk stops at the last
  // login of a full page of DOP accounts, beyond which none of them can be on the page. The bound is always a login
  // (without a full page, the first or last login of all accounts; logins are unique, so `<=` is `<` for a DOP
  // login): a bound that may be NULL was a filter, and the walk read every account of the table to the end.
  const extreme = request.inverted ? Prisma.sql`min` : Prisma.sql`max`;
  const [row] = await readRows<
    {
      ids: string[];
      invitations: (Omit<PageInvitation, "expiresAt"> & { expiresAt: number })[];
      accessLosses: { devopsAccountId: string; organizationId: string; acknowledgedById: string | null; acknowledgedAt: number }[];
      lossOrganizations: unknown;
      lossAcknowledgers: unknown;
      retentions: { accountId: string; organizationKey: string }[];
    }
  >(tx, Prisma.sql`
    WITH devops AS MATERIALIZED (
      SELECT p."id", p."login", p."emailNormalized" FROM (
        ${branch(Prisma.sql`a."kind" = 'DEVOPS' AND EXISTS (${member(Prisma.sql`a."id"`)})`)}
        UNION
        ${branch(Prisma.sql`a."kind" = 'DEVOPS'
          AND EXISTS (SELECT 1 FROM "AccessLossAcknowledgement" l WHERE l."devopsAccountId" = a."id" AND l."enterpriseId" = ${enterpriseId})
          AND NOT EXISTS (${member(Prisma.sql`a."id"`)})
          AND NOT EXISTS (SELECT 1 FROM "IdentityLink" il JOIN "Account" s ON s."id" = il."ssoAccountId"
                          WHERE il."devopsAccountId" = a."id" AND s."enterpriseId" = ${enterpriseId})`)}
      ) p
      ORDER BY p."login" ${direction}
      LIMIT ${request.limit}
    ),
    cutoff AS (
      SELECT CASE WHEN count(*) = ${request.limit} THEN ${extreme}("login") ELSE (SELECT ${extreme}(x."login") FROM "Account" x) END AS "login"
      FROM devops
    ),
    page AS MATERIALIZED (
      SELECT p."id", p."login", p."emailNormalized" FROM (
        SELECT * FROM devops
        UNION ALL
        ${branch(
          Prisma.sql`a."kind" = 'SSO' AND a."enterpriseId" = ${enterpriseId}
          AND NOT EXISTS (SELECT 1 FROM "IdentityLink" il JOIN "Account" d ON d."id" = il."devopsAccountId"
                          WHERE il."ssoAccountId" = a."id" AND d."deletedAt" IS NULL AND EXISTS (${member(Prisma.sql`d."id"`)}))`,
          Prisma.sql`AND a."login" ${request.inverted ? Prisma.sql`>=` : Prisma.sql`<=`} (SELECT "login" FROM cutoff)`,
        )}
      ) p
      ORDER BY p."login" ${direction}
      LIMIT ${request.limit}
    ),
    email AS (
      SELECT page."emailNormalized" AS "email" FROM page
      UNION SELECT s."emailNormalized" FROM page JOIN "IdentityLink" il ON il."devopsAccountId" = page."id" JOIN "Account" s ON s."id" = il."ssoAccountId"
      UNION SELECT d."emailNormalized" FROM page JOIN "IdentityLink" il ON il."ssoAccountId" = page."id" JOIN "Account" d ON d."id" = il."devopsAccountId"
    ),
    side AS (
      SELECT page."id" FROM page
      UNION SELECT il."ssoAccountId" FROM page JOIN "IdentityLink" il ON il."devopsAccountId" = page."id"
      UNION SELECT il."devopsAccountId" FROM page JOIN "IdentityLink" il ON il."ssoAccountId" = page."id"
    ),
    loss AS MATERIALIZED (
      SELECT l."devopsAccountId", l."organizationId", l."acknowledgedById", l."acknowledgedAt" FROM "AccessLossAcknowledgement" l
      WHERE l."devopsAccountId" IN (SELECT "id" FROM side) AND l."enterpriseId" = ${enterpriseId}
    )
    SELECT
      (SELECT coalesce(json_agg(json_build_object('devopsAccountId', l."devopsAccountId", 'organizationId', l."organizationId",
                                                  'acknowledgedById', l."acknowledgedById",
                                                  'acknowledgedAt', round(extract(epoch FROM l."acknowledgedAt") * 1000))), '[]'::json)
         FROM loss l) AS "accessLosses",
      (SELECT json_agg(${modelTupleJson("o", ORGANIZATION_COLUMNS, ORGANIZATION_TIMESTAMPS)}) FROM "Organization" o WHERE o."id" IN (SELECT "organizationId" FROM loss))
        AS "lossOrganizations",
      (SELECT json_agg(${modelTupleJson("a", ACCOUNT_COLUMNS, ACCOUNT_TIMESTAMPS)}) FROM "Account" a WHERE a."id" IN (SELECT "acknowledgedById" FROM loss))
        AS "lossAcknowledgers",
      (SELECT coalesce(json_agg(json_build_object('accountId', r."accountId", 'organizationKey', o."key")), '[]'::json)
         FROM "LastAdminRetention" r JOIN "Organization" o ON o."id" = r."organizationId"
         WHERE r."accountId" IN (SELECT "id" FROM side) AND r."enterpriseId" = ${enterpriseId}) AS "retentions",
      (SELECT coalesce(json_agg(page."id" ORDER BY page."login" ${direction}), '[]'::json) FROM page) AS "ids",
      (SELECT coalesce(json_agg(json_build_object('email', i."email", 'emailNormalized', i."emailNormalized", 'status', i."status",
                                                  'expiresAt', round(extract(epoch FROM i."expiresAt") * 1000))
                                ORDER BY i."createdAt" DESC), '[]'::json)
         FROM "Invitation" i
         WHERE i."enterpriseId" = ${enterpriseId}
           AND i."emailNormalized" IN (SELECT "email" FROM email UNION SELECT lower(btrim("email")) FROM email)) AS "invitations"
  `);
  const organizations = new Map(
    modelsFromTuples<Organization>(row!.lossOrganizations, ORGANIZATION_COLUMNS, ORGANIZATION_TIMESTAMPS).map((organization) => [organization.id, organization]),
  );
  const acknowledgers = new Map(
    modelsFromTuples<Account>(row!.lossAcknowledgers, ACCOUNT_COLUMNS, ACCOUNT_TIMESTAMPS).map((account) => [account.id, account]),
  );
  const sides = new Map<string, { accessLosses: Side["accessLosses"][number][]; lastAdminRetentions: Side["lastAdminRetentions"][number][] }>();
  const sideOf = (id: string) => {
    let side = sides.get(id);
    if (!side) sides.set(id, (side = { accessLosses: [], lastAdminRetentions: [] }));
    return side;
  };
  for (const loss of row!.accessLosses) {
    sideOf(loss.devopsAccountId).accessLosses.push({
      organization: organizations.get(loss.organizationId)!,
      acknowledgedBy: loss.acknowledgedById ? acknowledgers.get(loss.acknowledgedById)! : null,
      acknowledgedAt: new Date(loss.acknowledgedAt),
    });
  }
  for (const retention of row!.retentions) sideOf(retention.accountId).lastAdminRetentions.push({ organization: { key: retention.organizationKey } });
  return {
    ids: row!.ids,
    // Timestamps are stored in UTC without a zone: the epoch of the stored value is the instant.
    invitations: row!.invitations.map((invitation) => ({ ...invitation, expiresAt: new Date(invitation.expiresAt) })),
    sides,
  };
}

/**
 * The page's people (ids in login order) with both sides of their identity links and what a row reads of each side,
 * from `readPeople` (one hand-written statement) and the access losses and retentions the page statement read.
 * Prisma's include of the same graph was compiled to SQL at every call, which cost more CPU than running it.
 */
async function readPagePeople(tx: Tx, page: Awaited<ReturnType<typeof pageOfPeople>>): Promise<Person[]> {
  const none = { accessLosses: [], lastAdminRetentions: [] };
  const sideOf = <A extends AccountAccess>(account: A): A & Side => Object.assign(account, page.sides.get(account.id) ?? none);
  const people = new Map((await readPeople(tx, page.ids)).map((person) => [person.id, person]));
  return page.ids.map((id) => {
    const person = people.get(id)!;
    return Object.assign(sideOf(person), {
      linkAsDevops: person.linkAsDevops ? { ssoAccount: sideOf(person.linkAsDevops.ssoAccount) } : null,
      linkAsSso: person.linkAsSso ? { devopsAccount: sideOf(person.linkAsSso.devopsAccount) } : null,
    });
  });
}

/**
 * One page of the readiness report in two SQL statements whatever the page size (three with a cutover status
 * filter on invitations): the page's people with the invitations of their emails, then both accounts of each
 * person with what the row needs of them. `notReadyOnly` filters the page after computing it (a page may then hold
 * fewer rows than `limit`).
 */
export async function readinessPage(
  tx: Tx,
  enterpriseId: string,
  request: ReadinessPageRequest,
  now = new Date(),
): Promise<ReadinessRow[]> {
  const side = sideInclude(enterpriseId);
  const include = {
    ...side,
    linkAsDevops: { include: { ssoAccount: { include: side } } },
    linkAsSso: { include: { devopsAccount: { include: side } } },
  } as const satisfies Prisma.AccountInclude;
  let accounts: Person[];
  let invitations: PageInvitation[];
  if (request.filter?.cutoverStatus) {
    // The status filter is a where-clause of its own (shared with `members(cutoverStatus:)`).
    const where = await readinessWhere(tx, enterpriseId, request.filter, now);
    const bounds: Prisma.StringFilter = {};
    if (request.after) bounds.gt = request.after;
    if (request.before) bounds.lt = request.before;
    accounts = await tx.account.findMany({
      where: { AND: [where, Object.keys(bounds).length > 0 ? { login: bounds } : {}] },
      orderBy: { login: request.inverted ? "desc" : "asc" },
      take: request.limit,
      include,
    });
    if (request.inverted) accounts.reverse();
    if (accounts.length === 0) return [];
    const emails = new Set<string>();
    for (const account of accounts) {
      for (const email of [account.emailNormalized, account.linkAsDevops?.ssoAccount.emailNormalized, account.linkAsSso?.devopsAccount.emailNormalized]) {
        if (email) emails.add(email).add(normalizeEmail(email));
      }
    }
    invitations =
      emails.size === 0
        ? []
        : await tx.invitation.findMany({ where: { enterpriseId, emailNormalized: { in: [...emails] } }, orderBy: { createdAt: "desc" } });
  } else {
    const page = await pageOfPeople(tx, enterpriseId, request);
    if (page.ids.length === 0) return [];
    accounts = await readPagePeople(tx, page);
    if (request.inverted) accounts.reverse();
    invitations = page.invitations;
  }
  const latestInvitation = new Map<string, PageInvitation>();
  const invitedEmails = new Set<string>();
  for (const invitation of invitations) {
    if (!latestInvitation.has(invitation.emailNormalized)) latestInvitation.set(invitation.emailNormalized, invitation);
    // What makes a DOP account INVITED (see `CutoverStatus`): a pending unexpired or an accepted invitation.
    const status = invitationStatus(invitation, now);
    if (status === "PENDING" || status === "ACCEPTED") invitedEmails.add(invitation.emailNormalized);
  }

  const rows = accounts.map((account): ReadinessRow => {
    const devops: Side | null = account.kind === "DEVOPS" ? account : (account.linkAsSso?.devopsAccount ?? null);
    const sso: Side | null = account.kind === "SSO" ? account : (account.linkAsDevops?.ssoAccount ?? null);
    const devopsIn = memberOf(devops, enterpriseId);
    const ssoIn = memberOf(sso, enterpriseId);
    const organizations = new Map(
      [...(devops?.memberships ?? []).map((row) => row.organization), ...(devops?.groupMemberships ?? []).map((row) => row.group.organization)].map(
        (organization) => [organization.id, organization],
      ),
    );
    const email = [devops?.emailNormalized, sso?.emailNormalized].find((value) => value && latestInvitation.has(value));
    const invitation = email ? latestInvitation.get(email)! : null;
    return {
      account: plainAccount(account),
      devopsAccount: devops ? plainAccount(devops) : null,
      ssoAccount: sso ? plainAccount(sso) : null,
      cutoverStatus: rowCutoverStatus(account, devops, devopsIn.size > 0, enterpriseId, invitedEmails),
      lastSsoLoginAt: sso?.lastLoginAt ?? null,
      organizationsOnlyThroughDop: [...devopsIn]
        .filter((id) => !ssoIn.has(id))
        .map((id) => organizations.get(id)!)
        .sort(byKey),
      tokensThatWouldBreak: account.kind === "DEVOPS" ? breakingTokensOf(account, enterpriseId, now) : [],
      invitation: invitation
        ? { status: invitationStatus(invitation, now), email: invitation.email, expiresAt: invitation.expiresAt }
        : null,
      accessLoss: [...(devops?.accessLosses ?? [])]
        .sort((a, b) => byKey(a.organization, b.organization))
        .map((row) => ({
          organization: row.organization,
          acknowledgedBy: row.acknowledgedBy,
          acknowledgedAt: row.acknowledgedAt,
          regained: ssoIn.has(row.organization.id),
        })),
      warnings: (sso?.lastAdminRetentions ?? [])
        .map((row) => row.organization.key)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        .map((key) => lastAdminKeptMessage(key)),
    };
  });
  return request.filter?.notReadyOnly
    ? rows.filter(
        (row) =>
          row.organizationsOnlyThroughDop.length > 0 ||
          row.tokensThatWouldBreak.length > 0 ||
          row.accessLoss.some((loss) => !loss.regained),
      )
    : rows;
}

/** The row's cutover status in the enterprise (the definitions of `CutoverStatus`), from the page's graph. */
function rowCutoverStatus(
  account: Person,
  devops: Side | null,
  devopsInEnterprise: boolean,
  enterpriseId: string,
  invitedEmails: ReadonlySet<string>,
): CutoverStatus {
  const devopsRemoved = !devops || devops.deletedAt !== null || !devopsInEnterprise;
  if (account.kind === "SSO") return !devops ? "SSO_ACTIVE" : devopsRemoved ? "DOP_REMOVED" : "LINKED";
  if (account.linkAsDevops?.ssoAccount.enterpriseId === enterpriseId) return devopsRemoved ? "DOP_REMOVED" : "LINKED";
  if (!account.deletedAt && devopsInEnterprise) {
    return account.emailNormalized !== null && invitedEmails.has(account.emailNormalized) ? "INVITED" : "NOT_INVITED";
  }
  if (!account.deletedAt && account.accessLosses.length > 0) return "REMOVED_WITHOUT_SSO";
  return "NOT_INVITED";
}

/** R14 / R9 (c): the warning on the row of an SSO account that group sync kept as an organization's last admin. */
/**
 * R15: the accounts of these rows that are members of the enterprise in the cutover's sense
 * (`enterpriseCutoverMembersWhere`), hence visible to whoever may see the enterprise, known without asking the
 * database: each row's DOP account (in the enterprise, removed from it with an acknowledged loss, or linked to one of
 * its SSO accounts, which is how a row comes to have one) and the SSO accounts of the enterprise that are not deleted.
 * An SSO account of another enterprise linked to a row's DOP account is not among them.
 */
export function enterpriseMembersAmong(rows: readonly ReadinessRow[], enterpriseId: string): Account[] {
  const members = new Map<string, Account>();
  for (const row of rows) {
    if (row.devopsAccount) members.set(row.devopsAccount.id, row.devopsAccount);
    for (const account of [row.account, row.ssoAccount]) {
      if (account && account.kind === "SSO" && account.enterpriseId === enterpriseId && account.deletedAt === null) members.set(account.id, account);
    }
  }
  return [...members.values()];
}

export function lastAdminKeptMessage(organizationKey: string): string {
  return (
    `Kept as the last admin of "${organizationKey}" although the IdP no longer grants it (R9 c): grant ADMIN there to ` +
    "another account; the next sign-in then applies the IdP's groups."
  );
}

export interface ReadinessTotals {
  people: number;
  /** R9 (d): people removed with an acknowledged loss of access and still without an SSO account (REMOVED_WITHOUT_SSO). */
  removedWithoutSso: number;
  dopAccounts: number;
  linkedDopAccounts: number;
  ssoOnlyAccounts: number;
  pendingInvitations: number;
  /** Non-revoked personal access tokens owned by DOP accounts of the enterprise; null when not asked for. */
  dopOwnedTokens: number | null;
  breakGlassAccounts: number;
  /** Enterprise-level blockers of the cutover (from the setup progress). */
  blockers: string[];
  warnings: string[];
}

/**
 * Totals over the whole enterprise, in one aggregate statement (see `readCutoverFacts`). `dopOwnedTokens: false`
 * leaves out the count of DOP-owned tokens (null), which joins every token of the enterprise's DOP accounts.
 */
export async function readinessTotals(
  tx: Tx,
  enterpriseId: string,
  now = new Date(),
  { dopOwnedTokens = true }: { dopOwnedTokens?: boolean } = {},
): Promise<ReadinessTotals> {
  const facts = await readCutoverFacts(tx, enterpriseId, now, { withReadinessTotals: true, withDopOwnedTokens: dopOwnedTokens });
  const progress = setupProgressFrom(facts, now);
  const people = facts.people ?? 0;
  const terminate = progress.steps.find((step) => step.step === "TERMINATE")!;
  return {
    people,
    removedWithoutSso: progress.counts.removedWithoutSso,
    dopAccounts: progress.counts.dopAccounts,
    linkedDopAccounts: progress.counts.linkedDopAccounts,
    ssoOnlyAccounts: people - progress.counts.dopAccounts,
    pendingInvitations: progress.counts.pendingInvitations,
    dopOwnedTokens: dopOwnedTokens ? (facts.dopOwnedTokens ?? 0) : null,
    breakGlassAccounts: progress.counts.breakGlassAccounts,
    blockers: progress.steps.flatMap((step) => step.blockers).filter((value, index, all) => all.indexOf(value) === index),
    warnings: terminate.warnings,
  };
}
