/**
 * configureSsoConnection without an attribute mapping accepts the names common IdPs send (Entra ID's claim URIs,
 * Okta's and Google's plain names, Keycloak's OIDs), so that group sync (R2) works unconfigured; and setupProgress
 * says so (NO_GROUPS_RECEIVED) when people sign in but no response carries a groups attribute.
 */
import { DEFAULT_ATTRIBUTE_NAMES } from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { createEnterpriseAdmin, createSsoEnterprise, uniqueKey } from "../kit/sso-fixtures";
import { TEST_IDP_ENTITY_ID, TEST_IDP_SSO_URL, buildSamlResponse, readAuthnRequest, testIdpCertificatePem } from "../kit/test-idp";
import { acsUrl, spEntityId } from "@sso-cutover/sso";

let kit: TestGateway;
beforeAll(async () => {
  kit = await startTestGateway();
});
afterAll(() => kit.close());

const ENTRA = {
  email: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
  name: "http://schemas.microsoft.com/identity/claims/displayname",
  upn: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
  groups: "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
};

const CONFIGURE = `mutation($input: ConfigureSsoConnectionInput!) {
  configureSsoConnection(input: $input) {
    __typename
    ... on ConfigureSsoConnectionSuccess { ssoConnection { groupsReceivedAt attributeMapping { login name email groups accepted { login name email groups } } } }
    ... on Error { code message field }
  }
}`;

const SSO_WARNINGS = `query($key: String!) { enterprise(key: $key) { setupProgress { steps { step warnings } } } }`;

/** An enterprise whose admin configures SSO through the API, with an organization group `web-developers`. */
async function enterpriseConfiguredBy(attributeMapping?: Record<string, string>) {
  const organizationKey = uniqueKey("web");
  const fixture = await createSsoEnterprise(kit.prisma, { status: "DRAFT", organizations: { [organizationKey]: ["web-developers"] } });
  const admin = await createEnterpriseAdmin(kit.prisma, fixture.enterprise.id);
  const token = await kit.tokenFor(admin.id);
  const input = {
    enterpriseKey: fixture.enterprise.key,
    idpEntityId: TEST_IDP_ENTITY_ID,
    idpSsoUrl: TEST_IDP_SSO_URL,
    idpCertificate: testIdpCertificatePem,
    ...(attributeMapping ? { attributeMapping } : {}),
  };
  const response = await kit.graphql(CONFIGURE, { token, variables: { input } });
  expect(response.data?.configureSsoConnection.__typename).toBe("ConfigureSsoConnectionSuccess");
  return { key: fixture.enterprise.key, enterpriseId: fixture.enterprise.id, organizationKey, token, connection: response.data!.configureSsoConnection.ssoConnection };
}

