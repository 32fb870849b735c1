import { createServer, type Server } from "node:http";
import { createSession, SESSION_COOKIE } from "@sso-cutover/sso";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, launchChromium } from "../kit/browser";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { buildScenario } from "../kit/scenario";

// In a real browser (Debian's Chromium, see tests/kit/browser.ts): GraphiQL loads its schema whatever session cookie
// the browser holds — it never sends the cookie, which runs only the dashboard's persisted operations (R5).

let kit: TestGateway;
let server: Server;
let baseUrl: string;
let browser: Browser;
let sessionSecret: string;

beforeAll(async () => {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  kit = await startTestGateway({ PUBLIC_URL: baseUrl, TRUSTED_DOCUMENTS: "cookie" });
  server = createServer(kit.gateway);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const scenario = await buildScenario(kit.prisma, {
    organizations: { web: {} },
    accounts: { dana: { kind: "SSO", memberOf: ["web"] } },
  });
  sessionSecret = (await createSession(kit.prisma, scenario.account("dana").id)).secret;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await kit?.close();
});

describe("GraphiQL in a browser", () => {
  it.each([
    ["a live session", () => sessionSecret],
    ["an ended session", () => "ended-session-secret"],
  ])("R5: with %s's cookie, GraphiQL loads the schema (it sends no cookie) and nothing it sends is refused", async (_case, secret) => {
    const context = await browser.newContext();
    try {
      await context.addCookies([{ name: SESSION_COOKIE, value: secret(), url: baseUrl, httpOnly: true, sameSite: "Lax" }]);
      const page = await context.newPage();
      const refused: string[] = [];
      page.on("response", (response) => {
        if (response.url().startsWith(`${baseUrl}/graphql`) && response.status() >= 400) refused.push(`${response.status()} ${response.url()}`);
      });
      const introspection = page.waitForResponse(
        (response) => response.url() === `${baseUrl}/graphql` && (response.request().postData() ?? "").includes("__schema"),
        { timeout: 60_000 },
      );
      await page.goto(`${baseUrl}/graphql`);
      const response = await introspection;
      expect(response.status()).toBe(200);
      expect(((await response.json()) as { data?: { __schema?: unknown } }).data?.__schema).toBeDefined();
      expect(await response.request().headerValue("cookie")).toBeNull();
      expect(refused).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
