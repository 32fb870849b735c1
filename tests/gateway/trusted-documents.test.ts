import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { createSession, SESSION_COOKIE } from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../apps/gateway/src/config";
import { DASHBOARD_DIST, persistedOperation, persistedOperations, persistedRequestBody } from "../kit/dashboard";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { buildScenario, type Scenario } from "../kit/scenario";

// Trusted documents (TRUSTED_DOCUMENTS=cookie, the default): with the session cookie only the operations the
// dashboard's build persisted run, named by hash; bearer tokens send any document. And the dashboard itself: served
// at `/` and on each screen's path, with its own Content-Security-Policy, within its size budget.

let kit: TestGateway;
let off: TestGateway;
let scenario: Scenario;
let cookie: string;

beforeAll(async () => {
  kit = await startTestGateway({ TRUSTED_DOCUMENTS: "cookie" });
  scenario = await buildScenario(kit.prisma, {
    organizations: { web: {} },
    accounts: { dana: { kind: "SSO", memberOf: ["web"] } },
  });
  cookie = `${SESSION_COOKIE}=${(await createSession(kit.prisma, scenario.account("dana").id)).secret}`;
  off = await startTestGateway({ TRUSTED_DOCUMENTS: "off" });
});
afterAll(async () => {
  await kit?.close();
  await off?.close();
});

/** A same-origin browser request with the session cookie. */
function withCookie(body: string, gateway = kit, sessionCookie = cookie) {
  return gateway.fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", "x-graphql-yoga-csrf": "dashboard", origin: gateway.config.PUBLIC_URL, cookie: sessionCookie },
    body,
  });
}

const MINT_TOKEN = `mutation { createPersonalAccessToken(input: { name: "from-a-page" }) { ... on CreatePersonalAccessTokenSuccess { secret } } }`;

describe("trusted documents (TRUSTED_DOCUMENTS=cookie)", () => {
  it("R5: the session cookie cannot send its own document: 403 PERSISTED_QUERY_ONLY with a message naming the way out, and nothing runs", async () => {
    const before = await kit.prisma.token.count();
    for (const query of ["{ viewer { login } }", MINT_TOKEN]) {
      const response = await withCookie(JSON.stringify({ query }));
      expect(response.status).toBe(403);
      const body = (await response.json()) as { data?: unknown; errors: { message: string; extensions: { code: string } }[] };
      expect(body.data).toBeUndefined();
      expect(body.errors[0]!.extensions.code).toBe("PERSISTED_QUERY_ONLY");
      expect(body.errors[0]!.message).toContain("only the dashboard's persisted operations");
      expect(body.errors[0]!.message).toContain("Authorization: Bearer");
    }
    expect(await kit.prisma.token.count()).toBe(before);
  });

  it("R5: the dashboard's operations run by hash with the cookie, as the signed-in person", async () => {
    const response = await withCookie(persistedRequestBody("Session"));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { viewer: { login: string; organizations: { key: string }[] } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data.viewer.login).toBe(scenario.account("dana").login);
    expect(body.data.viewer.organizations.map((organization) => organization.key)).toEqual([scenario.organization("web").key]);
  });

  it("R5: a hash the build did not persist is refused with a message that says to reload", async () => {
    const response = await withCookie(JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } } }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    expect(body.errors[0]!.message).toContain("reload the dashboard");
  });

  it("R5: a bearer token sends any document (GraphiQL, scripts), and anonymous requests are answered as before", async () => {
    const token = await kit.tokenFor(scenario.account("dana").id);
    const viewer = await kit.graphql("{ viewer { login } }", { token });
    expect(viewer).toMatchObject({ status: 200, data: { viewer: { login: scenario.account("dana").login } } });
    const anonymous = await kit.graphql("{ viewer { login } }");
    expect(anonymous.data).toEqual({ viewer: null });
    const empty = await kit.fetch("/graphql", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(JSON.stringify(await empty.json())).toContain("Must provide query string.");
  });

  it("with TRUSTED_DOCUMENTS=off the cookie sends any document; a bad value stops the start naming the variable", async () => {
    const offCookie = `${SESSION_COOKIE}=${(await createSession(off.prisma, (await buildScenario(off.prisma, { accounts: { eve: { kind: "SSO" } } })).account("eve").id)).secret}`;
    const response = await withCookie(JSON.stringify({ query: "{ viewer { kind } }" }), off, offCookie);
    expect(await response.json()).toEqual({ data: { viewer: { kind: "SSO" } } });
    expect(loadConfig({}).TRUSTED_DOCUMENTS).toBe("cookie");
    expect(() => loadConfig({ TRUSTED_DOCUMENTS: "sometimes" })).toThrow(/TRUSTED_DOCUMENTS="sometimes": expected cookie or off/);
  });

  it("every persisted operation is valid against the schema the gateway serves (the build validated them)", async () => {
    const token = await kit.tokenFor(scenario.account("dana").id);
    expect(persistedOperations().size).toBeGreaterThanOrEqual(15);
    // Variables are left out on purpose: a document that failed validation would answer GRAPHQL_VALIDATION_FAILED.
    for (const [name, { document }] of persistedOperations()) {
      const answer = await kit.graphql(document, { token });
      const codes = (answer.errors ?? []).map((error) => error.extensions?.code);
      expect(codes, name).not.toContain("GRAPHQL_VALIDATION_FAILED");
    }
    expect(persistedOperation("RemoveDevopsAccounts").document).toContain("removeDevopsAccountsFromOrganizations");
  });
});

describe("the dashboard at /", () => {
  it("`/` and every screen's path answer its page, with a CSP that runs only this server's scripts and the page's own inline script (by hash); assets are immutable", async () => {
    for (const screen of ["/", "/me/access", "/admin", "/admin/people/bob"]) {
      const response = await kit.fetch(screen, { headers: { cookie } });
      expect(response.status, screen).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(response.headers.get("cache-control")).toBe("no-store");
      const html = await response.text();
      expect(html).toContain('<div id="root"></div>');
      // One inline script (it starts the first screen's requests), allowed by its hash; nothing else inline runs.
      const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((match) => match[1]!);
      expect(inline).toHaveLength(1);
      const hash = createHash("sha256").update(inline[0]!, "utf8").digest("base64");
      const policy = response.headers.get("content-security-policy") ?? "";
      expect(policy.split("; ")).toContain(`script-src 'self' 'sha256-${hash}'`);
      expect(policy).not.toContain("unsafe-inline");
      expect(policy).toContain("frame-ancestors 'none'");
    }
    const html = await (await kit.fetch("/")).text();
    const script = /<script type="module"[^>]* src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await kit.fetch(script);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(asset.headers.get("cache-control")).toContain("immutable");
    expect((await kit.fetch("/assets/no-such-file.js")).status).toBe(404);
  });

  it("the JavaScript the dashboard loads is under 250 kB gzipped", () => {
    const html = readFileSync(path.join(DASHBOARD_DIST, "public", "index.html"), "utf8");
    const scripts = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((match) => match[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    const gzipped = scripts.reduce((total, script) => total + gzipSync(readFileSync(path.join(DASHBOARD_DIST, "public", script))).length, 0);
    expect(gzipped).toBeLessThan(250 * 1024);
  });
});
