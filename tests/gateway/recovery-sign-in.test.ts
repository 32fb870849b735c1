import { RECOVERY_MAX_FAILED_ATTEMPTS } from "@sso-cutover/enterprise";
import { RECOVERY_REFUSED_MESSAGE, SESSION_COOKIE } from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { escapeHtml } from "../../apps/gateway/src/sso-pages";
import { sessionOperation } from "../kit/dashboard";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { createEnterpriseAdmin, createSsoEnterprise, idpResponse, uniqueKey, type SsoEnterpriseFixture } from "../kit/sso-fixtures";
import { readAuthnRequest } from "../kit/test-idp";

let kit: TestGateway;
let baseUrl: string;
let acme: SsoEnterpriseFixture;
let dopAdminToken: string;

beforeAll(async () => {
  kit = await startTestGateway();
  baseUrl = await kit.listen();
  acme = await createSsoEnterprise(kit.prisma);
  dopAdminToken = await kit.tokenFor((await createEnterpriseAdmin(kit.prisma, acme.enterprise.id)).id);
});
afterAll(() => kit.close());

const key = () => acme.enterprise.key;

function cookieFrom(response: Response): string {
  const match = new RegExp(`${SESSION_COOKIE}=([^;]*)`).exec(response.headers.get("set-cookie") ?? "");
  if (!match?.[1]) throw new Error(`no session cookie in ${JSON.stringify(response.headers.get("set-cookie"))}`);
  return match[1];
}

