import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { cutoverStatuses, enterpriseMembersWhere } from "@sso-cutover/membership";
import {
  computeSetupProgress,
  readinessPage,
  readinessTotals,
  removeDevopsAccountsFromOrganizations,
  type AccessLossAcknowledgementInput,
} from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { comparablePlan, snapshotAccess } from "../../../tests/kit/cutover";
import { domainError } from "../../../tests/kit/domain-errors";
import { buildScenario, type Scenario, type ScenarioSpec } from "../../../tests/kit/scenario";

let db: TestDatabase;
const NOW = new Date("2026-12-01T12:00:00Z");

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});

/**
 * web: sso-admin (SSO, ADMIN) and break-glass (DOP, Administer Enterprise) stay.
 * - lone-gh: no SSO account at all, member of web and data.
 * - half-gh: linked to half, whose SSO account is in web (through Developers) but not in data.
 * - whole-gh: linked to whole, whose SSO account is in web and data: loses nothing.
 */
const spec: ScenarioSpec = {
  organizations: { web: { groups: { Developers: ["SCAN"] } }, data: {} },
  accounts: {
    "sso-admin": { kind: "SSO", enterpriseAdmin: true, memberOf: ["web", "data"], permissions: { web: ["ADMIN"], data: ["ADMIN"] } },
    "break-glass": { enterpriseAdmin: true },
    "lone-gh": { memberOf: ["web", "data"] },
    "half-gh": { memberOf: ["web", "data"], linkedTo: "half" },
    half: { kind: "SSO", groups: { web: ["Developers"] } },
    "whole-gh": { memberOf: ["web", "data"], linkedTo: "whole" },
    whole: { kind: "SSO", memberOf: ["web", "data"] },
  },
};

function removal(s: Scenario, handles: string[], dryRun: boolean, acknowledgement: AccessLossAcknowledgementInput = {}) {
  return removeDevopsAccountsFromOrganizations(
    db.prisma,
    s.actor("sso-admin"),
    { enterpriseKey: s.enterprise.key, accountIds: handles.map((handle) => s.account(handle).id), dryRun, ...acknowledgement },
    NOW,
  );
}

