/**
 * Bounded work per request: every list argument has a maximum, list items count in the request cost, and the
 * largest request allowed leaves the server answering `/health` within 100 ms on the embedded database (which runs
 * in a process of its own: what is measured is the server's own work on its event loop).
 */
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { performance } from "node:perf_hooks";
import { MAX_INVITATIONS_PER_CALL } from "@sso-cutover/membership";
import { MAX_ACCOUNTS_PER_REMOVAL } from "@sso-cutover/sso";
import { getNullableType, isInputObjectType, isListType, type GraphQLInputType } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_NODE_IDS as MAX_NODES_PER_REQUEST } from "../../apps/gateway/src/visibility";
import { MAX_REQUEST_COST } from "../../apps/gateway/src/input-limits";
import { schema } from "../../apps/gateway/src/schema/index";
import { certificatePem } from "../kit/certificates";
import { ensureEmbeddedTemplate } from "@sso-cutover/db/testing";
import { startTestGateway, type TestGateway } from "../kit/gateway";

const HEALTH_BUDGET_MS = 100;
/** Attempts per largest request: one clean run proves the event loop was never blocked longer than the budget. */
const ATTEMPTS = 3;

let kit: TestGateway;
let baseUrl: string;
let adminToken: string;
let enterpriseKey: string;
let dopAccountIds: string[];

const encodeId = (typename: string, id: string) => Buffer.from(`${typename}:${id}`).toString("base64");

/** An enterprise at the size of the largest requests: as many DOP accounts as one removal may name. */
async function seedLargeEnterprise(): Promise<void> {
  const prisma = kit.prisma;
  enterpriseKey = "bulk";
  const enterprise = await prisma.enterprise.create({ data: { key: enterpriseKey, name: "Bulk Inc." } });
  await prisma.ssoConnection.create({
    data: {
      enterpriseId: enterprise.id,
      idpEntityId: "https://idp.bulk.example/metadata",
      idpSsoUrl: "https://idp.bulk.example/sso",
      idpCertificates: [(await certificatePem()).cert],
      status: "ACTIVE",
    },
  });
  await prisma.organization.createMany({
    data: ["bulk-web", "bulk-mobile", "bulk-data"].map((key, index) => ({
      key,
      name: key,
      enterpriseId: enterprise.id,
      plan: "ENTERPRISE" as const,
      devopsPlatform: index === 1 ? ("BITBUCKET_CLOUD" as const) : ("GITHUB" as const),
    })),
  });
  const organizations = await prisma.organization.findMany({ where: { enterpriseId: enterprise.id } });
  const admin = await prisma.account.create({ data: { login: "bulk-admin", name: "Bulk Admin", kind: "DEVOPS", devopsPlatform: "GITHUB" } });
  await prisma.enterprisePermission.create({ data: { enterpriseId: enterprise.id, accountId: admin.id, permission: "ADMINISTER_ENTERPRISE" } });
  await prisma.orgMembership.createMany({ data: organizations.map((o) => ({ accountId: admin.id, organizationId: o.id })) });
  await prisma.orgPermission.createMany({ data: organizations.map((o) => ({ accountId: admin.id, organizationId: o.id, permission: "ADMIN" as const })) });
  adminToken = await kit.tokenFor(admin.id);

  await prisma.account.createMany({
    data: Array.from({ length: MAX_ACCOUNTS_PER_REMOVAL }, (_, index) => ({
      login: `dop-${String(index).padStart(5, "0")}`,
      name: `DOP ${index}`,
      email: `dop-${index}@bulk.example`,
      emailNormalized: `dop-${index}@bulk.example`,
      kind: "DEVOPS" as const,
      devopsPlatform: "GITHUB" as const,
    })),
  });
  dopAccountIds = (await prisma.account.findMany({ where: { login: { startsWith: "dop-" } }, select: { id: true }, orderBy: { login: "asc" } })).map(
    (a) => a.id,
  );
  await prisma.orgMembership.createMany({
    data: dopAccountIds.flatMap((accountId) => organizations.map((o) => ({ accountId, organizationId: o.id }))),
  });
  await prisma.orgPermission.createMany({
    data: dopAccountIds.map((accountId, index) => ({ accountId, organizationId: organizations[index % 3]!.id, permission: "SCAN" as const })),
  });
}

