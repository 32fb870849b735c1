/**
 * The README's first minute in a real browser (Debian's Chromium, driven by playwright-core): open the one-click
 * link, pick `bob` on the development IdP's page, land signed in (R1). It also proves that the pages' strict CSP
 * (no script, forms to this origin only) lets the IdP's form reach the ACS. On the PostgreSQL pass the server runs
 * on a fresh PostgreSQL database with DEV_IDP=true.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { freePort, launchChromium } from "../kit/browser";
import { migratedDataDir, removeTemporaryFolders, startGatewayProcess, temporaryFolder, type RunningProcess } from "../kit/process";

/** Waits for what a screen shows once its query answered (a loaded machine may take seconds). */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 60_000, interval: 250 });

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const running: RunningProcess[] = [];
const databases: TestDatabase[] = [];
let browser: Browser | null = null;
afterAll(async () => {
  await browser?.close();
  running.forEach((server) => server.kill());
  await Promise.all(running.map((server) => server.exited));
  await Promise.all(databases.map((database) => database.close()));
  removeTemporaryFolders();
});

async function demoEnvironment(): Promise<Record<string, string>> {
  if (!onPostgres) return { DATA_DIR: await migratedDataDir() };
  const postgres = await createTestDatabase();
  databases.push(postgres);
  return { DATABASE_URL: postgres.url, SEED_DEMO: "true", DEV_IDP: "true", DATA_DIR: temporaryFolder() };
}

describe("the README's first minute, in Chromium", () => {
  it("R1: open the one-click link, pick bob on the development IdP, land signed in as bob-acme with his organizations", async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const server = startGatewayProcess({ ...(await demoEnvironment()), PORT: String(port), PUBLIC_URL: publicUrl });
    running.push(server);
    await server.listening();

    browser = await launchChromium();
    const page = await browser.newPage();
    const blocked: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
    });

    await page.goto(`${publicUrl}/login/sso?enterprise_key=acme`);
    expect(new URL(page.url()).pathname).toBe("/dev-idp");
    await expect(page.locator("h1").textContent()).resolves.toBe("Who signs in?");

    await Promise.all([page.waitForURL(`${publicUrl}/`), page.getByRole("button", { name: "Sign in as bob", exact: true }).click()]);
    // The dashboard, served at `/`, names bob's SSO account and lists his organizations.
    await page.getByRole("heading", { level: 1, name: "Signed in as bob-acme" }).waitFor({ timeout: 60_000 });
    const organizations = page.getByRole("main").getByRole("listitem").filter({ has: page.locator("code") });
    await poll(() => organizations.locator("code").allTextContents()).toEqual(["acme-data", "acme-web"]);
    expect(blocked).toEqual([]);

    server.child.kill("SIGTERM");
    expect((await server.exited).code).toBe(0);
  }, 240_000);
});
