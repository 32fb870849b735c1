/**
 * Fixtures for SAML login tests: enterprises with an SSO connection to the test IdP, organizations with groups,
 * and a one-call "the IdP answers this login" helper. Used by the domain tests and the gateway's HTTP tests.
 */
import { randomBytes } from "node:crypto";
import type { Enterprise, Organization, PrismaClient, SsoConnection } from "@sso-cutover/db";
import { acsUrl, spEntityId, startSsoLogin } from "@sso-cutover/sso";
import {
  TEST_IDP_ENTITY_ID,
  TEST_IDP_SSO_URL,
  buildSamlResponse,
  readAuthnRequest,
  testIdpCertificatePem,
  type TestSamlResponseOptions,
} from "./test-idp";
import type { TestGateway } from "./gateway";

export const TEST_PUBLIC_URL = "https://sonar.sso-cutover.test";
/** The address domain tests start logins from (TEST-NET-2, never routed). */
export const TEST_CLIENT_ADDRESS = "198.51.100.7";

export interface SsoEnterpriseFixture {
  enterprise: Enterprise;
  connection: SsoConnection;
  /** Organizations by key, each with its groups by name (built-in `Members` and `Owners` included). */
  organizations: Record<string, Organization & { groups: Record<string, { id: string; name: string }> }>;
}

export interface SsoEnterpriseOptions {
  key?: string;
  /** Organization key → names of its custom groups. */
  organizations?: Record<string, readonly string[]>;
  /** The certificate the connection trusts (default: the test IdP's). */
  certificatePem?: string;
  /** Several certificates (key rotation); wins over `certificatePem`. */
  certificatePems?: readonly string[];
  status?: "ACTIVE" | "DRAFT";
  /** Attribute names of the connection (default: the names common IdPs send; `groups: null`: no group sync). */
  attributes?: { login?: string; name?: string; email?: string; groups?: string | null };
}

