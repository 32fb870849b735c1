/**
 * The `dashboard` section of `pnpm bench`: how long the dashboard's first screen takes to become usable in Debian's
 * Chromium (playwright-core, 1280×800), against a gateway started as `pnpm start` starts it (compiled, embedded
 * database, demo data, development IdP). People sign in as the browser test does: the one-click link, then the
 * development IdP. The demo's admin (alice, DOP) grants her SSO account Administer Enterprise with the token the start
 * prints, as the README says.
 *
 * "Usable" is measured in the page, from the navigation's start (`performance.timeOrigin`) to the first animation
 * frame after the screen shows its data, not only its shell:
 * - the admin's Overview (`/admin`): the heading "Overview: <enterprise>" and the three step statuses (badges) of
 *   "The three steps", which come from the Overview query;
 * - an end user's My access (`/me/access`): the heading "Your access review" and at least one organization row with
 *   its status badge, which come from the access review query.
 * Cold: a new browser context (empty cache, the session cookie only), then the screen's address. Warm: a reload of that
 * page (the hashed, immutable assets come from the cache). JavaScript transferred: the script responses of the cold load,
 * bytes on the wire (the brotli copy the build wrote, which the gateway sends to Chromium), and gzip's size of the same scripts.
 */
import { existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import type { Browser, Cookie, Page } from "playwright-core";
import { CHROMIUM, launchChromium } from "../tests/kit/browser";

const VIEWPORT = { width: 1280, height: 800 };
const ENTERPRISE_KEY = "acme";
const TIMEOUT_MS = 60_000;

interface Screen {
  name: string;
  path: string;
  /** A JavaScript expression, true once the screen shows its data. */
  usable: string;
}

const SCREENS: { person: "admin" | "user"; screen: Screen }[] = [
  {
    person: "admin",
    screen: {
      name: "admin: Overview",
      path: "/admin",
      usable:
        "(document.querySelector('main h1')?.textContent ?? '').startsWith('Overview: ') && " +
        "document.querySelectorAll('main ol.steps li.step .badge').length === 3",
    },
  },
  {
    person: "user",
    screen: {
      name: "end user: My access",
      path: "/me/access",
      usable:
        "(document.querySelector('main h1')?.textContent ?? '') === 'Your access review' && " +
        "document.querySelectorAll('main table tbody tr .badge').length > 0",
    },
  },
];

/** Records in `window.__usableAt` the first frame after `usable` holds, watching every change of the document. */
function usableProbe(usable: string): string {
  return `(() => {
    let seen = false;
    const check = () => {
      if (seen || !(${usable})) return;
      seen = true;
      observer.disconnect();
      requestAnimationFrame(() => { window.__usableAt = performance.now(); });
    };
    const observer = new MutationObserver(check);
    observer.observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
  })();`;
}

export interface ScreenFigures {
  screen: string;
  coldMs: number[];
  warmMs: number[];
  /** Script bytes of one cold load, as transferred, and their gzip size. */
  jsBytes: number;
  jsGzipBytes: number;
  /** Script bytes transferred by the reloads (0 when the cache serves them). */
  warmJsBytes: number;
}

export type DashboardOutcome = { skipped: string } | { figures: ScreenFigures[] };

/** Why the section cannot run here, or null. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM)
    ? null
    : `Chromium not found at ${CHROMIUM} (install Debian's \`chromium\` package, or set CHROMIUM_PATH); the dashboard section was not measured`;
}

/** The one-click link → the development IdP → the person → the dashboard; returns the session cookies. */
async function signIn(browser: Browser, baseUrl: string, person: string): Promise<Cookie[]> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    await page.goto(`${baseUrl}/login/sso?enterprise_key=${ENTERPRISE_KEY}`);
    await Promise.all([page.waitForURL(`${baseUrl}/`, { timeout: TIMEOUT_MS }), page.getByRole("button", { name: `Sign in as ${person}`, exact: true }).click()]);
    await page.getByRole("heading", { level: 1, name: /^Signed in as / }).waitFor({ timeout: TIMEOUT_MS });
    return await context.cookies();
  } finally {
    await context.close();
  }
}

