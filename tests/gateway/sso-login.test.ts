import { enterpriseLoginUrl } from "@sso-cutover/enterprise";
import { SESSION_COOKIE, acsUrl, metadataUrl, spEntityId } from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCode, startTestGateway, type TestGateway } from "../kit/gateway";
import { createEnterpriseAdmin, createSsoEnterprise, idpResponse, uniqueKey, type SsoEnterpriseFixture } from "../kit/sso-fixtures";
import { TEST_IDP_SSO_URL, readAuthnRequest } from "../kit/test-idp";

let kit: TestGateway;
let baseUrl: string;
let acme: SsoEnterpriseFixture;
let adminToken: string;
const organizationKeys = { web: uniqueKey("web"), ops: uniqueKey("ops") };

beforeAll(async () => {
  kit = await startTestGateway();
  baseUrl = await kit.listen();
  acme = await createSsoEnterprise(kit.prisma, { organizations: { [organizationKeys.web]: ["Developers"], [organizationKeys.ops]: ["Ops"] } });
  const admin = await createEnterpriseAdmin(kit.prisma, acme.enterprise.id);
  adminToken = await kit.tokenFor(admin.id);
});
afterAll(() => kit.close());

const key = () => acme.enterprise.key;

function cookieFrom(response: Response): string {
  const header = response.headers.get("set-cookie") ?? "";
  const match = new RegExp(`${SESSION_COOKIE}=([^;]*)`).exec(header);
  if (!match?.[1]) throw new Error(`no session cookie in ${JSON.stringify(header)}`);
  return match[1];
}

/** The browser follows the one-click link; returns the AuthnRequest the IdP receives. */
async function followOneClickLink(enterpriseKey = key(), returnTo?: string) {
  const link = new URL(enterpriseLoginUrl(baseUrl, enterpriseKey));
  if (returnTo) link.searchParams.set("return_to", returnTo);
  const response = await fetch(link, { redirect: "manual" });
  expect(response.status).toBe(302);
  const location = response.headers.get("location")!;
  expect(location.startsWith(`${TEST_IDP_SSO_URL}?`)).toBe(true);
  return readAuthnRequest(location);
}

