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

