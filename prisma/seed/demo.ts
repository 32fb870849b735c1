/**
 * Demo data: the enterprise `acme` halfway through completing its SSO setup — SSO is configured, a few users
 * already have SSO accounts, most still sign in with their DevOps-platform (DOP) accounts.
 */
import path from "node:path";
import type { OrgPermissionKind, PrismaClient, Tx } from "@sso-cutover/db";
import { recordAuditEvent } from "@sso-cutover/enterprise";
import {
  DEVELOPMENT_IDP_ENTITY_ID,
  developmentIdpConnection,
  loadOrCreateIdpKeyMaterial,
  type DevelopmentIdpConnection,
  type DevelopmentIdpPerson,
  type IdpKeyMaterial,
} from "@sso-cutover/sso/identity-provider";
import { generateTokenSecret, hashTokenSecret, lastFour, TOKEN_PREFIX } from "@sso-cutover/tokens";

export const DEMO_ENTERPRISE_KEY = "acme";
export const DEMO_ADMIN_LOGIN = "alice";
const DEMO_ADMIN_TOKEN_NAME = "demo admin token";
const DAY = 86_400_000;

interface DopUser {
  login: string;
  name: string;
  platform: "GITHUB" | "GITLAB" | "BITBUCKET_CLOUD";
  /** organization key → permissions held there (membership implied). */
  organizations: Record<string, OrgPermissionKind[]>;
}

const ORGANIZATIONS = [
  { key: "acme-web", name: "Acme Web", devopsPlatform: "GITHUB", plan: "ENTERPRISE", projects: ["web-frontend", "web-api"] },
  { key: "acme-mobile", name: "Acme Mobile", devopsPlatform: "BITBUCKET_CLOUD", plan: "ENTERPRISE", projects: ["ios-app", "android-app"] },
  { key: "acme-data", name: "Acme Data", devopsPlatform: "GITLAB", plan: "TEAM", projects: ["pipelines", "warehouse"] },
] as const;

/** IdP group per organization: SSO accounts join an organization through a group of the same name (R2). */
const ORGANIZATION_GROUPS: Record<string, string> = {
  "acme-web": "web-developers",
  "acme-mobile": "mobile-developers",
  "acme-data": "data-engineers",
};

const ALL_ADMIN = { "acme-web": ["ADMIN"], "acme-mobile": ["ADMIN"], "acme-data": ["ADMIN"] } as Record<string, OrgPermissionKind[]>;

const DOP_USERS: DopUser[] = [
  { login: "alice", name: "Alice Admin", platform: "GITHUB", organizations: ALL_ADMIN },
  { login: "bob", name: "Bob Builder", platform: "GITHUB", organizations: { "acme-web": ["SCAN", "GATEADMIN"], "acme-data": [] } },
  { login: "carol", name: "Carol Coder", platform: "GITHUB", organizations: { "acme-web": ["SCAN"] } },
  { login: "dave", name: "Dave Dev", platform: "BITBUCKET_CLOUD", organizations: { "acme-mobile": ["ADMIN", "SCAN"] } },
  { login: "erin", name: "Erin Engineer", platform: "BITBUCKET_CLOUD", organizations: { "acme-mobile": ["SCAN"] } },
  { login: "frank", name: "Frank Fixer", platform: "GITLAB", organizations: { "acme-data": ["SCAN", "PROFILEADMIN"] } },
  { login: "grace", name: "Grace Gatekeeper", platform: "GITLAB", organizations: { "acme-data": ["GATEADMIN"], "acme-web": [] } },
  { login: "heidi", name: "Heidi Helper", platform: "GITHUB", organizations: { "acme-web": [] } },
  { login: "ivan", name: "Ivan Integrator", platform: "GITHUB", organizations: { "acme-web": ["SCAN"], "acme-mobile": ["SCAN"] } },
  { login: "judy", name: "Judy Judge", platform: "GITLAB", organizations: { "acme-data": [] } },
  { login: "mallory", name: "Mallory Maintainer", platform: "BITBUCKET_CLOUD", organizations: { "acme-mobile": [] } },
];

/** The SSO-only person of the demo (no DOP account): an SSO account is seeded for them. */
const SSO_ONLY_PEOPLE = [{ login: "oscar", name: "Oscar Operator", organizations: ["acme-data"] }];

/**
 * The demo's people as its identity provider knows them (the development IdP's choices): NameID and email
 * `<login>@acme.example`, and the IdP groups of the organizations they work in today (R2 joins each group to the
 * organization group of the same name). Admin groups are not sent: they need a group mapping (R14).
 */