export function uniqueKey(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString("hex")}`;
}

/** An enterprise whose SSO connection trusts the test IdP, with organizations and groups. */
export async function createSsoEnterprise(prisma: PrismaClient, options: SsoEnterpriseOptions = {}): Promise<SsoEnterpriseFixture> {
  const key = options.key ?? uniqueKey("acme");
  const enterprise = await prisma.enterprise.create({ data: { key, name: `Enterprise ${key}` } });
  const connection = await prisma.ssoConnection.create({
    data: {
      enterpriseId: enterprise.id,
      idpEntityId: TEST_IDP_ENTITY_ID,
      idpSsoUrl: TEST_IDP_SSO_URL,
      idpCertificates: [...(options.certificatePems ?? [options.certificatePem ?? testIdpCertificatePem])],
      // Left out: the default names (the test IdP sends the plain ones). `groups: null`: no group sync.
      ...(options.attributes?.login ? { loginAttributes: [options.attributes.login] } : {}),
      ...(options.attributes?.name ? { nameAttributes: [options.attributes.name] } : {}),
      ...(options.attributes?.email ? { emailAttributes: [options.attributes.email] } : {}),
      ...(options.attributes?.groups !== undefined ? { groupsAttributes: options.attributes.groups === null ? [] : [options.attributes.groups] } : {}),
      status: options.status ?? "ACTIVE",
    },
  });
  const organizations: SsoEnterpriseFixture["organizations"] = {};
  for (const [organizationKey, groupNames] of Object.entries(options.organizations ?? {})) {
    const organization = await prisma.organization.create({
      data: {
        key: organizationKey,
        name: `Organization ${organizationKey}`,
        enterpriseId: enterprise.id,
        plan: "ENTERPRISE",
        groups: {
          create: [
            { name: "Members", builtIn: true },
            { name: "Owners", builtIn: true },
            ...groupNames.map((name) => ({ name })),
          ],
        },
      },
      include: { groups: { select: { id: true, name: true } } },
    });
    organizations[organizationKey] = {
      ...organization,
      groups: Object.fromEntries(organization.groups.map((group) => [group.name, group])),
    };
  }
  return { enterprise, connection, organizations };
}

export interface IdpUser {
  nameId: string;
  login?: string;
  name?: string;
  email?: string;
  groups?: readonly string[];
}

/** The attributes the test IdP sends for a user, under the default attribute names. */
export function idpAttributes(user: IdpUser): Record<string, string | readonly string[]> {
  const attributes: Record<string, string | readonly string[]> = {};
  if (user.login !== undefined) attributes.login = user.login;
  if (user.name !== undefined) attributes.name = user.name;
  if (user.email !== undefined) attributes.email = user.email;
  if (user.groups !== undefined) attributes.groups = user.groups;
  return attributes;
}

export type ResponseOverrides = Partial<Omit<TestSamlResponseOptions, "attributes">>;

/** A response of the test IdP to a login of `enterpriseKey`, addressed to our ACS URL and SP entity id. */
export function idpResponse(
  enterpriseKey: string,
  inResponseTo: string | null,
  user: IdpUser,
  overrides: ResponseOverrides = {},
  publicUrl = TEST_PUBLIC_URL,
): string {
  return buildSamlResponse({
    acsUrl: acsUrl(publicUrl, enterpriseKey),
    audience: spEntityId(publicUrl, enterpriseKey),
    inResponseTo,
    nameId: user.nameId,
    attributes: idpAttributes(user),
    ...overrides,
  });
}

/** Starts an SP-initiated login, as the one-click link does; returns the AuthnRequest the IdP receives. */
export async function startLogin(
  prisma: PrismaClient,
  enterpriseKey: string,
  {
    relayState = null,
    now,
    clientAddress = TEST_CLIENT_ADDRESS,
  }: { relayState?: string | null; now?: Date; clientAddress?: string } = {},
) {
  const started = await startSsoLogin(prisma, {
    publicUrl: TEST_PUBLIC_URL,
    enterpriseKey,
    clientAddress,
    relayState,
    ...(now ? { now } : {}),
  });
  return { ...started, authnRequest: readAuthnRequest(started.redirectUrl) };
}

/** A DOP account that administers the enterprise: what invitations name as their inviter. */
export async function createEnterpriseAdmin(prisma: PrismaClient, enterpriseId: string) {
  const login = uniqueKey("admin");
  const account = await prisma.account.create({
    data: { login, name: login, kind: "DEVOPS", devopsPlatform: "GITHUB", email: `${login}@dop.test`, emailNormalized: `${login}@dop.test` },
  });
  await prisma.enterprisePermission.create({
    data: { enterpriseId, accountId: account.id, permission: "ADMINISTER_ENTERPRISE" },
  });
  return account;
}

/**
 * A browser's SSO sign-in through the gateway's own routes (one-click link → test IdP → ACS); returns the
 * `Set-Cookie` the gateway answered and the `name=value` pair the browser sends back in its Cookie header.
 */
export async function signInWithSso(kit: TestGateway, enterpriseKey: string, user: IdpUser): Promise<{ setCookie: string; cookie: string }> {
  const start = await kit.fetch(`/login/sso?enterprise_key=${encodeURIComponent(enterpriseKey)}`, { redirect: "manual" });
  const authnRequest = readAuthnRequest(start.headers.get("location") ?? "");
  const samlResponse = idpResponse(enterpriseKey, authnRequest.id, user, {}, kit.config.PUBLIC_URL);
  const acs = await kit.fetch(`/saml/acs/${encodeURIComponent(enterpriseKey)}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ SAMLResponse: samlResponse }),
    redirect: "manual",
  });
  const setCookie = acs.headers.get("set-cookie");
  if (acs.status !== 302 || !setCookie) throw new Error(`SSO sign-in failed: ${acs.status} ${await acs.text()}`);
  return { setCookie, cookie: setCookie.split(";")[0]! };
}