describe("access loss is explicit (R9 d)", () => {
  it("R9 (d): a person with no SSO account, or one lacking a membership, is UNACKNOWLEDGED_ACCESS_LOSS; the real run changes nothing", async () => {
    const s = await buildScenario(db.prisma, spec);
    const before = await snapshotAccess(db.prisma);
    const dry = await removal(s, ["lone-gh", "half-gh", "whole-gh"], true);
    expect(dry.accessLoss.map((loss) => [loss.account.login, loss.ssoAccount?.login ?? null, loss.organizations.map((o) => o.key), loss.acknowledged])).toEqual([
      [s.account("lone-gh").login, null, [s.organization("data").key, s.organization("web").key], false],
      [s.account("half-gh").login, s.account("half").login, [s.organization("data").key], false],
    ]);
    expect(dry.violations.map((violation) => [violation.code, violation.account?.login])).toEqual([
      ["UNACKNOWLEDGED_ACCESS_LOSS", s.account("lone-gh").login],
      ["UNACKNOWLEDGED_ACCESS_LOSS", s.account("half-gh").login],
    ]);
    expect(dry.violations[1]!.message).toContain(s.account("half").login);

    const real = await removal(s, ["lone-gh", "half-gh", "whole-gh"], false);
    expect(real.applied).toBe(false);
    expect(comparablePlan(real)).toEqual(comparablePlan(dry));
    expect(await snapshotAccess(db.prisma)).toEqual(before);
    expect(await db.prisma.accessLossAcknowledgement.count({ where: { enterpriseId: s.enterprise.id } })).toBe(0);
  });

  it("R9 (d): acknowledging one person leaves the other's violation; acknowledging both (or acknowledgeAll) lets the removal through", async () => {
    const s = await buildScenario(db.prisma, spec);
    const one = await removal(s, ["lone-gh", "half-gh"], true, { acknowledgeAccessLoss: [s.account("lone-gh").id] });
    expect(one.accessLoss.map((loss) => loss.acknowledged)).toEqual([true, false]);
    expect(one.violations.map((violation) => violation.account?.login)).toEqual([s.account("half-gh").login]);

    const all = await removal(s, ["lone-gh", "half-gh"], true, { acknowledgeAll: true });
    expect(all.violations).toEqual([]);
    const both = await removal(s, ["lone-gh", "half-gh"], false, { acknowledgeAccessLoss: [s.account("half-gh").id, s.account("lone-gh").id] });
    expect(both.applied).toBe(true);
    expect(comparablePlan(both)).toEqual(comparablePlan(all));
    const [event] = await s.auditEvents("cutover.devops_accounts_removed");
    expect((event!.payload as any).accessLoss).toEqual([
      { account: { id: s.account("lone-gh").id, login: s.account("lone-gh").login }, organizations: [s.organization("data").key, s.organization("web").key] },
      { account: { id: s.account("half-gh").id, login: s.account("half-gh").login }, organizations: [s.organization("data").key] },
    ]);
  });

  it("R9 (d): acknowledging an account that is not removed is refused, naming the field", async () => {
    const s = await buildScenario(db.prisma, spec);
    const error = await domainError(removal(s, ["lone-gh"], true, { acknowledgeAccessLoss: [s.account("lone-gh").id, s.account("half-gh").id] }));
    expect(error).toMatchObject({ code: "INVALID_INPUT", field: "input.acknowledgeAccessLoss[1]" });
  });

  it("R9 (d): after the removal the acknowledged people stay visible: REMOVED_WITHOUT_SSO in readiness (filterable, counted), in setup progress, until they link an SSO account", async () => {
    const s = await buildScenario(db.prisma, spec);
    const before = await readinessTotals(db.prisma, s.enterprise.id, NOW);
    await removal(s, ["lone-gh", "half-gh"], false, { acknowledgeAll: true });

    const rows = await readinessPage(db.prisma, s.enterprise.id, { limit: 50 }, NOW);
    const lone = rows.find((row) => row.account.id === s.account("lone-gh").id)!;
    expect(lone.cutoverStatus).toBe("REMOVED_WITHOUT_SSO");
    expect(lone.accessLoss.map((loss) => [loss.organization.key, loss.acknowledgedBy?.login, loss.acknowledgedAt, loss.regained])).toEqual([
      [s.organization("data").key, s.account("sso-admin").login, NOW, false],
      [s.organization("web").key, s.account("sso-admin").login, NOW, false],
    ]);
    // half is listed once, by its SSO account, with the organization it lost through its DOP account.
    const half = rows.find((row) => row.account.id === s.account("half").id)!;
    expect(half.cutoverStatus).toBe("DOP_REMOVED");
    expect(half.accessLoss.map((loss) => [loss.organization.key, loss.regained])).toEqual([[s.organization("data").key, false]]);
    expect(rows.some((row) => row.account.id === s.account("half-gh").id)).toBe(false);

    const filtered = await readinessPage(db.prisma, s.enterprise.id, { limit: 50, filter: { cutoverStatus: "REMOVED_WITHOUT_SSO" } }, NOW);
    expect(filtered.map((row) => row.account.login)).toEqual([s.account("lone-gh").login]);
    const members = await db.prisma.account.findMany({
      where: await enterpriseMembersWhere(db.prisma, s.enterprise.id, { cutoverStatus: "REMOVED_WITHOUT_SSO" }, NOW),
    });
    expect(members.map((account) => account.login)).toEqual([s.account("lone-gh").login]);

    const totals = await readinessTotals(db.prisma, s.enterprise.id, NOW);
    expect(totals.people).toBe(before.people);
    expect(totals.removedWithoutSso).toBe(1);
    const progress = await computeSetupProgress(db.prisma, s.enterprise.id, NOW);
    const terminate = progress.steps.find((step) => step.step === "TERMINATE")!;
    expect(progress.counts.removedWithoutSso).toBe(1);
    expect(terminate.warnings).toContainEqual(expect.stringMatching(/^1 person\(s\) were removed without an SSO account .*all 1 were acknowledged/));
    expect(terminate.warnings.join(" ")).toContain(s.account("lone-gh").login);

    // The person signs in with SSO and links the accounts: no longer cut off.
    const lateSso = await db.prisma.account.create({ data: { login: `late-${s.suffix}`, name: "late", kind: "SSO", enterpriseId: s.enterprise.id } });
    await db.prisma.identityLink.create({ data: { devopsAccountId: s.account("lone-gh").id, ssoAccountId: lateSso.id, linkedById: lateSso.id } });
    expect((await cutoverStatuses(db.prisma, [s.account("lone-gh").id], s.enterprise.id, NOW)).get(s.account("lone-gh").id)).toBe("DOP_REMOVED");
    expect((await readinessTotals(db.prisma, s.enterprise.id, NOW)).removedWithoutSso).toBe(0);
  });
});
