import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { removeDevopsAccountsFromOrganizations } from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { comparablePlan, expectedAfterRemoval, snapshotAccess } from "../../../tests/kit/cutover";
import { buildScenario, type ScenarioSpec } from "../../../tests/kit/scenario";

let db: TestDatabase;
const NOW = new Date("2026-12-01T12:00:00Z");
const DAY = 24 * 3600_000;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});

interface DataSet {
  name: string;
  spec: ScenarioSpec;
  /** The DOP accounts to remove (handles). */
  remove: string[];
  /** Violation codes the plan must report (none: the real run applies). */
  violations: string[];
  /** Shape checks that the data set really exercises what its name says. */
  check?: (plan: Awaited<ReturnType<typeof removeDevopsAccountsFromOrganizations>>) => void;
}

const dataSets: DataSet[] = [
  {
    name: "admins only through groups (Owners and a custom ADMIN group), memberships only through groups",
    spec: {
      organizations: { web: { groups: { Admins: ["ADMIN"], Developers: ["SCAN"] } }, api: { groups: { Developers: ["SCAN", "GATEADMIN"] } } },
      accounts: {
        "sso-admin": { kind: "SSO", enterpriseAdmin: true, groups: { web: ["Owners"], api: ["Owners"] } },
        "break-glass": { enterpriseAdmin: true, groups: { web: ["Members"] } },
        "alice-gh": { groups: { web: ["Admins", "Developers"], api: ["Owners"] } },
        "bob-gh": { groups: { web: ["Members", "Developers"], api: ["Developers"] }, tokens: { ci: {} } },
        "carol-gh": { memberOf: ["api"], groups: { api: ["Owners"] }, permissions: { api: ["PROFILEADMIN"] } },
      },
    },
    remove: ["alice-gh", "bob-gh", "carol-gh"],
    violations: [],
    check: (plan) => {
      expect(plan.memberships.every((entry) => entry.groups.length > 0)).toBe(true);
      expect(plan.tokensThatBreak).toHaveLength(1);
    },
  },
  {
    name: "linked and unlinked accounts, SSO memberships missing or complete",
    spec: {
      organizations: { web: { groups: { Developers: ["SCAN"] } }, api: {}, docs: { plan: "FREE" } },
      accounts: {
        "sso-admin": { kind: "SSO", enterpriseAdmin: true, memberOf: ["web", "api", "docs"], permissions: { web: ["ADMIN"], api: ["ADMIN"], docs: ["ADMIN"] } },
        "break-glass": { enterpriseAdmin: true, memberOf: ["web"] },
        "alice-gh": { memberOf: ["web", "api"], permissions: { web: ["SCAN"], api: ["SCAN"] }, linkedTo: "alice" },
        alice: { kind: "SSO", memberOf: ["web"] },
        "bob-gh": { memberOf: ["web"], groups: { web: ["Developers"] }, linkedTo: "bob" },
        bob: { kind: "SSO", memberOf: ["web"], groups: { web: ["Developers"] } },
        "carol-gh": { memberOf: ["docs", "api"], permissions: { docs: ["SCAN"] }, tokens: { nightly: { expiresAt: new Date(NOW.getTime() + 3 * DAY) } } },
        dave: { kind: "SSO", memberOf: ["api"] },
      },
    },
    remove: ["alice-gh", "bob-gh", "carol-gh"],
    violations: [],
    check: (plan) => {
      expect(plan.missingSsoMemberships.some((row) => row.ssoAccount === null)).toBe(true);
      expect(plan.missingSsoMemberships.some((row) => row.ssoAccount !== null)).toBe(true);
      // bob has everything bob-gh had.
      expect(plan.missingSsoMemberships.some((row) => row.devopsAccount.login.startsWith("bob-gh"))).toBe(false);
    },
  },
  {
    name: "breaking tokens, enterprise permissions removed, a Bitbucket Cloud organization keeping a second DOP admin",
    spec: {
      organizations: {
        web: { plan: "TEAM" },
        mobile: { devopsPlatform: "BITBUCKET_CLOUD", plan: "FREE" },
        legacy: { devopsPlatform: null, plan: "ENTERPRISE" },
        outside: { inEnterprise: false },
      },
      accounts: {
        "sso-admin": { kind: "SSO", enterpriseAdmin: true, memberOf: ["web", "legacy"], permissions: { web: ["ADMIN"], legacy: ["ADMIN"] } },
        "glass-1": { enterpriseAdmin: true, memberOf: ["web"], enterprisePermissions: ["CREATE_PORTFOLIOS"] },
        "glass-2": { enterpriseAdmin: true, memberOf: ["web", "mobile"], permissions: { mobile: ["ADMIN"] } },
        "bb-1": {
          memberOf: ["mobile", "outside"],
          permissions: { mobile: ["ADMIN", "SCAN"] },
          tokens: {
            active: {},
            expiring: { expiresAt: new Date(NOW.getTime() + DAY) },
            expired: { expiresAt: new Date(NOW.getTime() - DAY) },
            revoked: { revoked: true },
          },
        },
        "eve-gh": { memberOf: ["web", "legacy", "outside"], permissions: { web: ["SCAN"], legacy: ["SCAN", "GATEADMIN"] }, tokens: { deploy: {} } },
      },
    },
    remove: ["glass-1", "bb-1", "eve-gh"],
    violations: [],
    check: (plan) => {
      expect(plan.tokensThatBreak.map((row) => row.token.name).sort()).toEqual(["active", "deploy", "expired", "expiring"]);
      expect(plan.enterprisePermissions.map((grant) => grant.permission).sort()).toEqual(["ADMINISTER_ENTERPRISE", "CREATE_PORTFOLIOS"]);
    },
  },
  {
    name: "a deleted DOP admin and many plain members: the organization still loses its last live admin (violation)",
    spec: {
      organizations: { web: {}, api: {} },
      accounts: {
        "sso-admin": { kind: "SSO", enterpriseAdmin: true, memberOf: ["web"], permissions: { web: ["ADMIN"] } },
        "break-glass": { enterpriseAdmin: true, memberOf: ["web"] },
        "gone-admin": { deleted: true, memberOf: ["api"], permissions: { api: ["ADMIN"] } },
        "api-admin": { memberOf: ["api"], permissions: { api: ["ADMIN"] } },
        ...Object.fromEntries(Array.from({ length: 12 }, (_, index) => [`member-${index}`, { memberOf: ["api", "web"], tokens: { t: {} } }])),
      },
    },
    remove: ["api-admin", ...Array.from({ length: 12 }, (_, index) => `member-${index}`)],
    violations: ["ORGANIZATION_WITHOUT_ADMIN"],
  },
  {
    name: "every violation at once",
    spec: {
      organizations: { web: {}, mobile: { devopsPlatform: "BITBUCKET_CLOUD" } },
      accounts: {
        "sso-admin": { kind: "SSO", enterpriseAdmin: true, memberOf: ["web"], permissions: { web: ["ADMIN"] } },
        "break-glass": { enterpriseAdmin: true, memberOf: ["web"], tokens: { ci: {} } },
        "bb-admin": { memberOf: ["mobile"], permissions: { mobile: ["ADMIN"] }, linkedTo: "bb" },
        bb: { kind: "SSO" },
      },
    },
    remove: ["break-glass", "bb-admin"],
    violations: ["NO_BREAK_GLASS_ADMIN", "ORGANIZATION_WITHOUT_ADMIN", "BITBUCKET_WITHOUT_DOP_ADMIN"],
  },
];

