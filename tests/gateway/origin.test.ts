import { SESSION_COOKIE } from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { createSsoEnterprise, signInWithSso, uniqueKey, type SsoEnterpriseFixture } from "../kit/sso-fixtures";

// Credentialed CORS and the Origin check of cookie-authenticated requests (issue 9 §4). The session cookie is the
// one of R1 (set after the SAML login); the attack mints a personal access token (R5) with it.

const DASHBOARD = "https://dashboard.sso-cutover.test";
const FOREIGN_ORIGINS = ["https://evil.example", "null", "http://sso-cutover.test:8080"];

let kit: TestGateway;
let acme: SsoEnterpriseFixture;
let session: { setCookie: string; cookie: string };
let accountId: string;

const MINT_TOKEN = `mutation { createPersonalAccessToken(input: { name: "NAME" }) {
  __typename ... on CreatePersonalAccessTokenSuccess { secret } ... on Error { code message } } }`;

function preflight(origin: string) {
  return kit.fetch("/graphql", {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
  });
}

/** What a page's `fetch("/graphql", { method: "POST", credentials: "include", body: JSON })` sends. */
function postWithSession(origin: string | null, query: string, cookie = session.cookie) {
  return kit.fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", cookie, ...(origin === null ? {} : { origin }) },
    body: JSON.stringify({ query }),
  });
}

async function tokensOfAccount(): Promise<number> {
  return kit.prisma.token.count({ where: { ownerAccountId: accountId } });
}

beforeAll(async () => {
  kit = await startTestGateway({ CORS_ORIGINS: DASHBOARD });
  acme = await createSsoEnterprise(kit.prisma);
  const email = `${uniqueKey("ines")}@acme.test`;
  session = await signInWithSso(kit, acme.enterprise.key, { nameId: uniqueKey("ines"), login: email, name: "Ines", email });
  accountId = (await kit.prisma.account.findFirstOrThrow({ where: { emailNormalized: email } })).id;
});
afterAll(() => kit.close());

describe("CORS and Origin of cookie requests (R1, R5)", () => {
  it.each(FOREIGN_ORIGINS)("R1: a preflight from %s gets no CORS permission, let alone with credentials", async (origin) => {
    const response = await preflight(origin);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it.each(FOREIGN_ORIGINS)(
    "R5: the attack replayed — a JSON POST with the session cookie from %s that would mint a token is refused with 403, no token created",
    async (origin) => {
      const before = await tokensOfAccount();
      const response = await postWithSession(origin, MINT_TOKEN.replace("NAME", uniqueKey("stolen")));
      expect(response.status).toBe(403);
      const body = (await response.json()) as { data?: unknown; errors: { message: string; extensions: { code: string } }[] };
      expect(body.data).toBeUndefined();
      expect(body.errors[0]!.extensions.code).toBe("FORBIDDEN");
      expect(body.errors[0]!.message).toContain(`another origin (${origin})`);
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      expect(await tokensOfAccount()).toBe(before);
    },
  );

  it("R5: the same request from the server's own pages (Origin = PUBLIC_URL's) mints the token", async () => {
    const before = await tokensOfAccount();
    const response = await postWithSession("http://sso-cutover.test", MINT_TOKEN.replace("NAME", uniqueKey("mine")));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { createPersonalAccessToken: { __typename: string; secret: string } } };
    expect(body.data.createPersonalAccessToken.__typename).toBe("CreatePersonalAccessTokenSuccess");
    expect(await tokensOfAccount()).toBe(before + 1);
    // A client that sends no Origin (not a browser page acting cross-origin) is unaffected.
    expect((await postWithSession(null, "{ viewer { login } }")).status).toBe(200);
  });

  it("R1: an origin listed in CORS_ORIGINS gets credentialed CORS for its dashboard, and its cookie requests are served", async () => {
    const response = await preflight(DASHBOARD);
    expect(response.headers.get("access-control-allow-origin")).toBe(DASHBOARD);
    expect(response.headers.get("access-control-allow-credentials")).toBe("true");
    expect(response.headers.get("access-control-allow-headers")).toContain("content-type");
    const query = await postWithSession(DASHBOARD, "{ viewer { kind } }");
    expect(query.status).toBe(200);
    expect(query.headers.get("access-control-allow-origin")).toBe(DASHBOARD);
    expect(query.headers.get("vary")).toMatch(/origin/i);
    expect(await query.json()).toEqual({ data: { viewer: { kind: "SSO" } } });
  });

  it("R1: POST /logout with the cookie from a foreign origin or `null` is refused with 403 and the session stays open", async () => {
    for (const origin of FOREIGN_ORIGINS) {
      const logout = await kit.fetch("/logout", { method: "POST", headers: { cookie: session.cookie, origin }, redirect: "manual" });
      expect(logout.status).toBe(403);
      expect(await logout.text()).toMatch(/another origin/);
    }
    // `Origin: null` with the browser's own word that the form is ours is what our no-referrer pages send.
    const crossSiteNull = await kit.fetch("/logout", {
      method: "POST",
      headers: { cookie: session.cookie, origin: "null", "sec-fetch-site": "cross-site" },
      redirect: "manual",
    });
    expect(crossSiteNull.status).toBe(403);
    expect((await postWithSession(null, "{ viewer { kind } }")).status).toBe(200);
  });

  it("R1: POST /logout from the server's own landing page ends the session", async () => {
    const email = `${uniqueKey("otto")}@acme.test`;
    const own = await signInWithSso(kit, acme.enterprise.key, { nameId: uniqueKey("otto"), login: email, name: "Otto", email });
    const logout = await kit.fetch("/logout", {
      method: "POST",
      headers: { cookie: own.cookie, origin: "null", "sec-fetch-site": "same-origin" },
      redirect: "manual",
    });
    expect(logout.status).toBe(303);
    const after = await postWithSession(null, "{ viewer { kind } }", own.cookie);
    expect(after.status).toBe(401);
  });
});

describe("session cookie name (R1)", () => {
  it("R1: with an https PUBLIC_URL the cookie is `__Host-` prefixed (Secure, Path=/, no Domain), and only that name authenticates", async () => {
    const secure = await startTestGateway({ PUBLIC_URL: "https://sso-cutover.test" });
    try {
      const enterprise = await createSsoEnterprise(secure.prisma);
      const { setCookie, cookie } = await signInWithSso(secure, enterprise.enterprise.key, { nameId: uniqueKey("hana") });
      expect(setCookie.startsWith(`__Host-${SESSION_COOKIE}=`)).toBe(true);
      expect(setCookie).toMatch(/; Secure/);
      expect(setCookie).toMatch(/; Path=\/;/);
      expect(setCookie).not.toMatch(/domain=/i);
      const viewer = (cookieHeader: string) =>
        secure.fetch("/graphql", {
          method: "POST",
          headers: { "content-type": "application/json", cookie: cookieHeader, origin: "https://sso-cutover.test" },
          body: JSON.stringify({ query: "{ viewer { kind } }" }),
        });
      expect((await viewer(cookie)).status).toBe(200);
      // The same secret under the unprefixed name, as a sibling subdomain could plant it, is not the session.
      const unprefixed = cookie.replace(/^__Host-/, "");
      expect(await (await viewer(unprefixed)).json()).toMatchObject({ errors: [{ extensions: { code: "UNAUTHENTICATED" } }] });
    } finally {
      await secure.close();
    }
  });

  it("R1: over plain http (local use) the cookie keeps its plain name, since `__Host-` requires Secure", () => {
    expect(session.setCookie.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
    expect(session.setCookie).not.toMatch(/; Secure/);
  });
});
