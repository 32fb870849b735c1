import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createSession, SESSION_COOKIE } from "@sso-cutover/sso";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { buildScenario, type Scenario } from "../kit/scenario";

// In a real browser (Debian's Chromium, installed by .ci/run): a person signed in with SSO follows the landing page's
// "Review your access" link and runs the pre-filled query in GraphiQL, which answers with their own access (R4).

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let kit: TestGateway;
let server: Server;
let baseUrl: string;
let browser: Browser;
let scenario: Scenario;
let sessionSecret: string;

/** A free loopback port, so that PUBLIC_URL (which the Origin check compares with) is the address the browser uses. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  kit = await startTestGateway({ PUBLIC_URL: baseUrl });
  server = createServer(kit.gateway);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  scenario = await buildScenario(kit.prisma, {
    organizations: { web: {} },
    accounts: { dana: { kind: "SSO", memberOf: ["web"] } },
  });
  sessionSecret = (await createSession(kit.prisma, scenario.account("dana").id)).secret;
  if (!existsSync(CHROMIUM)) throw new Error(`This test drives Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (.ci/run does).`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await kit?.close();
});

describe("GraphiQL in a browser", () => {
  it("R4: “Review your access” opens GraphiQL with the access review, and running it answers as the signed-in person", async () => {
    const context = await browser.newContext();
    try {
      await context.addCookies([{ name: SESSION_COOKIE, value: sessionSecret, url: baseUrl, httpOnly: true, sameSite: "Lax" }]);
      const page = await context.newPage();
      const refused: string[] = [];
      page.on("response", (response) => {
        if (response.url().startsWith(`${baseUrl}/graphql`) && response.status() >= 400) refused.push(`${response.status()} ${response.url()}`);
      });
      await page.goto(`${baseUrl}/`);
      await page.getByRole("link", { name: "Review your access" }).click();
      await page.waitForURL(/\/graphql\?query=/);

      const answered = page.waitForResponse(
        (response) => response.url() === `${baseUrl}/graphql` && response.request().method() === "POST" && (response.request().postData() ?? "").includes("MyAccess"),
        { timeout: 60_000 },
      );
      await page.locator(".graphiql-execute-button").click({ timeout: 60_000 });
      const response = await answered;
      expect(response.status()).toBe(200);
      const body = (await response.json()) as { data?: any; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data.viewer.login).toBe(scenario.account("dana").login);
      // The result pane shows it too.
      await expect.poll(() => page.locator(".graphiql-response").innerText(), { timeout: 30_000 }).toContain(scenario.account("dana").login);
      // Introspection (the schema and docs explorer) worked as well: nothing GraphiQL sent was refused.
      expect(refused).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it("R5: with an ended session's cookie, GraphiQL still loads the schema (it sends no cookie without a session)", async () => {
    const context = await browser.newContext();
    try {
      await context.addCookies([{ name: SESSION_COOKIE, value: "ended-session-secret", url: baseUrl, httpOnly: true, sameSite: "Lax" }]);
      const page = await context.newPage();
      const introspection = page.waitForResponse(
        (response) => response.url() === `${baseUrl}/graphql` && (response.request().postData() ?? "").includes("__schema"),
        { timeout: 60_000 },
      );
      await page.goto(`${baseUrl}/graphql`);
      const response = await introspection;
      expect(response.status()).toBe(200);
      expect(((await response.json()) as { data?: { __schema?: unknown } }).data?.__schema).toBeDefined();
      expect(await response.request().headerValue("cookie")).toBeNull();
    } finally {
      await context.close();
    }
  }, 120_000);
});
