import { describe, expect, it } from "vitest";
import type { Account, Tx } from "@sso-cutover/db";
import {
  accountTokenGuidance,
  accountTokenGuidanceForViewer,
  accountTokenGuidances,
  organizationTokenGuidanceForViewer,
  createPersonalAccessToken,
  createScopedOrganizationToken,
  recommendedTokenKind,
  requireAccountTokenGuidanceAccess,
  requireOrganizationTokenGuidanceAccess,
  revokeToken,
  tokenGuidanceForOrganization,
  tokensBreakingWith,
  type BreakingToken,
} from "@sso-cutover/tokens";
import { actorOf, DAY, expectDomainError, tokenSuite } from "../../../tests/kit/tokens-fixtures";

const now = new Date("2026-06-01T12:00:00Z");
const suite = tokenSuite();

/** An enterprise mid-cutover: DOP accounts with tokens, one of them linked to an SSO account. */
async function enterpriseWithDopTokens() {
  const enterprise = await suite.fixtures.enterprise();
  const web = await suite.fixtures.organization({ enterprise, plan: "ENTERPRISE", key: `web-${enterprise.key}` });
  const mobile = await suite.fixtures.organization({
    enterprise,
    plan: "TEAM",
    devopsPlatform: "BITBUCKET_CLOUD",
    key: `mobile-${enterprise.key}`,
  });
  const free = await suite.fixtures.organization({ enterprise, plan: "FREE", key: `free-${enterprise.key}` });
  await suite.fixtures.projects(web, ["web-app"]);

  const alice = await suite.fixtures.devopsAccount();
  await suite.fixtures.member(alice, web, ["ADMIN"]);
  await suite.fixtures.group(mobile, ["SCAN"], [alice]);
  const aliceSso = await suite.fixtures.ssoAccount(enterprise);
  await suite.fixtures.link(alice, aliceSso);
  await suite.fixtures.member(aliceSso, web, ["SCAN"]);

  const bob = await suite.fixtures.devopsAccount();
  await suite.fixtures.member(bob, web);
  const carol = await suite.fixtures.devopsAccount();
  await suite.fixtures.member(carol, free, ["SCAN"]);
  const dave = await suite.fixtures.devopsAccount();
  await suite.fixtures.member(dave, web, ["SCAN"]);
  const erin = await suite.fixtures.ssoAccount(enterprise);
  await suite.fixtures.member(erin, web, ["SCAN"]);
  const outsider = await suite.fixtures.devopsAccount();

  const pat = async (account: typeof alice, name: string, expiresAt: Date | null = null) =>
    (await createPersonalAccessToken(suite.db.prisma, actorOf(account), { name, expiresAt }, new Date(now.getTime() - 10 * DAY))).token;
  const aliceCi = await pat(alice, "alice ci");
  const aliceShort = await pat(alice, "alice short", new Date(now.getTime() - DAY));
  const aliceRevoked = await pat(alice, "alice revoked");
  await revokeToken(suite.db.prisma, actorOf(alice), { tokenId: aliceRevoked.id }, now);
  await suite.db.prisma.token.update({ where: { id: aliceCi.id }, data: { lastUsedAt: new Date(now.getTime() - 2 * DAY) } });
  const bobApi = await pat(bob, "bob api");
  const carolCi = await pat(carol, "carol ci");
  await pat(dave, "dave gone");
  await suite.db.prisma.account.update({ where: { id: dave.id }, data: { deletedAt: now } });
  await pat(erin, "erin sso");
  await pat(outsider, "outsider");
  await createScopedOrganizationToken(
    suite.db.prisma,
    actorOf(alice),
    { organizationKey: web.key, name: "web analysis", allProjects: true },
    now,
  );
  return { enterprise, web, mobile, free, alice, aliceSso, bob, carol, erin, outsider, aliceCi, aliceShort, bobApi, carolCi };
}

