/**
 * Scenario builder: an enterprise with its organizations, groups, DOP and SSO accounts, memberships,
 * permissions, identity links and personal access tokens, written in a few bulk statements.
 *
 *   const s = await buildScenario(db.prisma, {
 *     organizations: { web: { groups: { Developers: ["SCAN"] } }, outside: { inEnterprise: false } },
 *     accounts: {
 *       admin: { enterpriseAdmin: true, memberOf: ["web"], permissions: { web: ["ADMIN"] } },
 *       "alice-gh": { memberOf: ["web"], groups: { web: ["Developers"] }, linkedTo: "alice", tokens: { ci: {} } },
 *       alice: { kind: "SSO" },
 *     },
 *   });
 *   s.account("alice"), s.actor("admin"), s.organization("web"), s.group("web", "Developers"), s.secret("alice-gh", "ci")
 *
 * Everything is referred to by a short handle; the stored keys and logins get a suffix unique to the scenario
 * (`web-3fa9c1`), so several scenarios can share one test database. Options and defaults:
 * - `enterprise`: `{ key = "acme", name, ssoConnection = "ACTIVE" }` — the enterprise's SSO connection (JIT,
 *   signed by a test certificate): "ACTIVE", "DRAFT", or "NONE" for an enterprise that has not configured SSO.
 * - `organizations[handle]`: `plan` (ENTERPRISE), `devopsPlatform` (GITHUB; null for unbound), `inEnterprise`
 *   (true; false makes an organization outside the enterprise), `groups` (custom group name → permissions).
 *   Every organization gets the built-in groups `Members` (no permission) and `Owners` (ADMIN).
 * - `accounts[handle]`: `kind` (DEVOPS), `email` (`<handle>@example.com`; null for none), `emailVerified` (true),
 *   `name`, `devopsPlatform` (GITHUB for DOP accounts), `deleted` (false), `enterpriseAdmin` (Administer
 *   Enterprise), `enterprisePermissions` (any), `memberOf` (organization handles, direct memberships),
 *   `permissions` (organization handle → direct permissions), `groups` (organization handle → group names),
 *   `linkedTo` (DOP accounts: handle of the SSO account superseding it), `tokens` (PAT name →
 *   `{ expiresAt, revoked, lastUsedAt }`; secrets from `secret(handle, name)`). SSO accounts belong to the
 *   scenario's enterprise.
 */
import { randomBytes } from "node:crypto";
import type {
  Account,
  AccountKind,
  AuditEvent,
  DevopsPlatform,
  Enterprise,
  EnterprisePermissionKind,
  Group,
  OrgPermissionKind,
  Organization,
  Plan,
  PrismaClient,
} from "@sso-cutover/db";
import type { Actor } from "@sso-cutover/enterprise";
import { TOKEN_PREFIX, generateTokenSecret, hashTokenSecret, lastFour } from "@sso-cutover/tokens";
import { certificatePem } from "./certificates";

let certificate: Promise<string> | null = null;
/** One IdP certificate per test process: generating a key pair takes a few hundred milliseconds. */
function scenarioCertificate(): Promise<string> {
  certificate ??= certificatePem().then((pems) => pems.cert);
  return certificate;
}

export interface OrganizationSpec {
  name?: string;
  plan?: Plan;
  devopsPlatform?: DevopsPlatform | null;
  inEnterprise?: boolean;
  groups?: Record<string, OrgPermissionKind[]>;
}

export interface TokenSpec {
  expiresAt?: Date | null;
  revoked?: boolean;
  lastUsedAt?: Date | null;
}

export interface AccountSpec {
  kind?: AccountKind;
  email?: string | null;
  emailVerified?: boolean;
  name?: string;
  devopsPlatform?: DevopsPlatform | null;
  deleted?: boolean;
  enterpriseAdmin?: boolean;
  enterprisePermissions?: EnterprisePermissionKind[];
  memberOf?: string[];
  permissions?: Record<string, OrgPermissionKind[]>;
  groups?: Record<string, string[]>;
  linkedTo?: string;
  tokens?: Record<string, TokenSpec>;
}

export interface ScenarioSpec {
  enterprise?: { key?: string; name?: string; ssoConnection?: "ACTIVE" | "DRAFT" | "NONE" };
  organizations?: Record<string, OrganizationSpec>;
  accounts?: Record<string, AccountSpec>;
}

