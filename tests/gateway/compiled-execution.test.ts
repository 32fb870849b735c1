/**
 * Compiled execution (GRAPHQL_JIT, apps/gateway/src/compiled-execution.ts) answers byte for byte as graphql-js does:
 * a schema-driven client cannot tell which one ran its query. Each document of the corpus is sent to two gateways on
 * the same database, one with GRAPHQL_JIT on (the default) and one with it off, and their statuses and response
 * bodies must be identical, ids included. A document is compiled on its second execution, so each is sent twice to
 * the compiled gateway; the plain nested reads must then have been answered by compiled code.
 */
import { getIntrospectionQuery, OperationTypeNode, parse, type OperationDefinitionNode } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compiledExecutionCounts, MAX_ERRORED_IN_A_ROW } from "../../apps/gateway/src/compiled-execution";
import { createLogger } from "../../apps/gateway/src/logger";
import { createGateway, type Gateway } from "../../apps/gateway/src/yoga";
import { persistedOperations } from "../kit/dashboard";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { linkedEnterpriseSpec } from "../kit/generated-enterprise";
import { buildScenario, type Scenario } from "../kit/scenario";
import { BENCH_DASHBOARD, BENCH_MEMBERS, BENCH_READINESS } from "../kit/bench-documents";

let kit: TestGateway;
let graphqlJs: Gateway;
let scenario: Scenario;
let adminToken: string;
let memberToken: string;
let key: string;

const ORGANIZATIONS = 4;
const PEOPLE = 40;

interface Answer {
  status: number;
  body: string;
}

async function send(gateway: Gateway, body: unknown, token: string | null): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await gateway.fetch(new Request(new URL("/graphql", kit.config.PUBLIC_URL), { method: "POST", headers, body: JSON.stringify(body) }));
  return { status: response.status, body: await response.text() };
}

/**
 * Sends the request to graphql-js, then twice to the compiled gateway (its first execution of a document runs on
 * graphql-js, the second one compiled), and asserts the three answers identical. Returns how many of the compiled
 * gateway's answers came from compiled code, and the answer.
 */
async function compare(body: { query: string; variables?: Record<string, unknown>; operationName?: string }, token: string | null = adminToken) {
  const expected = await send(graphqlJs, body, token);
  const before = compiledExecutionCounts.answered;
  const first = await send(kit.gateway, body, token);
  const second = await send(kit.gateway, body, token);
  const label = `${body.operationName ?? body.query.slice(0, 80)} ${JSON.stringify(body.variables ?? {})}`;
  expect(first, label).toEqual(expected);
  expect(second, label).toEqual(expected);
  return { compiled: compiledExecutionCounts.answered - before, answer: expected, json: JSON.parse(expected.body) as { data?: any; errors?: any[] } };
}

beforeAll(async () => {
  kit = await startTestGateway({ MAX_REQUEST_COST: "1000000" });
  expect(kit.config.GRAPHQL_JIT).toBe(true);
  graphqlJs = createGateway({ prisma: kit.prisma, config: { ...kit.config, GRAPHQL_JIT: false }, log: createLogger("silent") });
  scenario = await buildScenario(kit.prisma, linkedEnterpriseSpec(ORGANIZATIONS, PEOPLE, new Date("2026-01-02T03:04:05Z")));
  key = scenario.enterprise.key;
  adminToken = await kit.tokenFor(scenario.account("admin").id);
  memberToken = await kit.tokenFor(scenario.account("dop01").id);
  // The first use of a token records lastUsedAt: answer the requests after it, on both gateways alike.
  for (const token of [adminToken, memberToken]) await send(graphqlJs, { query: "{ viewer { login } }" }, token);
});
afterAll(async () => {
  await graphqlJs?.dispose();
  await kit?.close();
});