beforeAll(async () => {
  // Responsiveness is a promise of the embedded database (issue: the largest request on PGlite, /health within
  // 100 ms): this file uses it on the PostgreSQL pass too, where the limits it checks do not depend on the database.
  delete process.env.TEST_DATABASE_URL;
  await ensureEmbeddedTemplate();
  kit = await startTestGateway();
  await seedLargeEnterprise();
  baseUrl = await kit.listen();
}, 120_000);
afterAll(() => kit.close());

/** One HTTP exchange on its own connection (no keep-alive socket left over from an earlier test). */
function send(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const outgoing = httpRequest(`${baseUrl}${path}`, { method: init.method ?? "GET", headers: init.headers, agent: false }, (incoming) => {
      let text = "";
      incoming.setEncoding("utf8");
      incoming.on("data", (chunk) => (text += chunk));
      incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, text }));
      incoming.on("error", reject);
    });
    outgoing.on("error", reject);
    outgoing.end(init.body);
  });
}

interface Measured {
  status: number;
  body: { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  /** Per poll: how long the server kept `/health` waiting (see {@link whilePollingHealth}). */
  healthLatencies: number[];
  /** Per poll: the wall-clock time, which also counts the time other processes held the machine's cores. */
  wallLatencies: number[];
}

/**
 * Milliseconds this thread has run on a CPU (Linux: the scheduler's own count, in nanoseconds). The process's CPU
 * time would also count its other threads (the garbage collector's helpers, the test runner's), which work in
 * parallel without blocking this one; the embedded database's work is in its own process.
 */
function threadCpuMs(): number {
  try {
    return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1e6;
  } catch {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  }
}

/**
 * Sends one GraphQL request over HTTP and polls `/health` until it is answered. The server and this client share
 * one event loop, so a poll waits exactly as long as the loop is busy elsewhere. Each poll's latency is the smaller
 * of its wall-clock time and the CPU time this thread used meanwhile: on a machine shared with other processes,
 * time spent descheduled is not time the server blocked its event loop.
 */
async function whilePollingHealth(document: string, variables: Record<string, unknown>): Promise<Measured> {
  let done = false;
  const request = send("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ query: document, variables }),
  }).then((response) => ({ status: response.status, body: JSON.parse(response.text) }));
  request.finally(() => (done = true)).catch(() => {});
  const healthLatencies: number[] = [];
  const wallLatencies: number[] = [];
  while (!done) {
    const started = performance.now();
    const cpuBefore = threadCpuMs();
    await send("/health");
    const wall = performance.now() - started;
    const cpu = threadCpuMs() - cpuBefore;
    wallLatencies.push(wall);
    healthLatencies.push(Math.min(wall, cpu));
  }
  return { ...(await request), healthLatencies, wallLatencies };
}

/**
 * The largest request, repeated until one run kept every `/health` answer within the budget (a garbage collection
 * can land in any single run; a request that blocks the event loop fails every attempt).
 */
async function largestRequestKeepsHealthResponsive(document: string, variables: () => Record<string, unknown>) {
  const worst: number[] = [];
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const logged = kit.logLines.length;
    const measured = await whilePollingHealth(document, variables());
    const faults = kit.logLines.slice(logged).filter((line) => line.includes('"level":50'));
    expect(measured.status, JSON.stringify(measured.body.errors)).toBe(200);
    expect(faults.map((line) => line.slice(0, 600))).toEqual([]);
    expect(measured.body.errors).toBeUndefined();
    expect(measured.healthLatencies.length).toBeGreaterThan(0);
    const slowest = Math.max(...measured.healthLatencies);
    worst.push(slowest);
    console.log(
      `/health while the request ran: ${measured.healthLatencies.length} polls, slowest ${slowest.toFixed(1)} ms ` +
        `(wall clock ${Math.max(...measured.wallLatencies).toFixed(1)} ms)`,
    );
    if (slowest < HEALTH_BUDGET_MS) return measured;
  }
  expect.fail(`/health answered in ${worst.map((ms) => ms.toFixed(0)).join(", ")} ms at worst in ${ATTEMPTS} runs (budget ${HEALTH_BUDGET_MS} ms)`);
}

