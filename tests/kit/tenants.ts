/**
 * Two enterprises sharing accounts, and an oracle that says from the database alone — independently of the
 * server's own filters — which objects a principal may see (R15). Used by the authorization matrix and the tenant
 * isolation tests.
 */
import type { PrismaClient } from "@sso-cutover/db";
import { TOKEN_PREFIX, generateTokenSecret, hashTokenSecret, lastFour } from "@sso-cutover/tokens";
import { buildScenario, type Scenario } from "./scenario";

const DAY = 86_400_000;

export interface TwoEnterprises {
  a: Scenario;
  b: Scenario;
  /** Secrets of the scoped organization tokens, by handle (`a-web`, `b-gweb`). */
  sotSecret: Record<string, string>;
  sotId: Record<string, string>;
  invitationId: { a: string; b: string };
}

/**
 * Enterprise A (`acme`): organizations `web` (with a `Developers` group) and `mobile` (Bitbucket), and `lonely`
 * outside any enterprise; an enterprise admin, an organization admin, a DOP member, a group-only member, an SSO
 * member, a linked pair, and `shared`, who is also a member of B's organization. Enterprise B (`globex`): `gweb`, its
 * admin, a member and a linked pair. Each enterprise has an invitation, an audit event, a SOT and PATs.
 */
export async function buildTwoEnterprises(prisma: PrismaClient): Promise<TwoEnterprises> {
  const past = new Date(Date.now() - DAY);
  const a = await buildScenario(prisma, {
    enterprise: { key: "acme" },
    organizations: {
      web: { groups: { Developers: ["SCAN"] } },
      mobile: { devopsPlatform: "BITBUCKET_CLOUD" },
      lonely: { inEnterprise: false },
    },
    accounts: {
      "a-admin": {
        enterpriseAdmin: true,
        memberOf: ["web", "mobile"],
        permissions: { web: ["ADMIN"], mobile: ["ADMIN"] },
        tokens: { main: {}, revoked: { revoked: true }, expired: { expiresAt: past } },
      },
      "a-orgadmin": { memberOf: ["mobile"], permissions: { mobile: ["ADMIN"] }, tokens: { main: {} } },
      "a-dop": { memberOf: ["web"], tokens: { main: {} } },
      "a-grouped": { groups: { web: ["Developers"] }, tokens: { main: {} } },
      "a-sso": { kind: "SSO", tokens: { main: {} } },
      "a-pair-dop": { memberOf: ["web"], linkedTo: "a-pair-sso", tokens: { main: {} } },
      "a-pair-sso": { kind: "SSO" },
      shared: { memberOf: ["web", "lonely"], tokens: { main: {} } },
    },
  });
  const b = await buildScenario(prisma, {
    enterprise: { key: "globex" },
    organizations: { gweb: {}, gops: { devopsPlatform: "GITLAB", plan: "TEAM" } },
    accounts: {
      "b-admin": { enterpriseAdmin: true, memberOf: ["gweb", "gops"], permissions: { gweb: ["ADMIN"], gops: ["ADMIN"] }, tokens: { main: {} } },
      "b-dop": { memberOf: ["gops"], tokens: { main: {} } },
      "b-pair-dop": { memberOf: ["gweb"], linkedTo: "b-pair-sso", tokens: { main: {} } },
      "b-pair-sso": { kind: "SSO" },
    },
  });
  // `shared` is in both enterprises: the account of the cross-tenant leak.
  await prisma.orgMembership.create({ data: { accountId: a.account("shared").id, organizationId: b.organization("gweb").id } });

  const sotSecret: Record<string, string> = {};
  const sotId: Record<string, string> = {};
  for (const [handle, organizationId, creator] of [
    ["a-web", a.organization("web").id, a.account("a-admin").id],
    ["b-gweb", b.organization("gweb").id, b.account("b-admin").id],
  ] as const) {
    const secret = generateTokenSecret("SOT");
    const project = await prisma.project.create({ data: { organizationId, key: "app", name: "app" } });
    const token = await prisma.token.create({
      data: {
        kind: "SOT",
        name: `ci-${handle}`,
        prefix: TOKEN_PREFIX.SOT,
        lastFour: lastFour(secret),
        hash: hashTokenSecret(secret),
        organizationId,
        createdById: creator,
        projects: { create: [{ projectId: project.id }] },
      },
    });
    sotSecret[handle] = secret;
    sotId[handle] = token.id;
  }

  const invitationId = { a: "", b: "" };
  for (const [side, scenario, admin] of [["a", a, "a-admin"], ["b", b, "b-admin"]] as const) {
    const email = `invitee-${scenario.suffix}@example.com`;
    const invitation = await prisma.invitation.create({
      data: {
        enterpriseId: scenario.enterprise.id,
        email,
        emailNormalized: email,
        invitedById: scenario.account(admin).id,
        expiresAt: new Date(Date.now() + 14 * DAY),
      },
    });
    invitationId[side] = invitation.id;
    // R14: one IdP group mapping per enterprise, so the matrix covers SsoConnection.groupMappings.
    const connection = await prisma.ssoConnection.findUnique({ where: { enterpriseId: scenario.enterprise.id } });
    const group = await prisma.group.findFirst({
      where: { organization: { enterpriseId: scenario.enterprise.id }, name: { not: "Members" } },
      orderBy: { name: "asc" },
    });
    if (connection && group) {
      await prisma.ssoGroupMapping.create({
        data: { ssoConnectionId: connection.id, idpGroup: `idp-${scenario.suffix}`, groupId: group.id, createdById: scenario.account(admin).id },
      });
    }
    await prisma.auditEvent.create({
      data: {
        enterpriseId: scenario.enterprise.id,
        actorId: scenario.account(admin).id,
        actorLogin: scenario.account(admin).login,
        action: "invitation.created",
        targetType: "Invitation",
        targetId: invitation.id,
        payload: { count: 1 },
      },
    });
  }
  return { a, b, sotSecret, sotId, invitationId };
}