/** A browser's sign-in through the gateway, the IdP sending these attributes under these names. */
async function signIn(enterpriseKey: string, nameId: string, attributes: Record<string, string | string[]>): Promise<void> {
  const start = await kit.fetch(`/login/sso?enterprise_key=${enterpriseKey}`, { redirect: "manual" });
  const request = readAuthnRequest(start.headers.get("location") ?? "");
  const samlResponse = buildSamlResponse({
    acsUrl: acsUrl(kit.config.PUBLIC_URL, enterpriseKey),
    audience: spEntityId(kit.config.PUBLIC_URL, enterpriseKey),
    inResponseTo: request.id,
    nameId,
    attributes,
  });
  const acs = await kit.fetch(`/saml/acs/${enterpriseKey}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ SAMLResponse: samlResponse }),
    redirect: "manual",
  });
  expect(acs.status, await acs.clone().text()).toBe(302);
}

async function accountOf(enterpriseId: string, email: string) {
  return kit.prisma.account.findFirstOrThrow({
    where: { enterpriseId, emailNormalized: email },
    include: { memberships: { select: { organization: { select: { key: true } } } } },
  });
}

async function ssoStepWarnings(key: string, token: string): Promise<string[]> {
  const response = await kit.graphql(SSO_WARNINGS, { token, variables: { key } });
  const steps = response.data!.enterprise.setupProgress.steps as { step: string; warnings: string[] }[];
  return steps.find((step) => step.step === "CONFIGURE_ONE_CLICK_ACCESS")!.warnings;
}

describe("default attribute mapping", () => {
  it("R2: a connection configured without attributeMapping accepts the common IdPs' names; an Entra ID login joins its group's organization", async () => {
    const acme = await enterpriseConfiguredBy();
    expect(acme.connection.attributeMapping).toEqual({
      login: "login",
      name: "name",
      email: "email",
      groups: "groups",
      accepted: {
        login: [...DEFAULT_ATTRIBUTE_NAMES.login],
        name: [...DEFAULT_ATTRIBUTE_NAMES.name],
        email: [...DEFAULT_ATTRIBUTE_NAMES.email],
        groups: [...DEFAULT_ATTRIBUTE_NAMES.groups],
      },
    });
    expect(acme.connection.attributeMapping.accepted.groups).toContain(ENTRA.groups);
    expect(acme.connection.attributeMapping.accepted.email).toContain(ENTRA.email);

    const email = `${uniqueKey("dana")}@acme.test`;
    await signIn(acme.key, "00u1-entra-object-id", {
      [ENTRA.email]: email,
      [ENTRA.name]: "Dana Entra",
      [ENTRA.upn]: email,
      [ENTRA.groups]: ["web-developers"],
    });
    const account = await accountOf(acme.enterpriseId, email);
    expect(account.name).toBe("Dana Entra");
    expect(account.memberships.map((membership) => membership.organization.key)).toEqual([acme.organizationKey]);
  });

  it("R2: an Okta-style login (email, displayName, groups) and a Keycloak-style one (LDAP OIDs, member) are read by the defaults too", async () => {
    const acme = await enterpriseConfiguredBy();
    const okta = `${uniqueKey("olga")}@acme.test`;
    await signIn(acme.key, okta, { email: okta, displayName: "Olga Okta", groups: ["web-developers", "everyone"] });
    const keycloak = `${uniqueKey("kim")}@acme.test`;
    await signIn(acme.key, "f81d4fae-7dec-11d0-a765-00a0c91e6bf6", {
      "urn:oid:0.9.2342.19200300.100.1.3": keycloak,
      "urn:oid:2.16.840.1.113730.3.1.241": "Kim Keycloak",
      member: ["web-developers"],
    });
    for (const [email, name] of [[okta, "Olga Okta"], [keycloak, "Kim Keycloak"]] as const) {
      const account = await accountOf(acme.enterpriseId, email);
      expect(account.name).toBe(name);
      expect(account.memberships.map((membership) => membership.organization.key)).toEqual([acme.organizationKey]);
    }
  });

  it("a name given in attributeMapping is the only one read for that attribute; groups \"\" turns group sync off", async () => {
    const acme = await enterpriseConfiguredBy({ email: "mail", groups: "" });
    expect(acme.connection.attributeMapping).toMatchObject({ email: "mail", groups: null, accepted: { email: ["mail"], groups: [] } });
    const email = `${uniqueKey("gus")}@acme.test`;
    await signIn(acme.key, email, { mail: email, email: "not-this@acme.test", groups: ["web-developers"] });
    const account = await accountOf(acme.enterpriseId, email);
    expect(account.memberships).toEqual([]);
    // Group sync off is the admin's choice: no warning about groups never received.
    expect((await ssoStepWarnings(acme.key, acme.token)).join("\n")).not.toContain("NO_GROUPS_RECEIVED");
  });
});

describe("setupProgress: NO_GROUPS_RECEIVED", () => {
  it("R2: appears once people sign in without any groups attribute, and disappears at the first login that carries one", async () => {
    const acme = await enterpriseConfiguredBy();
    expect((await ssoStepWarnings(acme.key, acme.token)).join("\n")).not.toContain("NO_GROUPS_RECEIVED");

    const first = `${uniqueKey("nina")}@acme.test`;
    await signIn(acme.key, first, { email: first, name: "Nina No-Groups" });
    const warnings = await ssoStepWarnings(acme.key, acme.token);
    const warning = warnings.find((text) => text.startsWith("NO_GROUPS_RECEIVED: "));
    expect(warning).toMatch(/no sign-in since .* carried a groups attribute \(accepted: groups, group, memberOf, …\)/);
    expect(warning).toContain("attributeMapping.groups");
    expect(await kit.prisma.auditEvent.findFirst({ where: { enterpriseId: acme.enterpriseId, action: "authentication.user_login" } }))
      .toMatchObject({ payload: { groupsAttribute: null } });

    const second = `${uniqueKey("gina")}@acme.test`;
    await signIn(acme.key, second, { email: second, [ENTRA.groups]: ["web-developers"] });
    expect((await ssoStepWarnings(acme.key, acme.token)).join("\n")).not.toContain("NO_GROUPS_RECEIVED");
    const connection = await kit.prisma.ssoConnection.findUniqueOrThrow({ where: { enterpriseId: acme.enterpriseId } });
    expect(connection.groupsReceivedAt).not.toBeNull();

    // Later logins without groups do not bring it back: the IdP has shown it sends groups.
    const third = `${uniqueKey("tom")}@acme.test`;
    await signIn(acme.key, third, { email: third });
    expect((await ssoStepWarnings(acme.key, acme.token)).join("\n")).not.toContain("NO_GROUPS_RECEIVED");
  });
});
