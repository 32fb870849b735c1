import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { removeDevopsAccountsFromOrganizations, MAX_ACCOUNTS_PER_REMOVAL, type CutoverPlan } from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { comparablePlan, expectedAfterRemoval, snapshotAccess } from "../../../tests/kit/cutover";
import { domainError } from "../../../tests/kit/domain-errors";
import { buildScenario, type Scenario, type ScenarioSpec } from "../../../tests/kit/scenario";

let db: TestDatabase;
const NOW = new Date("2026-12-01T12:00:00Z");
const DAY = 24 * 3600_000;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});

/**
 * web (GitHub): admins sso-admin (direct) and break-glass through Owners.
 * mobile (Bitbucket Cloud): admins bb-admin (DOP, direct) and sso-admin (direct).
 * data (GitHub): its only admin is data-admin, through the Owners group.
 */
const violationSpec: ScenarioSpec = {
  organizations: { web: {}, mobile: { devopsPlatform: "BITBUCKET_CLOUD" }, data: {} },
  accounts: {
    "sso-admin": { kind: "SSO", enterpriseAdmin: true, memberOf: ["web", "mobile"], permissions: { web: ["ADMIN"], mobile: ["ADMIN"] } },
    "break-glass": { enterpriseAdmin: true, memberOf: ["web"], groups: { web: ["Owners"] } },
    "bb-admin": { memberOf: ["mobile"], permissions: { mobile: ["ADMIN", "SCAN"] } },
    "data-admin": { groups: { data: ["Owners"] } },
    dev: { memberOf: ["web", "mobile", "data"], permissions: { web: ["SCAN"] }, tokens: { ci: {} } },
  },
};

/** Access loss is acknowledged here: R9 (d) has its own tests (access-loss.test.ts); these are about (a)–(c). */
async function removal(s: Scenario, handles: string[], dryRun: boolean, actor = "sso-admin"): Promise<CutoverPlan> {
  return removeDevopsAccountsFromOrganizations(
    db.prisma,
    s.actor(actor),
    { enterpriseKey: s.enterprise.key, accountIds: handles.map((handle) => s.account(handle).id), dryRun, acknowledgeAll: true },
    NOW,
  );
}

const codes = (plan: CutoverPlan) => plan.violations.map((violation) => [violation.code, violation.organization?.key ?? null]);

