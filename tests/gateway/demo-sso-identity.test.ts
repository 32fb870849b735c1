import { SESSION_COOKIE } from "@sso-cutover/sso";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEMO_ENTERPRISE_KEY, seedDemo } from "../../prisma/seed/demo";
import { sessionOperation } from "../kit/dashboard";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { idpResponse, type IdpUser } from "../kit/sso-fixtures";
import { TEST_IDP_ENTITY_ID, readAuthnRequest, testIdpCertificatePem } from "../kit/test-idp";

let kit: TestGateway;
let baseUrl: string;

beforeAll(async () => {
  kit = await startTestGateway();
  baseUrl = await kit.listen();
  await seedDemo(kit.prisma);
  // The demo's IdP signing key was thrown away after seeding: let the test IdP stand in for it.
  const enterprise = await kit.prisma.enterprise.findUniqueOrThrow({ where: { key: DEMO_ENTERPRISE_KEY } });
  await kit.prisma.ssoConnection.update({
    where: { enterpriseId: enterprise.id },
    data: { idpEntityId: TEST_IDP_ENTITY_ID, idpCertificates: [testIdpCertificatePem] },
  });
});
afterAll(() => kit.close());

/** The whole browser login over HTTP: one-click link → test IdP → ACS → the dashboard's session query (who it shows). */
async function signInThroughIdp(user: IdpUser) {
  const start = await fetch(`${baseUrl}/login/sso?enterprise_key=${DEMO_ENTERPRISE_KEY}`, { redirect: "manual" });
  const authnRequest = readAuthnRequest(start.headers.get("location")!);
  const acs = await fetch(`${baseUrl}/saml/acs/${DEMO_ENTERPRISE_KEY}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ SAMLResponse: idpResponse(DEMO_ENTERPRISE_KEY, authnRequest.id, user, {}, kit.config.PUBLIC_URL) }),
    redirect: "manual",
  });
  expect(acs.status).toBe(302);
  const cookie = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(acs.headers.get("set-cookie") ?? "")![1]!;
  const session = await sessionOperation(baseUrl, cookie, "Session");
  return { viewer: session.data.viewer as { login: string; name: string } };
}

function demoSsoAccounts() {
  return kit.prisma.account.findMany({ where: { kind: "SSO", enterprise: { key: DEMO_ENTERPRISE_KEY } }, orderBy: { login: "asc" } });
}

it("R16 on the demo: bob's first real login reuses the seeded `bob-acme` (no duplicate), whatever the case of his NameID", async () => {
  const seeded = await demoSsoAccounts();
  expect(seeded.map((account) => account.login)).toEqual(["bob-acme", "carol-acme", "oscar-acme"]);
  expect(seeded.every((account) => account.ssoSubject === null)).toBe(true);

  const first = await signInThroughIdp({ nameId: "Bob@acme.example", login: "Bob@acme.example", name: "Bob Builder", email: "Bob@acme.example", groups: ["web-developers"] });
  expect(first.viewer.login).toBe("bob-acme");
  const second = await signInThroughIdp({ nameId: "bob@ACME.example", login: "bob@acme.example", name: "Bob Builder", email: "bob@acme.example", groups: ["web-developers"] });
  expect(second.viewer.login).toBe("bob-acme");

  const after = await demoSsoAccounts();
  expect(after.map((account) => account.login)).toEqual(["bob-acme", "carol-acme", "oscar-acme"]);
  expect(after.find((account) => account.login === "bob-acme")!.ssoSubject).toBe("bob@acme.example");
  // His link to his DOP account stays with the account he keeps using.
  const link = await kit.prisma.identityLink.findFirstOrThrow({ where: { devopsAccount: { login: "bob" } }, include: { ssoAccount: true } });
  expect(link.ssoAccount.login).toBe("bob-acme");
});

it("R16 on the demo: a person without a seeded SSO account gets one, and the dashboard names its real login", async () => {
  const { viewer } = await signInThroughIdp({ nameId: "alice@acme.example", login: "alice-acme", name: "Alice Admin", email: "alice@acme.example" });
  const alice = await kit.prisma.account.findFirstOrThrow({ where: { kind: "SSO", emailNormalized: "alice@acme.example" } });
  expect(alice.login).toMatch(/^alice-acme-[a-z0-9]{6}$/);
  expect(viewer).toMatchObject({ login: alice.login, name: "Alice Admin" });
});
