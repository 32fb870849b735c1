/**
 * The README's first minute in a real browser (Debian's Chromium, driven by playwright-core): open the one-click
 * link, pick `bob` on the development IdP's page, land signed in (R1). It also proves that the pages' strict CSP
 * (no script, forms to this origin only) lets the IdP's form reach the ACS. On the PostgreSQL pass the server runs
 * on a fresh PostgreSQL database with DEV_IDP=true.
 */
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { chromium, type Browser } from "playwright-core";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { migratedDataDir, removeTemporaryFolders, startGatewayProcess, temporaryFolder, type RunningProcess } from "../kit/process";

const CHROMIUM = "/usr/bin/chromium";
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

/** A free loopback port: the browser follows the server's links, so PUBLIC_URL must name the port it listens on. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

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

    if (!existsSync(CHROMIUM)) throw new Error(`This test drives Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (.ci/run does).`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const page = await browser.newPage();
    const blocked: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
    });

    await page.goto(`${publicUrl}/login/sso?enterprise_key=acme`);
    expect(new URL(page.url()).pathname).toBe("/dev-idp");
    await expect(page.locator("h1").textContent()).resolves.toBe("Who signs in?");

    await Promise.all([page.waitForURL(`${publicUrl}/`), page.getByRole("button", { name: "Sign in as bob", exact: true }).click()]);
    await expect(page.locator("h1").textContent()).resolves.toBe("Signed in as bob-acme");
    const organizations = await page.locator("li code").allTextContents();
    expect(organizations).toEqual(["acme-data", "acme-web"]);
    expect(blocked).toEqual([]);

    server.child.kill("SIGTERM");
    expect((await server.exited).code).toBe(0);
  }, 240_000);
});