export interface Scenario {
  /** Suffix appended to every key and login of this scenario. */
  suffix: string;
  enterprise: Enterprise;
  organization(handle: string): Organization;
  account(handle: string): Account;
  /** The account as the actor of a domain operation (DOP accounts via PAT, SSO accounts via session). */
  actor(handle: string): Actor;
  group(organizationHandle: string, name: string): Group;
  /** The secret of a personal access token declared in the spec (shown once in real life). */
  secret(accountHandle: string, tokenName: string): string;
  /** Id of a personal access token declared in the spec. */
  tokenId(accountHandle: string, tokenName: string): string;
  /** The enterprise's audit events, oldest first, optionally of one action. */
  auditEvents(action?: string): Promise<AuditEvent[]>;
}

export const BUILT_IN_GROUPS: Record<string, OrgPermissionKind[]> = { Members: [], Owners: ["ADMIN"] };

function lookup<T>(map: Map<string, T>, handle: string, what: string): T {
  const found = map.get(handle);
  if (found === undefined) throw new Error(`scenario: no ${what} "${handle}" (known: ${[...map.keys()].join(", ") || "none"})`);
  return found;
}

export async function buildScenario(prisma: PrismaClient, spec: ScenarioSpec = {}): Promise<Scenario> {
  const suffix = randomBytes(3).toString("hex");
  const unique = (handle: string) => `${handle}-${suffix}`;
  const enterpriseKey = unique(spec.enterprise?.key ?? "acme");
  const enterprise = await prisma.enterprise.create({
    data: { key: enterpriseKey, name: spec.enterprise?.name ?? `Enterprise ${enterpriseKey}` },
  });
  const connectionStatus = spec.enterprise?.ssoConnection ?? "ACTIVE";
  if (connectionStatus !== "NONE") {
    await prisma.ssoConnection.create({
      data: {
        enterpriseId: enterprise.id,
        idpEntityId: `https://idp.${enterpriseKey}.test/metadata`,
        idpSsoUrl: `https://idp.${enterpriseKey}.test/sso`,
        idpCertificates: [await scenarioCertificate()],
        status: connectionStatus,
      },
    });
  }

  // Organizations and their groups.
  const organizationSpecs = Object.entries(spec.organizations ?? {});
  await prisma.organization.createMany({
    data: organizationSpecs.map(([handle, org]) => ({
      key: unique(handle),
      name: org.name ?? `Organization ${handle}`,
      enterpriseId: org.inEnterprise === false ? null : enterprise.id,
      plan: org.plan ?? "ENTERPRISE",
      devopsPlatform: org.devopsPlatform === undefined ? "GITHUB" : org.devopsPlatform,
    })),
  });
  const organizationRows = await prisma.organization.findMany({ where: { key: { in: organizationSpecs.map(([h]) => unique(h)) } } });
  const organizations = new Map(organizationSpecs.map(([handle]) => [handle, organizationRows.find((o) => o.key === unique(handle))!]));

  const groupSpecs = organizationSpecs.flatMap(([handle, org]) =>
    Object.entries({ ...BUILT_IN_GROUPS, ...(org.groups ?? {}) }).map(([name, permissions]) => ({
      organizationHandle: handle,
      name,
      permissions,
      builtIn: name in BUILT_IN_GROUPS,
    })),
  );
  await prisma.group.createMany({
    data: groupSpecs.map((g) => ({ organizationId: organizations.get(g.organizationHandle)!.id, name: g.name, builtIn: g.builtIn })),
  });
  const groupRows = await prisma.group.findMany({ where: { organizationId: { in: organizationRows.map((o) => o.id) } } });
  const groups = new Map(
    groupRows.map((group) => {
      const handle = organizationSpecs.find(([h]) => organizations.get(h)!.id === group.organizationId)![0];
      return [`${handle}/${group.name}`, group];
    }),
  );
  await prisma.groupPermission.createMany({
    data: groupSpecs.flatMap((g) =>
      g.permissions.map((permission) => ({ groupId: lookup(groups, `${g.organizationHandle}/${g.name}`, "group").id, permission })),
    ),
  });

  // Accounts.
  const accountSpecs = Object.entries(spec.accounts ?? {});
  await prisma.account.createMany({
    data: accountSpecs.map(([handle, account]) => {
      const kind = account.kind ?? "DEVOPS";
      const email = account.email === undefined ? `${handle}@example.com` : account.email;
      return {
        login: unique(handle),
        name: account.name ?? handle,
        kind,
        email,
        emailNormalized: email?.trim().toLowerCase() ?? null,
        emailVerified: account.emailVerified ?? true,
        devopsPlatform: kind === "DEVOPS" ? (account.devopsPlatform === undefined ? "GITHUB" : account.devopsPlatform) : null,
        enterpriseId: kind === "SSO" ? enterprise.id : null,
        deletedAt: account.deleted ? new Date() : null,
      };
    }),
  });
  const accountRows = await prisma.account.findMany({ where: { login: { in: accountSpecs.map(([h]) => unique(h)) } } });
  const accounts = new Map(accountSpecs.map(([handle]) => [handle, accountRows.find((a) => a.login === unique(handle))!]));
  const accountId = (handle: string) => lookup(accounts, handle, "account").id;
  const organizationId = (handle: string) => lookup(organizations, handle, "organization").id;

  await prisma.enterprisePermission.createMany({
    data: accountSpecs.flatMap(([handle, account]) =>
      [...new Set([...(account.enterpriseAdmin ? (["ADMINISTER_ENTERPRISE"] as const) : []), ...(account.enterprisePermissions ?? [])])].map(
        (permission) => ({ enterpriseId: enterprise.id, accountId: accountId(handle), permission }),
      ),
    ),
  });
  await prisma.orgMembership.createMany({
    data: accountSpecs.flatMap(([handle, account]) =>
      (account.memberOf ?? []).map((org) => ({ accountId: accountId(handle), organizationId: organizationId(org) })),
    ),
  });
  await prisma.orgPermission.createMany({
    data: accountSpecs.flatMap(([handle, account]) =>
      Object.entries(account.permissions ?? {}).flatMap(([org, permissions]) =>
        permissions.map((permission) => ({ accountId: accountId(handle), organizationId: organizationId(org), permission })),
      ),
    ),
  });
  await prisma.groupMembership.createMany({
    data: accountSpecs.flatMap(([handle, account]) =>
      Object.entries(account.groups ?? {}).flatMap(([org, names]) =>
        names.map((name) => ({ accountId: accountId(handle), groupId: lookup(groups, `${org}/${name}`, "group").id })),
      ),
    ),
  });
  await prisma.identityLink.createMany({
    data: accountSpecs
      .filter(([, account]) => account.linkedTo)
      .map(([handle, account]) => ({
        devopsAccountId: accountId(handle),
        ssoAccountId: accountId(account.linkedTo!),
        linkedById: accountId(account.linkedTo!),
      })),
  });

  // Personal access tokens: only their hashes are stored; the secrets stay in the scenario.
  const secrets = new Map<string, string>();
  const tokenRows = accountSpecs.flatMap(([handle, account]) =>
    Object.entries(account.tokens ?? {}).map(([name, token]) => {
      const secret = generateTokenSecret("PAT");
      secrets.set(`${handle}/${name}`, secret);
      return {
        kind: "PAT" as const,
        name,
        prefix: TOKEN_PREFIX.PAT,
        lastFour: lastFour(secret),
        hash: hashTokenSecret(secret),
        ownerAccountId: accountId(handle),
        createdById: accountId(handle),
        expiresAt: token.expiresAt ?? null,
        lastUsedAt: token.lastUsedAt ?? null,
        revokedAt: token.revoked ? new Date() : null,
      };
    }),
  );
  await prisma.token.createMany({ data: tokenRows });
  const storedTokens = await prisma.token.findMany({ where: { hash: { in: tokenRows.map((t) => t.hash) } }, select: { id: true, hash: true } });
  const tokenIds = new Map(
    [...secrets].map(([key, secret]) => [key, storedTokens.find((t) => t.hash === hashTokenSecret(secret))!.id]),
  );

  return {
    suffix,
    enterprise,
    organization: (handle) => lookup(organizations, handle, "organization"),
    account: (handle) => lookup(accounts, handle, "account"),
    actor(handle) {
      const account = lookup(accounts, handle, "account");
      return { accountId: account.id, login: account.login, kind: account.kind, via: account.kind === "SSO" ? "SESSION" : "PAT" };
    },
    group: (organizationHandle, name) => lookup(groups, `${organizationHandle}/${name}`, "group"),
    secret: (accountHandle, tokenName) => lookup(secrets, `${accountHandle}/${tokenName}`, "token"),
    tokenId: (accountHandle, tokenName) => lookup(tokenIds, `${accountHandle}/${tokenName}`, "token"),
    auditEvents: (action) =>
      prisma.auditEvent.findMany({
        where: { enterpriseId: enterprise.id, ...(action ? { action } : {}) },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      }),
  };
}
