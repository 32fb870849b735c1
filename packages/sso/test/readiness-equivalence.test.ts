/**
 * A readiness page is read in two statements from one graph of its people (`readinessPage`). The oracle is the
 * computation it replaced — access reviews, breaking tokens, cutover statuses and invitations each read on their
 * own — kept here, and the two must give the same rows on varied enterprises (generated from seeds), for every
 * filter and in both directions.
 */
import type { Prisma, Tx } from "@sso-cutover/db";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import {
  accessReviews,
  cutoverStatuses,
  CUTOVER_STATUSES,
  enterpriseMembersWhere,
  invitationStatus,
  normalizeEmail,
  removedWithoutSsoWhere,
} from "@sso-cutover/membership";
import { readinessPage, type ReadinessFilter, type ReadinessPageRequest, type ReadinessRow } from "@sso-cutover/sso";
import { tokensBreakingWith, type BreakingToken } from "@sso-cutover/tokens";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatedEnterprise } from "../../../tests/kit/generated-enterprise";
import type { Scenario } from "../../../tests/kit/scenario";

let db: TestDatabase;
const NOW = new Date("2026-12-01T12:00:00Z");

// ------------------------------------------------------------------------------------------------ oracle

function lastAdminKeptMessage(organizationKey: string): string {
  return (
    `Kept as the last admin of "${organizationKey}" although the IdP no longer grants it (R9 c): grant ADMIN there to ` +
    "another account; the next sign-in then applies the IdP's groups."
  );
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
async function oracleReadinessPage(
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

// ------------------------------------------------------------------------------------------------ tests

const SEEDS = [11, 12, 13, 14, 15, 16];
const worlds = new Map<number, Scenario>();

beforeAll(async () => {
  db = await createTestDatabase();
  for (const seed of SEEDS) worlds.set(seed, await generatedEnterprise(db.prisma, seed, NOW));
}, 120_000);
afterAll(() => db?.close());

const FILTERS: (ReadinessFilter | null)[] = [
  null,
  { notReadyOnly: true },
  { loginStartsWith: "P1" },
  ...CUTOVER_STATUSES.map((cutoverStatus) => ({ cutoverStatus })),
];

function logins(rows: ReadinessRow[]): string[] {
  return rows.map((row) => row.account.login);
}

describe("readinessPage (R4, R7, R9 c-d): the one-graph page gives the rows of the per-part computation", () => {
  it.each(SEEDS)("seed %i: every row of the whole report, under every filter, equals the oracle's", async (seed) => {
    const enterpriseId = worlds.get(seed)!.enterprise.id;
    let rowsSeen = 0;
    for (const filter of FILTERS) {
      const request: ReadinessPageRequest = { limit: 200, filter };
      const rows = await readinessPage(db.prisma, enterpriseId, request, NOW);
      expect(rows, JSON.stringify(filter)).toEqual(await oracleReadinessPage(db.prisma, enterpriseId, request, NOW));
      rowsSeen += rows.length;
    }
    expect(rowsSeen).toBeGreaterThan(0);
  });

  it.each(SEEDS)("seed %i: pages of 3 forwards and backwards equal the oracle's", async (seed) => {
    const enterpriseId = worlds.get(seed)!.enterprise.id;
    const all = logins(await oracleReadinessPage(db.prisma, enterpriseId, { limit: 200 }, NOW));
    for (let index = 0; index < all.length; index += 3) {
      const forward: ReadinessPageRequest = { limit: 3, after: index === 0 ? null : all[index - 1] };
      expect(await readinessPage(db.prisma, enterpriseId, forward, NOW)).toEqual(await oracleReadinessPage(db.prisma, enterpriseId, forward, NOW));
      const backward: ReadinessPageRequest = { limit: 3, before: all[index], inverted: true };
      expect(await readinessPage(db.prisma, enterpriseId, backward, NOW)).toEqual(await oracleReadinessPage(db.prisma, enterpriseId, backward, NOW));
    }
  });

  it("the generated enterprises cover every cutover status, breaking tokens, organizations only through DOP, losses and warnings", async () => {
    const rows = (
      await Promise.all(SEEDS.map((seed) => readinessPage(db.prisma, worlds.get(seed)!.enterprise.id, { limit: 200 }, NOW)))
    ).flat();
    expect(new Set(rows.map((row) => row.cutoverStatus))).toEqual(new Set(CUTOVER_STATUSES));
    expect(rows.some((row) => row.tokensThatWouldBreak.length > 0)).toBe(true);
    expect(rows.some((row) => row.tokensThatWouldBreak.some((token) => token.replacements.length > 0))).toBe(true);
    expect(rows.some((row) => row.organizationsOnlyThroughDop.length > 0)).toBe(true);
    expect(rows.some((row) => row.accessLoss.some((loss) => loss.regained))).toBe(true);
    expect(rows.some((row) => row.accessLoss.some((loss) => !loss.regained))).toBe(true);
    expect(rows.some((row) => row.warnings.length > 0)).toBe(true);
    expect(rows.some((row) => row.invitation?.status === "EXPIRED")).toBe(true);
  });

  it("a page costs two statements whatever its size", async () => {
    const enterpriseId = worlds.get(SEEDS[0]!)!.enterprise.id;
    const counts: number[] = [];
    for (const limit of [2, 200]) {
      db.statements.reset();
      await readinessPage(db.prisma, enterpriseId, { limit }, NOW);
      counts.push(db.statements.count);
    }
    expect(counts).toEqual([2, 2]);
  });
});
