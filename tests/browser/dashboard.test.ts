/**
 * The dashboard in Debian's Chromium (tests/kit/browser.ts), on the demo data with the development IdP, with the
 * default TRUSTED_DOCUMENTS=cookie: a person's own review, refusals, then a whole cutover by an enterprise admin.
 * Every screen is checked with axe-core (no serious or critical violation) and photographed into
 * test-artifacts/dashboard/ (git-ignored). One gateway and one browser for the file.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { developmentIdpConnection, generateIdpKeyMaterial } from "@sso-cutover/sso/identity-provider";
import type { Browser, BrowserContext, Cookie, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_ENTERPRISE_KEY, DEMO_IDP_GROUPS, DEMO_IDP_PEOPLE, seedDemo } from "../../prisma/seed/demo";
import { freePort, launchChromium } from "../kit/browser";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { globalId } from "../kit/tenants";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test-artifacts/dashboard");
const DESKTOP = { width: 1280, height: 800 };
/** Waits for what a screen shows once its query answered (a loaded machine may take seconds). */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 60_000, interval: 250 });

const PHONE = { width: 390, height: 844 };

let kit: TestGateway;
let server: Server;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  const keys = await generateIdpKeyMaterial("dashboard-browser.test");
  kit = await startTestGateway(
    { PUBLIC_URL: baseUrl, TRUSTED_DOCUMENTS: "cookie" },
    { developmentIdp: { keys, people: DEMO_IDP_PEOPLE, groups: DEMO_IDP_GROUPS, enterpriseKey: DEMO_ENTERPRISE_KEY } },
  );
  await seedDemo(kit.prisma, new Date(), developmentIdpConnection(baseUrl, keys));
  server = createServer(kit.gateway);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await kit?.close();
});

/** axe-core on the page as it is: no serious or critical violation. */
async function expectAccessible(page: Page, screen: string): Promise<void> {
  // Evaluated through the DevTools protocol, which the page's CSP (script-src 'self') does not govern.
  await page.evaluate(`${AXE_SOURCE};undefined`);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: unknown }[] }[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, targets: violation.nodes.map((node) => JSON.stringify(node.target)) }));
  });
  expect(violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical"), screen).toEqual([]);
}

/** Checks a screen (axe) and writes its screenshot. */
async function screen(page: Page, name: string): Promise<void> {
  await expectAccessible(page, name);
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function heading(page: Page, name: string | RegExp): Promise<void> {
  await page.getByRole("heading", { level: 1, name }).waitFor({ timeout: 60_000 });
}

/** The one-click link → the development IdP → pick the person → the dashboard at `/`. */
async function signIn(context: BrowserContext, person: string): Promise<Page> {
  const page = await context.newPage();
  const refused: string[] = [];
  page.on("response", (response) => {
    if (response.url().startsWith(`${baseUrl}/graphql`) && response.status() >= 400) refused.push(`${response.status()} ${response.url()}`);
  });
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
  });
  (page as Page & { refused?: string[] }).refused = refused;
  await page.goto(`${baseUrl}/login/sso?enterprise_key=${DEMO_ENTERPRISE_KEY}`);
  await Promise.all([page.waitForURL(`${baseUrl}/`), page.getByRole("button", { name: `Sign in as ${person}`, exact: true }).click()]);
  await heading(page, /^Signed in as /);
  return page;
}

const refusedOf = (page: Page) => (page as Page & { refused?: string[] }).refused ?? [];

/** A GraphQL request of a page: its operation, whether it carried a document's text, and which script sent it. */
interface SentOperation {
  operation: string;
  withText: boolean;
  /** "page": the page's own inline script (index.html); "application": the application's script (/assets/…). */
  sentBy: "page" | "application" | string;
}

/**
 * Loads `screenPath` cold (a new context: empty cache, these cookies only) until `ready`, and returns the GraphQL
 * requests it sent, in order, each with the script that sent it (the top of its initiator's stack, from the DevTools
 * protocol) and the requests that were refused.
 */