// ------------------------------------------------------------------------------------------------ oracle

/** The GraphQL types whose objects belong to an enterprise, and the table each lives in. */
export const ENTERPRISE_OWNED_TYPES = [
  "Enterprise",
  "Organization",
  "Account",
  "Invitation",
  "Token",
  "IdentityLink",
  "SsoConnection",
  "AuditEvent",
  "OrganizationGroup",
  "SsoGroupMapping",
] as const;
export type OwnedType = (typeof ENTERPRISE_OWNED_TYPES)[number];

export interface World {
  rows: Record<OwnedType, { id: string }[]>;
  /** Strings that identify an object (keys, logins, emails): shown only to those who may see it. */
  names: Map<string, { type: OwnedType; id: string }>;
  read(accountId: string | null): Visibility;
}

export interface Visibility {
  sees(type: OwnedType, id: string): boolean;
  /** The identifying strings the principal may read. */
  mayRead(name: string): boolean;
}

/** Reads every enterprise-owned row and the relations that decide visibility, in a few statements. */
export async function readWorld(prisma: PrismaClient): Promise<World> {
  const [enterprises, organizations, accounts, memberships, groupMemberships, groups, orgPermissions, enterprisePermissions, links, tokens, invitations, auditEvents, ssoConnections, groupMappings] =
    await Promise.all([
      prisma.enterprise.findMany(),
      prisma.organization.findMany(),
      prisma.account.findMany(),
      prisma.orgMembership.findMany(),
      prisma.groupMembership.findMany(),
      prisma.group.findMany({ include: { permissions: true } }),
      prisma.orgPermission.findMany(),
      prisma.enterprisePermission.findMany(),
      prisma.identityLink.findMany(),
      prisma.token.findMany(),
      prisma.invitation.findMany(),
      prisma.auditEvent.findMany(),
      prisma.ssoConnection.findMany(),
      prisma.ssoGroupMapping.findMany(),
    ]);
  const groupById = new Map(groups.map((group) => [group.id, group]));
  const organizationById = new Map(organizations.map((organization) => [organization.id, organization]));
  const accountById = new Map(accounts.map((account) => [account.id, account]));

  /** Organizations an account belongs to, directly or through a group. */
  const organizationsOf = (accountId: string): Set<string> =>
    new Set([
      ...memberships.filter((m) => m.accountId === accountId).map((m) => m.organizationId),
      ...groupMemberships.filter((m) => m.accountId === accountId).map((m) => groupById.get(m.groupId)!.organizationId),
    ]);
  const linkedWith = (accountId: string): string[] =>
    links.flatMap((link) =>
      link.devopsAccountId === accountId ? [link.ssoAccountId] : link.ssoAccountId === accountId ? [link.devopsAccountId] : [],
    );
  /** Accounts that belong to an enterprise: DOP members of its organizations, its SSO accounts, DOP accounts linked to those. */
  const membersOf = (enterpriseId: string): Set<string> => {
    const members = new Set<string>();
    for (const account of accounts) {
      const inOrganization = [...organizationsOf(account.id)].some((id) => organizationById.get(id)?.enterpriseId === enterpriseId);
      if (account.kind === "DEVOPS" && !account.deletedAt && inOrganization) members.add(account.id);
      if (account.kind === "SSO" && !account.deletedAt && account.enterpriseId === enterpriseId) members.add(account.id);
      if (account.kind === "DEVOPS") {
        const link = links.find((l) => l.devopsAccountId === account.id);
        if (link && accountById.get(link.ssoAccountId)?.enterpriseId === enterpriseId) members.add(account.id);
      }
    }
    return members;
  };

  const names = new Map<string, { type: OwnedType; id: string }>();
  for (const enterprise of enterprises) names.set(enterprise.key, { type: "Enterprise", id: enterprise.id });
  for (const organization of organizations) names.set(organization.key, { type: "Organization", id: organization.id });
  for (const account of accounts) {
    names.set(account.login, { type: "Account", id: account.id });
    if (account.email) names.set(account.email, { type: "Account", id: account.id });
  }
  for (const invitation of invitations) names.set(invitation.email, { type: "Invitation", id: invitation.id });

  return {
    rows: {
      Enterprise: enterprises,
      Organization: organizations,
      Account: accounts,
      Invitation: invitations,
      Token: tokens,
      IdentityLink: links,
      SsoConnection: ssoConnections,
      AuditEvent: auditEvents,
      OrganizationGroup: groups,
      SsoGroupMapping: groupMappings,
    },
    names,
    read(accountId) {
      const visible: Record<OwnedType, Set<string>> = {
        Enterprise: new Set(),
        Organization: new Set(),
        Account: new Set(),
        Invitation: new Set(),
        Token: new Set(),
        IdentityLink: new Set(),
        SsoConnection: new Set(),
        AuditEvent: new Set(),
        OrganizationGroup: new Set(),
        SsoGroupMapping: new Set(),
      };
      if (accountId) {
        const viewer = accountById.get(accountId)!;
        const own = organizationsOf(accountId);
        const permissionsHeld = enterprisePermissions.filter((p) => p.accountId === accountId);
        for (const enterprise of enterprises) {
          const member = [...own].some((id) => organizationById.get(id)?.enterpriseId === enterprise.id);
          const permission = permissionsHeld.some((p) => p.enterpriseId === enterprise.id);
          const ssoAccount = viewer.kind === "SSO" && viewer.enterpriseId === enterprise.id;
          if (member || permission || ssoAccount) visible.Enterprise.add(enterprise.id);
        }
        for (const organization of organizations) {
          if (own.has(organization.id) || (organization.enterpriseId && visible.Enterprise.has(organization.enterpriseId))) {
            visible.Organization.add(organization.id);
          }
        }
        visible.Account.add(accountId);
        for (const id of linkedWith(accountId)) visible.Account.add(id);
        for (const enterpriseId of visible.Enterprise) {
          for (const id of membersOf(enterpriseId)) visible.Account.add(id);
          for (const p of enterprisePermissions) if (p.enterpriseId === enterpriseId) visible.Account.add(p.accountId);
        }
        const administeredEnterprises = new Set(
          permissionsHeld.filter((p) => p.permission === "ADMINISTER_ENTERPRISE").map((p) => p.enterpriseId),
        );
        const administeredOrganizations = new Set(
          organizations
            .filter(
              (organization) =>
                orgPermissions.some((p) => p.accountId === accountId && p.organizationId === organization.id && p.permission === "ADMIN") ||
                groups.some(
                  (group) =>
                    group.organizationId === organization.id &&
                    group.permissions.some((p) => p.permission === "ADMIN") &&
                    groupMemberships.some((m) => m.groupId === group.id && m.accountId === accountId),
                ),
            )
            .map((organization) => organization.id),
        );
        const overseen = (organizationId: string) =>
          administeredOrganizations.has(organizationId) ||
          administeredEnterprises.has(organizationById.get(organizationId)?.enterpriseId ?? "");
        for (const invitation of invitations) if (administeredEnterprises.has(invitation.enterpriseId)) visible.Invitation.add(invitation.id);
        for (const event of auditEvents) if (administeredEnterprises.has(event.enterpriseId ?? "")) visible.AuditEvent.add(event.id);
        for (const connection of ssoConnections) {
          if (permissionsHeld.some((p) => p.enterpriseId === connection.enterpriseId)) visible.SsoConnection.add(connection.id);
        }
        for (const token of tokens) {
          if (token.kind === "SOT") {
            if (administeredOrganizations.has(token.organizationId ?? "")) visible.Token.add(token.id);
            continue;
          }
          const owner = accountById.get(token.ownerAccountId ?? "");
          if (!owner) continue;
          if (
            owner.id === accountId ||
            linkedWith(accountId).includes(owner.id) ||
            [...organizationsOf(owner.id)].some(overseen) ||
            (owner.kind === "SSO" && administeredEnterprises.has(owner.enterpriseId ?? ""))
          ) {
            visible.Token.add(token.id);
          }
        }
        for (const group of groups) if (visible.Organization.has(group.organizationId)) visible.OrganizationGroup.add(group.id);
        for (const mapping of groupMappings) if (visible.SsoConnection.has(mapping.ssoConnectionId)) visible.SsoGroupMapping.add(mapping.id);
        for (const link of links) {
          if (visible.Account.has(link.devopsAccountId) && visible.Account.has(link.ssoAccountId)) visible.IdentityLink.add(link.id);
        }
      }
      return {
        sees: (type, id) => visible[type].has(id),
        mayRead: (name) => {
          const owner = names.get(name);
          return !owner || visible[owner.type].has(owner.id);
        },
      };
    },
  };
}

