import type { InvitationStatus } from "@sso-cutover/db";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { enterpriseCutoverMembersWhere } from "@sso-cutover/membership";
import { enterpriseMembersAmong, readinessPage, readinessTotals, type ReadinessPageRequest, type ReadinessRow } from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatedEnterprise } from "../../../tests/kit/generated-enterprise";
import { buildScenario, type AccountSpec, type Scenario } from "../../../tests/kit/scenario";

let db: TestDatabase;
let s: Scenario;
let other: Scenario;
const NOW = new Date("2026-12-01T12:00:00Z");
const DAY = 24 * 3600_000;

async function invite(scenario: Scenario, email: string, options: { status?: InvitationStatus; expiresInDays?: number; createdDaysAgo?: number } = {}) {
  await db.prisma.invitation.create({
    data: {
      enterpriseId: scenario.enterprise.id,
      email,
      emailNormalized: email.trim().toLowerCase(),
      invitedById: scenario.account("sso-admin").id,
      status: options.status ?? "PENDING",
      createdAt: new Date(NOW.getTime() - (options.createdDaysAgo ?? 1) * DAY),
      expiresAt: new Date(NOW.getTime() + (options.expiresInDays ?? 14) * DAY),
    },
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  s = await buildScenario(db.prisma, {
    organizations: { web: { groups: { Developers: ["SCAN"] } }, api: {}, outside: { inEnterprise: false } },
    accounts: {
      "sso-admin": { kind: "SSO", enterpriseAdmin: true, memberOf: ["web", "api"], permissions: { web: ["ADMIN"], api: ["ADMIN"] } },
      "glass-gh": { enterpriseAdmin: true, memberOf: ["web"], linkedTo: "glass" },
      glass: { kind: "SSO", memberOf: ["web"] },
      // Linked; its SSO account lacks api, reached by the DOP account through a group.
      "alice-gh": {
        memberOf: ["web"],
        groups: { api: ["Members"] },
        permissions: { web: ["SCAN"] },
        linkedTo: "alice",
        tokens: { ci: {}, revoked: { revoked: true } },
      },
      alice: { kind: "SSO", memberOf: ["web"], tokens: { "sso-token": {} } },
      // Unlinked, invited (the invitation's email differs in case).
      "bob-gh": { memberOf: ["web", "outside"], email: "Bob@Example.com" },
      // SSO only.
      carol: { kind: "SSO", memberOf: ["api"] },
      // Unlinked, never invited; only an expired invitation.
      "dan-gh": { memberOf: ["api"], tokens: { nightly: {} } },
      // Linked, removed from the enterprise already (the row is the SSO account's).
      "erin-gh": { memberOf: ["outside"], linkedTo: "erin", tokens: { elsewhere: {} } },
      erin: { kind: "SSO", memberOf: ["web"] },
      // Linked and deleted.
      "frank-gh": { deleted: true, linkedTo: "frank" },
      frank: { kind: "SSO", memberOf: ["web"] },
      // Not people of this enterprise.
      "gone-gh": { deleted: true, memberOf: ["web"] },
      "stranger-gh": { memberOf: ["outside"] },
      // Logins with LIKE wildcards.
      "x_y-gh": { memberOf: ["api"] },
      "xzy-gh": { memberOf: ["api"] },
    },
  });
  other = await buildScenario(db.prisma, {
    organizations: { web: {} },
    accounts: { "sso-admin": { kind: "SSO", enterpriseAdmin: true, memberOf: ["web"] }, "dan-gh": { memberOf: ["web"] } },
  });
  await db.prisma.account.update({ where: { id: s.account("alice").id }, data: { lastLoginAt: new Date(NOW.getTime() - DAY) } });
  await invite(s, "bob@example.com", { status: "REVOKED", createdDaysAgo: 5 });
  await invite(s, "BOB@example.com", { createdDaysAgo: 2 });
  await invite(s, "dan-gh@example.com", { expiresInDays: -1, createdDaysAgo: 20 });
  // An invitation of another enterprise never shows here.
  await invite(other, "x_y-gh@example.com");
});
afterAll(async () => {
  await db.close();
});

async function page(request: Partial<ReadinessPageRequest> = {}): Promise<ReadinessRow[]> {
  return readinessPage(db.prisma, s.enterprise.id, { limit: 100, ...request }, NOW);
}

const handleOf = (login: string) => login.slice(0, -(s.suffix.length + 1));
const handles = (rows: ReadinessRow[]) => rows.map((row) => handleOf(row.account.login));
const row = (rows: ReadinessRow[], handle: string) => {
  const found = rows.find((candidate) => candidate.account.id === s.account(handle).id);
  if (!found) throw new Error(`no row for ${handle}`);
  return found;
};

describe("readinessPage", () => {
  it("readiness: one row per person — DOP and linked SSO account in one row, SSO-only people and removed DOP accounts as the SSO account's row", async () => {
    const rows = await page();
    expect(handles(rows)).toEqual(["alice-gh", "bob-gh", "carol", "dan-gh", "erin", "frank", "glass-gh", "sso-admin", "x_y-gh", "xzy-gh"]);
    expect(row(rows, "alice-gh")).toMatchObject({
      devopsAccount: { id: s.account("alice-gh").id },
      ssoAccount: { id: s.account("alice").id },
      cutoverStatus: "LINKED",
      lastSsoLoginAt: new Date(NOW.getTime() - DAY),
    });
    expect(row(rows, "carol")).toMatchObject({ devopsAccount: null, ssoAccount: { id: s.account("carol").id }, cutoverStatus: "SSO_ACTIVE" });
    expect(row(rows, "erin")).toMatchObject({ devopsAccount: { id: s.account("erin-gh").id }, cutoverStatus: "DOP_REMOVED" });
    expect(row(rows, "frank")).toMatchObject({ devopsAccount: { id: s.account("frank-gh").id }, cutoverStatus: "DOP_REMOVED" });
    expect(row(rows, "bob-gh")).toMatchObject({ ssoAccount: null, cutoverStatus: "INVITED", lastSsoLoginAt: null });
    expect(row(rows, "dan-gh").cutoverStatus).toBe("NOT_INVITED");
  });

  it("readiness: organizations reachable only through the DOP account (directly or through a group), never outside the enterprise", async () => {
    const rows = await page();
    const keys = (handle: string) => row(rows, handle).organizationsOnlyThroughDop.map((organization) => organization.key);
    expect(keys("alice-gh")).toEqual([s.organization("api").key]);
    expect(keys("bob-gh")).toEqual([s.organization("web").key]);
    expect(keys("glass-gh")).toEqual([]);
    expect(keys("carol")).toEqual([]);
    expect(keys("erin")).toEqual([]);
  });

  it("readiness/R7: DOP-owned tokens that would break, with replacement guidance; revoked, SSO-owned and out-of-enterprise ones are not listed", async () => {
    const rows = await page();
    const alice = row(rows, "alice-gh").tokensThatWouldBreak;
    expect(alice.map((token) => token.token.name)).toEqual(["ci"]);
    expect(alice[0]!.replacements.map((replacement) => [replacement.organization.key, replacement.kind])).toEqual([
      [s.organization("web").key, "SOT"],
    ]);
    expect(row(rows, "dan-gh").tokensThatWouldBreak.map((token) => token.token.name)).toEqual(["nightly"]);
    expect(row(rows, "erin").tokensThatWouldBreak).toEqual([]);
    expect(rows.flatMap((candidate) => candidate.tokensThatWouldBreak.map((token) => token.token.name)).sort()).toEqual(["ci", "nightly"]);
  });

  it("readiness/R3: the latest invitation for either account's email (case-insensitive), with its derived status", async () => {
    const rows = await page();
    expect(row(rows, "bob-gh").invitation).toMatchObject({ status: "PENDING", email: "BOB@example.com" });
    expect(row(rows, "dan-gh").invitation).toMatchObject({ status: "EXPIRED" });
    expect(row(rows, "alice-gh").invitation).toBeNull();
    expect(row(rows, "x_y-gh").invitation).toBeNull();
  });

  it("readiness: filter by cutover status", async () => {
    const byStatus = async (cutoverStatus: ReadinessRow["cutoverStatus"]) => handles(await page({ filter: { cutoverStatus } }));
    expect(await byStatus("LINKED")).toEqual(["alice-gh", "glass-gh"]);
    expect(await byStatus("INVITED")).toEqual(["bob-gh"]);
    expect(await byStatus("NOT_INVITED")).toEqual(["dan-gh", "x_y-gh", "xzy-gh"]);
    expect(await byStatus("SSO_ACTIVE")).toEqual(["carol", "sso-admin"]);
    expect(await byStatus("DOP_REMOVED")).toEqual(["erin", "frank"]);
  });

  it("readiness: notReadyOnly keeps the people who would lose an organization or a token", async () => {
    expect(handles(await page({ filter: { notReadyOnly: true } }))).toEqual(["alice-gh", "bob-gh", "dan-gh", "x_y-gh", "xzy-gh"]);
  });

  it("readiness: loginStartsWith is a case-insensitive prefix, and LIKE wildcards in it match only themselves", async () => {
    expect(handles(await page({ filter: { loginStartsWith: "ALICE" } }))).toEqual(["alice-gh"]);
    expect(handles(await page({ filter: { loginStartsWith: "x_" } }))).toEqual(["x_y-gh"]);
    expect(handles(await page({ filter: { loginStartsWith: "%" } }))).toEqual([]);
    expect(handles(await page({ filter: { loginStartsWith: "d", cutoverStatus: "NOT_INVITED" } }))).toEqual(["dan-gh"]);
  });

  it("readiness: pages by login, forwards after a cursor and backwards before one", async () => {
    const all = handles(await page());
    const first = await page({ limit: 3 });
    expect(handles(first)).toEqual(all.slice(0, 3));
    expect(handles(await page({ limit: 3, after: first.at(-1)!.account.login }))).toEqual(all.slice(3, 6));
    expect(handles(await page({ limit: 3, before: s.account("erin").login, inverted: true }))).toEqual(["bob-gh", "carol", "dan-gh"]);
  });

  it("readiness/R15: the accounts it names as members of the enterprise all are (enterpriseCutoverMembersWhere), on this enterprise and generated ones", async () => {
    const cases = [{ enterpriseId: s.enterprise.id, rows: await page() }];
    for (const seed of [11, 12, 13]) {
      const generated = await generatedEnterprise(db.prisma, seed, NOW);
      cases.push({ enterpriseId: generated.enterprise.id, rows: await readinessPage(db.prisma, generated.enterprise.id, { limit: 100 }, NOW) });
    }
    for (const { enterpriseId, rows } of cases) {
      const named = enterpriseMembersAmong(rows, enterpriseId).map((account) => account.id);
      const members = await db.prisma.account.findMany({
        where: { id: { in: named }, ...enterpriseCutoverMembersWhere(enterpriseId) },
        select: { id: true },
      });
      expect(named.length).toBeGreaterThan(0);
      expect(members.map((account) => account.id).sort()).toEqual([...named].sort());
      // Every DOP account shown is named, and every SSO account of the enterprise not deleted.
      const shown = rows.flatMap((row) => [row.account, row.devopsAccount, row.ssoAccount]).filter((account) => account !== null);
      const expected = shown.filter((account) => account.kind === "DEVOPS" || (account.enterpriseId === enterpriseId && account.deletedAt === null));
      expect(new Set(named)).toEqual(new Set(expected.map((account) => account.id)));
    }
  });

  it("readiness: other enterprises' people never appear", async () => {
    const rows = await readinessPage(db.prisma, other.enterprise.id, { limit: 100 }, NOW);
    expect(rows.map((candidate) => candidate.account.id).sort()).toEqual([other.account("dan-gh").id, other.account("sso-admin").id].sort());
  });
});

describe("readinessTotals", () => {
  it("readiness: totals over the whole enterprise, with its blockers", async () => {
    const totals = await readinessTotals(db.prisma, s.enterprise.id, NOW);
    expect(totals).toMatchObject({
      people: 10,
      // alice-gh, bob-gh, dan-gh, glass-gh, x_y-gh, xzy-gh
      dopAccounts: 6,
      linkedDopAccounts: 2,
      // carol, erin, frank, sso-admin
      ssoOnlyAccounts: 4,
      pendingInvitations: 1,
      // ci (alice-gh) and nightly (dan-gh); erin-gh's token is outside, the revoked one does not count.
      dopOwnedTokens: 2,
      breakGlassAccounts: 1,
    });
    expect(totals.blockers.join(" ")).not.toMatch(/Configure and activate the SSO connection/);

    // Without an active SSO connection the cutover is blocked, and the totals say so.
    await db.prisma.ssoConnection.update({ where: { enterpriseId: s.enterprise.id }, data: { status: "DRAFT" } });
    try {
      const blocked = await readinessTotals(db.prisma, s.enterprise.id, NOW);
      expect(blocked.blockers.join(" ")).toMatch(/Configure and activate the SSO connection/);
    } finally {
      await db.prisma.ssoConnection.update({ where: { enterpriseId: s.enterprise.id }, data: { status: "ACTIVE" } });
    }
  });
});

describe("readiness N+1 guard", () => {
  it("readiness: the same number of SQL statements for page sizes 10 and 100 (120 people of every shape)", async () => {
    const accounts: Record<string, AccountSpec> = {
      "sso-admin": { kind: "SSO", enterpriseAdmin: true, memberOf: ["web"], permissions: { web: ["ADMIN"] } },
    };
    for (let index = 0; index < 120; index++) {
      const handle = `p${String(index).padStart(3, "0")}`;
      switch (index % 4) {
        case 0:
          accounts[`${handle}-gh`] = { memberOf: ["web"], groups: { api: ["Developers"] }, linkedTo: handle, tokens: { ci: {} } };
          accounts[handle] = { kind: "SSO", memberOf: ["web"] };
          break;
        case 1:
          accounts[`${handle}-gh`] = { memberOf: ["web", "api"], permissions: { api: ["SCAN"] }, tokens: { ci: {}, old: { revoked: true } } };
          break;
        case 2:
          accounts[handle] = { kind: "SSO", memberOf: ["api"] };
          break;
        case 3:
          accounts[`${handle}-gh`] = { memberOf: ["api"], linkedTo: handle };
          accounts[handle] = { kind: "SSO", groups: { api: ["Developers"] } };
          break;
      }
    }
    const big = await buildScenario(db.prisma, { organizations: { web: {}, api: { groups: { Developers: ["SCAN"] } } }, accounts });
    for (let index = 1; index < 120; index += 8) await invite(big, `p${String(index).padStart(3, "0")}-gh@example.com`);
    const totals = await readinessTotals(db.prisma, big.enterprise.id, NOW);
    expect(totals.people).toBe(121);

    const measure = async (limit: number, filter?: ReadinessPageRequest["filter"]) => {
      db.statements.reset();
      const rows = await readinessPage(db.prisma, big.enterprise.id, { limit, filter }, NOW);
      return { rows: rows.length, statements: db.statements.count };
    };
    const small = await measure(10);
    const large = await measure(100);
    expect(small.rows).toBe(10);
    expect(large.rows).toBe(100);
    expect(large.statements).toBe(small.statements);
    // A fixed budget: the page, its reviews, tokens, statuses, invitations, access losses and last-admin retentions.
    expect(small.statements).toBeLessThanOrEqual(50);

    const invitedSmall = await measure(10, { cutoverStatus: "NOT_INVITED", notReadyOnly: true });
    const invitedLarge = await measure(100, { cutoverStatus: "NOT_INVITED", notReadyOnly: true });
    expect(invitedSmall.rows).toBe(10);
    expect(invitedLarge.rows).toBe(15);
    expect(invitedLarge.statements).toBe(invitedSmall.statements);
  });
});
