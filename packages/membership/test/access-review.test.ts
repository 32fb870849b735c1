import type { Database } from "@sso-cutover/db";
import { createTestDatabase } from "@sso-cutover/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { domainError } from "../../../tests/kit/domain-errors";
import { countQueries } from "../../../tests/kit/query-counter";
import { buildScenario, type AccountSpec, type Scenario } from "../../../tests/kit/scenario";
import {
  accessReview,
  accessReviews,
  accessReviewsForViewer,
  requireCanReviewAccess,
  reviewableAccountIds,
  type AccessReview,
} from "../src/index";

let db: Database;
let s: Scenario;
let other: Scenario;

beforeAll(async () => {
  db = await createTestDatabase();
  s = await buildScenario(db.prisma, {
    organizations: {
      web: { groups: { Developers: ["SCAN"], Reviewers: ["GATEADMIN"] } },
      api: {},
      docs: {},
      outside: { inEnterprise: false },
    },
    accounts: {
      admin: { enterpriseAdmin: true, memberOf: ["web"] },
      "ana-gh": { memberOf: ["web", "api", "outside"], permissions: { web: ["ADMIN", "SCAN"], api: ["SCAN"] }, linkedTo: "ana" },
      ana: { kind: "SSO", groups: { web: ["Developers"] }, permissions: { web: ["ADMIN"] } },
      "bob-gh": { groups: { web: ["Reviewers"] }, linkedTo: "bob" },
      bob: { kind: "SSO", memberOf: ["web"] },
      "cy-gh": { memberOf: ["docs"], permissions: { docs: ["PROFILEADMIN"] } },
      dee: { kind: "SSO", memberOf: ["api"] },
      stranger: { memberOf: ["outside"] },
    },
  });
  other = await buildScenario(db.prisma, {
    organizations: { web: {} },
    accounts: { admin: { enterpriseAdmin: true, memberOf: ["web"] } },
  });
});
afterAll(async () => {
  await db.close();
});

async function review(handle: string): Promise<AccessReview> {
  const found = await accessReview(db.prisma, s.account(handle).id, s.enterprise.id);
  if (!found) throw new Error(`no review for ${handle}`);
  return found;
}

function row(review: AccessReview, organizationHandle: string) {
  const found = review.organizations.find((r) => r.organization.id === s.organization(organizationHandle).id);
  if (!found) throw new Error(`no row for ${organizationHandle}`);
  return found;
}