describe("token guidance", () => {
  it("R7: recommends SOT from the TEAM plan on, PAT on FREE, each with a reason", () => {
    expect(recommendedTokenKind("TEAM").kind).toBe("SOT");
    expect(recommendedTokenKind("ENTERPRISE").kind).toBe("SOT");
    const free = recommendedTokenKind("FREE");
    expect(free.kind).toBe("PAT");
    expect(free.reason).toMatch(/TEAM or ENTERPRISE/);
  });

  it("R7: lists every non-revoked token of a DOP member as will break, with last use and the SOT replacing it", async () => {
    const w = await enterpriseWithDopTokens();
    const guidance = await tokenGuidanceForOrganization(suite.db.prisma, w.web.id, now);
    expect(guidance.recommendation.kind).toBe("SOT");
    expect(guidance.scopedTokensAvailable).toBe(true);
    // Not listed: the revoked token, the deleted account's token, SSO-owned tokens, non-members' tokens, SOTs.
    expect(guidance.willBreak.map((row) => row.token.name).sort()).toEqual(["alice ci", "alice short", "bob api"]);

    const aliceCi = guidance.willBreak.find((row) => row.token.id === w.aliceCi.id)!;
    expect(aliceCi.owner.id).toBe(w.alice.id);
    expect(aliceCi.token.lastUsedAt).toEqual(new Date(now.getTime() - 2 * DAY));
    expect(aliceCi.status).toBe("ACTIVE");
    expect(aliceCi.display).toBe(`sqp_…${w.aliceCi.lastFour}`);
    expect(aliceCi.affectedOrganizations.map((o) => o.key)).toEqual([w.web.key]);
    expect(aliceCi.replacements).toHaveLength(1);
    expect(aliceCi.replacements[0]).toMatchObject({ kind: "SOT", allProjects: true, projectKeys: [] });
    expect(aliceCi.replacements[0]!.organization.key).toBe(w.web.key);
    expect(aliceCi.replacements[0]!.reason).toContain(w.web.key);

    expect(guidance.willBreak.find((row) => row.token.id === w.aliceShort.id)?.status).toBe("EXPIRED");
    // Bob holds no analysis permission there: his token is lost with his account, but no analysis needs replacing.
    expect(guidance.willBreak.find((row) => row.token.id === w.bobApi.id)?.replacements).toEqual([]);
  });

  it("R7: on the FREE plan the replacement is a PAT of the SSO account, since SOTs are unavailable", async () => {
    const w = await enterpriseWithDopTokens();
    const guidance = await tokenGuidanceForOrganization(suite.db.prisma, w.free.id, now);
    expect(guidance.recommendation.kind).toBe("PAT");
    expect(guidance.scopedTokensAvailable).toBe(false);
    expect(guidance.willBreak.map((row) => row.token.id)).toEqual([w.carolCi.id]);
    expect(guidance.willBreak[0]!.replacements[0]).toMatchObject({ kind: "PAT" });
    expect(guidance.willBreak[0]!.replacements[0]!.reason).toMatch(/FREE plan/);
  });

  it("R7: for one person, lists their DOP tokens across the enterprise and whether their SSO account can take over", async () => {
    const w = await enterpriseWithDopTokens();
    for (const named of [w.aliceSso, w.alice]) {
      const guidance = await accountTokenGuidance(suite.db.prisma, named.id, w.enterprise.id, now);
      expect(guidance.devopsAccount?.id).toBe(w.alice.id);
      expect(guidance.ssoAccount?.id).toBe(w.aliceSso.id);
      expect(guidance.willBreak.map((row) => row.token.name).sort()).toEqual(["alice ci", "alice short"]);
      const ci = guidance.willBreak.find((row) => row.token.id === w.aliceCi.id)!;
      expect(ci.replacements.map((r) => [r.organization.key, r.kind])).toEqual([
        [w.mobile.key, "SOT"],
        [w.web.key, "SOT"],
      ]);
      const rows = new Map(guidance.organizations.map((row) => [row.organization.key, row]));
      expect(rows.get(w.web.key)).toMatchObject({ canAnalyze: true, canCreateScopedTokens: false, canCreateAnalysisTokens: true });
      expect(rows.get(w.mobile.key)).toMatchObject({ canAnalyze: false, canCreateAnalysisTokens: false });
      expect(rows.has(w.free.key)).toBe(false);
      // Analysis on mobile would stop: the SSO account cannot create a token there yet.
      expect(guidance.ssoAccountCanCreateAnalysisTokens).toBe(false);
    }

    await suite.fixtures.group(w.mobile, ["ADMIN"], [w.aliceSso]);
    const after = await accountTokenGuidance(suite.db.prisma, w.aliceSso.id, w.enterprise.id, now);
    const mobile = after.organizations.find((row) => row.organization.key === w.mobile.key);
    expect(mobile).toMatchObject({ canAnalyze: true, canCreateScopedTokens: true, canCreateAnalysisTokens: true });
    expect(after.ssoAccountCanCreateAnalysisTokens).toBe(true);
  });

  it("R7: each person's tokens that break, read in one statement, are the ones tokensBreakingWith lists for the enterprise, with the same losses and replacements", async () => {
    const w = await enterpriseWithDopTokens();
    const organizations = await suite.db.prisma.organization.findMany({ where: { enterpriseId: w.enterprise.id }, select: { id: true } });
    const people = [w.alice, w.aliceSso, w.bob, w.carol, w.erin, w.outsider];
    const guidances = await accountTokenGuidances(suite.db.prisma, people.map((account) => account.id), w.enterprise.id, now);
    const plain = (rows: readonly BreakingToken[]) =>
      rows.map((row) => ({
        token: row.token,
        status: row.status,
        display: row.display,
        owner: row.owner,
        affectedOrganizations: row.affectedOrganizations,
        replacements: row.replacements,
      }));
    let compared = 0;
    for (const person of people) {
      const guidance = guidances.get(person.id)!;
      const devops = guidance.devopsAccount;
      const expected = devops
        ? await tokensBreakingWith(suite.db.prisma, [devops.id], organizations.map((organization) => organization.id), now)
        : [];
      expect(plain(guidance.willBreak)).toEqual(plain(expected));
      compared += expected.length;
    }
    // alice (asked as herself and as her SSO account), bob and carol have tokens that break; erin's SSO token and
    // the outsider's (no organization of the enterprise) do not.
    expect(compared).toBe(2 + 2 + 1 + 1);
  });

  it("R7: a DOP account without a linked SSO account cannot take over its own tokens yet", async () => {
    const w = await enterpriseWithDopTokens();
    const guidance = await accountTokenGuidance(suite.db.prisma, w.bob.id, w.enterprise.id, now);
    expect(guidance.ssoAccount).toBeNull();
    expect(guidance.willBreak.map((row) => row.token.id)).toEqual([w.bobApi.id]);
    expect(guidance.ssoAccountCanCreateAnalysisTokens).toBe(false);
  });

  it("R7: organization guidance is for organization and enterprise admins; account guidance for the person and enterprise admins", async () => {
    const w = await enterpriseWithDopTokens();
    await requireOrganizationTokenGuidanceAccess(suite.db.prisma, w.alice.id, w.web);
    await expectDomainError(requireOrganizationTokenGuidanceAccess(suite.db.prisma, w.bob.id, w.web), { code: "FORBIDDEN" });
    await expectDomainError(requireOrganizationTokenGuidanceAccess(suite.db.prisma, w.alice.id, w.free), { code: "FORBIDDEN" });
    await suite.fixtures.enterpriseAdmin(w.erin, w.enterprise);
    await requireOrganizationTokenGuidanceAccess(suite.db.prisma, w.erin.id, w.free);

    await requireAccountTokenGuidanceAccess(suite.db.prisma, w.bob.id, w.bob.id, w.enterprise.id);
    await requireAccountTokenGuidanceAccess(suite.db.prisma, w.aliceSso.id, w.alice.id, w.enterprise.id);
    await requireAccountTokenGuidanceAccess(suite.db.prisma, w.alice.id, w.aliceSso.id, w.enterprise.id);
    await requireAccountTokenGuidanceAccess(suite.db.prisma, w.erin.id, w.bob.id, w.enterprise.id);
    await expectDomainError(requireAccountTokenGuidanceAccess(suite.db.prisma, w.bob.id, w.alice.id, w.enterprise.id), {
      code: "FORBIDDEN",
    });
  });
});