/** The browser posts the IdP's response to our ACS URL (HTTP-POST binding). */
function postToAcs(samlResponse: string, relayState: string | null, enterpriseKey = key()) {
  const form = new URLSearchParams({ SAMLResponse: samlResponse });
  if (relayState !== null) form.set("RelayState", relayState);
  return fetch(`${baseUrl}/saml/acs/${enterpriseKey}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form,
    redirect: "manual",
  });
}

async function graphqlWithCookie(cookie: string, query: string, headers: Record<string, string> = { "content-type": "application/json" }) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: { cookie: `${SESSION_COOKIE}=${cookie}`, ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] } };
}

describe("SSO login over HTTP (R1, R2, R3)", () => {
  it("R1: one-click link → IdP → signed response → session cookie → viewer over GraphQL; invitation accepted, setupProgress counts it", async () => {
    const email = `${uniqueKey("dana")}@acme.test`;
    const admin = await kit.prisma.enterprisePermission.findFirstOrThrow({ where: { enterpriseId: acme.enterprise.id } });
    const invitation = await kit.prisma.invitation.create({
      data: {
        enterpriseId: acme.enterprise.id,
        email: email.toUpperCase(),
        emailNormalized: email,
        invitedById: admin.accountId,
        expiresAt: new Date(Date.now() + 14 * 24 * 3600_000),
      },
    });

    const authnRequest = await followOneClickLink();
    expect(authnRequest.issuer).toBe(spEntityId(kit.config.PUBLIC_URL, key()));
    expect(authnRequest.assertionConsumerServiceUrl).toBe(acsUrl(kit.config.PUBLIC_URL, key()));

    const samlResponse = idpResponse(
      key(),
      authnRequest.id,
      { nameId: uniqueKey("dana-subject"), login: email, name: "Dana", email, groups: ["Developers"] },
      {},
      kit.config.PUBLIC_URL,
    );
    const acs = await postToAcs(samlResponse, authnRequest.relayState);
    expect(acs.status).toBe(302);
    expect(acs.headers.get("location")).toBe("/");
    const setCookie = acs.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).not.toMatch(/Secure/); // PUBLIC_URL is http here
    const cookie = cookieFrom(acs);

    const viewer = await graphqlWithCookie(cookie, "{ viewer { login kind email organizations { key } } }");
    expect(viewer.status).toBe(200);
    expect(viewer.body.errors).toBeUndefined();
    expect(viewer.body.data.viewer).toMatchObject({ kind: "SSO", email, organizations: [{ key: organizationKeys.web }] });
    expect(viewer.body.data.viewer.login).toMatch(/^dana-[0-9a-f]{6}-[a-z0-9]{6}$/);

    // The redirect lands on the dashboard, served at `/`.
    const landing = await fetch(`${baseUrl}/`, { headers: { cookie: `${SESSION_COOKIE}=${cookie}` } });
    expect(landing.status).toBe(200);
    expect(landing.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await landing.text()).toMatch(/<script type="module"[^>]* src="\/assets\/[^"]+\.js"/);

    expect((await kit.prisma.invitation.findUniqueOrThrow({ where: { id: invitation.id } })).status).toBe("ACCEPTED");
    const progress = await kit.graphql(`{ enterprise(key: "${key()}") { setupProgress { counts { ssoAccounts acceptedInvitations } } } }`, {
      token: adminToken,
    });
    expect(progress.data?.enterprise.setupProgress.counts).toMatchObject({ ssoAccounts: 1, acceptedInvitations: 1 });
  });

  it("R1: the RelayState of the one-click link is followed only when it is a path on our origin", async () => {
    const who = { nameId: uniqueKey("relay"), login: "relay@acme.test", email: "relay@acme.test" };
    const inside = await followOneClickLink(key(), "/graphql");
    const landedInside = await postToAcs(idpResponse(key(), inside.id, who, {}, kit.config.PUBLIC_URL), inside.relayState);
    expect(landedInside.headers.get("location")).toBe("/graphql");
    const outside = await followOneClickLink(key(), "https://evil.test/");
    expect(outside.relayState).toBeNull();
    const landedOutside = await postToAcs(idpResponse(key(), outside.id, who, {}, kit.config.PUBLIC_URL), "https://evil.test/");
    expect(landedOutside.headers.get("location")).toBe("/");
  });

  it("R1: an IdP-initiated response is refused with a page that shows the one-click link, and audited", async () => {
    const response = await postToAcs(idpResponse(key(), null, { nameId: "unsolicited" }, {}, kit.config.PUBLIC_URL), null);
    expect(response.status).toBe(401);
    expect(response.headers.get("set-cookie")).toBeNull();
    const page = await response.text();
    expect(page).toContain("IdP-initiated SSO is not supported");
    expect(page).toContain(`href="${enterpriseLoginUrl(kit.config.PUBLIC_URL, key())}"`);
    const event = await kit.prisma.auditEvent.findFirstOrThrow({
      where: { enterpriseId: acme.enterprise.id, action: "authentication.login_refused" },
      orderBy: { createdAt: "desc" },
    });
    expect(event.payload).toMatchObject({ reason: "IDP_INITIATED" });
  });

  it("R1: refusals are pages with the reason: bad signature 401, malformed 400, oversized 413", async () => {
    const authnRequest = await followOneClickLink();
    const unsigned = idpResponse(key(), authnRequest.id, { nameId: "u" }, { signAssertion: false }, kit.config.PUBLIC_URL);
    const refused = await postToAcs(unsigned, null);
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain("INVALID_SIGNATURE");
    expect((await postToAcs("%%%", null)).status).toBe(400);
    expect((await postToAcs("A".repeat(256 * 1024 + 4), null)).status).toBe(413);
    expect((await fetch(`${baseUrl}/saml/acs/${key()}`)).status).toBe(405);
  });

  it("R1: without a key the login page asks for it; an unknown or inactive enterprise gets a 404 page", async () => {
    const form = await fetch(`${baseUrl}/login/sso`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('name="enterprise_key"');

    const draft = await createSsoEnterprise(kit.prisma, { status: "DRAFT" });
    for (const enterpriseKey of ["no-such-enterprise", draft.enterprise.key]) {
      const response = await fetch(`${baseUrl}/login/sso?enterprise_key=${enterpriseKey}`, { redirect: "manual" });
      expect(response.status).toBe(404);
      const page = await response.text();
      expect(page).toContain(enterpriseKey);
      expect(page).not.toContain(key());
      expect(page).not.toMatch(/at .*\.ts|stack/i);
    }
    const unknownAcs = await postToAcs("x", null, "no-such-enterprise");
    expect(unknownAcs.status).toBe(404);
  });

  it("R1: the SP metadata is served for the IdP admin, and the connection exposes spEntityId, acsUrl, metadataUrl", async () => {
    const response = await fetch(`${baseUrl}/saml/metadata/${key()}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/samlmetadata+xml");
    const xml = await response.text();
    expect(xml).toContain(`entityID="${spEntityId(kit.config.PUBLIC_URL, key())}"`);
    expect((await fetch(`${baseUrl}/saml/metadata/no-such-enterprise`)).status).toBe(404);

    const fields = await kit.graphql(`{ enterprise(key: "${key()}") { ssoConnection { spEntityId acsUrl metadataUrl } } }`, {
      token: adminToken,
    });
    expect(fields.data?.enterprise.ssoConnection).toEqual({
      spEntityId: spEntityId(kit.config.PUBLIC_URL, key()),
      acsUrl: acsUrl(kit.config.PUBLIC_URL, key()),
      metadataUrl: metadataUrl(kit.config.PUBLIC_URL, key()),
    });
  });

  it("R1: a cookie-authenticated GraphQL request needs CSRF protection (JSON body or the CSRF header)", async () => {
    const authnRequest = await followOneClickLink();
    const acs = await postToAcs(
      idpResponse(key(), authnRequest.id, { nameId: uniqueKey("csrf"), login: "csrf@acme.test" }, {}, kit.config.PUBLIC_URL),
      null,
    );
    const cookie = cookieFrom(acs);
    const simpleGet = await fetch(`${baseUrl}/graphql?query=${encodeURIComponent("{ viewer { login } }")}`, {
      headers: { cookie: `${SESSION_COOKIE}=${cookie}`, accept: "application/json" },
    });
    expect(simpleGet.status).toBe(403);
    const simpleForm = await graphqlWithCookie(cookie, "{ viewer { login } }", { "content-type": "text/plain" });
    expect(simpleForm.status).toBe(403);
    const withHeader = await fetch(`${baseUrl}/graphql?query=${encodeURIComponent("{ viewer { kind } }")}`, {
      headers: { cookie: `${SESSION_COOKIE}=${cookie}`, accept: "application/json", "x-graphql-yoga-csrf": "1" },
    });
    expect(((await withHeader.json()) as { data: { viewer: { kind: string } } }).data.viewer.kind).toBe("SSO");
  });

  it("R1: POST /logout ends the session: the cookie no longer authenticates", async () => {
    const authnRequest = await followOneClickLink();
    const acs = await postToAcs(
      idpResponse(key(), authnRequest.id, { nameId: uniqueKey("bye"), login: "bye@acme.test" }, {}, kit.config.PUBLIC_URL),
      null,
    );
    const cookie = cookieFrom(acs);
    const logout = await fetch(`${baseUrl}/logout`, { method: "POST", headers: { cookie: `${SESSION_COOKIE}=${cookie}` }, redirect: "manual" });
    expect(logout.status).toBe(303);
    expect(logout.headers.get("set-cookie")).toMatch(/Max-Age=0/);
    const after = await graphqlWithCookie(cookie, "{ viewer { login } }");
    expect(after.status).toBe(401);
    expect(after.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("R1: with an https PUBLIC_URL the session cookie is Secure; nothing secret reaches the logs", async () => {
    const secure = await startTestGateway({ PUBLIC_URL: "https://sonar.sso-cutover.test" });
    try {
      const enterprise = await createSsoEnterprise(secure.prisma);
      const start = await secure.fetch(`/login/sso?enterprise_key=${enterprise.enterprise.key}`, { redirect: "manual" });
      const authnRequest = readAuthnRequest(start.headers.get("location")!);
      const samlResponse = idpResponse(enterprise.enterprise.key, authnRequest.id, { nameId: "secure-user" }, {}, secure.config.PUBLIC_URL);
      const acs = await secure.fetch(`/saml/acs/${enterprise.enterprise.key}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ SAMLResponse: samlResponse }),
      });
      expect(acs.status).toBe(302);
      expect(acs.headers.get("set-cookie")).toMatch(/; Secure/);
      const cookie = cookieFrom(acs);
      const logs = secure.logLines.join("\n");
      expect(logs).not.toContain(cookie);
      expect(logs).not.toContain(samlResponse.slice(0, 60));
      expect(errorCode(await secure.graphql("{ viewer { login } }"))).toBe("UNAUTHENTICATED");
    } finally {
      await secure.close();
    }
  });
});

describe("recovery password over GraphQL (R12)", () => {
  const GENERATE = `mutation { generateRecoveryPassword(input: { enterpriseKey: "KEY" }) {
    __typename ... on GeneratedRecoveryPassword { password replacedPrevious account { login recoveryAccess { configured } } } ... on Error { code message }
  } }`;

  it("R12: an enterprise admin signed in with SSO generates it (shown once, stored hashed); with a token it is refused", async () => {
    const authnRequest = await followOneClickLink();
    const email = `${uniqueKey("rita")}@acme.test`;
    const acs = await postToAcs(
      idpResponse(key(), authnRequest.id, { nameId: uniqueKey("rita-subject"), login: email, name: "Rita", email, groups: [] }, {}, kit.config.PUBLIC_URL),
      authnRequest.relayState,
    );
    const cookie = cookieFrom(acs);
    const rita = await kit.prisma.account.findFirstOrThrow({ where: { emailNormalized: email } });
    await kit.prisma.enterprisePermission.create({
      data: { enterpriseId: acme.enterprise.id, accountId: rita.id, permission: "ADMINISTER_ENTERPRISE" },
    });

    const mutation = GENERATE.replace("KEY", key());
    const bySession = await graphqlWithCookie(cookie, mutation);
    expect(bySession.body.errors).toBeUndefined();
    const generated = bySession.body.data.generateRecoveryPassword;
    expect(generated).toMatchObject({ __typename: "GeneratedRecoveryPassword", replacedPrevious: false, account: { recoveryAccess: { configured: true } } });
    expect(generated.password).toMatch(/^([a-zA-Z2-9]{5}-){5}[a-zA-Z2-9]{5}$/);
    const stored = await kit.prisma.recoveryCredential.findUniqueOrThrow({ where: { accountId: rita.id } });
    expect(stored.passwordHash).not.toContain(generated.password);
    expect(kit.logLines.join("\n")).not.toContain(generated.password);

    const byToken = await kit.graphql(mutation, { token: await kit.tokenFor(rita.id) });
    expect(byToken.data?.generateRecoveryPassword).toMatchObject({ code: "FORBIDDEN" });
  });
});
