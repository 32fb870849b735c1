/**
 * Demo data: the enterprise `acme` halfway through completing its SSO setup — SSO is configured, a few users
 * already have SSO accounts, most still sign in with their DevOps-platform (DOP) accounts.
 */
import path from "node:path";
import type { OrgPermissionKind, PrismaClient } from "@sso-cutover/db";
import { recordAuditEvent } from "@sso-cutover/enterprise";
import {
  DEVELOPMENT_IDP_ENTITY_ID,
  developmentIdpConnection,
  loadOrCreateIdpKeyMaterial,
  startIdpKeyGeneration,
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

const DEMO_IDP_COMMON_NAME = "dev-idp.sso-cutover.localhost";

/** Where the development IdP keeps its key pair. */
export function demoIdpKeyFolder(dataDir: string): string {
  return path.join(dataDir, "dev-idp");
}

/** Starts making the development IdP's key pair when it has none yet (see {@link startIdpKeyGeneration}). */
export function startDemoIdpKeyGeneration(dataDir: string): Promise<IdpKeyMaterial> | null {
  return startIdpKeyGeneration(demoIdpKeyFolder(dataDir), DEMO_IDP_COMMON_NAME);
}

/**
 * The development IdP of the demo: its key pair, generated into `<dataDir>/dev-idp` at first use and the same at
 * every start after (the private key file is readable by its owner only), and the connection that trusts it.
 */
export async function demoDevelopmentIdp(
  dataDir: string,
  publicUrl: string,
  generated?: Promise<IdpKeyMaterial | null> | null,
): Promise<{ keys: IdpKeyMaterial; connection: DevelopmentIdpConnection }> {
  const keys = await loadOrCreateIdpKeyMaterial(demoIdpKeyFolder(dataDir), DEMO_IDP_COMMON_NAME, { generated });
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
  // A fixed number of statements, one per table (each row kind is written with createMany): on the embedded
  // database every statement is a round trip through its socket, and this runs at the first start of `pnpm start`.
  await prisma.$transaction(
    async (tx) => {
      const enterprise = await tx.enterprise.create({ data: { key: DEMO_ENTERPRISE_KEY, name: "Acme Corporation" } });
      const organizationRows = await tx.organization.createManyAndReturn({
        data: [
          ...ORGANIZATIONS.map((definition) => ({
            key: definition.key,
            name: definition.name,
            enterpriseId: enterprise.id,
            devopsPlatform: definition.devopsPlatform,
            plan: definition.plan,
          })),
          // An organization of another customer, outside the enterprise: never visible to acme's users.
          { key: "globex", name: "Globex", plan: "TEAM" as const, devopsPlatform: "GITHUB" as const },
        ],
        select: { id: true, key: true },
      });
      const organizations = new Map(organizationRows.map((row) => [row.key, row.id]));
      const organizationId = (key: string) => organizations.get(key)!;
      const projects = await tx.project.createManyAndReturn({
        data: [
          ...ORGANIZATIONS.flatMap((definition) =>
            definition.projects.map((key) => ({ organizationId: organizationId(definition.key), key, name: key })),
          ),
          { organizationId: organizationId("globex"), key: "globex-app", name: "globex-app" },
        ],
        select: { id: true, key: true, organizationId: true },
      });
      const groups = await tx.group.createManyAndReturn({
        data: ORGANIZATIONS.flatMap((definition) => [
          { organizationId: organizationId(definition.key), name: "Members", builtIn: true },
          { organizationId: organizationId(definition.key), name: "Owners", builtIn: true },
          { organizationId: organizationId(definition.key), name: ORGANIZATION_GROUPS[definition.key]! },
        ]),
        select: { id: true, name: true, organizationId: true, builtIn: true },
      });
      await tx.groupPermission.createMany({
        data: groups.flatMap((group): { groupId: string; permission: OrgPermissionKind }[] =>
          group.name === "Owners" ? [{ groupId: group.id, permission: "ADMIN" }] : group.builtIn ? [] : [{ groupId: group.id, permission: "SCAN" }],
        ),
      });

      // Three SSO accounts: bob's (linked to his DOP account), carol's (not linked yet) and oscar's (SSO only). Like
      // accounts provisioned ahead of any login (SCIM), they have no IdP subject yet: each person's first SAML login
      // finds theirs by email and stores the subject from then on (R16), so nobody gets a second account.
      const ssoUsers = [
        { login: "bob-acme", name: "Bob Builder", email: "bob@acme.example", groups: ["web-developers"], linksTo: "bob" },
        { login: "carol-acme", name: "Carol Coder", email: "carol@acme.example", groups: ["web-developers"], linksTo: null },
        { login: "oscar-acme", name: "Oscar Operator", email: "oscar@acme.example", groups: ["data-engineers"], linksTo: null },
      ];
      const accountRows = await tx.account.createManyAndReturn({
        data: [
          ...DOP_USERS.map((user) => ({
            login: user.login,
            name: user.name,
            email: `${user.login}@acme.example`,
            emailNormalized: `${user.login}@acme.example`,
            emailVerified: true,
            kind: "DEVOPS" as const,
            devopsPlatform: user.platform,
            lastLoginAt: new Date(now.getTime() - 3 * DAY),
          })),
          ...ssoUsers.map((user) => ({
            login: user.login,
            name: user.name,
            email: user.email,
            emailNormalized: user.email.toLowerCase(),
            emailVerified: true,
            kind: "SSO" as const,
            enterpriseId: enterprise.id,
            lastLoginAt: new Date(now.getTime() - DAY),
          })),
        ],
        select: { id: true, login: true },
      });
      const accounts = new Map(accountRows.map((row) => [row.login, row.id]));
      const accountId = (login: string) => accounts.get(login)!;
      const groupNamed = (name: string) => groups.find((group) => group.name === name)!;

      await tx.orgMembership.createMany({
        data: [
          ...DOP_USERS.flatMap((user) =>
            Object.keys(user.organizations).map((key) => ({ accountId: accountId(user.login), organizationId: organizationId(key) })),
          ),
          ...ssoUsers.flatMap((user) =>
            user.groups.map((name) => ({ accountId: accountId(user.login), organizationId: groupNamed(name).organizationId })),
          ),
        ],
      });
      await tx.orgPermission.createMany({
        data: DOP_USERS.flatMap((user) =>
          Object.entries(user.organizations).flatMap(([key, permissions]) =>
            permissions.map((permission) => ({ accountId: accountId(user.login), organizationId: organizationId(key), permission })),
          ),
        ),
      });
      await tx.groupMembership.createMany({
        data: ssoUsers.flatMap((user) => user.groups.map((name) => ({ groupId: groupNamed(name).id, accountId: accountId(user.login) }))),
      });
      await tx.enterprisePermission.create({
        data: { enterpriseId: enterprise.id, accountId: accountId("alice"), permission: "ADMINISTER_ENTERPRISE" },
      });
      await tx.identityLink.createMany({
        data: ssoUsers.flatMap((user) =>
          user.linksTo ? [{ devopsAccountId: accountId(user.linksTo), ssoAccountId: accountId(user.login), linkedById: accountId(user.login) }] : [],
        ),
      });

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
      const web = organizationId("acme-web");
      const mobile = organizationId("acme-mobile");
      const tokens = [
        demoToken({ kind: "PAT", name: "ci-web", ownerAccountId: accountId("bob"), lastUsedAt: new Date(now.getTime() - 2 * DAY) }),
        demoToken({ kind: "PAT", name: "mobile-pipeline", ownerAccountId: accountId("dave"), lastUsedAt: new Date(now.getTime() - DAY), expiresAt: new Date(now.getTime() + 5 * DAY) }),
        demoToken({ kind: "PAT", name: "laptop", ownerAccountId: accountId("erin"), lastUsedAt: new Date(now.getTime() - 10 * DAY) }),
        demoToken({ kind: "SOT", name: "web-analysis", organizationId: web, allProjects: true, createdById: accountId("alice"), lastUsedAt: new Date(now.getTime() - DAY) }),
        demoToken({ kind: "SOT", name: "ios-analysis", organizationId: mobile, allProjects: false, createdById: accountId("dave") }),
      ];
      const tokenRows = await tx.token.createManyAndReturn({ data: tokens, select: { id: true, name: true } });
      const iosProject = projects.find((project) => project.organizationId === mobile && project.key === "ios-app")!;
      await tx.tokenProject.createMany({
        data: [{ tokenId: tokenRows.find((token) => token.name === "ios-analysis")!.id, projectId: iosProject.id }],
      });

      await tx.invitation.create({
        data: {
          enterpriseId: enterprise.id,
          email: "dave@acme.example",
          emailNormalized: "dave@acme.example",
          invitedById: accountId("alice"),
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

/** A token row with a fresh secret that is thrown away: only its hash exists, as for any token. */
function demoToken(data: {
  kind: "PAT" | "SOT";
  name: string;
  ownerAccountId?: string;
  organizationId?: string;
  allProjects?: boolean;
  createdById?: string;
  lastUsedAt?: Date;
  expiresAt?: Date;
}) {
  const secret = generateTokenSecret(data.kind);
  return {
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
  };
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