describe("token guidance for a viewer", () => {
  it("R7: organization guidance by key within the enterprise: NOT_FOUND outside it, FORBIDDEN for non-admins", async () => {
    const w = await enterpriseWithDopTokens();
    const other = await enterpriseWithDopTokens();
    const guidance = await organizationTokenGuidanceForViewer(suite.db.prisma, w.alice.id, w.enterprise.id, w.web.key, now);
    expect(guidance.organization.id).toBe(w.web.id);
    await expectDomainError(
      organizationTokenGuidanceForViewer(suite.db.prisma, w.alice.id, w.enterprise.id, other.web.key, now),
      { code: "NOT_FOUND", field: "organizationKey" },
    );
    await expectDomainError(organizationTokenGuidanceForViewer(suite.db.prisma, w.bob.id, w.enterprise.id, w.web.key, now), {
      code: "FORBIDDEN",
    });
  });

  it("R7: a person sees their own guidance (either account), an enterprise admin anyone's, others nothing", async () => {
    const w = await enterpriseWithDopTokens();
    await suite.fixtures.enterpriseAdmin(w.erin, w.enterprise);
    const ask = (viewer: { id: string }, accountId: string, enterpriseKey: string | null = null) =>
      accountTokenGuidanceForViewer(suite.db.prisma, viewer.id, [{ accountId, enterpriseKey }], now).then(([row]) => row);

    const own = await ask(w.aliceSso, w.alice.id);
    expect(own?.enterprise.id).toBe(w.enterprise.id);
    expect(own?.willBreak.map((row) => row.token.name).sort()).toEqual(["alice ci", "alice short"]);
    expect((await ask(w.alice, w.aliceSso.id, w.enterprise.key))?.devopsAccount?.id).toBe(w.alice.id);
    expect((await ask(w.erin, w.bob.id, w.enterprise.key))?.willBreak.map((row) => row.token.id)).toEqual([w.bobApi.id]);
    expect(await ask(w.bob, w.alice.id, w.enterprise.key)).toBeNull();
    expect(await ask(w.alice, w.alice.id, "no-such-enterprise")).toBeNull();
  });

  it("R7: guidance for many people uses the same number of statements for 2 and 8 people", async () => {
    const w = await enterpriseWithDopTokens();
    const everyone = [w.alice, w.aliceSso, w.bob, w.carol, w.erin, w.outsider, w.web, w.mobile].map((row) => row.id);
    let statements = 0;
    const counted = suite.db.prisma.$extends({
      query: { $allModels: { async $allOperations({ args, query }) { statements++; return query(args); } } },
    }) as unknown as Tx;
    statements = 0;
    const two = await accountTokenGuidances(counted, everyone.slice(0, 2), w.enterprise.id, now);
    const forTwo = statements;
    statements = 0;
    const many = await accountTokenGuidances(counted, everyone, w.enterprise.id, now);
    expect(two.size).toBe(2);
    expect(many.size).toBe(6);
    expect(statements).toBe(forTwo);
  });
});

