/**
 * Setup progress and the readiness totals are counted by one set-based statement (`readCutoverFacts`). The oracle
 * is the computation it replaced — one Prisma count per figure over the domain's where-clauses — kept here, and the
 * two must agree on varied enterprises (generated from seeds), with another enterprise's data around them.
 */
import type { Prisma, Tx } from "@sso-cutover/db";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { invitationWhereForStatus, removedWithoutSsoWhere } from "@sso-cutover/membership";
import {
  breakGlassWhere,
  computeSetupProgress,
  enterpriseDopAccountsWhere,
  readCutoverFacts,
  readinessTotals,
  setupProgressFrom,
  type CutoverFacts,
} from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatedEnterprise } from "../../../tests/kit/generated-enterprise";
import { buildScenario, type Scenario } from "../../../tests/kit/scenario";

let db: TestDatabase;
const NOW = new Date("2026-12-01T12:00:00Z");

// ------------------------------------------------------------------------------------------------ oracle

function inEnterprise(enterpriseId: string): Prisma.AccountWhereInput {
  return {
    OR: [
      { memberships: { some: { organization: { enterpriseId } } } },
      { groupMemberships: { some: { group: { organization: { enterpriseId } } } } },
    ],
  };
}

/** Readiness people, as the page's where-clause selects them. */
function personWhere(enterpriseId: string): Prisma.AccountWhereInput {
  return {
    OR: [
      { kind: "DEVOPS", deletedAt: null, ...inEnterprise(enterpriseId) },
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

function countAdministrators(tx: Tx, enterpriseId: string, kind?: "SSO" | "DEVOPS"): Promise<number> {
  return tx.enterprisePermission.count({
    where: { enterpriseId, permission: "ADMINISTER_ENTERPRISE", account: { deletedAt: null, ...(kind ? { kind } : {}) } },
  });
}

/** The facts as the previous implementation read them: one Prisma query per figure. */
async function oracleFacts(tx: Tx, enterpriseId: string, now: Date): Promise<CutoverFacts> {
  const dopWhere = enterpriseDopAccountsWhere(enterpriseId);
  const [
    connection,
    organizations,
    dopAccounts,
    linkedDopAccounts,
    ssoAccounts,
    pendingInvitations,
    acceptedInvitations,
    enterpriseAdministrators,
    ssoEnterpriseAdministrators,
    dopEnterpriseAdministrators,
    breakGlassAccounts,
    removedWithoutSso,
    removedWithoutSsoExamples,
    retentions,
    lastAdminRetentions,
    people,
    dopOwnedTokens,
    scimUsers,
    scimDeactivatedUsers,
    scimGroups,
  ] = await Promise.all([
    tx.ssoConnection.findUnique({
      where: { enterpriseId },
      select: { status: true, provisioning: true, idpCertificates: true, groupsAttributes: true, firstLoginAt: true, groupsReceivedAt: true, lastScimRequestAt: true },
    }),
    tx.organization.count({ where: { enterpriseId } }),
    tx.account.count({ where: dopWhere }),
    tx.account.count({ where: { AND: [dopWhere, { linkAsDevops: { isNot: null } }] } }),
    tx.account.count({ where: { kind: "SSO", enterpriseId, deletedAt: null } }),
    tx.invitation.count({ where: { enterpriseId, ...invitationWhereForStatus("PENDING", now) } }),
    tx.invitation.count({ where: { enterpriseId, ...invitationWhereForStatus("ACCEPTED", now) } }),
    countAdministrators(tx, enterpriseId),
    countAdministrators(tx, enterpriseId, "SSO"),
    countAdministrators(tx, enterpriseId, "DEVOPS"),
    tx.account.count({ where: breakGlassWhere(enterpriseId) }),
    tx.account.count({ where: removedWithoutSsoWhere(enterpriseId) }),
    tx.account.findMany({ where: removedWithoutSsoWhere(enterpriseId), select: { login: true }, orderBy: { login: "asc" }, take: 5 }),
    tx.lastAdminRetention.findMany({
      where: { enterpriseId, account: { deletedAt: null } },
      select: { account: { select: { login: true } }, organization: { select: { key: true } } },
      orderBy: [{ organization: { key: "asc" } }, { account: { login: "asc" } }],
      take: 5,
    }),
    tx.lastAdminRetention.count({ where: { enterpriseId, account: { deletedAt: null } } }),
    tx.account.count({ where: personWhere(enterpriseId) }),
    tx.token.count({
      where: { kind: "PAT", revokedAt: null, ownerAccount: { kind: "DEVOPS", deletedAt: null, ...inEnterprise(enterpriseId) } },
    }),
    tx.account.count({ where: { kind: "SSO", enterpriseId, deletedAt: null, scimProvisionedAt: { not: null } } }),
    tx.account.count({ where: { kind: "SSO", enterpriseId, deletedAt: null, scimProvisionedAt: { not: null }, deactivatedAt: { not: null } } }),
    tx.scimGroup.count({ where: { enterpriseId } }),
  ]);
  return {
    connection,
    organizations,
    dopAccounts,
    linkedDopAccounts,
    ssoAccounts,
    pendingInvitations,
    acceptedInvitations,
    enterpriseAdministrators,
    ssoEnterpriseAdministrators,
    dopEnterpriseAdministrators,
    breakGlassAccounts,
    removedWithoutSso,
    removedWithoutSsoExamples: removedWithoutSsoExamples.map((account) => account.login),
    lastAdminRetentions,
    lastAdminRetentionExamples: retentions.map((row) => ({ login: row.account.login, organizationKey: row.organization.key })),
    people,
    dopOwnedTokens,
    scimUsers,
    scimDeactivatedUsers,
    scimGroups,
  };
}

const SEEDS = [1, 2, 3, 4, 5, 6];
const worlds = new Map<number, Scenario>();

beforeAll(async () => {
  db = await createTestDatabase();
  // Generated one after the other into the same database: every enterprise has the others' data around it.
  for (const seed of SEEDS) worlds.set(seed, await generatedEnterprise(db.prisma, seed, NOW));
}, 120_000);
afterAll(() => db?.close());

describe("readCutoverFacts (R9 d, R14): the set-based counts agree with the per-figure Prisma counts", () => {
  it.each(SEEDS)("seed %i: every fact, readiness totals included, equals the oracle's", async (seed) => {
    const world = worlds.get(seed)!;
    const facts = await readCutoverFacts(db.prisma, world.enterprise.id, NOW, { withReadinessTotals: true });
    expect(facts).toEqual(await oracleFacts(db.prisma, world.enterprise.id, NOW));
  });

  it.each(SEEDS)("seed %i: setup progress and readiness totals are what the oracle's facts give", async (seed) => {
    const world = worlds.get(seed)!;
    const oracle = await oracleFacts(db.prisma, world.enterprise.id, NOW);
    const progress = setupProgressFrom(oracle, NOW);
    expect(await computeSetupProgress(db.prisma, world.enterprise.id, NOW)).toEqual(progress);
    const totals = await readinessTotals(db.prisma, world.enterprise.id, NOW);
    expect(totals).toMatchObject({
      people: oracle.people,
      dopAccounts: oracle.dopAccounts,
      linkedDopAccounts: oracle.linkedDopAccounts,
      ssoOnlyAccounts: oracle.people! - oracle.dopAccounts,
      pendingInvitations: oracle.pendingInvitations,
      dopOwnedTokens: oracle.dopOwnedTokens,
      breakGlassAccounts: oracle.breakGlassAccounts,
      removedWithoutSso: oracle.removedWithoutSso,
    });
  });

  it("the generated enterprises cover what the counts distinguish", async () => {
    const all = await Promise.all(SEEDS.map((seed) => readCutoverFacts(db.prisma, worlds.get(seed)!.enterprise.id, NOW, { withReadinessTotals: true })));
    const covered = (fact: (facts: CutoverFacts) => number | null) => all.some((facts) => (fact(facts) ?? 0) > 0);
    expect(covered((f) => f.linkedDopAccounts)).toBe(true);
    expect(covered((f) => f.dopAccounts - f.linkedDopAccounts)).toBe(true);
    expect(covered((f) => f.breakGlassAccounts)).toBe(true);
    expect(covered((f) => f.removedWithoutSso)).toBe(true);
    expect(covered((f) => f.lastAdminRetentions)).toBe(true);
    expect(covered((f) => f.pendingInvitations)).toBe(true);
    expect(covered((f) => f.acceptedInvitations)).toBe(true);
    expect(covered((f) => f.dopOwnedTokens)).toBe(true);
    expect(covered((f) => (f.people ?? 0) - f.dopAccounts - f.removedWithoutSso)).toBe(true);
  });

  it("an enterprise without organizations, accounts or connection counts zero everywhere and takes one statement", async () => {
    const empty = await buildScenario(db.prisma, { enterprise: { ssoConnection: "NONE" } });
    db.statements.reset();
    const facts = await readCutoverFacts(db.prisma, empty.enterprise.id, NOW, { withReadinessTotals: true });
    expect(db.statements.count).toBe(1);
    expect(facts).toEqual(await oracleFacts(db.prisma, empty.enterprise.id, NOW));
    expect(facts.connection).toBeNull();
    expect(facts.people).toBe(0);
  });
});