describe("removeDevopsAccountsFromOrganizations: violations (R9)", () => {
  it("R9 (a): removing the only DOP account holding Administer Enterprise is NO_BREAK_GLASS_ADMIN, and only that", async () => {
    const s = await buildScenario(db.prisma, violationSpec);
    const plan = await removal(s, ["break-glass"], true);
    expect(codes(plan)).toEqual([["NO_BREAK_GLASS_ADMIN", null]]);
    expect(plan.violations[0]!.message).toMatch(/break-glass/);
    expect(plan.organizationsLosingLastAdmin).toEqual([]);
    expect(plan.enterprisePermissions.map((grant) => [grant.account.login, grant.permission])).toEqual([
      [s.account("break-glass").login, "ADMINISTER_ENTERPRISE"],
    ]);
  });

  it("R9 (a): removing one of two DOP accounts holding Administer Enterprise is allowed; removing both is not", async () => {
    const s = await buildScenario(db.prisma, {
      ...violationSpec,
      accounts: { ...violationSpec.accounts, "second-glass": { enterpriseAdmin: true, memberOf: ["web"] } },
    });
    expect((await removal(s, ["break-glass"], true)).violations).toEqual([]);
    expect((await removal(s, ["second-glass"], true)).violations).toEqual([]);
    expect(codes(await removal(s, ["break-glass", "second-glass"], true))).toEqual([["NO_BREAK_GLASS_ADMIN", null]]);
  });

  it("R9 (b): removing the only DOP admin of a Bitbucket Cloud organization is BITBUCKET_WITHOUT_DOP_ADMIN even with an SSO admin left", async () => {
    const s = await buildScenario(db.prisma, violationSpec);
    const plan = await removal(s, ["bb-admin"], true);
    expect(codes(plan)).toEqual([["BITBUCKET_WITHOUT_DOP_ADMIN", s.organization("mobile").key]]);
    expect(plan.violations[0]!.message).toMatch(/Bitbucket Cloud/);
    // The SSO admin stays, so the organization does not lose its last admin.
    expect(plan.organizationsLosingLastAdmin).toEqual([]);
  });

  it("R9 (c): removing the only admin of an organization (through the Owners group) is ORGANIZATION_WITHOUT_ADMIN", async () => {
    const s = await buildScenario(db.prisma, violationSpec);
    const plan = await removal(s, ["data-admin"], true);
    expect(codes(plan)).toEqual([["ORGANIZATION_WITHOUT_ADMIN", s.organization("data").key]]);
    expect(plan.organizationsLosingLastAdmin.map((row) => [row.organization.key, row.adminsBefore])).toEqual([
      [s.organization("data").key, 1],
    ]);
  });

  it("R9 (c): an organization that already had no admin does not block removing one of its plain members", async () => {
    const s = await buildScenario(db.prisma, {
      organizations: { web: {}, orphan: {} },
      accounts: {
        "sso-admin": { kind: "SSO", enterpriseAdmin: true, memberOf: ["web"], permissions: { web: ["ADMIN"] } },
        "break-glass": { enterpriseAdmin: true, memberOf: ["web"] },
        dev: { memberOf: ["web", "orphan"] },
      },
    });
    const plan = await removal(s, ["dev"], true);
    expect(plan.violations).toEqual([]);
    expect(plan.organizationsLosingLastAdmin).toEqual([]);
  });

  it("R9 (a)+(b)+(c) combined: every violation is reported, break-glass first, then per organization", async () => {
    const s = await buildScenario(db.prisma, violationSpec);
    const plan = await removal(s, ["dev", "data-admin", "bb-admin", "break-glass"], true);
    expect(codes(plan)).toEqual([
      ["NO_BREAK_GLASS_ADMIN", null],
      ["ORGANIZATION_WITHOUT_ADMIN", s.organization("data").key],
      ["BITBUCKET_WITHOUT_DOP_ADMIN", s.organization("mobile").key],
    ]);
  });

  it("R9 (b)+(c) on one organization: a Bitbucket Cloud organization whose only admin is the removed DOP account", async () => {
    const s = await buildScenario(db.prisma, {
      organizations: { web: {}, mobile: { devopsPlatform: "BITBUCKET_CLOUD" } },
      accounts: {
        "sso-admin": { kind: "SSO", enterpriseAdmin: true, memberOf: ["web"], permissions: { web: ["ADMIN"] } },
        "break-glass": { enterpriseAdmin: true, memberOf: ["web"] },
        "bb-admin": { memberOf: ["mobile"], permissions: { mobile: ["ADMIN"] } },
      },
    });
    const plan = await removal(s, ["bb-admin"], true);
    expect(codes(plan)).toEqual([
      ["ORGANIZATION_WITHOUT_ADMIN", s.organization("mobile").key],
      ["BITBUCKET_WITHOUT_DOP_ADMIN", s.organization("mobile").key],
    ]);
  });

  it("R9: a real run with any violation changes nothing (no row, no token, no audit event) and returns the dry run's plan", async () => {
    const s = await buildScenario(db.prisma, violationSpec);
    for (const handles of [["break-glass"], ["bb-admin"], ["data-admin"], ["dev", "data-admin", "bb-admin", "break-glass"]]) {
      const dry = await removal(s, handles, true);
      const before = await snapshotAccess(db.prisma);
      const real = await removal(s, handles, false);
      expect(await snapshotAccess(db.prisma)).toEqual(before);
      expect(real).toMatchObject({ dryRun: false, applied: false });
      expect(real.violations.length).toBeGreaterThan(0);
      expect(comparablePlan(real)).toEqual(comparablePlan(dry));
    }
  });

  it("R9/R13: a real run without violations removes exactly what the plan said and writes exactly one audit event", async () => {
    const s = await buildScenario(db.prisma, violationSpec);
    const before = await snapshotAccess(db.prisma);
    const plan = await removal(s, ["dev"], false);
    expect(plan).toMatchObject({ dryRun: false, applied: true, violations: [] });

    const after = await snapshotAccess(db.prisma);
    const { auditEvents: eventsAfter, ...rest } = after;
    expect(rest).toEqual(expectedAfterRemoval(before, plan));
    // The plan named every membership dev had in the enterprise: direct ones in web, mobile and data, SCAN on web.
    expect(plan.memberships.map((entry) => [entry.organization.key, entry.direct, entry.permissions])).toEqual([
      [s.organization("data").key, true, []],
      [s.organization("mobile").key, true, []],
      [s.organization("web").key, true, ["SCAN"]],
    ]);
    expect(await db.prisma.orgMembership.count({ where: { accountId: s.account("dev").id } })).toBe(0);

    const newEvents = eventsAfter.filter((id) => !before.auditEvents.includes(id));
    expect(newEvents).toHaveLength(1);
    const [event] = await s.auditEvents("cutover.devops_accounts_removed");
    expect(event).toMatchObject({ id: newEvents[0], actorId: s.account("sso-admin").id, actorLogin: s.account("sso-admin").login });
    expect(event!.payload).toMatchObject({
      accounts: [{ id: s.account("dev").id, login: s.account("dev").login }],
      removed: { memberships: 3, groupMemberships: 0, organizationPermissions: 1, enterprisePermissions: 0 },
      breakingTokens: [{ id: s.tokenId("dev", "ci"), name: "ci", owner: s.account("dev").login }],
    });
    expect(JSON.stringify(event!.payload)).not.toContain(s.secret("dev", "ci"));
  });

  it("R9/R13: the dry run changes nothing and writes no audit event", async () => {
    const s = await buildScenario(db.prisma, violationSpec);
    const before = await snapshotAccess(db.prisma);
    const plan = await removal(s, ["dev"], true);
    expect(plan).toMatchObject({ dryRun: true, applied: false, violations: [] });
    expect(plan.memberships).toHaveLength(3);
    expect(await snapshotAccess(db.prisma)).toEqual(before);
  });
});

