import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../../prisma/seed/demo";
import { startTestGateway, type TestGateway } from "../kit/gateway";

let kit: TestGateway;
let aliceToken: string;
const ids = new Map<string, string>();

const PLAN = `mutation($input: RemoveDevopsAccountsFromOrganizationsInput!) {
  removeDevopsAccountsFromOrganizations(input: $input) {
    __typename
    ... on CutoverPlan {
      dryRun applied
      accounts { login }
      memberships { account { login } organization { key } direct groups permissions }
      enterprisePermissions { account { login } permission }
      tokensThatBreak { display status owner { login } affectedOrganizations { key } replacements { kind organization { key } reason } }
      organizationsLosingLastAdmin { organization { key } adminsBefore }
      missingSsoMemberships { devopsAccount { login } ssoAccount { login } organization { key } missing }
      accessLoss { account { login } ssoAccount { login } organizations { key } acknowledged }
      violations { code message organization { key } account { login } }
      warnings
    }
    ... on Error { code message field }
  }
}`;

async function plan(logins: string[], dryRun: boolean, token = aliceToken, acknowledgement: { acknowledgeAll?: boolean; acknowledgeAccessLoss?: string[] } = {}) {
  const response = await kit.graphql(PLAN, {
    token,
    variables: { input: { enterpriseKey: "acme", accountIds: logins.map((login) => ids.get(login)!), dryRun, ...acknowledgement } },
  });
  expect(response.errors).toBeUndefined();
  return response.data!.removeDevopsAccountsFromOrganizations;
}

beforeAll(async () => {
  kit = await startTestGateway();
  await seedDemo(kit.prisma);
  const members = await kit.graphql('{ enterprise(key: "acme") { members(first: 100) { edges { node { id login } } } } }', {
    token: (aliceToken = await kit.tokenFor((await kit.prisma.account.findUniqueOrThrow({ where: { login: "alice" } })).id)),
  });
  for (const edge of members.data!.enterprise.members.edges) ids.set(edge.node.login, edge.node.id);
});
afterAll(() => kit.close());