export const DEMO_IDP_PEOPLE: readonly DevelopmentIdpPerson[] = [
  ...DOP_USERS.map((user) => ({ login: user.login, name: user.name, organizations: Object.keys(user.organizations) })),
  ...SSO_ONLY_PEOPLE,
].map((person) => ({
  nameId: `${person.login}@acme.example`,
  login: person.login,
  name: person.name,
  email: `${person.login}@acme.example`,
  groups: person.organizations.map((key) => ORGANIZATION_GROUPS[key]!),
}));

/** The IdP groups the development IdP offers to send: the demo's organization groups. */
export const DEMO_IDP_GROUPS: readonly string[] = Object.values(ORGANIZATION_GROUPS);

/**
 * The IdP the demo trusts when seeded without the development IdP (DEV_IDP=false, or before it existed): its key
 * is thrown away, so nobody can sign in through it.
 */
const KEYLESS_DEMO_IDP_ENTITY_ID = "https://idp.acme.example/saml/metadata";

/**
 * The development IdP of the demo: its key pair, generated into `<dataDir>/dev-idp` at first use and the same at
 * every start after (the private key file is readable by its owner only), and the connection that trusts it.
 */
export async function demoDevelopmentIdp(dataDir: string, publicUrl: string): Promise<{ keys: IdpKeyMaterial; connection: DevelopmentIdpConnection }> {
  const keys = await loadOrCreateIdpKeyMaterial(path.join(dataDir, "dev-idp"), "dev-idp.sso-cutover.localhost");
  return { keys, connection: developmentIdpConnection(publicUrl, keys) };
}

/** Whether the demo enterprise exists already: an existing database is never re-seeded or wiped. */
export async function demoIsSeeded(prisma: PrismaClient): Promise<boolean> {
  return (await prisma.enterprise.count({ where: { key: DEMO_ENTERPRISE_KEY } })) > 0;
}

/** A self-signed IdP signing certificate for the demo connection (only the public certificate is kept). */
async function demoIdpCertificate(now: Date): Promise<string> {
  const { generate } = await import("selfsigned");
  const pems = await generate([{ name: "commonName", value: "idp.acme.example" }], {
    keySize: 2048,
    notBeforeDate: new Date(now.getTime() - DAY),
    notAfterDate: new Date(now.getTime() + 365 * DAY),
  });
  return pems.cert;
}

/**
 * Seeds the demo into an empty database. With `identityProvider` (the development IdP), the demo's SSO connection
 * trusts it, so that the one-click link signs people in; without, it trusts a certificate whose key is not kept.
 */