async function graphqlWithCookie(cookie: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: { cookie: `${SESSION_COOKIE}=${cookie}`, "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] } };
}

/** An SSO admin of the enterprise, signed in through the test IdP (one-click link → ACS), with its session cookie. */
async function signedInSsoAdmin(name: string) {
  const start = await fetch(`${baseUrl}/login/sso?enterprise_key=${key()}`, { redirect: "manual" });
  const authnRequest = readAuthnRequest(start.headers.get("location")!);
  const email = `${uniqueKey(name)}@acme.test`;
  const acs = await fetch(`${baseUrl}/saml/acs/${key()}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ SAMLResponse: idpResponse(key(), authnRequest.id, { nameId: email, login: email, name, email }, {}, kit.config.PUBLIC_URL) }),
    redirect: "manual",
  });
  const cookie = cookieFrom(acs);
  const account = await kit.prisma.account.findFirstOrThrow({ where: { emailNormalized: email } });
  await kit.prisma.enterprisePermission.create({ data: { enterpriseId: acme.enterprise.id, accountId: account.id, permission: "ADMINISTER_ENTERPRISE" } });
  return { account, cookie };
}

async function generatePassword(cookie: string): Promise<string> {
  const generated = await graphqlWithCookie(
    cookie,
    `mutation($key: String!) { generateRecoveryPassword(input: { enterpriseKey: $key }) { ... on GeneratedRecoveryPassword { password } ... on Error { code message } } }`,
    { key: key() },
  );
  const password = generated.body.data?.generateRecoveryPassword?.password;
  if (typeof password !== "string") throw new Error(`no recovery password: ${JSON.stringify(generated.body)}`);
  return password;
}

function postRecovery(fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(`${baseUrl}/login/recovery`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

async function lastRecoveryEvent(action: "authentication.recovery_login" | "authentication.recovery_login_refused") {
  return kit.prisma.auditEvent.findFirstOrThrow({ where: { action }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
}

/** A refusal as the person signing in sees it: 401, the one message, no cookie, the form again. */
async function expectRefusedPage(response: Response) {
  expect(response.status).toBe(401);
  expect(response.headers.get("set-cookie")).toBeNull();
  const page = await response.text();
  expect(page).toContain(escapeHtml(RECOVERY_REFUSED_MESSAGE));
  expect(page).toContain('role="alert"');
  expect(page).toContain('action="/login/recovery"');
  return page;
}

describe("recovery sign-in over HTTP (R17)", () => {
  it("R17: GET /login/recovery is an accessible form that posts to this origin, with the login pages' CSP", async () => {
    const response = await fetch(`${baseUrl}/login/recovery`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toContain("form-action 'self'");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(response.headers.get("cache-control")).toBe("no-store");
    const page = await response.text();
    expect(page).toContain('<form method="post" action="/login/recovery">');
    for (const [name, label] of [["enterprise_key", "Enterprise key"], ["login", "Login"], ["password", "Recovery password"]]) {
      expect(page).toContain(`<label for="${name}">${label}</label>`);
      expect(page).toMatch(new RegExp(`<input id="${name}" name="${name}"[^>]* required`));
    }
    expect(page).toMatch(/<input id="password" name="password" type="password"/);
    // The SSO refusal pages lead to it (and the dashboard's signed-out screen, tests/browser/dashboard.test.ts).
    expect(await (await fetch(`${baseUrl}/login/sso?enterprise_key=no-such-enterprise`)).text()).toContain('href="/login/recovery"');
  });

  it("R17: with the SSO connection deactivated, the recovery password opens a session whose cookie answers a GraphQL admin query; it is used up", async () => {
    const { account, cookie: ssoCookie } = await signedInSsoAdmin("rita");
    const password = await generatePassword(ssoCookie);
    await kit.prisma.ssoConnection.update({ where: { enterpriseId: acme.enterprise.id }, data: { status: "DRAFT" } });
    try {
      // The IdP route is closed…
      expect((await fetch(`${baseUrl}/login/sso?enterprise_key=${key()}`, { redirect: "manual" })).status).toBe(404);
      // …the recovery route is not.
      const response = await postRecovery({ enterprise_key: key(), login: account.login, password });
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe("/");
      const setCookie = response.headers.get("set-cookie")!;
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Lax/);
      const maxAge = Number(/Max-Age=(\d+)/.exec(setCookie)?.[1]);
      expect(maxAge).toBeGreaterThan(3500);
      expect(maxAge).toBeLessThanOrEqual(3600);
      const cookie = cookieFrom(response);

      const admin = await graphqlWithCookie(
        cookie,
        `query($key: String!) { viewer { login kind } enterprise(key: $key) { key ssoConnection { status } auditEvents(first: 5, action: "authentication.recovery_login") { edges { node { action actorLogin } } } } }`,
        { key: key() },
      );
      expect(admin.body.errors).toBeUndefined();
      expect(admin.body.data.viewer).toEqual({ login: account.login, kind: "SSO" });
      expect(admin.body.data.enterprise.ssoConnection.status).toBe("DRAFT");
      expect(admin.body.data.enterprise.auditEvents.edges[0].node).toEqual({ action: "authentication.recovery_login", actorLogin: account.login });

      // The dashboard's home screen (its persisted `Home` query) shows the real login and that the password was
      // used, which asks for the next one; the session generates it.
      const home = await sessionOperation(baseUrl, cookie, "Home");
      expect(home.data.viewer).toMatchObject({ login: account.login, recoveryAccess: { configured: false, usedAt: expect.any(String) } });
      const next = await generatePassword(cookie);
      expect(next).not.toBe(password);
      const after = await sessionOperation(baseUrl, cookie, "Home");
      expect(after.data.viewer.recoveryAccess).toMatchObject({ configured: true, usedAt: null });

      expect(kit.logLines.join("\n")).not.toContain(password);
      expect(kit.logLines.join("\n")).not.toContain(cookie);
    } finally {
      await kit.prisma.ssoConnection.update({ where: { enterpriseId: acme.enterprise.id }, data: { status: "ACTIVE" } });
    }
    // A SAML login, two password generations and a sign-in, each with its scrypt: room on a busy machine.
  }, 120_000);

  it("R17: a used password is refused the second time", async () => {
    const { account, cookie } = await signedInSsoAdmin("sam");
    const password = await generatePassword(cookie);
    expect((await postRecovery({ enterprise_key: key(), login: account.login, password })).status).toBe(303);
    await expectRefusedPage(await postRecovery({ enterprise_key: key(), login: account.login, password }));
    expect((await lastRecoveryEvent("authentication.recovery_login_refused")).payload).toMatchObject({ reason: "PASSWORD_ALREADY_USED" });
  });

  it("R17: wrong password, unknown login and unknown enterprise get the same page; each is audited, under the enterprise when known", async () => {
    const { account, cookie } = await signedInSsoAdmin("tess");
    const password = await generatePassword(cookie);
    const wrong = await expectRefusedPage(await postRecovery({ enterprise_key: key(), login: account.login, password: `${password}x` }));
    const wrongEvent = await lastRecoveryEvent("authentication.recovery_login_refused");
    expect(wrongEvent).toMatchObject({ enterpriseId: acme.enterprise.id, targetId: account.id });
    expect(wrongEvent.payload).toMatchObject({ reason: "WRONG_PASSWORD", method: "RECOVERY_PASSWORD", failedAttempts: 1, clientAddress: "127.0.0.1" });
    expect(JSON.stringify(wrongEvent)).not.toContain(password);

    const unknownLogin = await expectRefusedPage(await postRecovery({ enterprise_key: key(), login: "nobody-acme", password }));
    expect((await lastRecoveryEvent("authentication.recovery_login_refused")).payload).toMatchObject({ reason: "UNKNOWN_ACCOUNT" });
    await expectRefusedPage(await postRecovery({ enterprise_key: "no-such-enterprise", login: account.login, password }));
    const unknownEnterprise = await lastRecoveryEvent("authentication.recovery_login_refused");
    expect(unknownEnterprise).toMatchObject({ enterpriseId: null });
    expect(unknownEnterprise.payload).toMatchObject({ reason: "UNKNOWN_ENTERPRISE" });
    // The pages differ only in the login typed back into the form.
    expect(unknownLogin.replace("nobody-acme", account.login)).toBe(wrong);

    // The enterprise's admins read the attempts in the audit log.
    const audit = await kit.graphql(
      `{ enterprise(key: "${key()}") { auditEvents(first: 10, action: "authentication.recovery_login_refused") { edges { node { payload targetId } } } } }`,
      { token: dopAdminToken },
    );
    const reasons = audit.data?.enterprise.auditEvents.edges.map((edge: any) => edge.node.payload.reason);
    expect(reasons).toEqual(expect.arrayContaining(["WRONG_PASSWORD", "UNKNOWN_ACCOUNT"]));
  });

  it(`R17: after ${RECOVERY_MAX_FAILED_ATTEMPTS} failures the account is locked: the right password is refused too`, async () => {
    const { account, cookie } = await signedInSsoAdmin("uma");
    const password = await generatePassword(cookie);
    for (let failure = 0; failure < RECOVERY_MAX_FAILED_ATTEMPTS; failure++) {
      await expectRefusedPage(await postRecovery({ enterprise_key: key(), login: account.login, password: `guess-${failure}` }));
    }
    await expectRefusedPage(await postRecovery({ enterprise_key: key(), login: account.login, password }));
    expect((await lastRecoveryEvent("authentication.recovery_login_refused")).payload).toMatchObject({
      reason: "LOCKED",
      failedAttempts: RECOVERY_MAX_FAILED_ATTEMPTS,
    });
    // Only the SAML session of the setup exists: no recovery session was opened.
    expect(await kit.prisma.session.count({ where: { accountId: account.id } })).toBe(1);
    // Every attempt costs one scrypt (tens of milliseconds and 32 MiB by design): room on a busy machine.
  }, 120_000);

  it("R17: an admin whose Administer Enterprise was revoked is refused with its right password", async () => {
    const { account, cookie } = await signedInSsoAdmin("vic");
    const password = await generatePassword(cookie);
    const revoked = await kit.graphql(
      `mutation($input: EnterprisePermissionInput!) { revokeEnterprisePermission(input: $input) { __typename ... on Error { code message } } }`,
      {
        token: dopAdminToken,
        variables: { input: { enterpriseKey: key(), accountId: (await graphqlWithCookie(cookie, "{ viewer { id } }")).body.data.viewer.id, permission: "ADMINISTER_ENTERPRISE" } },
      },
    );
    expect(revoked.data?.revokeEnterprisePermission.__typename).toBe("EnterprisePermissionChange");
    expect(await kit.prisma.enterprisePermission.count({ where: { accountId: account.id } })).toBe(0);
    await expectRefusedPage(await postRecovery({ enterprise_key: key(), login: account.login, password }));
    expect((await lastRecoveryEvent("authentication.recovery_login_refused")).payload).toMatchObject({ reason: "NOT_ENTERPRISE_ADMIN" });
  });

  it("R17: a missing field is a 400 naming it; a form from another site is refused (login CSRF); only form posts are read", async () => {
    const missing = await postRecovery({ enterprise_key: key(), login: "someone" });
    expect(missing.status).toBe(400);
    const page = await missing.text();
    expect(page).toContain("The recovery password is required.");
    expect(page).toMatch(/<input id="password"[^>]* aria-invalid="true"/);
    expect(page).toContain(`value="${key()}"`);

    const form = { enterprise_key: key(), login: "someone", password: "x" };
    expect((await postRecovery(form, { origin: "https://evil.example" })).status).toBe(403);
    expect((await postRecovery(form, { "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await postRecovery(form, { origin: "null" })).status).toBe(403);
    // Our own page, served with Referrer-Policy: no-referrer, posts with `Origin: null` and says it is same-origin.
    expect((await postRecovery(form, { origin: "null", "sec-fetch-site": "same-origin" })).status).toBe(401);
    expect((await postRecovery(form, { origin: new URL(kit.config.PUBLIC_URL).origin })).status).toBe(401);
    const json = await fetch(`${baseUrl}/login/recovery`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ enterprise_key: key() }),
    });
    expect(json.status).toBe(415);
    expect((await fetch(`${baseUrl}/login/recovery`, { method: "PUT" })).status).toBe(405);
  });
});
