/**
 * N+1 guards: the number of SQL statements a request sends (BEGIN/COMMIT included) is bounded whatever the page
 * sizes. Counted at the driver (every statement Prisma sends), on both databases, on an enterprise of several
 * organizations each holding more members than a page: a statement per organization or per page would show.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSession, MAX_ACCOUNTS_PER_REMOVAL, SESSION_COOKIE } from "@sso-cutover/sso";
import { persistedOperation } from "../kit/dashboard";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { linkedEnterpriseSpec } from "../kit/generated-enterprise";
import { buildScenario, type Scenario } from "../kit/scenario";
import { BENCH_DASHBOARD, BENCH_MEMBER, BENCH_MEMBERS } from "../kit/bench-documents";

let kit: TestGateway;
let scenario: Scenario;
let adminToken: string;

const ORGANIZATIONS = 6;
const PEOPLE = 80;

async function statementsOf(document: string, token: string, variables: Record<string, unknown> = {}) {
  kit.db.statements.reset();
  const response = await kit.graphql(document, { token, variables });
  expect(response.errors).toBeUndefined();
  return { data: response.data!, count: kit.db.statements.count, log: [...kit.db.statements.log] };
}

beforeAll(async () => {
  kit = await startTestGateway({ MAX_REQUEST_COST: "1000000" });
  scenario = await buildScenario(kit.prisma, linkedEnterpriseSpec(ORGANIZATIONS, PEOPLE, new Date()));
  adminToken = await kit.tokenFor(scenario.account("admin").id);
  // The first use of a token records lastUsedAt (a write at most once a minute): measure the requests after it.
  await kit.graphql("{ __typename }", { token: adminToken });
});
afterAll(() => kit?.close());

const MEMBERS = `query Members($key: String!, $first: Int!) {
  enterprise(key: $key) {
    members(first: $first) {
      edges { node { login email kind organizations { key name } tokenGuidance { willBreak { display lastUsedAt } } } }
    }
  }
}`;

const ORGANIZATION_MEMBERS = `query OrganizationMembers($key: String!, $organizations: Int!, $first: Int!) {
  enterprise(key: $key) {
    organizations(first: $organizations) {
      key
      members(first: $first) {
        edges { node { login kind tokens { display } tokenGuidance { willBreak { display lastUsedAt } } } }
      }
    }
  }
}`;

const READINESS = `query Readiness($key: String!, $first: Int!) {
  enterprise(key: $key) {
    readiness(first: $first) {
      edges { node { account { login } cutoverStatus organizationsOnlyThroughDop { key } tokensThatWouldBreak { display } invitation { status } } }
      totals { people dopAccounts linkedDopAccounts ssoOnlyAccounts pendingInvitations dopOwnedTokens breakGlassAccounts blockers warnings }
    }
  }
}`;

const DRY_RUN = `mutation DryRun($input: RemoveDevopsAccountsFromOrganizationsInput!) {
  removeDevopsAccountsFromOrganizations(input: $input) {
    ... on CutoverPlan {
      applied
      memberships { account { login } organization { key } direct groups permissions }
      tokensThatBreak { display owner { login } }
      organizationsLosingLastAdmin { organization { key } }
      missingSsoMemberships { devopsAccount { login } organization { key } missing }
      accessLoss { account { login } organizations { key } acknowledged }
      violations { code }
    }
    ... on Error { code message }
  }
}`;

describe("statements per request", () => {
  it("a bearer token is authenticated in one statement: { __typename } costs at most 1", async () => {
    const { count, log } = await statementsOf("{ __typename }", adminToken);
    expect(count, log.join("\n")).toBeLessThanOrEqual(1);
  });

  it("a browser session is authenticated in one statement: { __typename } with the session cookie costs at most 1", async () => {
    const session = await createSession(kit.prisma, scenario.account("sso0").id);
    kit.db.statements.reset();
    const response = await kit.graphql("{ viewer { login } }", { headers: { cookie: `${SESSION_COOKIE}=${session.secret}` } });
    expect(response.data?.viewer?.login).toBe(scenario.account("sso0").login);
    // The session with its account, in one statement: the viewer is that account.
    expect(kit.db.statements.count, kit.db.statements.log.join("\n")).toBeLessThanOrEqual(1);
    kit.db.statements.reset();
    const typename = await kit.graphql("{ __typename }", { headers: { cookie: `${SESSION_COOKIE}=${session.secret}` } });
    expect(typename.data).toEqual({ __typename: "Query" });
    expect(kit.db.statements.count, kit.db.statements.log.join("\n")).toBeLessThanOrEqual(1);
  });

  it("R4: the dashboard's first screen (its Session query: the viewer, its organizations with their enterprises, its access review's enterprise and permissions) costs at most 3 statements, authentication included, and My access at most 2", async () => {
    for (const handle of ["sso0", "dop00", "dop01", "admin"]) {
      const session = await createSession(kit.prisma, scenario.account(handle).id);
      const cookie = `${SESSION_COOKIE}=${session.secret}`;
      for (const [name, most] of [
        ["Session", 3],
        ["MyAccess", 2],
      ] as const) {
        kit.db.statements.reset();
        const response = await kit.graphql(persistedOperation(name).document, { headers: { cookie } });
        expect(response.errors, `${handle} ${name}`).toBeUndefined();
        expect(response.data?.viewer.login).toBe(scenario.account(handle).login);
        expect(response.data?.viewer.accessReview?.enterprise.key).toBe(scenario.enterprise.key);
        expect(kit.db.statements.count, `${handle} ${name}\n${kit.db.statements.log.join("\n")}`).toBeLessThanOrEqual(most);
      }
    }
  });

  it("enterprise → members → organizations and token guidance: at most 6 statements, for 5 or 50 members", async () => {
    for (const first of [5, 50]) {
      const { count, log, data } = await statementsOf(MEMBERS, adminToken, { key: scenario.enterprise.key, first });
      expect(data.enterprise.members.edges.length).toBe(Math.min(first, PEOPLE * 1.5 + 1));
      expect(count, log.join("\n")).toBeLessThanOrEqual(6);
    }
  });

  it("enterprise → organizations → members → tokens and token guidance: at most 6 statements whatever the page sizes", async () => {
    for (const [organizations, first] of [
      [1, 5],
      [ORGANIZATIONS, 5],
      [ORGANIZATIONS, 20],
    ] as const) {
      const { count, log, data } = await statementsOf(ORGANIZATION_MEMBERS, adminToken, {
        key: scenario.enterprise.key,
        organizations,
        first,
      });
      expect(data.enterprise.organizations.length).toBe(organizations);
      // Every organization has more members than the page: each page is full.
      for (const organization of data.enterprise.organizations) expect(organization.members.edges.length).toBe(first);
      expect(count, log.join("\n")).toBeLessThanOrEqual(6);
    }
  });

  it("the benchmark's member list and dashboard walk (members with organizations and token guidance): at most 6 statements each, for one organization or all, full pages; the member list 2 (the enterprise, its first page and its rows' organizations and tokens read together)", async () => {
    for (const first of [5, 50]) {
      const { count, log, data } = await statementsOf(BENCH_MEMBERS, adminToken, { key: scenario.enterprise.key, first });
      expect(data.enterprise.members.edges.length).toBe(first);
      expect(data.enterprise.members.edges.some((edge: any) => edge.node.tokenGuidance.willBreak.length > 0)).toBe(true);
      expect(data.enterprise.members.edges.some((edge: any) => edge.node.organizations.length > 0)).toBe(true);
      // Authentication; the enterprise, with its first page and the page's organizations and tokens.
      expect(count, log.join("\n")).toBe(2);
    }
    // A later page is cut after its cursor by a statement of its own, with the same rows' reads: one more.
    const later = `query($key: String!, $after: String!) {
      enterprise(key: $key) { members(first: 5, after: $after) { edges { node { ${BENCH_MEMBER} } } } }
    }`;
    const firstPage = await statementsOf(`query($key: String!) { enterprise(key: $key) { members(first: 10) { edges { cursor node { login } } } } }`, adminToken, {
      key: scenario.enterprise.key,
    });
    const edges = firstPage.data.enterprise.members.edges as { cursor: string; node: { login: string } }[];
    const { count, log, data } = await statementsOf(later, adminToken, { key: scenario.enterprise.key, after: edges[4]!.cursor });
    expect(data.enterprise.members.edges.map((edge: any) => edge.node.login)).toEqual(edges.slice(5, 10).map((edge) => edge.node.login));
    expect(count, log.join("\n")).toBe(3);
    for (const [organizations, first] of [
      [1, 5],
      [ORGANIZATIONS, 20],
    ] as const) {
      const { count, log, data } = await statementsOf(BENCH_DASHBOARD, adminToken, { key: scenario.enterprise.key, organizations, first });
      expect(data.enterprise.organizations.length).toBe(organizations);
      for (const organization of data.enterprise.organizations) expect(organization.members.edges.length).toBe(first);
      expect(count, log.join("\n")).toBeLessThanOrEqual(6);
    }
  });

  it("R9: a dry run removing DOP accounts costs the same number of statements for 10 accounts as for 100", async () => {
    // 100 DOP accounts beyond the scenario's: members of two organizations, one token each.
    const organizations = await kit.prisma.organization.findMany({ where: { enterpriseId: scenario.enterprise.id }, orderBy: { key: "asc" } });
    await kit.prisma.account.createMany({
      data: Array.from({ length: 100 }, (_, index) => ({
        id: `bulk-dop-${index}`,
        login: `bulk-dop-${String(index).padStart(3, "0")}`,
        name: `Bulk ${index}`,
        kind: "DEVOPS" as const,
        devopsPlatform: "GITHUB" as const,
      })),
    });
    await kit.prisma.orgMembership.createMany({
      data: Array.from({ length: 100 }, (_, index) => [0, 1].map((offset) => ({
        accountId: `bulk-dop-${index}`,
        organizationId: organizations[(index + offset) % ORGANIZATIONS]!.id,
      }))).flat(),
    });
    const ids = (count: number) =>
      Array.from({ length: count }, (_, index) => Buffer.from(`Account:bulk-dop-${index}`).toString("base64"));
    const counts: number[] = [];
    for (const count of [10, 100]) {
      const { count: statements, log, data } = await statementsOf(DRY_RUN, adminToken, {
        input: { enterpriseKey: scenario.enterprise.key, accountIds: ids(count), acknowledgeAll: true, dryRun: true },
      });
      expect(data.removeDevopsAccountsFromOrganizations.memberships, JSON.stringify(data)).toHaveLength(count * 2);
      expect(statements, log.join("\n")).toBeLessThanOrEqual(30);
      counts.push(statements);
    }
    expect(counts[1]).toBe(counts[0]);
  });

  it(`R9/R15: a dry run of ${MAX_ACCOUNTS_PER_REMOVAL.toLocaleString("en-US")} DOP accounts is accepted and costs as many statements as one of 10`, async () => {
    // The largest batch allowed: DOP accounts beyond the scenario's, each a member of one organization with one token.
    const organizations = await kit.prisma.organization.findMany({ where: { enterpriseId: scenario.enterprise.id }, orderBy: { key: "asc" } });
    const id = (index: number) => `batch-dop-${index}`;
    await kit.prisma.account.createMany({
      data: Array.from({ length: MAX_ACCOUNTS_PER_REMOVAL }, (_, index) => ({
        id: id(index),
        login: `batch-dop-${String(index).padStart(4, "0")}`,
        name: `Batch ${index}`,
        kind: "DEVOPS" as const,
        devopsPlatform: "GITHUB" as const,
      })),
    });
    await kit.prisma.orgMembership.createMany({
      data: Array.from({ length: MAX_ACCOUNTS_PER_REMOVAL }, (_, index) => ({ accountId: id(index), organizationId: organizations[index % ORGANIZATIONS]!.id })),
    });
    await kit.prisma.token.createMany({
      data: Array.from({ length: MAX_ACCOUNTS_PER_REMOVAL }, (_, index) => ({
        kind: "PAT" as const,
        name: "ci",
        prefix: "sqp_",
        lastFour: String(index % 10_000).padStart(4, "0"),
        hash: `batch-token-hash-${index}`,
        ownerAccountId: id(index),
        createdById: id(index),
      })),
    });
    const ids = (count: number) => Array.from({ length: count }, (_, index) => Buffer.from(`Account:${id(index)}`).toString("base64"));
    const counts: number[] = [];
    for (const count of [10, MAX_ACCOUNTS_PER_REMOVAL]) {
      const { count: statements, log, data } = await statementsOf(DRY_RUN, adminToken, {
        input: { enterpriseKey: scenario.enterprise.key, accountIds: ids(count), acknowledgeAll: true, dryRun: true },
      });
      const plan = data.removeDevopsAccountsFromOrganizations;
      expect(plan.memberships, JSON.stringify(data).slice(0, 500)).toHaveLength(count);
      expect(plan.tokensThatBreak).toHaveLength(count);
      expect(statements, log.join("\n")).toBeLessThanOrEqual(30);
      counts.push(statements);
    }
    expect(counts[1]).toBe(counts[0]);
  });

  it(`R9/R15: a dry run of ${(MAX_ACCOUNTS_PER_REMOVAL + 1).toLocaleString("en-US")} accounts is refused before any work, naming input.accountIds`, async () => {
    const ids = Array.from({ length: MAX_ACCOUNTS_PER_REMOVAL + 1 }, (_, index) => Buffer.from(`Account:batch-dop-${index}`).toString("base64"));
    kit.db.statements.reset();
    const response = await kit.graphql(DRY_RUN, {
      token: adminToken,
      variables: { input: { enterpriseKey: scenario.enterprise.key, accountIds: ids, acknowledgeAll: true, dryRun: true } },
    });
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: "INVALID_INPUT", field: "input.accountIds" });
    expect(response.errors?.[0]?.message).toContain(`at most ${MAX_ACCOUNTS_PER_REMOVAL.toLocaleString("en-US")}`);
    // Refused before any resolver ran: no transaction was opened for the plan.
    expect(kit.db.statements.log.join("\n")).not.toMatch(/BEGIN/);
  });

  it("a readiness page with its totals: at most 8 statements, for 5 or 50 rows", async () => {
    for (const first of [5, 50]) {
      const { count, log } = await statementsOf(READINESS, adminToken, { key: scenario.enterprise.key, first });
      expect(count, log.join("\n")).toBeLessThanOrEqual(8);
    }
  });
});