export async function seedDemo(prisma: PrismaClient, now = new Date(), identityProvider: DevelopmentIdpConnection | null = null): Promise<void> {
  const idp = identityProvider ?? {
    idpEntityId: KEYLESS_DEMO_IDP_ENTITY_ID,
    idpSsoUrl: "https://idp.acme.example/saml/sso",
    idpCertificate: await demoIdpCertificate(now),
  };
  await prisma.$transaction(
    async (tx) => {
      const enterprise = await tx.enterprise.create({ data: { key: DEMO_ENTERPRISE_KEY, name: "Acme Corporation" } });
      const organizations = new Map<string, string>();
      for (const definition of ORGANIZATIONS) {
        const organization = await tx.organization.create({
          data: {
            key: definition.key,
            name: definition.name,
            enterpriseId: enterprise.id,
            devopsPlatform: definition.devopsPlatform,
            plan: definition.plan,
            projects: { create: definition.projects.map((key) => ({ key, name: key })) },
            groups: {
              create: [
                { name: "Members", builtIn: true },
                { name: "Owners", builtIn: true, permissions: { create: [{ permission: "ADMIN" }] } },
                { name: ORGANIZATION_GROUPS[definition.key]!, permissions: { create: [{ permission: "SCAN" }] } },
              ],
            },
          },
        });
        organizations.set(definition.key, organization.id);
      }
      // An organization of another customer, outside the enterprise: never visible to acme's users.
      await tx.organization.create({
        data: { key: "globex", name: "Globex", plan: "TEAM", devopsPlatform: "GITHUB", projects: { create: [{ key: "globex-app", name: "globex-app" }] } },
      });

      const dopAccounts = new Map<string, string>();
      for (const user of DOP_USERS) {
        const account = await createAccount(tx, {
          login: user.login,
          name: user.name,
          email: `${user.login}@acme.example`,
          kind: "DEVOPS",
          devopsPlatform: user.platform,
          lastLoginAt: new Date(now.getTime() - 3 * DAY),
        });
        dopAccounts.set(user.login, account);
        for (const [organizationKey, permissions] of Object.entries(user.organizations)) {
          const organizationId = organizations.get(organizationKey)!;
          await tx.orgMembership.create({ data: { accountId: account, organizationId } });
          for (const permission of permissions) {
            await tx.orgPermission.create({ data: { accountId: account, organizationId, permission } });
          }
        }
      }
      await tx.enterprisePermission.create({
        data: { enterpriseId: enterprise.id, accountId: dopAccounts.get("alice")!, permission: "ADMINISTER_ENTERPRISE" },
      });

      // Three SSO accounts: bob's (linked to his DOP account), carol's (not linked yet) and oscar's (SSO only). Like
      // accounts provisioned ahead of any login (SCIM), they have no IdP subject yet: each person's first SAML login
      // finds theirs by email and stores the subject from then on (R16), so nobody gets a second account.
      const ssoUsers = [
        { login: "bob-acme", name: "Bob Builder", email: "bob@acme.example", groups: ["web-developers"], linksTo: "bob" },
        { login: "carol-acme", name: "Carol Coder", email: "carol@acme.example", groups: ["web-developers"], linksTo: null },
        { login: "oscar-acme", name: "Oscar Operator", email: "oscar@acme.example", groups: ["data-engineers"], linksTo: null },
      ];
      for (const user of ssoUsers) {
        const account = await createAccount(tx, {
          login: user.login,
          name: user.name,
          email: user.email,
          kind: "SSO",
          enterpriseId: enterprise.id,
          lastLoginAt: new Date(now.getTime() - DAY),
        });
        for (const groupName of user.groups) {
          const group = await tx.group.findFirstOrThrow({
            where: { name: groupName, organization: { enterpriseId: enterprise.id } },
          });
          await tx.groupMembership.create({ data: { groupId: group.id, accountId: account } });
          await tx.orgMembership.create({ data: { accountId: account, organizationId: group.organizationId } });
        }
        if (user.linksTo) {
          await tx.identityLink.create({
            data: { devopsAccountId: dopAccounts.get(user.linksTo)!, ssoAccountId: account, linkedById: account },
          });
        }
      }

      await tx.ssoConnection.create({
        data: {
          enterpriseId: enterprise.id,
          idpEntityId: idp.idpEntityId,
          idpSsoUrl: idp.idpSsoUrl,
          idpCertificates: [idp.idpCertificate],
          provisioning: "JIT",
          status: "ACTIVE",
        },
      });

      // Tokens a cutover has to care about: DOP-owned analysis tokens that break when their owners go.
      const web = organizations.get("acme-web")!;
      const mobile = organizations.get("acme-mobile")!;
      await createToken(tx, { kind: "PAT", name: "ci-web", ownerAccountId: dopAccounts.get("bob")!, lastUsedAt: new Date(now.getTime() - 2 * DAY) });
      await createToken(tx, { kind: "PAT", name: "mobile-pipeline", ownerAccountId: dopAccounts.get("dave")!, lastUsedAt: new Date(now.getTime() - DAY), expiresAt: new Date(now.getTime() + 5 * DAY) });
      await createToken(tx, { kind: "PAT", name: "laptop", ownerAccountId: dopAccounts.get("erin")!, lastUsedAt: new Date(now.getTime() - 10 * DAY) });
      await createToken(tx, { kind: "SOT", name: "web-analysis", organizationId: web, allProjects: true, createdById: dopAccounts.get("alice")!, lastUsedAt: new Date(now.getTime() - DAY) });
      await createToken(tx, { kind: "SOT", name: "ios-analysis", organizationId: mobile, allProjects: false, createdById: dopAccounts.get("dave")!, projectKeys: ["ios-app"] });

      await tx.invitation.create({
        data: {
          enterpriseId: enterprise.id,
          email: "dave@acme.example",
          emailNormalized: "dave@acme.example",
          invitedById: dopAccounts.get("alice")!,
          expiresAt: new Date(now.getTime() + 14 * DAY),
        },
      });
    },
    { timeout: 60_000, maxWait: 60_000 },
  );
}

/**
 * Keeps the demo's SSO connection pointed at the development IdP across restarts: its SSO URL follows PUBLIC_URL,
 * and a demo seeded without it (whose IdP key was thrown away) is pointed at it. A connection an admin has
 * configured for another IdP is left alone. Audited like any change of the connection; true when it changed.
 */