describe("removeDevopsAccountsFromOrganizations: bad input and authorization (R9)", () => {
  let s: Scenario;
  let other: Scenario;

  beforeAll(async () => {
    s = await buildScenario(db.prisma, {
      ...violationSpec,
      accounts: { ...violationSpec.accounts, gone: { memberOf: ["web"], deleted: true }, "sso-dev": { kind: "SSO", memberOf: ["web"] } },
    });
    other = await buildScenario(db.prisma, {
      organizations: { web: {} },
      accounts: { "other-admin": { enterpriseAdmin: true, memberOf: ["web"] }, "other-dev": { memberOf: ["web"] } },
    });
  });

  async function refused(accountIds: string[], actor = "sso-admin") {
    const before = await snapshotAccess(db.prisma);
    const error = await domainError(
      removeDevopsAccountsFromOrganizations(db.prisma, s.actor(actor), { enterpriseKey: s.enterprise.key, accountIds, dryRun: false }, NOW),
    );
    expect(await snapshotAccess(db.prisma)).toEqual(before);
    return error;
  }

  it("R9: an empty list is INVALID_INPUT on input.accountIds", async () => {
    const error = await refused([]);
    expect(error).toMatchObject({ code: "INVALID_INPUT", field: "input.accountIds" });
    expect(error.message).toMatch(/at least one DOP account/);
  });

  it(`R9/R15: ${MAX_ACCOUNTS_PER_REMOVAL + 1} ids are INVALID_INPUT (at most ${MAX_ACCOUNTS_PER_REMOVAL} per call); ${MAX_ACCOUNTS_PER_REMOVAL} unknown ids are refused for being unknown`, async () => {
    const tooMany = Array.from({ length: MAX_ACCOUNTS_PER_REMOVAL + 1 }, (_, index) => `unknown-${index}`);
    const error = await refused(tooMany);
    expect(error).toMatchObject({ code: "INVALID_INPUT", field: "input.accountIds" });
    expect(error.message).toContain(`At most ${MAX_ACCOUNTS_PER_REMOVAL} accounts per call (got ${MAX_ACCOUNTS_PER_REMOVAL + 1})`);

    const atLimit = await refused(tooMany.slice(0, MAX_ACCOUNTS_PER_REMOVAL));
    expect(atLimit).toMatchObject({ code: "NOT_FOUND", field: "input.accountIds[0]", message: "No account with this id." });
  });

  it("R9/R15: unknown and deleted account ids are NOT_FOUND, naming their index", async () => {
    const unknown = await refused([s.account("dev").id, "no-such-account", s.account("gone").id]);
    expect(unknown).toMatchObject({ code: "NOT_FOUND", field: "input.accountIds[1]" });
    const deleted = await refused([s.account("dev").id, s.account("gone").id]);
    expect(deleted).toMatchObject({ code: "NOT_FOUND", field: "input.accountIds[1]" });
  });

  it("R9/R15: accounts of another enterprise are NOT_FOUND without their login (and nothing of either enterprise changes)", async () => {
    const error = await refused([s.account("dev").id, other.account("other-dev").id]);
    expect(error).toMatchObject({ code: "NOT_FOUND", field: "input.accountIds[1]", message: "No account with this id." });
    expect(error.message).not.toContain(other.account("other-dev").login);
  });

  it("R9: SSO accounts passed as DOP accounts are refused", async () => {
    const error = await refused([s.account("sso-dev").id]);
    expect(error).toMatchObject({ code: "INVALID_INPUT", field: "input.accountIds[0]" });
    expect(error.message).toContain(`${s.account("sso-dev").login} is an SSO account, not a DOP account`);
  });

  it("R9: enterprise admins only — a member of the enterprise is FORBIDDEN, even for a dry run; an outsider gets NOT_FOUND", async () => {
    for (const dryRun of [true, false]) {
      const error = await domainError(
        removeDevopsAccountsFromOrganizations(
          db.prisma,
          s.actor("dev"),
          { enterpriseKey: s.enterprise.key, accountIds: [s.account("bb-admin").id], dryRun },
          NOW,
        ),
      );
      expect(error.code).toBe("FORBIDDEN");
    }
    const outsider = await domainError(
      removeDevopsAccountsFromOrganizations(
        db.prisma,
        other.actor("other-admin"),
        { enterpriseKey: s.enterprise.key, accountIds: [s.account("dev").id], dryRun: true },
        NOW,
      ),
    );
    expect(outsider).toMatchObject({ code: "NOT_FOUND", field: "input.enterpriseKey" });
  });

  it("R9: the same id twice is planned once", async () => {
    const plan = await removeDevopsAccountsFromOrganizations(
      db.prisma,
      s.actor("sso-admin"),
      { enterpriseKey: s.enterprise.key, accountIds: [s.account("dev").id, s.account("dev").id], dryRun: true },
      NOW,
    );
    expect(plan.accounts.map((account) => account.id)).toEqual([s.account("dev").id]);
    expect(plan.memberships).toHaveLength(3);
  });
});

