/**
 * Generated enterprises for tests that compare a set-based computation with the domain's reference one: the
 * organizations, accounts, links, memberships (direct and through groups), permissions, tokens, deletions,
 * invitations, acknowledged access losses and last-admin retentions are drawn from a seed, so that a failing case
 * can be replayed.
 */
import type { PrismaClient } from "@sso-cutover/db";
import { buildScenario, type AccountSpec, type OrganizationSpec, type Scenario } from "./scenario";

const DAY = 24 * 3600_000;

/** A small deterministic generator (mulberry32), so that a failing seed can be replayed. */
export function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An enterprise of `organizations` organizations (`org0`…, plans alternating ENTERPRISE / FREE) and `people` DOP
 * accounts (`dop00`…), each a member of one organization, in a group of the next, holding SCAN in the first and two
 * tokens (`ci`, and `laptop` last used at `laptopLastUsedAt`); every other one is linked to an SSO account (`sso0`…)
 * of its organization. `admin` holds Administer Enterprise and ADMIN in `org0`. For tests that walk members at size.
 */
export function linkedEnterpriseSpec(organizations: number, people: number, laptopLastUsedAt: Date) {
  const organizationSpecs = Object.fromEntries(
    Array.from({ length: organizations }, (_, index) => [`org${index}`, { plan: index % 2 === 0 ? "ENTERPRISE" : "FREE" }] as const),
  );
  const accounts: Record<string, AccountSpec> = {
    admin: { enterpriseAdmin: true, memberOf: ["org0"], permissions: { org0: ["ADMIN"] } },
  };
  for (let person = 0; person < people; person++) {
    const home = `org${person % organizations}`;
    const second = `org${(person + 1) % organizations}`;
    accounts[`dop${String(person).padStart(2, "0")}`] = {
      memberOf: [home],
      groups: { [second]: ["Members"] },
      permissions: { [home]: ["SCAN"] },
      tokens: { ci: {}, laptop: { lastUsedAt: laptopLastUsedAt } },
      ...(person % 2 === 0 ? { linkedTo: `sso${person}` } : {}),
    };
    if (person % 2 === 0) accounts[`sso${person}`] = { kind: "SSO", memberOf: [home] };
  }
  return { organizations: organizationSpecs, accounts };
}

/**
 * An enterprise whose organizations, accounts, links, memberships (direct and through groups), permissions, tokens,
 * deletions, invitations, acknowledged access losses and last-admin retentions are drawn from the seed.
 */
export async function generatedEnterprise(prisma: PrismaClient, seed: number, now: Date = new Date()): Promise<Scenario> {
  const draw = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(draw() * items.length)]!;
  const chance = (p: number) => draw() < p;
  const organizationCount = 1 + Math.floor(draw() * 5);
  const organizations: Record<string, OrganizationSpec> = {};
  for (let index = 0; index < organizationCount; index++) {
    organizations[`org${index}`] = {
      plan: pick(["FREE", "TEAM", "ENTERPRISE"] as const),
      devopsPlatform: pick(["GITHUB", "BITBUCKET_CLOUD", null] as const),
      inEnterprise: index === 0 || chance(0.85),
      groups: chance(0.5) ? { Developers: ["SCAN"] } : {},
    };
  }
  const orgHandles = Object.keys(organizations);
  const accounts: Record<string, AccountSpec> = {};
  const people = 6 + Math.floor(draw() * 20);
  for (let person = 0; person < people; person++) {
    const memberOf = orgHandles.filter(() => chance(0.35));
    const groups = Object.fromEntries(
      orgHandles.filter(() => chance(0.25)).map((org) => [org, [pick(organizations[org]!.groups?.Developers ? ["Members", "Owners", "Developers"] : ["Members", "Owners"])]]),
    );
    const permissions = Object.fromEntries(orgHandles.filter(() => chance(0.2)).map((org) => [org, [pick(["ADMIN", "SCAN"] as const)]]));
    const sso = chance(0.5) ? `p${person}` : undefined;
    accounts[`p${person}-gh`] = {
      memberOf,
      groups,
      permissions,
      deleted: chance(0.1),
      enterpriseAdmin: chance(0.1),
      email: chance(0.9) ? `P${person}@Example.com` : null,
      tokens: Object.fromEntries(
        Array.from({ length: Math.floor(draw() * 3) }, (_, index) => [`t${index}`, { revoked: chance(0.2) }]),
      ),
      ...(sso ? { linkedTo: sso } : {}),
    };
    if (sso || chance(0.2)) {
      accounts[sso ?? `solo${person}`] = {
        kind: "SSO",
        memberOf: orgHandles.filter(() => chance(0.3)),
        deleted: chance(0.05),
        enterpriseAdmin: chance(0.15),
      };
    }
  }
  const scenario = await buildScenario(prisma, {
    enterprise: { ssoConnection: pick(["ACTIVE", "DRAFT", "NONE"] as const) },
    organizations,
    accounts,
  });
  const enterpriseOrganizations = orgHandles.filter((handle) => organizations[handle]!.inEnterprise !== false);
  const admin = scenario.account(Object.keys(accounts)[0]!);
  for (const [handle, spec] of Object.entries(accounts)) {
    const account = scenario.account(handle);
    if (account.email && chance(0.4)) {
      await prisma.invitation.create({
        data: {
          enterpriseId: scenario.enterprise.id,
          email: account.email,
          emailNormalized: account.email.toLowerCase(),
          invitedById: admin.id,
          status: pick(["PENDING", "PENDING", "ACCEPTED", "REVOKED"] as const),
          expiresAt: new Date(now.getTime() + (chance(0.3) ? -1 : 10) * DAY),
        },
      });
    }
    if ((spec.kind ?? "DEVOPS") === "DEVOPS" && chance(0.25)) {
      await prisma.accessLossAcknowledgement.create({
        data: { enterpriseId: scenario.enterprise.id, devopsAccountId: account.id, organizationId: scenario.organization(pick(enterpriseOrganizations)).id },
      });
    }
    if (spec.kind === "SSO" && chance(0.2)) {
      await prisma.lastAdminRetention.create({
        data: { enterpriseId: scenario.enterprise.id, accountId: account.id, organizationId: scenario.organization(pick(enterpriseOrganizations)).id },
      });
    }
  }
  return scenario;
}

