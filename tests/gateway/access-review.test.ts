import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { buildScenario, type AccountSpec, type Scenario } from "../kit/scenario";

let kit: TestGateway;
let s: Scenario;
let other: Scenario;

beforeAll(async () => {
  kit = await startTestGateway();
  s = await buildScenario(kit.prisma, {
    organizations: { web: { groups: { Developers: ["SCAN"] } }, api: {} },
    accounts: {
      admin: { enterpriseAdmin: true, memberOf: ["web"], tokens: { cli: {} } },
      "ana-gh": { memberOf: ["web", "api"], permissions: { web: ["ADMIN", "SCAN"] }, linkedTo: "ana", tokens: { cli: {} } },
      ana: { kind: "SSO", groups: { web: ["Developers"] }, tokens: { cli: {} } },
      "bob-gh": { memberOf: ["web"], linkedTo: "bob" },
      bob: { kind: "SSO", memberOf: ["web"] },
      "cy-gh": { memberOf: ["api"] },
    },
  });
  other = await buildScenario(kit.prisma, {
    organizations: { web: {} },
    accounts: { admin: { enterpriseAdmin: true, memberOf: ["web"], tokens: { cli: {} } } },
  });
});
afterAll(() => kit.close());

const REVIEW_FIELDS = /* GraphQL */ `
  status
  devopsAccount { login }
  ssoAccount { login }
  organizations { organization { key } dop { member permissions } sso { member permissions } missingOnSso status }
`;

// What an admin's members page shows of each review (the full selection for 100 members exceeds the query
// cost limit of the gateway's armor).
const MEMBER_REVIEW_FIELDS = /* GraphQL */ `
  status
  organizations { organization { key } missingOnSso status }
`;

const MEMBERS = /* GraphQL */ `
  query Members($key: String!, $status: CutoverStatus) {
    enterprise(key: $key) {
      members(first: 100, cutoverStatus: $status) {
        edges { node { login cutoverStatus accessReview { ${MEMBER_REVIEW_FIELDS} } } }
      }
    }
  }
`;

const globalId = (scenario: Scenario, handle: string) => Buffer.from(`Account:${scenario.account(handle).id}`).toString("base64");
const members = async (token: string, scenario: Scenario = s, status?: string) => {
  const response = await kit.graphql(MEMBERS, { token, variables: { key: scenario.enterprise.key, status } });
  expect(response.errors).toBeUndefined();
  return response.data?.enterprise.members.edges.map((e: any) => e.node) as any[];
};