describe("every list argument has a maximum (R15, bounded work)", () => {
  it("each list argument and list input field declares maxItems and says it in its description", () => {
    const undocumented: string[] = [];
    const visitInput = (type: GraphQLInputType, where: string, definition: { description?: string | null; extensions?: any }, seen: Set<string>) => {
      const nullable = getNullableType(type);
      if (isListType(nullable)) {
        const max = definition.extensions?.maxItems;
        if (typeof max !== "number" || !definition.description?.includes(`At most ${max.toLocaleString("en-US")}`)) undocumented.push(where);
        return;
      }
      if (isInputObjectType(nullable) && !seen.has(nullable.name)) {
        seen.add(nullable.name);
        for (const field of Object.values(nullable.getFields())) visitInput(field.type, `${nullable.name}.${field.name}`, field, seen);
      }
    };
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith("__") || !("getFields" in type) || isInputObjectType(type)) continue;
      for (const field of Object.values(type.getFields())) {
        for (const argument of "args" in field ? field.args : []) {
          visitInput(argument.type, `${type.name}.${field.name}(${argument.name}:)`, argument, new Set());
        }
      }
    }
    expect(undocumented).toEqual([]);
  });

  it("a list longer than its maximum is refused as INVALID_INPUT naming the argument, before any work", async () => {
    const ids = Array.from({ length: 20_000 }, (_, index) => encodeId("Account", `a${index}`));
    const response = await kit.graphql("query Many($ids: [ID!]!) { nodes(ids: $ids) { id } }", { token: adminToken, variables: { ids } });
    expect(response.status, JSON.stringify(response)).toBe(400);
    expect(response.data).toBeUndefined();
    expect(response.errors?.[0]).toMatchObject({
      message: `\`ids\` has 20,000 items; at most ${MAX_NODES_PER_REQUEST} are allowed.`,
      extensions: { code: "INVALID_INPUT", field: "ids" },
    });

    const emails = Array.from({ length: MAX_INVITATIONS_PER_CALL + 1 }, (_, index) => `p${index}@bulk.example`);
    const invite = await kit.graphql(
      "mutation Invite($input: InviteUsersInput!) { inviteUsers(input: $input) { __typename } }",
      { token: adminToken, variables: { input: { enterpriseKey, emails } } },
    );
    expect(invite.errors?.[0]?.extensions).toMatchObject({ code: "INVALID_INPUT", field: "input.emails" });
    expect(await kit.prisma.invitation.count()).toBe(0);
  });

  it("list items in variables count in the request cost: many allowed lists in one request are refused as too costly", async () => {
    const ids = dopAccountIds.slice(0, MAX_NODES_PER_REQUEST).map((id) => encodeId("Account", id));
    const single = await kit.graphql("query One($ids: [ID!]!) { nodes(ids: $ids) { id ... on Account { login email kind } } }", { token: adminToken, variables: { ids } });
    expect(single.errors).toBeUndefined();
    const aliases = Array.from({ length: 20 }, (_, index) => `n${index}: nodes(ids: $ids) { id ... on Account { login email kind organizations { key name plan } } }`).join(" ");
    const response = await kit.graphql(`query Many($ids: [ID!]!) { ${aliases} }`, { token: adminToken, variables: { ids } });
    expect(response.status).toBe(400);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: "COST_LIMIT_EXCEEDED", maxCost: MAX_REQUEST_COST });
    expect(response.errors?.[0]?.message).toMatch(/^This request would cost [\d,]+; at most/);
  });

  it("one query text is judged for each set of variables it comes with, however often each comes again", async () => {
    const aliases = Array.from({ length: 20 }, (_, index) => `n${index}: nodes(ids: $ids) { id ... on Account { login email kind organizations { key name plan } } }`).join(" ");
    const query = `query Many($ids: [ID!]!) { ${aliases} }`;
    const few = { ids: dopAccountIds.slice(0, 2).map((id) => encodeId("Account", id)) };
    const many = { ids: dopAccountIds.slice(0, MAX_NODES_PER_REQUEST).map((id) => encodeId("Account", id)) };
    const unstorable = { ids: [encodeId("Account", "a\u0000b")] };
    for (let round = 0; round < 2; round++) {
      const allowed = await kit.graphql(query, { token: adminToken, variables: few });
      expect(allowed.errors, JSON.stringify(allowed.errors)).toBeUndefined();
      expect((allowed.data as Record<string, unknown[]>).n19).toHaveLength(2);
      const costly = await kit.graphql(query, { token: adminToken, variables: many });
      expect(costly.errors?.[0]?.extensions).toMatchObject({ code: "COST_LIMIT_EXCEEDED" });
      const refused = await kit.graphql(query, { token: adminToken, variables: unstorable });
      expect(refused.errors?.[0]?.extensions, JSON.stringify(refused.errors)).toMatchObject({ code: "INVALID_INPUT", field: "ids[0]" });
    }
  });
});

