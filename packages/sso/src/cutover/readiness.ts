import type { Account, InvitationStatus, Organization, Prisma, Tx } from "@sso-cutover/db";
import {
  accessReviews,
  cutoverStatuses,
  enterpriseMembersWhere,
  invitationStatus,
  normalizeEmail,
  removedWithoutSsoWhere,
  type CutoverStatus,
} from "@sso-cutover/membership";
import { tokensBreakingWith, type BreakingToken } from "@sso-cutover/tokens";
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
 * One page of the readiness report, in a fixed number of SQL statements whatever the page size: the page of
 * accounts, then access reviews, breaking tokens, cutover statuses and invitations for the whole page at once.
 * `notReadyOnly` filters the page after computing it (a page may then hold fewer rows than `limit`).
 */
export async function readinessPage(
  tx: Tx,
  enterpriseId: string,
  request: ReadinessPageRequest,
  now = new Date(),
): Promise<ReadinessRow[]> {
  const where = await readinessWhere(tx, enterpriseId, request.filter, now);
  const bounds: Prisma.StringFilter = {};
  if (request.after) bounds.gt = request.after;
  if (request.before) bounds.lt = request.before;
  const accounts = await tx.account.findMany({
    where: { AND: [where, Object.keys(bounds).length > 0 ? { login: bounds } : {}] },
    orderBy: { login: request.inverted ? "desc" : "asc" },
    take: request.limit,
    include: { linkAsDevops: { include: { ssoAccount: true } }, linkAsSso: { include: { devopsAccount: true } } },
  });
  if (request.inverted) accounts.reverse();
  if (accounts.length === 0) return [];

  const devopsIds = accounts.flatMap((account) => (account.kind === "DEVOPS" ? [account.id] : []));
  const organizations = await tx.organization.findMany({ where: { enterpriseId }, select: { id: true } });
  const emails = new Set<string>();
  for (const account of accounts) {
    for (const email of [account.emailNormalized, account.linkAsDevops?.ssoAccount.emailNormalized, account.linkAsSso?.devopsAccount.emailNormalized]) {
      if (email) emails.add(normalizeEmail(email));
    }
  }
  const devopsSideIds = accounts.flatMap((account) =>
    account.kind === "DEVOPS" ? [account.id] : account.linkAsSso ? [account.linkAsSso.devopsAccountId] : [],
  );
  const ssoSideIds = accounts.flatMap((account) =>
    account.kind === "SSO" ? [account.id] : account.linkAsDevops ? [account.linkAsDevops.ssoAccountId] : [],
  );
  const [reviews, breaking, statuses, invitations, acknowledgements, retentions, ssoMemberships] = await Promise.all([
    accessReviews(tx, accounts.map((account) => account.id), enterpriseId),
    tokensBreakingWith(tx, devopsIds, organizations.map((organization) => organization.id), now),
    cutoverStatuses(tx, accounts.map((account) => account.id), enterpriseId, now),
    tx.invitation.findMany({
      where: { enterpriseId, emailNormalized: { in: [...emails] } },
      orderBy: { createdAt: "desc" },
    }),
    tx.accessLossAcknowledgement.findMany({
      where: { enterpriseId, devopsAccountId: { in: devopsSideIds } },
      include: { organization: true, acknowledgedBy: true },
      orderBy: { organization: { key: "asc" } },
    }),
    tx.lastAdminRetention.findMany({
      where: { enterpriseId, accountId: { in: ssoSideIds } },
      include: { organization: { select: { key: true } } },
      orderBy: { organization: { key: "asc" } },
    }),
    // Whether an SSO account reaches an organization it lost through its DOP account (the loss is then resolved).
    tx.organization.findMany({
      where: {
        enterpriseId,
        accessLosses: { some: { devopsAccountId: { in: devopsSideIds } } },
        OR: [
          { memberships: { some: { accountId: { in: ssoSideIds } } } },
          { groups: { some: { memberships: { some: { accountId: { in: ssoSideIds } } } } } },
        ],
      },
      select: {
        id: true,
        memberships: { where: { accountId: { in: ssoSideIds } }, select: { accountId: true } },
        groups: { select: { memberships: { where: { accountId: { in: ssoSideIds } }, select: { accountId: true } } } },
      },
    }),
  ]);
  const ssoMember = new Set(
    ssoMemberships.flatMap((organization) => [
      ...organization.memberships.map((row) => `${row.accountId}|${organization.id}`),
      ...organization.groups.flatMap((group) => group.memberships.map((row) => `${row.accountId}|${organization.id}`)),
    ]),
  );
  const acknowledgementsByAccount = new Map<string, (typeof acknowledgements)[number][]>();
  for (const row of acknowledgements) {
    const list = acknowledgementsByAccount.get(row.devopsAccountId) ?? [];
    list.push(row);
    acknowledgementsByAccount.set(row.devopsAccountId, list);
  }
  const retainedByAccount = new Map<string, string[]>();
  for (const row of retentions) {
    const list = retainedByAccount.get(row.accountId) ?? [];
    list.push(row.organization.key);
    retainedByAccount.set(row.accountId, list);
  }
  const latestInvitation = new Map<string, (typeof invitations)[number]>();
  for (const invitation of invitations) {
    if (!latestInvitation.has(invitation.emailNormalized)) latestInvitation.set(invitation.emailNormalized, invitation);
  }
  const breakingByOwner = new Map<string, BreakingToken[]>();
  for (const token of breaking) {
    const list = breakingByOwner.get(token.owner.id) ?? [];
    list.push(token);
    breakingByOwner.set(token.owner.id, list);
  }

  const rows = accounts.map((account): ReadinessRow => {
    const { linkAsDevops, linkAsSso, ...plain } = account;
    const devopsAccount = account.kind === "DEVOPS" ? plain : (linkAsSso?.devopsAccount ?? null);
    const ssoAccount = account.kind === "SSO" ? plain : (linkAsDevops?.ssoAccount ?? null);
    const review = reviews.get(account.id);
    const email = [devopsAccount?.emailNormalized, ssoAccount?.emailNormalized].find((value) => value && latestInvitation.has(value));
    const invitation = email ? latestInvitation.get(email)! : null;
    const retained = ssoAccount ? (retainedByAccount.get(ssoAccount.id) ?? []) : [];
    return {
      account: plain,
      devopsAccount,
      ssoAccount,
      cutoverStatus: statuses.get(account.id) ?? (account.kind === "SSO" ? "SSO_ACTIVE" : "NOT_INVITED"),
      lastSsoLoginAt: ssoAccount?.lastLoginAt ?? null,
      organizationsOnlyThroughDop: (review?.organizations ?? [])
        .filter((row) => row.dop.member && !row.sso.member)
        .map((row) => row.organization),
      tokensThatWouldBreak: account.kind === "DEVOPS" ? (breakingByOwner.get(account.id) ?? []) : [],
      invitation: invitation
        ? { status: invitationStatus(invitation, now), email: invitation.email, expiresAt: invitation.expiresAt }
        : null,
      accessLoss: (devopsAccount ? (acknowledgementsByAccount.get(devopsAccount.id) ?? []) : []).map((row) => ({
        organization: row.organization,
        acknowledgedBy: row.acknowledgedBy,
        acknowledgedAt: row.acknowledgedAt,
        regained: ssoAccount !== null && ssoMember.has(`${ssoAccount.id}|${row.organizationId}`),
      })),
      warnings: retained.map((key) => lastAdminKeptMessage(key)),
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

/** R14 / R9 (c): the warning on the row of an SSO account that group sync kept as an organization's last admin. */
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
  /** Non-revoked personal access tokens owned by DOP accounts of the enterprise. */
  dopOwnedTokens: number;
  breakGlassAccounts: number;
  /** Enterprise-level blockers of the cutover (from the setup progress). */
  blockers: string[];
  warnings: string[];
}

/** Totals over the whole enterprise, in one aggregate statement (see `readCutoverFacts`). */
export async function readinessTotals(tx: Tx, enterpriseId: string, now = new Date()): Promise<ReadinessTotals> {
  const facts = await readCutoverFacts(tx, enterpriseId, now, { withReadinessTotals: true });
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
    dopOwnedTokens: facts.dopOwnedTokens ?? 0,
    breakGlassAccounts: progress.counts.breakGlassAccounts,
    blockers: progress.steps.flatMap((step) => step.blockers).filter((value, index, all) => all.indexOf(value) === index),
    warnings: terminate.warnings,
  };
}
