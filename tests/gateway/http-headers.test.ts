import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import type { PrismaClient } from "@sso-cutover/db";
import { generateTokenSecret } from "@sso-cutover/tokens";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayConfig } from "../../apps/gateway/src/config";
import { createLogger } from "../../apps/gateway/src/logger";
import { createGateway } from "../../apps/gateway/src/yoga";
import { startTestGateway, type TestGateway } from "../kit/gateway";

// Response headers, the metrics token and what reaches the error log (issue 9 §7, §8). Token secrets and recovery
// passwords travel in /graphql responses (R5, R12), hence no-store there.

const METRICS_TOKEN = "metrics-scraper-secret-0123456789";
let kit: TestGateway;
let aliceToken: string;

beforeAll(async () => {
  kit = await startTestGateway({ METRICS_TOKEN });
  const alice = await kit.prisma.account.create({ data: { login: "alice-h", name: "Alice", kind: "DEVOPS" } });
  aliceToken = await kit.tokenFor(alice.id);
});
afterAll(() => kit.close());

const graphqlPost = (body: string, headers: Record<string, string> = {}) =>
  kit.fetch("/graphql", { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

describe("security headers (R5, R12)", () => {
  it("R5, R12: every /graphql response is no-store — answers, errors, refusals and GraphiQL alike", async () => {
    const responses = {
      mintsToken: await graphqlPost(
        JSON.stringify({ query: 'mutation { createPersonalAccessToken(input: { name: "ci" }) { __typename } }' }),
        { authorization: `Bearer ${aliceToken}` },
      ),
      // A client of the GraphQL-over-HTTP media type gets 400 for an unparsable body (application/json-only ones 200, per spec).
      malformed: await graphqlPost("{ not json", { accept: "application/graphql-response+json" }),
      unauthenticated: await graphqlPost(JSON.stringify({ query: "{ viewer { login } }" })),
      wrongMethod: await kit.fetch("/graphql", { method: "PUT" }),
      graphiql: await kit.fetch("/graphql", { headers: { accept: "text/html" } }),
    };
    expect(Object.fromEntries(Object.entries(responses).map(([name, response]) => [name, response.status]))).toEqual({
      mintsToken: 200,
      malformed: 400,
      unauthenticated: 401,
      wrongMethod: 405,
      graphiql: 200,
    });
    for (const [name, response] of Object.entries(responses)) expect(response.headers.get("cache-control"), name).toBe("no-store");
  });

  it("R5: every response, on every route, carries nosniff and no-referrer", async () => {
    const paths = ["/", "/health", "/ready", "/graphql", "/login/sso", "/saml/metadata/unknown", "/no-such-route"];
    for (const path of paths) {
      const response = await kit.fetch(path, path === "/graphql" ? { headers: { accept: "text/html" } } : {});
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(response.headers.get("referrer-policy"), path).toBe("no-referrer");
    }
  });

  it("R5: GraphiQL has a CSP allowing only its own inline script (by hash), no framing, no outside hosts — and no prefilled empty Authorization", async () => {
    const response = await kit.fetch("/graphql", { headers: { accept: "text/html" } });
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    const policy = response.headers.get("content-security-policy") ?? "";
    const directives = new Map(policy.split(";").map((part) => part.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
    expect(directives.get("default-src")).toEqual(["'none'"]);
    expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
    expect(directives.get("connect-src")).toEqual(["'self'"]);
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    // The page works offline: every script is inline and allowed by its hash; nothing is fetched from elsewhere.
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    const hashes = scripts.map((script) => `'sha256-${createHash("sha256").update(script, "utf8").digest("base64")}'`);
    expect(directives.get("script-src")).toEqual(hashes);
    // (Booleans, not the page: a failure must not print 9 MB of bundled GraphiQL.)
    expect(/<script[^>]+src=|<link[^>]+rel="stylesheet"/.test(html)).toBe(false);
    expect(policy).not.toMatch(/unsafe-eval|https?:/);
    // An empty "Bearer " header made introspection fail with 401; the hint is in the example query instead.
    const pageOptions = html.slice(html.lastIndexOf("renderYogaGraphiQL("));
    expect(pageOptions.includes('"headers"')).toBe(false);
    expect(pageOptions.includes('{\\"Authorization\\": \\"Bearer <admin token>\\"}')).toBe(true);
  });

  it("R5: /metrics requires `Authorization: Bearer <METRICS_TOKEN>` when it is set; open when it is not", async () => {
    const metrics = (authorization?: string) => kit.fetch("/metrics", authorization ? { headers: { authorization } } : {});
    expect((await metrics()).status).toBe(401);
    expect((await metrics(`Bearer ${METRICS_TOKEN}x`)).status).toBe(401);
    expect((await metrics(`Bearer ${aliceToken}`)).status).toBe(401);
    expect((await metrics(`Basic ${METRICS_TOKEN}`)).status).toBe(401);
    const scraped = await metrics(`Bearer ${METRICS_TOKEN}`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain("http_request_duration_seconds");
    const open = createGateway({ prisma: kit.prisma, config: { ...kit.config, METRICS_TOKEN: undefined }, log: createLogger("silent") });
    try {
      expect((await open.fetch(new Request("http://sso-cutover.test/metrics"))).status).toBe(200);
    } finally {
      await open.dispose();
    }
  });
});

/** A gateway whose log lines (pino JSON) are kept, on the given database client. */
function loggedGateway(prisma: PrismaClient, overrides: Partial<GatewayConfig> = {}) {
  const lines: { level: number; msg: string; err?: { stack?: string; message?: string } }[] = [];
  let bytes = 0;
  const sink = new Writable({
    write(chunk, _encoding, done) {
      bytes += chunk.length;
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const gateway = createGateway({ prisma, config: { ...kit.config, ...overrides }, log: createLogger("debug", sink) });
  return { gateway, lines, bytes: () => bytes, errors: () => lines.filter((line) => line.level >= 50) };
}

const ERROR_LEVEL = 50;

describe("what reaches the error log (R5)", () => {
  it("R5: 10 anonymous `{ viewer { id } }`, a malformed query and a wrong token write no error-level line and no stack", async () => {
    const { gateway, lines, errors, bytes } = loggedGateway(kit.prisma);
    try {
      const post = (body: string, headers: Record<string, string> = {}) =>
        gateway.fetch(new Request("http://sso-cutover.test/graphql", { method: "POST", headers: { "content-type": "application/json", ...headers }, body }));
      for (let request = 0; request < 10; request++) {
        const response = await post(JSON.stringify({ query: "{ viewer { id } }" }));
        expect(response.status).toBe(401);
      }
      expect(await (await post(JSON.stringify({ query: "{ viewer { " }))).json()).toMatchObject({ errors: [{ message: expect.stringMatching(/Syntax Error/) }] });
      expect((await post(JSON.stringify({ query: "{ viewer { id } }" }), { authorization: `Bearer ${generateTokenSecret("PAT")}` })).status).toBe(401);
      expect(errors()).toEqual([]);
      expect(lines.filter((line) => line.err?.stack !== undefined || /\n\s+at /.test(JSON.stringify(line)))).toEqual([]);
      // The refusals are still there to see at debug level, one short line each.
      const clientErrors = lines.filter((line) => line.msg === "client error");
      expect(clientErrors.length).toBeGreaterThanOrEqual(10);
      expect(clientErrors.every((line) => line.level < ERROR_LEVEL)).toBe(true);
      expect(bytes()).toBeLessThan(20_000);
    } finally {
      await gateway.dispose();
    }
  });

  it("R5: a real fault (the database failing) is logged at error level exactly once, with its stack, and masked for the caller", async () => {
    const failingDatabase = new Proxy(kit.prisma, {
      get(target, property) {
        // Authentication reads the token with one raw statement.
        if (property === "$queryRaw") return () => Promise.reject(new Error("connection to the database lost"));
        return Reflect.get(target, property);
      },
    });
    // Once with authentication in the GraphQL context only, once shared with the rate limiter.
    for (const overrides of [{}, { RATE_LIMIT_PER_MINUTE: 100, AUTH_FAILURES_PER_MINUTE: 20 }]) {
      const { gateway, errors } = loggedGateway(failingDatabase, overrides);
      try {
        const response = await gateway.fetch(
          new Request("http://sso-cutover.test/graphql", {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${generateTokenSecret("PAT")}` },
            body: JSON.stringify({ query: "{ viewer { id } }" }),
          }),
        );
        expect(response.status).toBe(500);
        const body = JSON.stringify(await response.json());
        expect(body).toContain("Unexpected error.");
        expect(body).not.toContain("connection to the database lost");
        expect(errors()).toHaveLength(1);
        expect(errors()[0]!.err?.message).toBe("connection to the database lost");
        expect(errors()[0]!.err?.stack).toMatch(/\n\s+at /);
      } finally {
        await gateway.dispose();
      }
    }
  });
});
