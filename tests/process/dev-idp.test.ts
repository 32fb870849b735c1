/**
 * Each case starts the server (one case twice) as `pnpm start` does: minutes on a loaded machine, hence the
 * per-case time limits, which detect hangs rather than measure speed.
 *
 * The development IdP of the demo, through the real entry point: the one-click link works out of the box (R1), the
 * key survives a restart, and the IdP is off wherever it was not asked for. On the PostgreSQL pass the server runs
 * on a fresh PostgreSQL database with DEV_IDP=true (demo data there needs the explicit flag).
 */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { SESSION_COOKIE } from "@sso-cutover/sso";
import { migratedDataDir, removeTemporaryFolders, startGatewayProcess, temporaryFolder, type RunningProcess } from "../kit/process";
import { sessionOperation } from "../kit/dashboard";
import { signInThroughDevelopmentIdp, viewerLogin } from "../kit/sso-browser";

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const running: RunningProcess[] = [];
const databases: TestDatabase[] = [];
afterAll(async () => {
  running.forEach((server) => server.kill());
  await Promise.all(running.map((server) => server.exited));
  await Promise.all(databases.map((database) => database.close()));
  removeTemporaryFolders();
});

/** Demo data with the development IdP: the embedded database by default, or PostgreSQL with DEV_IDP=true. */
async function demoEnvironment(): Promise<Record<string, string>> {
  if (!onPostgres) return { DATA_DIR: await migratedDataDir() };
  const postgres = await createTestDatabase();
  databases.push(postgres);
  return { DATABASE_URL: postgres.url, SEED_DEMO: "true", DEV_IDP: "true", DATA_DIR: temporaryFolder() };
}

function start(environment: Record<string, string>): RunningProcess {
  const server = startGatewayProcess(environment);
  running.push(server);
  return server;
}

async function stop(server: RunningProcess): Promise<void> {
  server.child.kill("SIGTERM");
  expect((await server.exited).code).toBe(0);
}

async function graphql(baseUrl: string, token: string, query: string): Promise<Record<string, any>> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as Record<string, any>;
}

async function ssoStepWarnings(baseUrl: string, token: string): Promise<string[]> {
  const body = await graphql(baseUrl, token, `{ enterprise(key: "acme") { setupProgress { steps { step warnings } } } }`);
  return body.data.enterprise.setupProgress.steps.find((step: { step: string }) => step.step === "CONFIGURE_ONE_CLICK_ACCESS").warnings;
}

const CONNECTION = `{ enterprise(key: "acme") { ssoConnection { idpEntityId idpSsoUrl idpCertificates { pem } } } }`;

describe("the development IdP (demo data)", () => {
  it("R1, R2: one-click link → IdP page → pick bob → signed in as bob's SSO account, with his IdP groups; other groups can be chosen; the key survives a restart", async () => {
    const environment = await demoEnvironment();
    const server = start(environment);
    const baseUrl = await server.listening();
    expect(server.stdout).toContain("/login/sso?enterprise_key=acme  (development IdP: pick bob)");

    const token = (await server.printed(/admin token: (\S+)/))[1]!;
    // R2: carol signs in with no groups chosen: no organization, and the demo warns that no groups arrive.
    const carol = await signInThroughDevelopmentIdp(baseUrl, "acme", "carol", { groups: [] });
    expect(carol.idpHtml).toContain("none (no groups attribute)");
    const carolHome = await sessionOperation(baseUrl, carol.cookie!, "Home");
    expect(carolHome.data.viewer).toMatchObject({ login: "carol-acme", organizations: [] });
    expect(await ssoStepWarnings(baseUrl, token)).toEqual([expect.stringMatching(/^NO_GROUPS_RECEIVED: /)]);

    const { idpPage, idpHtml, acs, cookie } = await signInThroughDevelopmentIdp(baseUrl, "acme", "bob");
    expect(idpPage.status).toBe(200);
    // The login pages' headers: strict CSP (no script at all, forms to this origin only), no framing, no cache.
    expect(idpPage.headers.get("content-security-policy")).toBe("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
    expect(idpPage.headers.get("cache-control")).toBe("no-store");
    expect(idpHtml).toContain("web-developers");
    expect(acs.status).toBe(302);
    expect(acs.headers.get("location")).toBe("/");
    expect(cookie).not.toBeNull();
    expect(await viewerLogin(baseUrl, cookie!)).toBe("bob-acme");

    // R2: bob's IdP groups joined their organizations.
    const home = await sessionOperation(baseUrl, cookie!, "Home");
    expect(home.data.viewer.organizations.map((organization: { key: string }) => organization.key)).toEqual(["acme-data", "acme-web"]);
    // With the session cookie (TRUSTED_DOCUMENTS=cookie by default) only the dashboard's persisted operations run.
    const own = await fetch(`${baseUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: `${SESSION_COOKIE}=${cookie}` },
      body: JSON.stringify({ query: "{ viewer { login } }" }),
    });
    expect(own.status).toBe(403);
    expect(((await own.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe("PERSISTED_QUERY_ONLY");
    expect(await ssoStepWarnings(baseUrl, token)).toEqual([]);

    const before = (await graphql(baseUrl, token, CONNECTION)).data.enterprise.ssoConnection;
    expect(before.idpEntityId).toBe("urn:sso-cutover:development-idp");
    expect(before.idpSsoUrl).toMatch(/\/dev-idp$/);
    const keyFile = path.join(environment.DATA_DIR!, "dev-idp", "signing-key.pem");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const privateKey = readFileSync(keyFile, "utf8");
    expect(server.stdout + server.stderr).not.toContain(privateKey.split("\n")[1]!);
    await stop(server);

    // Same data directory, same database: the same key pair and certificate, and signing in still works.
    const again = start({ ...environment, SEED_DEMO: "true" });
    const againUrl = await again.listening();
    const againToken = (await again.printed(/admin token: (\S+)/))[1]!;
    const after = (await graphql(againUrl, againToken, CONNECTION)).data.enterprise.ssoConnection;
    expect(after.idpCertificates).toEqual(before.idpCertificates);
    expect(readFileSync(keyFile, "utf8")).toBe(privateKey);
    const second = await signInThroughDevelopmentIdp(againUrl, "acme", "carol", { groups: ["web-developers", "mobile-developers"] });
    expect(await viewerLogin(againUrl, second.cookie!)).toBe("carol-acme");
    const organizations = await graphql(againUrl, againToken, `{ enterprise(key: "acme") { members(first: 20) { edges { node { login organizations { key } } } } } }`);
    const carolNow = organizations.data.enterprise.members.edges.find((edge: any) => edge.node.login === "carol-acme").node;
    expect(carolNow.organizations.map((organization: { key: string }) => organization.key).sort()).toEqual(["acme-mobile", "acme-web"]);
    await stop(again);
  }, 240_000);

  it("is off without demo data: /dev-idp is not served", async () => {
    const server = start({ DATA_DIR: await migratedDataDir(), SEED_DEMO: "false" });
    const baseUrl = await server.listening();
    expect((await fetch(`${baseUrl}/dev-idp`)).status).toBe(404);
    expect((await fetch(`${baseUrl}/dev-idp/metadata`)).status).toBe(404);
    await stop(server);
  }, 120_000);
});