describe("Account.accessReview", () => {
  it("R4: a user reads their own access review, which shows exactly what their SSO account lacks per organization", async () => {
    const response = await kit.graphql(`{ viewer { accessReview { ${REVIEW_FIELDS} } } }`, { token: s.secret("ana", "cli") });

    expect(response.errors).toBeUndefined();
    expect(response.data?.viewer.accessReview).toEqual({
      status: "MISSING_MEMBERSHIP",
      devopsAccount: { login: s.account("ana-gh").login },
      ssoAccount: { login: s.account("ana").login },
      organizations: [
        {
          organization: { key: s.organization("api").key },
          dop: { member: true, permissions: [] },
          sso: { member: false, permissions: [] },
          missingOnSso: ["MEMBERSHIP"],
          status: "MISSING_MEMBERSHIP",
        },
        {
          organization: { key: s.organization("web").key },
          dop: { member: true, permissions: ["ADMIN", "SCAN"] },
          sso: { member: true, permissions: ["SCAN"] }, // through the Developers group
          missingOnSso: ["ADMIN"],
          status: "MISSING_PERMISSIONS",
        },
      ],
    });
  });

  it("R4: from the DOP side of the link the review is the same person's", async () => {
    const byDop = await kit.graphql(`{ viewer { accessReview { ${REVIEW_FIELDS} } } }`, { token: s.secret("ana-gh", "cli") });
    const bySso = await kit.graphql(`{ viewer { accessReview { ${REVIEW_FIELDS} } } }`, { token: s.secret("ana", "cli") });

    expect(byDop.data?.viewer.accessReview).toEqual(bySso.data?.viewer.accessReview);
  });

  it("R4: a member sees only their own access review (both sides of their link), null for everyone else", async () => {
    const listed = await members(s.secret("ana", "cli"));
    const bob = await kit.graphql(`query($id: ID!) { node(id: $id) { ... on Account { login accessReview { status } } } }`, {
      token: s.secret("ana", "cli"),
      variables: { id: globalId(s, "bob") },
    });

    const withReview = listed.filter((m) => m.accessReview !== null).map((m) => m.login);
    expect(withReview.sort()).toEqual([s.account("ana").login, s.account("ana-gh").login].sort());
    expect(listed.length).toBe(6);
    expect(bob.data?.node).toEqual({ login: s.account("bob").login, accessReview: null });
  });

  it("R4: an enterprise admin sees every member's access review", async () => {
    const listed = await members(s.secret("admin", "cli"));

    expect(listed.every((m) => m.accessReview !== null)).toBe(true);
    expect(listed.find((m) => m.login === s.account("cy-gh").login)?.accessReview.status).toBe("MISSING_MEMBERSHIP");
  });

  it("R4: an admin of another enterprise sees nothing: not the enterprise, not its accounts, not their reviews", async () => {
    const token = other.secret("admin", "cli");

    const enterprise = await kit.graphql(`query($key: String!) { enterprise(key: $key) { key } }`, { token, variables: { key: s.enterprise.key } });
    const node = await kit.graphql(`query($id: ID!) { node(id: $id) { ... on Account { login accessReview { status } } } }`, {
      token,
      variables: { id: globalId(s, "ana") },
    });
    const named = await kit.graphql(`query($key: String!) { viewer { accessReview(enterpriseKey: $key) { status } } }`, {
      token,
      variables: { key: s.enterprise.key },
    });

    expect(enterprise.data?.enterprise).toBeNull();
    expect(node.data?.node).toBeNull();
    expect(named.data?.viewer.accessReview).toBeNull();
  });

  it("R4: members { accessReview cutoverStatus } runs the same number of SQL statements for 5 and for 50 members (no N+1)", async () => {
    const enterpriseWith = async (people: number) => {
      const accounts: Record<string, AccountSpec> = { admin: { enterpriseAdmin: true, memberOf: ["web"], tokens: { cli: {} } } };
      // Pairs of a DOP account and its SSO account; with an odd count the last DOP account is not linked.
      for (let i = 0; Object.keys(accounts).length < people; i++) {
        const linked = Object.keys(accounts).length + 2 <= people;
        accounts[`p${i}-gh`] = { memberOf: ["web", "api"], permissions: { web: ["SCAN"] }, ...(linked ? { linkedTo: `p${i}` } : {}) };
        if (linked) accounts[`p${i}`] = { kind: "SSO", groups: { web: ["Team"] } };
      }
      return buildScenario(kit.prisma, { organizations: { web: { groups: { Team: ["SCAN"] } }, api: {} }, accounts });
    };
    const measure = async (scenario: Scenario) => {
      const token = scenario.secret("admin", "cli");
      await kit.graphql("{ viewer { login } }", { token }); // writes the token's lastUsedAt once, before measuring
      kit.db.statements.reset();
      const listed = await members(token, scenario);
      return { listed, statements: kit.db.statements.count };
    };

    const small = await measure(await enterpriseWith(5));
    const large = await measure(await enterpriseWith(50));

    expect(small.listed).toHaveLength(5);
    expect(large.listed).toHaveLength(50);
    expect(large.listed.every((m) => m.accessReview !== null && m.cutoverStatus !== null)).toBe(true);
    expect(large.statements).toBe(small.statements);
  });
});

describe("Enterprise.members(cutoverStatus)", () => {
  it("R3/R4: filters members by cutover status, and each member shows its status", async () => {
    const token = s.secret("admin", "cli");

    const linked = await members(token, s, "LINKED");
    const notInvited = await members(token, s, "NOT_INVITED");

    expect(linked.map((m) => m.login).sort()).toEqual(["ana", "ana-gh", "bob", "bob-gh"].map((h) => s.account(h).login).sort());
    expect(linked.every((m) => m.cutoverStatus === "LINKED")).toBe(true);
    expect(notInvited.map((m) => m.login).sort()).toEqual(["admin", "cy-gh"].map((h) => s.account(h).login).sort());
  });

  it("R3: a DOP account linked and then removed from every organization is listed as DOP_REMOVED, on both sides", async () => {
    const token = s.secret("admin", "cli");
    await kit.prisma.orgMembership.deleteMany({ where: { accountId: s.account("bob-gh").id } });

    const removed = await members(token, s, "DOP_REMOVED");

    expect(removed.map((m) => [m.login, m.cutoverStatus]).sort()).toEqual(
      [
        [s.account("bob").login, "DOP_REMOVED"],
        [s.account("bob-gh").login, "DOP_REMOVED"],
      ].sort(),
    );
  });
});