describe("removeDevopsAccountsFromOrganizations over GraphQL (R9)", () => {
  it("R9, R9 (d): the dry run of removing bob lists his memberships, his breaking token with its SOT replacement, what his SSO account lacks, and his loss of acme-data", async () => {
    const unacknowledged = await plan(["bob"], true);
    expect(unacknowledged.accessLoss).toEqual([
      { account: { login: "bob" }, ssoAccount: { login: "bob-acme" }, organizations: [{ key: "acme-data" }], acknowledged: false },
    ]);
    expect(unacknowledged.violations).toEqual([
      expect.objectContaining({ code: "UNACKNOWLEDGED_ACCESS_LOSS", account: { login: "bob" }, organization: null }),
    ]);
    const result = await plan(["bob"], true, aliceToken, { acknowledgeAccessLoss: [ids.get("bob")!] });
    expect(result).toMatchObject({ __typename: "CutoverPlan", dryRun: true, applied: false, violations: [] });
    expect(result.accessLoss[0].acknowledged).toBe(true);
    expect(result.memberships.map((row: any) => row.organization.key)).toEqual(["acme-data", "acme-web"]);
    expect(result.tokensThatBreak).toHaveLength(1);
    expect(result.tokensThatBreak[0]).toMatchObject({ owner: { login: "bob" }, display: expect.stringMatching(/^sqp_…[0-9a-f]{4}$/) });
    expect(result.tokensThatBreak[0].replacements[0]).toMatchObject({ kind: "SOT", organization: { key: "acme-web" } });
    // bob-acme is in acme-web through its IdP group, but not in acme-data.
    expect(result.missingSsoMemberships).toContainEqual(
      expect.objectContaining({ ssoAccount: { login: "bob-acme" }, organization: { key: "acme-data" }, missing: ["MEMBERSHIP"] }),
    );
  });

  it("R9: removing alice is refused as a whole with violations (a) and (c); the dry run predicts it and nothing changes", async () => {
    const before = await kit.prisma.orgMembership.count();
    const dry = await plan(["alice"], true);
    const real = await plan(["alice"], false);
    const codes = real.violations.map((violation: any) => violation.code);
    expect(codes).toContain("NO_BREAK_GLASS_ADMIN");
    expect(codes).toContain("ORGANIZATION_WITHOUT_ADMIN");
    expect(real.applied).toBe(false);
    expect({ ...real, dryRun: true }).toEqual(dry);
    expect(await kit.prisma.orgMembership.count()).toBe(before);
  });

  it("R9 (b): removing dave, the only DOP admin of the Bitbucket Cloud organization besides alice, keeps alice there", async () => {
    const result = await plan(["dave"], true, aliceToken, { acknowledgeAll: true });
    expect(result.violations).toEqual([]);
    const both = await plan(["dave", "alice"], true, aliceToken, { acknowledgeAll: true });
    expect(both.violations.map((violation: any) => violation.code)).toContain("BITBUCKET_WITHOUT_DOP_ADMIN");
  });

  it("R9/R13: the real run removes exactly the planned memberships and writes one audit event", async () => {
    const dry = await plan(["carol", "heidi"], true, aliceToken, { acknowledgeAll: true });
    const events = await kit.prisma.auditEvent.count();
    const real = await plan(["carol", "heidi"], false, aliceToken, { acknowledgeAll: true });
    expect(real.applied).toBe(true);
    expect({ ...real, dryRun: true, applied: false }).toEqual(dry);
    const left = await kit.prisma.orgMembership.count({ where: { account: { login: { in: ["carol", "heidi"] } } } });
    expect(left).toBe(0);
    expect(await kit.prisma.auditEvent.count()).toBe(events + 1);
    const audit = await kit.graphql('{ enterprise(key: "acme") { auditEvents(first: 1) { edges { node { action actorLogin payload } } } } }', { token: aliceToken });
    expect(audit.data?.enterprise.auditEvents.edges[0].node).toMatchObject({ action: "cutover.devops_accounts_removed", actorLogin: "alice" });
  });

  it("R9: bad input is an error result naming the field: an SSO account, an empty list", async () => {
    const sso = await plan(["bob-acme"], true);
    expect(sso).toMatchObject({ __typename: "DomainError", code: "INVALID_INPUT", field: "input.accountIds[0]" });
    expect(sso.message).toMatch(/SSO account/);
    const empty = await kit.graphql(PLAN, { token: aliceToken, variables: { input: { enterpriseKey: "acme", accountIds: [], dryRun: true } } });
    expect(empty.data?.removeDevopsAccountsFromOrganizations).toMatchObject({ code: "INVALID_INPUT", field: "input.accountIds" });
  });

  it("R9: only enterprise admins may run it, even dry", async () => {
    const bobToken = await kit.tokenFor((await kit.prisma.account.findUniqueOrThrow({ where: { login: "bob" } })).id);
    expect(await plan(["erin"], true, bobToken)).toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("readiness over GraphQL", () => {
  const READINESS = `query($first: Int, $after: String, $filter: ReadinessFilter) { enterprise(key: "acme") { readiness(first: $first, after: $after, filter: $filter) {
    totals { people dopAccounts linkedDopAccounts ssoOnlyAccounts dopOwnedTokens breakGlassAccounts blockers }
    pageInfo { hasNextPage endCursor }
    edges { node { account { login } devopsAccount { login } ssoAccount { login } cutoverStatus organizationsOnlyThroughDop { key } tokensThatWouldBreak { display } invitation { status email } } }
  } } }`;

  it("one row per person: a DOP account with its linked SSO account, invitation status, what would break", async () => {
    const response = await kit.graphql(READINESS, { token: aliceToken, variables: { first: 100 } });
    expect(response.errors).toBeUndefined();
    const rows = response.data!.enterprise.readiness.edges.map((edge: any) => edge.node);
    const bob = rows.find((row: any) => row.account.login === "bob");
    expect(bob).toMatchObject({ ssoAccount: { login: "bob-acme" }, cutoverStatus: "LINKED", organizationsOnlyThroughDop: [{ key: "acme-data" }] });
    expect(bob.tokensThatWouldBreak.length).toBeGreaterThanOrEqual(1);
    const dave = rows.find((row: any) => row.account.login === "dave");
    expect(dave).toMatchObject({ ssoAccount: null, cutoverStatus: "INVITED", invitation: { status: "PENDING", email: "dave@acme.example" } });
    expect(rows.find((row: any) => row.account.login === "oscar-acme")).toMatchObject({ devopsAccount: null, cutoverStatus: "SSO_ACTIVE" });
    expect(rows.some((row: any) => row.account.login === "bob-acme")).toBe(false);
    expect(response.data!.enterprise.readiness.totals).toMatchObject({ breakGlassAccounts: 2 });
  });

  it("pages by login with cursors, and filters", async () => {
    const all = await kit.graphql(READINESS, { token: aliceToken, variables: { first: 100 } });
    const logins = all.data!.enterprise.readiness.edges.map((edge: any) => edge.node.account.login);
    expect(logins).toEqual([...logins].sort());
    const first = await kit.graphql(READINESS, { token: aliceToken, variables: { first: 2 } });
    const page = first.data!.enterprise.readiness;
    expect(page.edges.map((edge: any) => edge.node.account.login)).toEqual(logins.slice(0, 2));
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: expect.any(String) });
    const next = await kit.graphql(READINESS, { token: aliceToken, variables: { first: 2, after: page.pageInfo.endCursor } });
    expect(next.data!.enterprise.readiness.edges.map((edge: any) => edge.node.account.login)).toEqual(logins.slice(2, 4));
    const invited = await kit.graphql(READINESS, { token: aliceToken, variables: { first: 50, filter: { cutoverStatus: "INVITED" } } });
    expect(invited.data!.enterprise.readiness.edges.map((edge: any) => edge.node.account.login)).toEqual(["dave"]);
  });

  it("is for enterprise admins only", async () => {
    const bobToken = await kit.tokenFor((await kit.prisma.account.findUniqueOrThrow({ where: { login: "bob" } })).id);
    const response = await kit.graphql(READINESS, { token: bobToken, variables: { first: 5 } });
    expect(response.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});

describe("deleteMyAccount over GraphQL (R10)", () => {
  const DELETE = `mutation($login: String!) { deleteMyAccount(input: { confirmLogin: $login }) {
    __typename ... on DeletedAccount { account { login deletedAt } revokedTokens } ... on Error { code message }
  } }`;

  it("R10: dave (sole ADMIN nowhere, alice also admin) deletes his own DOP account; his token stops working", async () => {
    const dave = await kit.prisma.account.findUniqueOrThrow({ where: { login: "dave" } });
    const token = await kit.tokenFor(dave.id);
    const response = await kit.graphql(DELETE, { token, variables: { login: "dave" } });
    expect(response.data?.deleteMyAccount).toMatchObject({ __typename: "DeletedAccount", account: { login: "dave" } });
    expect(response.data?.deleteMyAccount.revokedTokens).toBeGreaterThanOrEqual(2);
    expect((await kit.graphql("{ viewer { login } }", { token })).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("R10: refused while the viewer is the sole ADMIN of an organization, naming it", async () => {
    const frank = await kit.prisma.account.findUniqueOrThrow({ where: { login: "frank" } });
    const organization = await kit.prisma.organization.create({ data: { key: "frank-lab", name: "Lab" } });
    await kit.prisma.orgPermission.create({ data: { accountId: frank.id, organizationId: organization.id, permission: "ADMIN" } });
    const response = await kit.graphql(DELETE, { token: await kit.tokenFor(frank.id), variables: { login: "frank" } });
    expect(response.data?.deleteMyAccount).toMatchObject({ code: "RULE_VIOLATION" });
    expect(response.data?.deleteMyAccount.message).toContain('"frank-lab"');
    expect((await kit.prisma.account.findUniqueOrThrow({ where: { id: frank.id } })).deletedAt).toBeNull();
  });
});
