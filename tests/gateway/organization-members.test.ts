import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCode, startTestGateway, type TestGateway } from "../kit/gateway";
import { buildScenario, type Scenario } from "../kit/scenario";

let kit: TestGateway;
let s: Scenario;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  kit = await startTestGateway();
  s = await buildScenario(kit.prisma, {
    organizations: { web: { groups: { Developers: ["SCAN"] } }, api: {} },
    accounts: {
      "enterprise-admin": { enterpriseAdmin: true },
      "web-admin": { memberOf: ["web"], permissions: { web: ["ADMIN"] } },
      "web-owner": { groups: { web: ["Owners"] } },
      "alice-gh": { memberOf: ["web"], linkedTo: "alice" },
      alice: { kind: "SSO", memberOf: ["web"] },
      "bob-gh": { groups: { web: ["Developers"] } },
      "carol-gh": { memberOf: ["web"], deleted: true },
      "dave-gh": { memberOf: ["api"] },
      member: { memberOf: ["web", "api"] },
    },
  });
  for (const handle of ["enterprise-admin", "web-admin", "web-owner", "member"]) tokens[handle] = await kit.tokenFor(s.account(handle).id);
});
afterAll(() => kit?.close());

const MEMBERS = `query Members($key: String!, $first: Int, $after: String, $kind: AccountKind) {
  enterprise(key: $key) {
    organizations {
      key
      members(first: $first, after: $after, kind: $kind) {
        edges { cursor node { login kind } }
        pageInfo { hasNextPage hasPreviousPage endCursor }
      }
    }
  }
}`;

async function membersOf(viewer: string, variables: Record<string, unknown> = {}) {
  const response = await kit.graphql(MEMBERS, { token: tokens[viewer], variables: { key: s.enterprise.key, ...variables } });
  expect(response.errors).toBeUndefined();
  const byKey = new Map<string, any>(response.data!.enterprise.organizations.map((organization: any) => [organization.key, organization.members]));
  return (handle: string) => byKey.get(s.organization(handle).key);
}

const logins = (connection: any): string[] => connection.edges.map((edge: any) => edge.node.login);
const login = (handle: string) => s.account(handle).login;

describe("Organization.members", () => {
  it("R15: an enterprise admin lists each organization's members, directly or through a group, by login, deleted accounts left out", async () => {
    const members = await membersOf("enterprise-admin");
    expect(logins(members("web"))).toEqual(
      ["alice", "alice-gh", "bob-gh", "member", "web-admin", "web-owner"].map(login).sort(),
    );
    expect(logins(members("api"))).toEqual(["dave-gh", "member"].map(login).sort());
    expect(members("web").pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  });

  it("R15: an organization's admins (directly or through a group carrying ADMIN) list its members, and get null for an organization they do not administer", async () => {
    for (const admin of ["web-admin", "web-owner"]) {
      const members = await membersOf(admin);
      expect(logins(members("web"))).toContain(login("bob-gh"));
      expect(members("api")).toBeNull();
    }
  });

  it("R15: a plain member of the organization gets null, as for anything it may not see", async () => {
    const members = await membersOf("member");
    expect(members("web")).toBeNull();
    expect(members("api")).toBeNull();
  });

  it("kind narrows the page to DOP or SSO accounts", async () => {
    expect(logins((await membersOf("enterprise-admin", { kind: "SSO" }))("web"))).toEqual([login("alice")]);
    expect(logins((await membersOf("enterprise-admin", { kind: "DEVOPS" }))("web"))).not.toContain(login("alice"));
  });

  it("pages forward with first and after: the pages together are the whole list, each cursor the login", async () => {
    const whole = logins((await membersOf("enterprise-admin"))("web"));
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = (await membersOf("enterprise-admin", { first: 4, after }))("web");
      seen.push(...logins(page));
      expect(page.edges.map((edge: any) => edge.cursor)).toEqual(logins(page));
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(whole);
    expect(whole.length).toBeGreaterThan(4);
  });

  it("refuses a page larger than 100 and backward paging with INVALID_INPUT naming the argument", async () => {
    const tooLarge = await kit.graphql(MEMBERS, { token: tokens["enterprise-admin"], variables: { key: s.enterprise.key, first: 101 } });
    expect(errorCode(tooLarge)).toBe("INVALID_INPUT");
    expect(tooLarge.errors?.[0]?.extensions?.field).toBe("first");
    const backward = await kit.graphql(
      `query($key: String!) { enterprise(key: $key) { organizations { members(last: 2) { edges { node { login } } } } } }`,
      { token: tokens["enterprise-admin"], variables: { key: s.enterprise.key } },
    );
    expect(errorCode(backward)).toBe("INVALID_INPUT");
    expect(backward.errors?.[0]?.extensions?.field).toBe("last");
  });

  it("Enterprise.organizations(first) returns the first organizations by key, and refuses more than 100", async () => {
    const response = await kit.graphql(`query($key: String!) { enterprise(key: $key) { organizations(first: 1) { key } } }`, {
      token: tokens["enterprise-admin"],
      variables: { key: s.enterprise.key },
    });
    expect(response.data!.enterprise.organizations).toEqual([{ key: [s.organization("web").key, s.organization("api").key].sort()[0] }]);
    const refused = await kit.graphql(`query($key: String!) { enterprise(key: $key) { organizations(first: 101) { key } } }`, {
      token: tokens["enterprise-admin"],
      variables: { key: s.enterprise.key },
    });
    expect(errorCode(refused)).toBe("INVALID_INPUT");
  });
  it("a dashboard's walk of 20 organizations × 50 members with organizations and token guidance fits the default request cost; 100 × 100 is refused as too costly", async () => {
    const walk = (organizations: number, members: number) =>
      `query($key: String!) { enterprise(key: $key) { organizations(first: ${organizations}) { key members(first: ${members}) {
        edges { node { login email kind organizations { key name } tokenGuidance { willBreak { display lastUsedAt } } } } } } } }`;
    const allowed = await kit.graphql(walk(20, 50), { token: tokens["enterprise-admin"], variables: { key: s.enterprise.key } });
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data!.enterprise.organizations.length).toBeGreaterThan(0);
    // Enterprise.organizations(first:) multiplies its selection like a connection's page size does.
    const refused = await kit.graphql(walk(100, 100), { token: tokens["enterprise-admin"], variables: { key: s.enterprise.key } });
    expect(refused.status).toBe(400);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "COST_LIMIT_EXCEEDED", maxCost: 15_000 });
  });
});