describe("compiled execution answers byte for byte as graphql-js", () => {
  it("the benchmark's nested reads (members, organizations → members, readiness with totals) are answered by compiled code, identically", async () => {
    for (const [query, variables] of [
      [BENCH_MEMBERS, { key, first: 50 }],
      [BENCH_MEMBERS, { key, first: 5 }],
      [BENCH_DASHBOARD, { key, organizations: ORGANIZATIONS, first: 20 }],
      [BENCH_READINESS, { key, first: 50 }],
    ] as const) {
      const { compiled, json } = await compare({ query, variables });
      expect(json.errors).toBeUndefined();
      expect(JSON.stringify(json.data)).toMatch(/"login"/);
      // The second request of the compiled gateway (the first one compiles the document on the way).
      expect(compiled, query.slice(0, 30)).toBeGreaterThanOrEqual(1);
    }
  });

  it("every query the dashboard persists, as an enterprise admin and as a plain member (who is refused the admin screens)", async () => {
    const ids = await send(graphqlJs, { query: `query { enterprise(key: "${key}") { members(first: 3) { edges { node { id login } } } } }` }, adminToken);
    const firstMember = JSON.parse(ids.body).data.enterprise.members.edges[0].node;
    const known: Record<string, unknown> = { enterpriseKey: key, first: 20, login: firstMember.login };
    let compiledAnswers = 0;
    let queries = 0;
    for (const [name, { document }] of persistedOperations()) {
      const operation = parse(document).definitions.find(
        (definition): definition is OperationDefinitionNode => definition.kind === "OperationDefinition" && definition.name?.value === name,
      )!;
      if (operation.operation !== OperationTypeNode.QUERY) continue;
      queries++;
      const variables: Record<string, unknown> = {};
      for (const definition of operation.variableDefinitions ?? []) {
        const variable = definition.variable.name.value;
        if (variable in known) variables[variable] = known[variable];
        else expect(definition.type.kind, `${name}: no value for the required $${variable}`).not.toBe("NonNullType");
      }
      for (const token of [adminToken, memberToken]) {
        const { compiled } = await compare({ query: document, variables, operationName: name }, token);
        compiledAnswers += compiled;
      }
    }
    expect(queries).toBeGreaterThanOrEqual(10);
    // Most of the dashboard's queries, at least as the admin, run compiled.
    expect(compiledAnswers).toBeGreaterThanOrEqual(queries);
  });

  it("a readiness filter given and left out (a variable inside an object argument), and a page after a cursor", async () => {
    const document = `query R($key: String!, $status: CutoverStatus, $after: String) {
      enterprise(key: $key) { readiness(first: 5, after: $after, filter: { cutoverStatus: $status }) { edges { cursor node { account { login } cutoverStatus } } pageInfo { hasNextPage endCursor } } }
    }`;
    const page = await compare({ query: document, variables: { key, status: "LINKED" } });
    await compare({ query: document, variables: { key } });
    const cursor = page.json.data?.enterprise?.readiness?.pageInfo?.endCursor ?? null;
    await compare({ query: document, variables: { key, status: null, after: cursor } });
  });

  it("@include and @skip keep the selection order of graphql-js: such documents are not compiled", async () => {
    const document = `query Members($key: String!, $withEmail: Boolean!, $noKind: Boolean!) {
      enterprise(key: $key) { members(first: 10) { edges { node { login email @include(if: $withEmail) name kind @skip(if: $noKind) } } } }
    }`;
    for (const variables of [
      { key, withEmail: true, noKind: false },
      { key, withEmail: false, noKind: true },
    ]) {
      const { compiled, json } = await compare({ query: document, variables });
      expect(json.errors).toBeUndefined();
      expect(compiled).toBe(0);
    }
    const { answer } = await compare({ query: `query { enterprise(key: "${key}") { name ... @include(if: true) { key } organizations(first: 2) { ...@skip(if: false) { name } key } } }` });
    expect(answer.body).toMatch(/^\{"data":\{"enterprise":\{"name":.*"key":.*"organizations":\[\{"name":/);
  });

  it("fragments, inline fragments on the Node interface, aliases and __typename", async () => {
    const ids = await send(graphqlJs, { query: `query { enterprise(key: "${key}") { members(first: 4) { edges { node { id } } } organizations(first: 2) { id } } }` }, adminToken);
    const data = JSON.parse(ids.body).data.enterprise;
    const nodeIds = [...data.members.edges.map((edge: any) => edge.node.id), ...data.organizations.map((organization: any) => organization.id)];
    const { compiled } = await compare({
      query: `fragment Person on Account { login kind ...Orgs }
        fragment Orgs on Account { organizations { key } }
        query Nodes($ids: [ID!]!, $key: String!) {
          first: nodes(ids: $ids) { __typename id ... on Account { ...Person } ... on Organization { key name } }
          again: nodes(ids: $ids) { ... on Node { id } }
          e: enterprise(key: $key) { k: key n: name }
          f: enterprise(key: $key) { name }
        }`,
      variables: { ids: nodeIds, key },
    });
    expect(compiled).toBeGreaterThanOrEqual(1);
  });

  it("each operation of a document with two runs its own (the operation the request names)", async () => {
    const document = `query Names($key: String!) { enterprise(key: $key) { name } }
      query Keys($key: String!) { enterprise(key: $key) { organizations(first: 3) { key } } }`;
    const names = await compare({ query: document, variables: { key }, operationName: "Names" });
    const keys = await compare({ query: document, variables: { key }, operationName: "Keys" });
    expect(names.json.data?.enterprise).toHaveProperty("name");
    expect(keys.json.data?.enterprise).toHaveProperty("organizations");
    expect(names.compiled + keys.compiled).toBeGreaterThanOrEqual(2);
    // No operation named: graphql-js's refusal, whichever gateway.
    const unnamed = await compare({ query: document, variables: { key } });
    expect(unnamed.answer.status).toBe(400);
  });

  it("introspection", async () => {
    await compare({ query: getIntrospectionQuery() });
    await compare({ query: `{ __type(name: "Account") { name kind fields { name args { name defaultValue } type { name kind ofType { name } } } } __schema { queryType { name } } }` });
  });

  it("errors (a field refused to a plain member, an organization that does not exist, a malformed id) keep graphql-js's messages, codes, paths and locations; a node that does not exist is null", async () => {
    const reExecuted = compiledExecutionCounts.reExecuted;
    const refused = await compare({ query: BENCH_READINESS, variables: { key, first: 5 } }, memberToken);
    // The compiled answer carried the error: graphql-js answered the request again.
    expect(compiledExecutionCounts.reExecuted).toBeGreaterThan(reExecuted);
    expect(refused.json.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(refused.json.errors?.[0]?.locations).toBeDefined();
    const notFound = await compare({ query: `query { enterprise(key: "${key}") { name tokenGuidance(organizationKey: "no-such-organization") { scopedTokensAvailable } } }` });
    expect(notFound.json.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(notFound.json.errors?.[0]?.locations).toBeDefined();
    const adminIds = await send(graphqlJs, { query: `query { enterprise(key: "${key}") { members(first: 1) { edges { node { id } } } } }` }, adminToken);
    const accountId: string = JSON.parse(adminIds.body).data.enterprise.members.edges[0].node.id;
    const missing = Buffer.from(`Account:${"x".repeat(25)}`).toString("base64");
    const node = `query N($id: ID!) { node(id: $id) { id ... on Account { login email } } }`;
    expect((await compare({ query: node, variables: { id: missing } }, memberToken)).json).toEqual({ data: { node: null } });
    const malformed = await compare({ query: node, variables: { id: "not-a-global-id" } }, memberToken);
    expect(malformed.json.errors?.[0]?.extensions?.code).toBe("INVALID_INPUT");
    expect(malformed.json.errors?.[0]?.locations).toBeDefined();
    await compare({ query: node, variables: { id: accountId } }, memberToken);
    const unknown = await compare({ query: `query { enterprise(key: "no-such-enterprise") { name members(first: 2) { edges { node { login } } } } }` });
    expect(unknown.json.data).toEqual({ enterprise: null });
  });

  it("a query answered with an error again and again runs on graphql-js after MAX_ERRORED_IN_A_ROW answers, so a refused caller does not cost double", async () => {
    // A document of its own, refused to a plain member at every request.
    const refused = { query: `query Refused($key: String!) { enterprise(key: $key) { readiness(first: 3) { totals { people } } } }`, variables: { key } };
    const expected = await send(graphqlJs, refused, memberToken);
    expect(JSON.parse(expected.body).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const reExecuted = compiledExecutionCounts.reExecuted;
    // The first execution of a document is graphql-js's; the compiled ones that follow carry the error each time.
    for (let request = 0; request < MAX_ERRORED_IN_A_ROW + 4; request++) expect(await send(kit.gateway, refused, memberToken)).toEqual(expected);
    expect(compiledExecutionCounts.reExecuted - reExecuted).toBe(MAX_ERRORED_IN_A_ROW);
  });

  it("variables graphql-js refuses are refused alike: 400 naming the variable", async () => {
    for (const variables of [
      { key, first: "fifty" },
      { key, first: 2 ** 40 },
      { key },
      { key: null, first: 5 },
      { key: ["a"], first: 5 },
    ]) {
      const { answer, compiled } = await compare({ query: BENCH_MEMBERS, variables });
      expect(answer.status, JSON.stringify(variables)).toBe(400);
      expect(JSON.parse(answer.body).errors[0].message).toMatch(/^Variable "\$(first|key)"/);
      expect(compiled).toBe(0);
    }
    const { answer } = await compare({
      query: `query R($key: String!, $filter: ReadinessFilter) { enterprise(key: $key) { readiness(first: 2, filter: $filter) { edges { node { cutoverStatus } } } } }`,
      variables: { key, filter: { cutoverStatus: "NO_SUCH_STATUS" } },
    });
    expect(answer.status).toBe(400);
  });

  it("mutations are never compiled: a dry run answers as graphql-js does, without compiled code", async () => {
    const ids = await send(graphqlJs, { query: `query { enterprise(key: "${key}") { members(first: 2, kind: DEVOPS) { edges { node { id } } } } }` }, adminToken);
    const accountIds = JSON.parse(ids.body).data.enterprise.members.edges.map((edge: any) => edge.node.id);
    const { document } = persistedOperations().get("RemoveDevopsAccounts")!;
    const compiledBefore = compiledExecutionCounts.compiled;
    const { compiled, json } = await compare({ query: document, operationName: "RemoveDevopsAccounts", variables: { accountIds, dryRun: true, enterpriseKey: key } });
    expect(json.errors).toBeUndefined();
    expect(compiled).toBe(0);
    expect(compiledExecutionCounts.compiled).toBe(compiledBefore);
  });
});