describe("removeDevopsAccountsFromOrganizations: consequences (R7, R9)", () => {
  let s: Scenario;

  beforeAll(async () => {
    s = await buildScenario(db.prisma, {
      organizations: {
        web: { plan: "ENTERPRISE", groups: { Developers: ["SCAN"] } },
        hobby: { plan: "FREE" },
        docs: { plan: "TEAM" },
        outside: { inEnterprise: false },
      },
      accounts: {
        "sso-admin": { kind: "SSO", enterpriseAdmin: true, memberOf: ["web", "hobby", "docs"], permissions: { web: ["ADMIN"], docs: ["ADMIN"] } },
        "break-glass": { enterpriseAdmin: true, memberOf: ["web"] },
        "ana-gh": {
          memberOf: ["web", "hobby", "outside"],
          permissions: { web: ["SCAN"], hobby: ["ADMIN"] },
          linkedTo: "ana",
          tokens: {
            ci: {},
            "soon-expiring": { expiresAt: new Date(NOW.getTime() + 2 * DAY) },
            expired: { expiresAt: new Date(NOW.getTime() - DAY) },
            revoked: { revoked: true },
          },
        },
        ana: { kind: "SSO", memberOf: ["web"], tokens: { "sso-token": {} } },
        "bob-gh": { groups: { web: ["Developers"] }, memberOf: ["docs"], tokens: { nightly: {} } },
        "cy-gh": { memberOf: ["outside"], groups: { web: ["Members"] }, permissions: { web: ["PROFILEADMIN"] }, tokens: { "profiles-only": {} } },
        "dee-gh": { memberOf: ["web"], tokens: { "stays-with-dee": {} } },
      },
    });
  });

  async function plan(handles: string[]): Promise<CutoverPlan> {
    return removeDevopsAccountsFromOrganizations(
      db.prisma,
      s.actor("sso-admin"),
      // Acknowledged: these tests read the other consequences; R9 (d) is in access-loss.test.ts.
      { enterpriseKey: s.enterprise.key, accountIds: handles.map((handle) => s.account(handle).id), dryRun: true, acknowledgeAll: true },
      NOW,
    );
  }

  it("R9/R7: tokensThatBreak lists the removed DOP accounts' non-revoked PATs with their status and replacement guidance", async () => {
    const { tokensThatBreak } = await plan(["ana-gh", "bob-gh"]);
    expect(tokensThatBreak.map((row) => [row.owner.login, row.token.name, row.status])).toEqual([
      [s.account("ana-gh").login, "ci", "ACTIVE"],
      [s.account("ana-gh").login, "expired", "EXPIRED"],
      [s.account("ana-gh").login, "soon-expiring", "ABOUT_TO_EXPIRE"],
      [s.account("bob-gh").login, "nightly", "ACTIVE"],
    ]);
    const ci = tokensThatBreak[0]!;
    // Only the enterprise's organizations are affected; "outside" keeps the token working.
    expect(ci.affectedOrganizations.map((organization) => organization.key)).toEqual([s.organization("hobby").key, s.organization("web").key]);
    // ENTERPRISE plan: a scoped organization token; FREE plan: a PAT of the SSO account.
    expect(ci.replacements.map((replacement) => [replacement.organization.key, replacement.kind])).toEqual([
      [s.organization("hobby").key, "PAT"],
      [s.organization("web").key, "SOT"],
    ]);
    expect(ci.replacements[1]!.reason).toMatch(/scoped organization token/);
    expect(ci.display).toMatch(/^sqp_…/);
    // bob-gh analyzes web through the Developers group (SCAN); on docs it holds no analysis permission.
    const nightly = tokensThatBreak[3]!;
    expect(nightly.affectedOrganizations.map((organization) => organization.key).sort()).toEqual(
      [s.organization("docs").key, s.organization("web").key].sort(),
    );
    expect(nightly.replacements.map((replacement) => [replacement.organization.key, replacement.kind])).toEqual([
      [s.organization("web").key, "SOT"],
    ]);
  });

  it("R9/R7: tokens of SSO accounts and of DOP accounts that stay are never listed; a token that cannot analyze has no replacement", async () => {
    const { tokensThatBreak } = await plan(["ana-gh"]);
    expect(tokensThatBreak.map((row) => row.token.name)).not.toContain("sso-token");
    expect(tokensThatBreak.map((row) => row.token.name)).not.toContain("stays-with-dee");
    const cy = await plan(["cy-gh"]);
    // cy-gh belongs to web only through Members and holds PROFILEADMIN there: its token loses web, nothing replaces it.
    expect(cy.tokensThatBreak.map((row) => [row.token.name, row.affectedOrganizations.map((o) => o.key), row.replacements])).toEqual([
      ["profiles-only", [s.organization("web").key], []],
    ]);
    expect(cy.warnings.join(" ")).toMatch(/1 token\(s\) owned by these DOP accounts stop working/);
  });

  it("R9: organizationsLosingLastAdmin counts direct and group admins, and lists only organizations whose every admin goes", async () => {
    const { organizationsLosingLastAdmin, violations } = await plan(["ana-gh"]);
    // ana-gh is the only admin of hobby: it loses its last admin, which is also violation (c).
    expect(organizationsLosingLastAdmin.map((row) => [row.organization.key, row.adminsBefore])).toEqual([[s.organization("hobby").key, 1]]);
    expect(codes({ violations } as CutoverPlan)).toEqual([["ORGANIZATION_WITHOUT_ADMIN", s.organization("hobby").key]]);
  });

  it("R9/R4: missingSsoMemberships lists what each person's SSO account lacks where the DOP account is removed; unlinked people lack everything", async () => {
    const { missingSsoMemberships, warnings } = await plan(["ana-gh", "bob-gh", "dee-gh"]);
    expect(
      missingSsoMemberships.map((row) => [row.devopsAccount.login, row.ssoAccount?.login ?? null, row.organization.key, row.missing]),
    ).toEqual([
      // ana is a member of web but lacks SCAN there, and is not a member of hobby at all.
      [s.account("ana-gh").login, s.account("ana").login, s.organization("hobby").key, ["MEMBERSHIP", "ADMIN"]],
      [s.account("ana-gh").login, s.account("ana").login, s.organization("web").key, ["SCAN"]],
      // bob-gh and dee-gh have no SSO account: they lose each organization entirely.
      [s.account("bob-gh").login, null, s.organization("docs").key, ["MEMBERSHIP"]],
      [s.account("bob-gh").login, null, s.organization("web").key, ["MEMBERSHIP", "SCAN"]],
      [s.account("dee-gh").login, null, s.organization("web").key, ["MEMBERSHIP"]],
    ]);
    expect(warnings[0]).toMatch(/^2 DOP account\(s\) have no linked SSO account/);
  });

  it("R9: memberships outside the enterprise are neither planned nor removed", async () => {
    const before = await db.prisma.orgMembership.count({ where: { organizationId: s.organization("outside").id } });
    const result = await removeDevopsAccountsFromOrganizations(
      db.prisma,
      s.actor("sso-admin"),
      { enterpriseKey: s.enterprise.key, accountIds: [s.account("cy-gh").id], dryRun: false, acknowledgeAll: true },
      NOW,
    );
    expect(result.applied).toBe(true);
    expect(result.memberships.map((entry) => [entry.organization.key, entry.direct, entry.groups, entry.permissions])).toEqual([
      [s.organization("web").key, false, ["Members"], ["PROFILEADMIN"]],
    ]);
    expect(await db.prisma.orgMembership.count({ where: { organizationId: s.organization("outside").id } })).toBe(before);
    expect(await db.prisma.orgPermission.count({ where: { accountId: s.account("cy-gh").id } })).toBe(0);
  });
});