describe("the largest allowed requests keep /health answering within 100 ms (embedded database)", () => {
  it(`nodes with ${MAX_NODES_PER_REQUEST} account ids`, async () => {
    const measured = await largestRequestKeepsHealthResponsive(
      "query Many($ids: [ID!]!) { nodes(ids: $ids) { id ... on Account { login email kind organizations { key name plan } } } }",
      () => ({ ids: dopAccountIds.slice(0, MAX_NODES_PER_REQUEST).map((id) => encodeId("Account", id)) }),
    );
    expect(measured!.body.data.nodes).toHaveLength(MAX_NODES_PER_REQUEST);
  }, 120_000);

  it(`a dry run removing ${MAX_ACCOUNTS_PER_REMOVAL.toLocaleString("en-US")} DOP accounts`, async () => {
    const measured = await largestRequestKeepsHealthResponsive(
      `mutation DryRun($input: RemoveDevopsAccountsFromOrganizationsInput!) {
        removeDevopsAccountsFromOrganizations(input: $input) {
          ... on CutoverPlan { applied violations { code } organizationsLosingLastAdmin { adminsBefore } memberships { direct permissions } }
          ... on Error { code message field }
        }
      }`,
      () => ({ input: { enterpriseKey, dryRun: true, accountIds: dopAccountIds.map((id) => encodeId("Account", id)) } }),
    );
    expect(measured!.body.data.removeDevopsAccountsFromOrganizations.memberships).toHaveLength(MAX_ACCOUNTS_PER_REMOVAL * 3);
  }, 120_000);

  it(`inviteUsers with ${MAX_INVITATIONS_PER_CALL.toLocaleString("en-US")} emails`, async () => {
    let batch = 0;
    const measured = await largestRequestKeepsHealthResponsive(
      `mutation Invite($input: InviteUsersInput!) {
        inviteUsers(input: $input) { ... on InviteUsersSuccess { invitedCount results { email invitation { expiresAt } } } ... on Error { code message } }
      }`,
      () => {
        batch += 1;
        const emails = Array.from({ length: MAX_INVITATIONS_PER_CALL }, (_, index) => `invitee-${batch}-${index}@bulk.example`);
        return { input: { enterpriseKey, emails } };
      },
    );
    expect(measured!.body.data.inviteUsers, JSON.stringify(measured!.body.data)).toMatchObject({ invitedCount: MAX_INVITATIONS_PER_CALL });
  }, 120_000);

  it("a connection page of 100 members with their organizations", async () => {
    const measured = await largestRequestKeepsHealthResponsive(
      `query Members($key: String!) { enterprise(key: $key) {
        members(first: 100) { edges { cursor node { id login email kind cutoverStatus organizations { key name } } } }
        readiness(first: 100) { edges { node { account { login } cutoverStatus organizationsOnlyThroughDop { key } } } }
      } }`,
      () => ({ key: enterpriseKey }),
    );
    expect(measured!.body.data.enterprise.members.edges).toHaveLength(100);
  }, 120_000);
});