/** A relay global id, as the server encodes it. */
export function globalId(typename: string, id: string): string {
  return Buffer.from(`${typename}:${id}`).toString("base64");
}

export function decodeGlobalId(value: string): { typename: string; id: string } {
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return { typename: decoded.slice(0, colon), id: decoded.slice(colon + 1) };
}

/**
 * One fingerprint of every table, ignoring the columns that authenticating a request updates (`lastUsedAt`), so that
 * "nothing changed" can be checked after refused mutations. One statement.
 */
export async function databaseFingerprint(prisma: PrismaClient): Promise<string> {
  const tables = await prisma.$queryRawUnsafe<{ table_name: string }[]>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
       AND table_name <> '_prisma_migrations' ORDER BY table_name`,
  );
  const parts = tables.map(
    ({ table_name }) =>
      `SELECT '${table_name}' AS t, md5(coalesce(string_agg((to_jsonb(r) - 'lastUsedAt')::text, ',' ORDER BY (to_jsonb(r) - 'lastUsedAt')::text), '')) AS h FROM "${table_name}" r`,
  );
  const rows = await prisma.$queryRawUnsafe<{ t: string; h: string }[]>(parts.join(" UNION ALL "));
  return rows.map((row) => `${row.t}:${row.h}`).sort().join("|");
}