async function coldLoad(cookies: Cookie[], screenPath: string, ready: (page: Page) => Promise<void>): Promise<{ sent: SentOperation[]; refused: string[] }> {
  const context = await browser.newContext({ viewport: DESKTOP });
  try {
    await context.addCookies(cookies);
    const page = await context.newPage();
    const sent: SentOperation[] = [];
    const refused: string[] = [];
    const devtools = await context.newCDPSession(page);
    await devtools.send("Network.enable");
    devtools.on("Network.requestWillBeSent", ({ request, initiator }) => {
      if (new URL(request.url).pathname !== "/graphql") return;
      const body = JSON.parse(request.postData ?? "{}") as { operationName?: string; query?: string };
      const script = new URL(initiator.stack?.callFrames[0]?.url ?? initiator.url ?? request.url).pathname;
      const sentBy = script === screenPath ? "page" : script.startsWith("/assets/") ? "application" : script;
      sent.push({ operation: body.operationName ?? "?", withText: body.query !== undefined, sentBy });
    });
    page.on("response", (response) => {
      if (response.url().startsWith(`${baseUrl}/graphql`) && response.status() >= 400) refused.push(`${response.status()} ${response.url()}`);
    });
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
    });
    await page.goto(`${baseUrl}${screenPath}`);
    await ready(page);
    return { sent, refused };
  } finally {
    await context.close();
  }
}

async function go(page: Page, link: string, title: string | RegExp): Promise<void> {
  await page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: link, exact: true }).click();
  await heading(page, title);
}