describe("accessReviews", () => {
  it("R4: one row per organization of the enterprise, organizations outside it are not listed", async () => {
    const ana = await review("ana");

    expect(ana.organizations.map((r) => r.organization.key)).toEqual(
      ["api", "docs", "web"].map((handle) => s.organization(handle).key),
    );
  });

  it("R4: lists DOP vs SSO access and flags what the SSO account lacks: membership first, then each permission", async () => {
    const ana = await review("ana");

    expect(row(ana, "api")).toMatchObject({
      dop: { member: true, permissions: ["SCAN"] },
      sso: { member: false, permissions: [] },
      missingOnSso: ["MEMBERSHIP", "SCAN"],
      status: "MISSING_MEMBERSHIP",
    });
    expect(row(ana, "docs")).toMatchObject({
      dop: { member: false, permissions: [] },
      sso: { member: false, permissions: [] },
      missingOnSso: [],
      status: "OK",
    });
  });

  it("R4: group-derived memberships and permissions count on both sides", async () => {
    const ana = await review("ana");
    const bob = await review("bob");

    // ana's SSO account is in `web` only through the Developers group, which grants SCAN.
    expect(row(ana, "web")).toMatchObject({
      dop: { member: true, permissions: ["ADMIN", "SCAN"] },
      sso: { member: true, permissions: ["ADMIN", "SCAN"] },
      missingOnSso: [],
      status: "OK",
    });
    // bob's DOP account is in `web` only through the Reviewers group (GATEADMIN); his SSO account is a plain member.
    expect(row(bob, "web")).toMatchObject({
      dop: { member: true, permissions: ["GATEADMIN"] },
      sso: { member: true, permissions: [] },
      missingOnSso: ["GATEADMIN"],
      status: "MISSING_PERMISSIONS",
    });
    expect(bob.status).toBe("MISSING_PERMISSIONS");
  });

  it("R4: reviewing either side of a link gives the same person: a DOP account brings its SSO account and vice versa", async () => {
    const bySso = await review("ana");
    const byDop = await review("ana-gh");

    expect(byDop.accountId).toBe(s.account("ana-gh").id);
    expect(bySso.accountId).toBe(s.account("ana").id);
    for (const r of [bySso, byDop]) {
      expect(r.devopsAccount?.id).toBe(s.account("ana-gh").id);
      expect(r.ssoAccount?.id).toBe(s.account("ana").id);
    }
    expect(byDop.organizations).toEqual(bySso.organizations);
  });

  it("R4: an unlinked DOP account shows everything as missing on SSO; an unlinked SSO account has nothing to miss", async () => {
    const cy = await review("cy-gh");
    const dee = await review("dee");

    expect(cy.ssoAccount).toBeNull();
    expect(row(cy, "docs")).toMatchObject({ missingOnSso: ["MEMBERSHIP", "PROFILEADMIN"], status: "MISSING_MEMBERSHIP" });
    expect(dee.devopsAccount).toBeNull();
    expect(row(dee, "api")).toMatchObject({ sso: { member: true }, status: "OK" });
    expect(dee.organizations.every((r) => r.status === "OK")).toBe(true);
    expect([cy.status, dee.status]).toEqual(["MISSING_MEMBERSHIP", "OK"]);
  });

  it("R4: reviews many accounts at once; unknown ids are left out", async () => {
    const reviews = await accessReviews(db.prisma, [s.account("ana").id, s.account("bob-gh").id, "missing"], s.enterprise.id);

    expect([...reviews.keys()].sort()).toEqual([s.account("ana").id, s.account("bob-gh").id].sort());
    expect(reviews.get(s.account("bob-gh").id)?.ssoAccount?.id).toBe(s.account("bob").id);
  });

  it("R4: uses the same number of statements for 5 and for 50 people (no N+1)", async () => {
    const people: Record<string, AccountSpec> = {};
    for (let i = 0; i < 50; i++) {
      people[`p${i}-gh`] = { memberOf: ["web"], permissions: { web: ["SCAN"] }, groups: { api: ["Team"] }, linkedTo: `p${i}` };
      people[`p${i}`] = { kind: "SSO", groups: { web: ["Team"] } };
    }
    const big = await buildScenario(db.prisma, {
      organizations: { web: { groups: { Team: ["SCAN"] } }, api: { groups: { Team: ["ADMIN"] } } },
      accounts: people,
    });
    const ids = (n: number) => Array.from({ length: n }, (_, i) => big.account(i % 2 ? `p${i}` : `p${i}-gh`).id);
    const counter = countQueries(db.prisma);

    const five = await counter.measure((client) => accessReviews(client, ids(5), big.enterprise.id));
    const fifty = await counter.measure((client) => accessReviews(client, ids(50), big.enterprise.id));

    expect(five.result.size).toBe(5);
    expect(fifty.result.size).toBe(50);
    expect(fifty.operations).toBe(five.operations);
    expect(fifty.operations).toBeLessThanOrEqual(6);
    expect(fifty.result.get(big.account("p1").id)?.organizations.map((r) => r.status)).toEqual(["MISSING_MEMBERSHIP", "OK"]);

    const authFive = await counter.measure((client) => reviewableAccountIds(client, big.actor("p1"), ids(5), big.enterprise.id));
    const authFifty = await counter.measure((client) => reviewableAccountIds(client, big.actor("p1"), ids(50), big.enterprise.id));
    expect(authFifty.operations).toBe(authFive.operations);
  });
});