describe("tokensBreakingWith", () => {
  it("R7: without organizations, lists every token that breaks when the DOP accounts are deleted", async () => {
    const w = await enterpriseWithDopTokens();
    const rows = await tokensBreakingWith(suite.db.prisma, [w.alice.id, w.outsider.id, w.erin.id], undefined, now);
    expect(rows.map((row) => row.token.name).sort()).toEqual(["alice ci", "alice short", "outsider"]);
    expect(rows.find((row) => row.owner.id === w.outsider.id)?.affectedOrganizations).toEqual([]);
    expect(await tokensBreakingWith(suite.db.prisma, [], undefined, now)).toEqual([]);
  });

  it("R7: uses the same number of statements for 5 and 50 DOP accounts (no N+1)", async () => {
    const enterprise = await suite.fixtures.enterprise();
    const organizations = await Promise.all(
      ["ENTERPRISE", "TEAM", "FREE"].map((plan) => suite.fixtures.organization({ enterprise, plan: plan as "TEAM" })),
    );
    const accounts: Account[] = [];
    for (let index = 0; index < 50; index++) {
      const account = await suite.fixtures.devopsAccount();
      const organization = organizations[index % organizations.length]!;
      if (index % 2 === 0) await suite.fixtures.member(account, organization, ["SCAN"]);
      else await suite.fixtures.group(organization, ["ADMIN"], [account]);
      await createPersonalAccessToken(suite.db.prisma, actorOf(account), { name: "one" }, now);
      await createPersonalAccessToken(suite.db.prisma, actorOf(account), { name: "two" }, now);
      accounts.push(account);
    }
    let statements = 0;
    const counted = suite.db.prisma.$extends({
      query: {
        $allModels: {
          async $allOperations({ args, query }) {
            statements++;
            return query(args);
          },
        },
      },
    }) as unknown as Tx;
    const organizationIds = organizations.map((organization) => organization.id);
    const measure = async (count: number) => {
      statements = 0;
      const rows = await tokensBreakingWith(counted, accounts.slice(0, count).map((a) => a.id), organizationIds, now);
      expect(rows).toHaveLength(count * 2);
      expect(rows.every((row) => row.replacements.length === 1)).toBe(true);
      return statements;
    };
    const five = await measure(5);
    const fifty = await measure(50);
    expect(five).toBeGreaterThan(0);
    expect(fifty).toBe(five);
  });
});
