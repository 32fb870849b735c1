import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTracing, type Tracing } from "../../apps/gateway/src/observability/tracing";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { buildScenario } from "../kit/scenario";

// Operators follow one request through the log (one line per request, by its X-Request-Id) and through traces
// (HTTP → GraphQL operation → resolvers → database queries). Neither may carry a credential or variables.

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let kit: TestGateway;
let token: string;
let accountId: string;

beforeAll(async () => {
  tracing = startTracing({ exporter, exportEachSpan: true });
  kit = await startTestGateway({}, { tracing });
  const scenario = await buildScenario(kit.prisma, {
    organizations: { web: {} },
    accounts: { admin: { enterpriseAdmin: true, memberOf: ["web"], tokens: { ci: {} } } },
  });
  token = scenario.secret("admin", "ci");
  accountId = scenario.account("admin").id;
});
afterAll(async () => {
  await kit.close();
  await tracing.shutdown();
});

interface RequestLine {
  msg: string;
  requestId: string;
  method: string;
  path: string;
  operationName?: string;
  operationType?: string;
  status: number;
  durationMs: number;
  principalId?: string;
}

function requestLines(): RequestLine[] {
  return kit.logLines.map((line) => JSON.parse(line) as RequestLine).filter((line) => line.msg === "request");
}

function lineFor(requestId: string): RequestLine {
  const lines = requestLines().filter((line) => line.requestId === requestId);
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe("request log", () => {
  it("logs one line per GraphQL request with its operation, status, duration and principal — no secret, no variables", async () => {
    const response = await kit.fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "x-request-id": "trace-me-123" },
      body: JSON.stringify({
        query: "query WhoAmI($probe: String!) { viewer { login } enterprise(key: $probe) { key } }",
        operationName: "WhoAmI",
        variables: { probe: "variable-value-never-logged" },
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("trace-me-123");
    const line = lineFor("trace-me-123");
    expect(line).toMatchObject({
      method: "POST",
      path: "/graphql",
      operationName: "WhoAmI",
      operationType: "query",
      status: 200,
      principalId: accountId,
    });
    expect(line.durationMs).toBeGreaterThanOrEqual(0);
    const raw = kit.logLines.find((text) => text.includes('"trace-me-123"'))!;
    expect(raw).not.toContain(token);
    expect(raw).not.toContain("variable-value-never-logged");
    expect(raw.toLowerCase()).not.toContain("authorization");
  });

  it("generates a request id when none is sent or the one sent is malformed, and returns it on errors and other routes", async () => {
    const refused = await kit.fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer not-a-real-token" },
      body: JSON.stringify({ query: "{ viewer { login } }" }),
    });
    const health = await kit.fetch("/health", { headers: { "x-request-id": "bad id\twith spaces" } });
    const metadata = await kit.fetch("/saml/metadata/no-such-enterprise", { headers: { "x-request-id": "x".repeat(129) } });
    const acs = await kit.fetch("/saml/acs/no-such-enterprise", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "SAMLResponse=PHNhbWxwOlJlc3BvbnNlLz4%3D",
    });
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const [name, response] of Object.entries({ refused, health, metadata, acs })) {
      const id = response.headers.get("x-request-id");
      expect(id, name).toMatch(uuid);
      expect(lineFor(id!).status, name).toBe(response.status);
    }
    expect(refused.status).toBe(401);
    expect(lineFor(health.headers.get("x-request-id")!).path).toBe("/health");
    expect(lineFor(acs.headers.get("x-request-id")!).path).toBe("/saml/acs/no-such-enterprise");
    expect(kit.logLines.join("\n")).not.toContain("PHNhbWxwOlJlc3BvbnNlLz4");
    expect(kit.logLines.join("\n")).not.toContain("not-a-real-token");
  });

  it("names the operation of a request that validation refuses", async () => {
    const response = await kit.fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: "mutation Rename { noSuchMutation }" }),
    });
    expect(((await response.json()) as { errors: unknown[] }).errors).toHaveLength(1);
    expect(lineFor(response.headers.get("x-request-id")!)).toMatchObject({ operationName: "Rename", operationType: "mutation", status: response.status });
  });

  it("logs the path without its query string", async () => {
    const response = await kit.fetch("/login/sso?enterprise_key=secret-looking-value");
    const line = lineFor(response.headers.get("x-request-id")!);
    expect(line.path).toBe("/login/sso");
    expect(kit.logLines.join("\n")).not.toContain("secret-looking-value");
  });
});

describe("tracing (OTEL_EXPORTER_OTLP_ENDPOINT)", () => {
  it("traces one request as HTTP span → GraphQL operation → resolver, with its database queries inside the request and the operation", async () => {
    exporter.reset();
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const response = await kit.fetch("/graphql", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        "x-request-id": "traced-request",
      },
      // `viewer { tokens }` reads the viewer with its tokens through Prisma (`viewer { login }` alone answers from the
      // row authentication read, without a statement).
      body: JSON.stringify({ query: 'query Enterprise { enterprise(key: "acme") { name } viewer { login tokens { name } } }' }),
    });
    expect(response.status).toBe(200);
    await tracing.flush();
    const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
    const parentOf = (span: ReadableSpan) => byId.get(span.parentSpanContext?.spanId ?? "");
    const ancestors = (span: ReadableSpan) => {
      const chain: ReadableSpan[] = [];
      for (let parent = parentOf(span); parent; parent = parentOf(parent)) chain.push(parent);
      return chain;
    };

    const http = spans.find((span) => span.name.startsWith("POST /graphql"));
    expect(http, spans.map((span) => span.name).join(", ")).toBeDefined();
    // The caller's trace is continued: the HTTP span's parent is the one named in `traceparent`.
    expect(http!.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
    expect(http!.attributes["http.request.id"]).toBe("traced-request");
    expect(http!.attributes["http.response.status_code"]).toBe(200);

    const operation = spans.find((span) => span.name === "query.Enterprise");
    expect(operation).toBeDefined();
    expect(parentOf(operation!)).toBe(http);

    const resolver = spans.find((span) => span.name === "Query.enterprise");
    expect(resolver).toBeDefined();
    expect(parentOf(resolver!)).toBe(operation);
    expect(resolver!.attributes).not.toHaveProperty("graphql.resolver.args");

    // Prisma's statements, and the hand-written reads sent straight to the pool (`readRows`: the token's lookup,
    // `enterprise(key)`), each with its SQL text.
    const queries = spans.filter((span) => span.name === "prisma:client:db_query" || span.name === "db_query");
    const direct = queries.filter((span) => span.name === "db_query");
    expect(direct.map((span) => String(span.attributes["db.query.text"]))).toEqual(
      expect.arrayContaining([expect.stringMatching(/FROM "Token" t/), expect.stringMatching(/FROM "Enterprise" e/)]),
    );
    expect(queries.some((span) => span.name === "prisma:client:db_query")).toBe(true);
    // Authenticating the token queries under the HTTP span; the operation's own lookups under the operation.
    for (const query of queries) expect(ancestors(query)).toContain(http);
    const authentication = direct.find((span) => String(span.attributes["db.query.text"]).includes('FROM "Token" t'))!;
    expect(ancestors(authentication)).not.toContain(operation);
    const lookup = direct.find((span) => String(span.attributes["db.query.text"]).includes('FROM "Enterprise" e'))!;
    expect(ancestors(lookup)).toContain(operation);
    for (const query of queries) expect(String(query.attributes["db.query.text"])).toMatch(/SELECT|UPDATE|INSERT|BEGIN|COMMIT/i);

    for (const span of spans) expect(JSON.stringify(span.attributes)).not.toContain(token);
  });
});