export async function pointDemoAtDevelopmentIdp(prisma: PrismaClient, identityProvider: DevelopmentIdpConnection): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const connection = await tx.ssoConnection.findFirst({
      where: {
        enterprise: { key: DEMO_ENTERPRISE_KEY },
        idpEntityId: { in: [DEVELOPMENT_IDP_ENTITY_ID, KEYLESS_DEMO_IDP_ENTITY_ID] },
      },
    });
    if (!connection) return false;
    const current =
      connection.idpEntityId === identityProvider.idpEntityId &&
      connection.idpSsoUrl === identityProvider.idpSsoUrl &&
      connection.idpCertificates.length === 1 &&
      connection.idpCertificates[0] === identityProvider.idpCertificate;
    if (current) return false;
    await tx.ssoConnection.update({
      where: { id: connection.id },
      data: { idpEntityId: identityProvider.idpEntityId, idpSsoUrl: identityProvider.idpSsoUrl, idpCertificates: [identityProvider.idpCertificate] },
    });
    await recordAuditEvent(tx, {
      enterpriseId: connection.enterpriseId,
      actor: null,
      action: "sso_connection.updated",
      target: { type: "SsoConnection", id: connection.id },
      payload: { idpEntityId: identityProvider.idpEntityId, idpSsoUrl: identityProvider.idpSsoUrl, reason: "demo data: the development IdP" },
    });
    return true;
  });
}

async function createAccount(
  tx: Tx,
  data: {
    login: string;
    name: string;
    email: string;
    kind: "DEVOPS" | "SSO";
    devopsPlatform?: "GITHUB" | "GITLAB" | "BITBUCKET_CLOUD";
    enterpriseId?: string;
    lastLoginAt: Date;
  },
): Promise<string> {
  const account = await tx.account.create({
    data: { ...data, emailNormalized: data.email.toLowerCase(), emailVerified: true },
  });
  return account.id;
}

async function createToken(
  tx: Tx,
  data: {
    kind: "PAT" | "SOT";
    name: string;
    ownerAccountId?: string;
    organizationId?: string;
    allProjects?: boolean;
    projectKeys?: string[];
    createdById?: string;
    lastUsedAt?: Date;
    expiresAt?: Date;
  },
): Promise<void> {
  // The demo's secrets are thrown away: only their hashes exist, as for any token.
  const secret = generateTokenSecret(data.kind);
  const projects = data.projectKeys
    ? await tx.project.findMany({ where: { organizationId: data.organizationId!, key: { in: data.projectKeys } } })
    : [];
  await tx.token.create({
    data: {
      kind: data.kind,
      name: data.name,
      prefix: TOKEN_PREFIX[data.kind],
      lastFour: lastFour(secret),
      hash: hashTokenSecret(secret),
      ownerAccountId: data.ownerAccountId ?? null,
      organizationId: data.organizationId ?? null,
      allProjects: data.allProjects ?? false,
      createdById: data.createdById ?? data.ownerAccountId ?? null,
      lastUsedAt: data.lastUsedAt ?? null,
      expiresAt: data.expiresAt ?? null,
      projects: { create: projects.map((project) => ({ projectId: project.id })) },
    },
  });
}

/**
 * A fresh personal access token for the demo admin, printed at every start (secrets are stored only as hashes,
 * so the previous one cannot be shown again): the previous demo admin token is revoked, in the same transaction.
 */
export async function issueDemoAdminToken(prisma: PrismaClient, now = new Date()): Promise<string | null> {
  const secret = generateTokenSecret("PAT");
  return prisma.$transaction(async (tx) => {
    const admin = await tx.account.findFirst({ where: { login: DEMO_ADMIN_LOGIN, deletedAt: null } });
    if (!admin) return null;
    await tx.token.updateMany({
      where: { ownerAccountId: admin.id, name: DEMO_ADMIN_TOKEN_NAME, revokedAt: null },
      data: { revokedAt: now },
    });
    await tx.token.create({
      data: {
        kind: "PAT",
        name: DEMO_ADMIN_TOKEN_NAME,
        prefix: TOKEN_PREFIX.PAT,
        lastFour: lastFour(secret),
        hash: hashTokenSecret(secret),
        ownerAccountId: admin.id,
        createdById: admin.id,
        expiresAt: new Date(now.getTime() + 30 * DAY),
      },
    });
    return secret;
  });
}