describe("the dashboard in a browser", () => {
  it("R1, R4, R7: signed out it says how to sign in; bob reviews his own access and tokens; admin screens refuse him", async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    try {
      const anonymous = await context.newPage();
      await anonymous.goto(`${baseUrl}/`);
      await heading(anonymous, "You are not signed in");
      expect(await anonymous.getByRole("link", { name: "Sign in with your recovery password" }).getAttribute("href")).toBe("/login/recovery");
      await screen(anonymous, "signed-out");
      await anonymous.close();

      const page = await signIn(context, "bob");
      await poll(() => page.getByRole("main").locator("li code").allTextContents()).toEqual(["acme-data", "acme-web"]);
      await screen(page, "home");

      await page.getByRole("link", { name: "Review your access" }).click();
      await heading(page, "Your access review");
      const rows = page.getByRole("table").getByRole("row");
      await poll(() => rows.count()).toBeGreaterThan(1);
      expect(await page.getByRole("row", { name: /acme-web/ }).textContent()).toMatch(/SCAN, GATEADMIN/);
      await screen(page, "my-access");
      await page.setViewportSize(PHONE);
      await screen(page, "my-access-phone");
      await page.setViewportSize(DESKTOP);

      await go(page, "My tokens", "Your tokens");
      await page.getByRole("heading", { level: 2, name: "What breaks at the cutover" }).waitFor();
      await screen(page, "my-tokens");

      // Not an enterprise admin: no enterprise section, and an admin screen opened by its address says why.
      expect(await page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: "Terminate" }).count()).toBe(0);
      await page.goto(`${baseUrl}/admin/terminate`);
      await heading(page, "Terminate DOP accounts");
      await poll(() => page.getByRole("alert").textContent()).toContain("does not hold Administer Enterprise");
      await screen(page, "refused-admin-screen");

      // Deleting a DOP account while signed in with SSO: the server's refusal, shown as it says it.
      await go(page, "Delete DOP account", "Delete your DOP account");
      await page.getByLabel("Type the account's login to confirm").fill("bob");
      await page.getByRole("button", { name: "Delete this account" }).click();
      await poll(() => page.getByRole("alert").textContent()).toContain("Only a DOP account can be deleted here");
      await screen(page, "delete-refused");
      expect(refusedOf(page)).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);

  it("R3, R8, R9: an SSO admin invites two people, reads an access review, grants Administer Enterprise, dry-runs, acknowledges and applies; everyone is accounted for", async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    try {
      const page = await signIn(context, "alice");
      await page.screenshot({ path: path.join(ARTIFACTS, "home-before-admin.png") });
      // The demo's only enterprise admin is alice's DOP account (its token is printed at start): it grants her new
      // SSO account Administer Enterprise once, as the README says; from then on she works in the dashboard.
      const dopAlice = await kit.prisma.account.findFirstOrThrow({ where: { login: "alice", kind: "DEVOPS" } });
      const ssoAlice = await kit.prisma.account.findFirstOrThrow({ where: { kind: "SSO", emailNormalized: "alice@acme.example" } });
      const token = await kit.tokenFor(dopAlice.id);
      const granted = await kit.graphql(
        `mutation($id: ID!) { grantEnterprisePermission(input: { enterpriseKey: "acme", accountId: $id, permission: ADMINISTER_ENTERPRISE }) { __typename } }`,
        { token, variables: { id: globalId("Account", ssoAlice.id) } },
      );
      expect(granted.data?.grantEnterprisePermission.__typename).toBe("EnterprisePermissionChange");
      await page.reload();
      await heading(page, /^Signed in as alice/);

      await go(page, "Overview", /^Overview: /);
      await page.getByRole("heading", { level: 2, name: "The three steps" }).waitFor();
      expect(await page.getByText(`${baseUrl}/login/sso?enterprise_key=acme`).first().textContent()).toBe(`${baseUrl}/login/sso?enterprise_key=acme`);
      await page.getByRole("heading", { level: 2, name: "SSO connection" }).waitFor();
      await screen(page, "overview");
      await page.setViewportSize(PHONE);
      await screen(page, "overview-phone");
      await page.setViewportSize(DESKTOP);

      // Invite two people.
      await go(page, "Invitations", "Invitations");
      await page.getByLabel("Email addresses (one per line, or separated by commas)").fill("heidi@acme.example\nivan@acme.example");
      await page.getByRole("button", { name: "Preview 2 invitations" }).click();
      // The preview is the server's dry run: the exact message, with the login link, and nothing written yet.
      await page.getByRole("heading", { name: "Preview", exact: true }).waitFor();
      const previewed = await page.locator("pre.message").first().textContent();
      expect(previewed).toContain("heidi@acme.example");
      expect(previewed).toContain(`${baseUrl}/login/sso?enterprise_key=acme`);
      expect(await kit.prisma.invitation.count({ where: { emailNormalized: { in: ["heidi@acme.example", "ivan@acme.example"] } } })).toBe(0);
      await screen(page, "invitations-preview");
      await page.getByRole("button", { name: "Send 2 invitations" }).click();
      await page.getByRole("heading", { name: "Sent: 2 invited" }).waitFor();
      await poll(() => page.getByRole("row", { name: /heidi@acme\.example/ }).count()).toBe(1);
      await screen(page, "invitations");

      // People, then one person's access review and tokens.
      await go(page, "People", "People");
      await page.getByRole("link", { name: "bob", exact: true }).waitFor();
      await screen(page, "people");
      await page.getByRole("link", { name: "bob", exact: true }).click();
      await heading(page, "bob");
      await page.getByRole("heading", { level: 2, name: "Access review" }).waitFor();
      await poll(() => page.getByRole("row", { name: /acme-web/ }).count()).toBeGreaterThan(0);
      await screen(page, "person");

      // Terminate: Administer Enterprise for bob's SSO account, then the DOP accounts.
      await go(page, "Terminate", "Terminate DOP accounts");
      await page.getByLabel("SSO account", { exact: true }).selectOption({ label: "bob-acme (Bob Builder)" });
      await page.getByRole("button", { name: "Grant Administer Enterprise" }).click();
      await poll(() => page.getByText(/bob-acme now holds Administer Enterprise/).count()).toBe(1);

      // Everyone, the break-glass admin included: the plan names the violation and cannot be applied.
      await page.getByRole("button", { name: "Select all" }).click();
      await page.getByRole("button", { name: "Run the dry run" }).click();
      await page.getByRole("heading", { name: "Dry run: the plan" }).waitFor();
      await poll(() => page.getByRole("alert").textContent()).toContain("NO_BREAK_GLASS_ADMIN");
      expect(await page.getByRole("button", { name: "Apply…" }).isDisabled()).toBe(true);
      await screen(page, "terminate-violations");

      // Without alice's DOP account: the people who lose access are acknowledged, and the plan is clean.
      await page.getByRole("group", { name: /^Select DOP accounts/ }).getByRole("checkbox", { name: /^alice\b/ }).uncheck();
      await page.getByRole("button", { name: "Run the dry run" }).click();
      await page.getByRole("button", { name: /^Acknowledge all \d+$/ }).click();
      await page.getByRole("button", { name: "Run the dry run" }).click();
      await page.getByText("No violation: this plan can be applied.").waitFor();
      const losing = Number(await page.locator(".plan .counts div", { hasText: "People losing access" }).locator("dd").textContent());
      expect(losing).toBeGreaterThan(0);
      await screen(page, "terminate-plan");
      await page.getByRole("button", { name: "Apply…" }).click();
      const confirmation = page.getByRole("alertdialog", { name: "Remove these DOP accounts?" });
      expect(await confirmation.textContent()).toContain(`${losing} people lose access (acknowledged)`);
      await screen(page, "terminate-confirm");
      await confirmation.getByRole("button", { name: "Confirm the removal" }).click();
      await page.getByText(/^Applied: the DOP accounts were removed/).waitFor();
      await screen(page, "terminate-applied");

      // Everyone accounted for: the people removed without SSO are listed with their status, and counted.
      await go(page, "People", "People");
      await page.getByLabel("Status").selectOption("REMOVED_WITHOUT_SSO");
      await poll(() => page.locator("tbody tr").count()).toBe(losing);
      await screen(page, "people-after");

      await go(page, "Audit", "Audit trail");
      await poll(() => page.getByText("cutover.devops_accounts_removed").count()).toBeGreaterThan(0);
      await screen(page, "audit");

      // An SSO admin's recovery password: shown once, with a copy button.
      await go(page, "Recovery password", "Recovery password");
      await page.getByRole("button", { name: /Generate a( new)? recovery password/ }).click();
      await poll(() => page.getByTestId("recovery-password").textContent()).toMatch(/^[A-Za-z0-9]+(-[A-Za-z0-9]+){5}$/);
      await page.getByRole("button", { name: "Copy the password" }).waitFor();
      await screen(page, "recovery-password");
      expect(refusedOf(page)).toEqual([]);
    } finally {
      await context.close();
    }
  }, 300_000);

  it("the first screen's requests are sent by the page itself, before the application's script has loaded, once each and by hash: bob's My access and home, alice's Overview", async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    let bob: Cookie[];
    let alice: Cookie[];
    try {
      await signIn(context, "bob");
      bob = await context.cookies();
      await context.clearCookies();
      await signIn(context, "alice");
      alice = await context.cookies();
    } finally {
      await context.close();
    }
    // alice's SSO account administers the enterprise (granted in the dashboard by the walk above; granted here too, so
    // that this test stands on its own).
    const enterprise = await kit.prisma.enterprise.findUniqueOrThrow({ where: { key: DEMO_ENTERPRISE_KEY } });
    const ssoAlice = await kit.prisma.account.findFirstOrThrow({ where: { kind: "SSO", emailNormalized: "alice@acme.example" } });
    const holder = { enterpriseId: enterprise.id, accountId: ssoAlice.id, permission: "ADMINISTER_ENTERPRISE" as const };
    await kit.prisma.enterprisePermission.upsert({ where: { enterpriseId_accountId_permission: holder }, create: holder, update: {} });

    const myAccess = await coldLoad(bob, "/me/access", async (page) => {
      await heading(page, "Your access review");
      // Its rows, or that there is nothing to compare (the walk above removed the DOP accounts).
      await poll(() => page.getByRole("main").locator("table tbody tr, p.empty").count()).toBeGreaterThan(0);
    });
    expect(myAccess.sent).toEqual([
      { operation: "Session", withText: false, sentBy: "page" },
      { operation: "MyAccess", withText: false, sentBy: "page" },
    ]);
    expect(myAccess.refused).toEqual([]);

    const home = await coldLoad(bob, "/", async (page) => {
      await heading(page, /^Signed in as bob/);
      await page.getByRole("heading", { level: 2, name: "Your organizations" }).waitFor();
    });
    expect(home.sent).toEqual([
      { operation: "Session", withText: false, sentBy: "page" },
      { operation: "Home", withText: false, sentBy: "page" },
    ]);
    expect(home.refused).toEqual([]);

    // The Overview's enterprise is in the session's answer: the page sends it as soon as that answer is read.
    const overview = await coldLoad(alice, "/admin", async (page) => {
      await heading(page, /^Overview: /);
      await page.getByRole("heading", { level: 2, name: "The three steps" }).waitFor();
    });
    expect(overview.sent).toEqual([
      { operation: "Session", withText: false, sentBy: "page" },
      { operation: "Overview", withText: false, sentBy: "page" },
    ]);
    expect(overview.refused).toEqual([]);
  }, 180_000);
});
