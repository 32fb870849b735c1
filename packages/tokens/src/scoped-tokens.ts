import { DomainError, forbidden, invalidInput, notFound, serializable, type Plan, type PrismaClient } from "@sso-cutover/db";
import { recordAuditEvent, visibleOrganizationWhere, type Actor } from "@sso-cutover/enterprise";
import { isOrganizationAdmin } from "@sso-cutover/membership";
import type { CreatedToken } from "./personal-tokens";
import type { ScopedToken } from "./listing";
import { generateTokenSecret, hashTokenSecret, lastFour, TOKEN_PREFIX } from "./secrets";
import { tokenDisplay } from "./status";
import { requireActiveAccount, tokenNameTaken, validExpiry, validTokenName } from "./token-input";

/** R6: the one thing a scoped organization token may do. */
export const SCOPED_TOKEN_PERMISSIONS = ["EXECUTE_ANALYSIS"] as const;
export type ScopedTokenPermission = (typeof SCOPED_TOKEN_PERMISSIONS)[number];

/** R6: plans on which scoped organization tokens exist. */
export const PLANS_WITH_SCOPED_TOKENS: readonly Plan[] = ["TEAM", "ENTERPRISE"];

/** A bound on one request's scope, so that a single call cannot ask for an unbounded lookup. */
export const MAX_PROJECT_KEYS = 1000;

export function planAllowsScopedTokens(plan: Plan): boolean {
  return PLANS_WITH_SCOPED_TOKENS.includes(plan);
}

export interface CreateScopedOrganizationTokenInput {
  organizationKey: string;
  name: string;
  /** The chosen projects; exactly one of a non-empty `projectKeys` or `allProjects: true`. */
  projectKeys?: readonly string[] | null;
  allProjects?: boolean | null;
  expiresAt?: Date | null;
}

/**
 * R6: a scoped organization token (SOT) — created by an admin of the organization (directly or through a
 * group), on TEAM and ENTERPRISE plans only, allowed only to execute analysis on the chosen projects or on
 * all projects of the organization. It belongs to the organization, so it outlives its creator's account.
 */
export async function createScopedOrganizationToken(
  prisma: PrismaClient,
  actor: Actor,
  input: CreateScopedOrganizationTokenInput,
  now: Date = new Date(),
): Promise<CreatedToken<ScopedToken>> {
  const name = validTokenName(input.name);
  const expiresAt = validExpiry(input.expiresAt, now);
  const scope = validScope(input);
  return serializable(prisma, async (tx) => {
    await requireActiveAccount(tx, actor);
    // R15: an organization the actor may not see answers as one that does not exist.
    const organization = await tx.organization.findFirst({
      where: { key: String(input.organizationKey), ...visibleOrganizationWhere(actor.accountId) },
    });
    if (!organization) {
      throw notFound("No organization with this key.", "input.organizationKey");
    }
    if (!(await isOrganizationAdmin(tx, actor.accountId, organization.id))) {
      throw forbidden(
        `Only administrators of organization "${organization.key}" may create scoped organization tokens for it.`,
      );
    }
    if (!planAllowsScopedTokens(organization.plan)) {
      throw new DomainError(
        "RULE_VIOLATION",
        `Organization "${organization.key}" is on the ${organization.plan} plan; scoped organization tokens are ` +
          "available on the TEAM and ENTERPRISE plans. Upgrade the organization's plan, or run analysis with a " +
          "personal access token of an account that holds the SCAN permission.",
        "input.organizationKey",
        { plan: organization.plan, requiredPlans: PLANS_WITH_SCOPED_TOKENS },
      );
    }
    let projectIds: string[] = [];
    if (scope.projectKeys) {
      const projects = await tx.project.findMany({
        where: { organizationId: organization.id, key: { in: scope.projectKeys } },
        select: { id: true, key: true },
      });
      const found = new Set(projects.map((project) => project.key));
      const unknown = scope.projectKeys.filter((key) => !found.has(key));
      if (unknown.length > 0) {
        const firstUnknown = input.projectKeys?.indexOf(unknown[0]!) ?? 0;
        throw invalidInput(
          `input.projectKeys[${firstUnknown}]`,
          `Organization "${organization.key}" has no project with key ${unknown.map((key) => `"${key}"`).join(", ")}.`,
          { unknownProjectKeys: unknown },
        );
      }
      projectIds = projects.map((project) => project.id);
    }
    if (await tokenNameTaken(tx, { kind: "SOT", organizationId: organization.id }, name)) {
      throw new DomainError(
        "CONFLICT",
        `Organization "${organization.key}" already has a scoped organization token named "${name}".`,
        "input.name",
      );
    }
    const secret = generateTokenSecret("SOT");
    const token = await tx.token.create({
      data: {
        kind: "SOT",
        name,
        prefix: TOKEN_PREFIX.SOT,
        lastFour: lastFour(secret),
        hash: hashTokenSecret(secret),
        organizationId: organization.id,
        allProjects: scope.allProjects,
        projects: { create: projectIds.map((projectId) => ({ projectId })) },
        createdById: actor.accountId,
        expiresAt,
        createdAt: now,
      },
      include: { projects: { include: { project: true } } },
    });
    await recordAuditEvent(tx, {
      enterpriseId: organization.enterpriseId,
      actor,
      action: "token.created",
      target: { type: "Token", id: token.id },
      payload: {
        kind: "SOT",
        name,
        display: tokenDisplay(token),
        organizationKey: organization.key,
        allProjects: scope.allProjects,
        projectKeys: scope.projectKeys ?? [],
        permissions: [...SCOPED_TOKEN_PERMISSIONS],
        expiresAt: expiresAt?.toISOString() ?? null,
      },
    });
    return { token, secret };
  });
}

/** Exactly one of: a non-empty list of project keys (de-duplicated), or all projects. */
function validScope(input: CreateScopedOrganizationTokenInput): { allProjects: boolean; projectKeys: string[] | null } {
  const keys = input.projectKeys ?? [];
  const allProjects = input.allProjects === true;
  if (allProjects && keys.length > 0) {
    throw invalidInput(
      "input.projectKeys",
      "Choose either a list of projects or all projects, not both: leave projectKeys empty when allProjects is true.",
    );
  }
  if (allProjects) return { allProjects: true, projectKeys: null };
  if (keys.length === 0) {
    throw invalidInput("input.projectKeys", "Choose the projects the token may analyze, or set allProjects to true.");
  }
  if (keys.length > MAX_PROJECT_KEYS) {
    throw invalidInput("input.projectKeys", `At most ${MAX_PROJECT_KEYS} projects per token; use allProjects instead.`);
  }
  keys.forEach((key, index) => {
    if (typeof key !== "string" || key.trim().length === 0) {
      throw invalidInput(`input.projectKeys[${index}]`, "A project key must not be empty.");
    }
  });
  return { allProjects: false, projectKeys: [...new Set(keys)] };
}