describe("requireCanReviewAccess", () => {
  const check = (actor: string, account: string, scenario: Scenario = s) =>
    requireCanReviewAccess(db.prisma, scenario.actor(actor), s.account(account).id, s.enterprise.id);

  it("R4: a user may review their own access, from either side of their link", async () => {
    await expect(check("ana", "ana")).resolves.toBeUndefined();
    await expect(check("ana", "ana-gh")).resolves.toBeUndefined();
    await expect(check("ana-gh", "ana")).resolves.toBeUndefined();
    await expect(check("cy-gh", "cy-gh")).resolves.toBeUndefined();
  });

  it("R4: a member may not review another member's access", async () => {
    const error = await domainError(check("bob", "ana"));

    expect(error.code).toBe("FORBIDDEN");
    expect(error.message).toContain("only your own access");
  });

  it("R4: an enterprise admin may review any member, but not accounts outside the enterprise", async () => {
    for (const member of ["ana", "ana-gh", "bob-gh", "cy-gh", "dee"]) await expect(check("admin", member)).resolves.toBeUndefined();

    expect((await domainError(check("admin", "stranger"))).code).toBe("FORBIDDEN");
  });

  it("R4: an admin of another enterprise may review nobody here", async () => {
    expect((await domainError(check("admin", "ana", other))).code).toBe("FORBIDDEN");
    expect((await domainError(check("admin", "cy-gh", other))).code).toBe("FORBIDDEN");
  });

  it("R4: nobody reviews their own access in an enterprise they are not a member of", async () => {
    expect((await domainError(check("stranger", "stranger"))).code).toBe("FORBIDDEN");
  });

  it("R4: the batched check returns exactly the reviewable accounts", async () => {
    const ids = ["ana", "ana-gh", "bob", "stranger"].map((h) => s.account(h).id);

    const asAna = await reviewableAccountIds(db.prisma, s.actor("ana"), ids, s.enterprise.id);
    const asAdmin = await reviewableAccountIds(db.prisma, s.actor("admin"), ids, s.enterprise.id);

    expect([...asAna].sort()).toEqual([s.account("ana").id, s.account("ana-gh").id].sort());
    expect([...asAdmin].sort()).toEqual(["ana", "ana-gh", "bob"].map((h) => s.account(h).id).sort());
  });
});

describe("accessReviewsForViewer", () => {
  const ask = (viewer: Scenario, actor: string, requests: { account: string; enterpriseKey?: string }[]) =>
    accessReviewsForViewer(
      db.prisma,
      viewer.actor(actor),
      requests.map((r) => ({ accountId: s.account(r.account).id, enterpriseKey: r.enterpriseKey })),
    );

  it("R4: a member gets their own review (in their enterprise by default) and null for anyone else's", async () => {
    const [own, others, byKey] = await ask(s, "ana", [{ account: "ana" }, { account: "bob" }, { account: "ana-gh", enterpriseKey: s.enterprise.key }]);

    expect(own?.enterprise.id).toBe(s.enterprise.id);
    expect(own?.ssoAccount?.id).toBe(s.account("ana").id);
    expect(others).toBeNull();
    expect(byKey?.devopsAccount?.id).toBe(s.account("ana-gh").id);
  });

  it("R4: an enterprise admin gets every member's review; an admin of another enterprise gets none", async () => {
    const members = ["ana", "bob-gh", "cy-gh", "dee"].map((account) => ({ account }));

    const asAdmin = await ask(s, "admin", members);
    const asOtherAdmin = await ask(other, "admin", [...members, { account: "ana", enterpriseKey: s.enterprise.key }]);

    expect(asAdmin.map((r) => r?.accountId)).toEqual(members.map((m) => s.account(m.account).id));
    expect(asOtherAdmin.every((r) => r === null)).toBe(true);
  });
});