describe("dry run = real run (R9)", () => {
  it.each(dataSets)("R9: the dry run predicts the real run exactly — $name", async ({ spec, remove, violations, check }) => {
    const s = await buildScenario(db.prisma, spec);
    // Access loss acknowledged: the unacknowledged case (R9 d) is replayed in access-loss.test.ts.
    const input = { enterpriseKey: s.enterprise.key, accountIds: remove.map((handle) => s.account(handle).id), acknowledgeAll: true };
    const before = await snapshotAccess(db.prisma);

    const dry = await removeDevopsAccountsFromOrganizations(db.prisma, s.actor("sso-admin"), { ...input, dryRun: true }, NOW);
    expect(await snapshotAccess(db.prisma)).toEqual(before);
    expect(dry.violations.map((violation) => violation.code)).toEqual(violations);
    expect(dry.memberships.length).toBeGreaterThan(0);
    check?.(dry);

    const real = await removeDevopsAccountsFromOrganizations(db.prisma, s.actor("sso-admin"), { ...input, dryRun: false }, NOW);
    expect(comparablePlan(real)).toEqual(comparablePlan(dry));
    expect(real.dryRun).toBe(false);
    expect(real.applied).toBe(violations.length === 0);

    const after = await snapshotAccess(db.prisma);
    if (violations.length > 0) {
      expect(after).toEqual(before);
      return;
    }
    const { auditEvents, ...changed } = after;
    // Every membership, group membership and permission the plan listed is gone; nothing else changed.
    expect(changed).toEqual(expectedAfterRemoval(before, dry));
    expect(auditEvents.filter((id) => !before.auditEvents.includes(id))).toHaveLength(1);
    // The removed accounts keep nothing in the enterprise's organizations…
    const organizationIds = (await db.prisma.organization.findMany({ where: { enterpriseId: s.enterprise.id } })).map((o) => o.id);
    const left = await Promise.all([
      db.prisma.orgMembership.count({ where: { accountId: { in: input.accountIds }, organizationId: { in: organizationIds } } }),
      db.prisma.groupMembership.count({ where: { accountId: { in: input.accountIds }, group: { organizationId: { in: organizationIds } } } }),
      db.prisma.orgPermission.count({ where: { accountId: { in: input.accountIds }, organizationId: { in: organizationIds } } }),
      db.prisma.enterprisePermission.count({ where: { accountId: { in: input.accountIds }, enterpriseId: s.enterprise.id } }),
    ]);
    expect(left).toEqual([0, 0, 0, 0]);
    // …so a second dry run for them is refused: they no longer belong to the enterprise.
    const again = await removeDevopsAccountsFromOrganizations(db.prisma, s.actor("sso-admin"), { ...input, dryRun: true }, NOW).then(
      () => null,
      (error: unknown) => error,
    );
    expect(again).toMatchObject({ code: "INVALID_INPUT", message: expect.stringMatching(/does not belong to this enterprise/) });
  });
});