async function graphql(baseUrl: string, token: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** The demo's DOP admin grants alice's SSO account (created by her first sign-in) Administer Enterprise. */
async function makeAliceAdmin(baseUrl: string, adminToken: string): Promise<void> {
  const members = await graphql(
    baseUrl,
    adminToken,
    `{ enterprise(key: "${ENTERPRISE_KEY}") { members(kind: SSO, first: 100) { edges { node { id email } } } } }`,
  );
  const alice = members.enterprise.members.edges.find((edge: any) => edge.node.email === "alice@acme.example");
  if (!alice) throw new Error("alice's SSO account is not among the enterprise's members after her sign-in");
  const granted = await graphql(
    baseUrl,
    adminToken,
    `mutation($id: ID!) { grantEnterprisePermission(input: { enterpriseKey: "${ENTERPRISE_KEY}", accountId: $id, permission: ADMINISTER_ENTERPRISE }) { __typename ... on Error { message } } }`,
    { id: alice.node.id },
  );
  if (granted.grantEnterprisePermission.__typename !== "EnterprisePermissionChange") {
    throw new Error(`granting alice's SSO account Administer Enterprise failed: ${JSON.stringify(granted)}`);
  }
}

/** Milliseconds from the navigation's start to the first frame with the screen usable (read in the page). */
async function waitUsable(page: Page, load: () => Promise<unknown>): Promise<number> {
  await load();
  const handle = await page.waitForFunction(() => (window as unknown as { __usableAt?: number }).__usableAt, undefined, { timeout: TIMEOUT_MS });
  return (await handle.jsonValue()) as number;
}

async function measureScreen(browser: Browser, baseUrl: string, cookies: Cookie[], screen: Screen, runs: number): Promise<ScreenFigures> {
  const figures: ScreenFigures = { screen: screen.name, coldMs: [], warmMs: [], jsBytes: 0, jsGzipBytes: 0, warmJsBytes: 0 };
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext({ viewport: VIEWPORT });
    try {
      await context.addCookies(cookies);
      await context.addInitScript({ content: usableProbe(screen.usable) });
      const page = await context.newPage();
      let phase: "cold" | "warm" = "cold";
      const scripts: Promise<void>[] = [];
      let coldJs = 0;
      let coldGzip = 0;
      let warmJs = 0;
      page.on("response", (response) => {
        if (response.request().resourceType() !== "script") return;
        const current = phase;
        scripts.push(
          (async () => {
            const sizes = await response.request().sizes();
            if (current === "warm") {
              warmJs += sizes.responseBodySize;
              return;
            }
            coldJs += sizes.responseBodySize;
            coldGzip += gzipSync(await response.body()).length;
          })(),
        );
      });
      figures.coldMs.push(await waitUsable(page, () => page.goto(`${baseUrl}${screen.path}`, { timeout: TIMEOUT_MS })));
      await Promise.all(scripts.splice(0));
      phase = "warm";
      figures.warmMs.push(await waitUsable(page, () => page.reload({ timeout: TIMEOUT_MS })));
      await Promise.all(scripts.splice(0));
      // Every cold load fetches the same assets; the last one's sizes stand for all.
      figures.jsBytes = coldJs;
      figures.jsGzipBytes = coldGzip;
      figures.warmJsBytes = Math.max(figures.warmJsBytes, warmJs);
    } finally {
      await context.close();
    }
  }
  return figures;
}

/**
 * Signs alice (made admin) and bob in, then measures each screen `runs` times cold and warm. `baseUrl` is the
 * gateway's PUBLIC_URL; `adminToken` the token its start printed.
 */
export async function measureDashboard(baseUrl: string, adminToken: string, runs: number): Promise<DashboardOutcome> {
  const missing = chromiumMissing();
  if (missing) return { skipped: missing };
  const browser = await launchChromium();
  try {
    const aliceCookies = await signIn(browser, baseUrl, "alice");
    await makeAliceAdmin(baseUrl, adminToken);
    const bobCookies = await signIn(browser, baseUrl, "bob");
    const figures: ScreenFigures[] = [];
    for (const { person, screen } of SCREENS) {
      figures.push(await measureScreen(browser, baseUrl, person === "admin" ? aliceCookies : bobCookies, screen, runs));
    }
    return { figures };
  } finally {
    await browser.close();
  }
}