async function account(prisma: PrismaClient, kind: "DEVOPS" | "SSO", login: string, extra: { enterpriseId?: string | null; deleted?: boolean } = {}) {
  return prisma.account.create({
    data: {
      login,
      name: login,
      kind,
      email: `${login}@example.com`,
      emailNormalized: `${login}@example.com`,
      devopsPlatform: kind === "DEVOPS" ? "GITHUB" : null,
      enterpriseId: extra.enterpriseId ?? null,
      deletedAt: extra.deleted ? new Date() : null,
    },
  });
}

async function link(prisma: PrismaClient, devopsAccountId: string, ssoAccountId: string) {
  await prisma.identityLink.create({ data: { devopsAccountId, ssoAccountId, linkedById: devopsAccountId } });
}

/**
 * People across two generated enterprises, which no single generated enterprise has: links across enterprises,
 * memberships in both, deleted accounts on either side, acknowledged losses, admins in no organization.
 */
export async function crossEnterprisePeople(prisma: PrismaClient, a: Scenario, b: Scenario) {
  const orgA = a.organization("org0");
  const orgB = b.organization("org0");
  // In A, linked to an SSO account of B: its own enterprise is B's, and it is a member of both.
  const x1 = await account(prisma, "DEVOPS", "x1-gh");
  await prisma.orgMembership.create({ data: { accountId: x1.id, organizationId: orgA.id } });
  await link(prisma, x1.id, (await account(prisma, "SSO", "x1", { enterpriseId: b.enterprise.id })).id);
  // In A and B, directly and through a group, not linked: no enterprise of its own.
  const x2 = await account(prisma, "DEVOPS", "x2-gh");
  await prisma.orgMembership.create({ data: { accountId: x2.id, organizationId: orgA.id } });
  await prisma.groupMembership.create({ data: { accountId: x2.id, groupId: b.group("org0", "Owners").id } });
  // In B through a group only, linked to a deleted SSO account of A.
  const x3 = await account(prisma, "DEVOPS", "x3-gh");
  await prisma.groupMembership.create({ data: { accountId: x3.id, groupId: b.group("org0", "Owners").id } });
  await link(prisma, x3.id, (await account(prisma, "SSO", "x3", { enterpriseId: a.enterprise.id, deleted: true })).id);
  // An SSO account of A linked to a DOP account in no organization (its DOP side left).
  const x4 = await account(prisma, "SSO", "x4", { enterpriseId: a.enterprise.id });
  await prisma.orgMembership.create({ data: { accountId: x4.id, organizationId: orgA.id } });
  await link(prisma, (await account(prisma, "DEVOPS", "x4-gh")).id, x4.id);
  // Strangers: a DOP account in no organization, an SSO account of no enterprise, a deleted DOP account in B.
  await account(prisma, "DEVOPS", "x5-gh");
  await account(prisma, "SSO", "x6");
  const x7 = await account(prisma, "DEVOPS", "x7-gh", { deleted: true });
  await prisma.orgMembership.create({ data: { accountId: x7.id, organizationId: orgB.id } });
  // Removed from A with an acknowledged loss of access (R9 d), in no organization any more: still a member of A, unless
  // deleted.
  for (const [login, deleted] of [["x9-gh", false], ["x10-gh", true]] as const) {
    const removed = await account(prisma, "DEVOPS", login, { deleted });
    await prisma.accessLossAcknowledgement.create({ data: { enterpriseId: a.enterprise.id, devopsAccountId: removed.id, organizationId: orgA.id } });
  }
  // An admin of A in no organization (a permission holder only).
  const x11 = await account(prisma, "DEVOPS", "x11-gh");
  await prisma.enterprisePermission.create({ data: { enterpriseId: a.enterprise.id, accountId: x11.id, permission: "ADMINISTER_ENTERPRISE" } });
  // Admin of B with a second enterprise permission, member of A: reviews B's members, only itself in A.
  const x8 = await account(prisma, "DEVOPS", "x8-gh");
  await prisma.orgMembership.create({ data: { accountId: x8.id, organizationId: orgA.id } });
  await prisma.enterprisePermission.createMany({
    data: [
      { enterpriseId: b.enterprise.id, accountId: x8.id, permission: "ADMINISTER_ENTERPRISE" },
      { enterpriseId: b.enterprise.id, accountId: x8.id, permission: "CREATE_PORTFOLIOS" },
    ],
  });
}
