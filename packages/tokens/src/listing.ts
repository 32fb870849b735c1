import type { Prisma, Project, Token, Tx } from "@sso-cutover/db";
import { administeredEnterpriseWhere } from "@sso-cutover/enterprise";
import { effectiveOrgPermissions, permissionKey } from "@sso-cutover/membership";

/** A token row, with its chosen projects when it is a scoped organization token. */
export type TokenRecord = Token & { projects?: { project: Pick<Project, "key"> }[] };
export type ScopedToken = Token & { projects: { project: Project }[] };

const withProjects = { projects: { include: { project: true } } } as const;

/** The keys of the projects a token is limited to: none for all-projects SOTs and for PATs. */
export function projectKeysOf(token: TokenRecord): string[] {
  if (token.kind !== "SOT" || token.allProjects) return [];
  return (token.projects ?? []).map(({ project }) => project.key).sort();
}

/** An account's personal access tokens that are not revoked, newest first. */
export async function personalAccessTokensOf(tx: Tx, accountId: string): Promise<Token[]> {
  return tx.token.findMany({
    where: { kind: "PAT", ownerAccountId: accountId, revokedAt: null },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
  });
}

/** The order personal access tokens are listed in: newest first. */
export const PERSONAL_ACCESS_TOKEN_ORDER = [{ createdAt: "desc" }, { id: "asc" }] satisfies Prisma.TokenOrderByWithRelationInput[];

/**
 * The viewer's own personal access tokens that are not revoked, as a filter: read along with an account (a relation
 * of its row), they are that account's list when it is the viewer's (see `personalAccessTokensListedFor`).
 */
export function ownPersonalAccessTokensWhere(viewerAccountId: string): Prisma.TokenWhereInput {
  return { kind: "PAT", ownerAccountId: viewerAccountId, revokedAt: null };
}

/** An account's PATs (read with `ownPersonalAccessTokensWhere`) as the viewer may see them: null unless it is the viewer. */
export function personalAccessTokensListedFor<T extends Token>(viewerAccountId: string, accountId: string, tokens: T[]): T[] | null {
  return viewerAccountId !== "" && viewerAccountId === accountId ? tokens : null;
}

/** An account's own PATs as a viewer may see them: only the account itself may list them (null for anyone else). */
export async function personalAccessTokensVisibleTo(tx: Tx, viewerAccountId: string, accountId: string): Promise<Token[] | null> {
  return viewerAccountId === accountId ? personalAccessTokensOf(tx, accountId) : null;
}

/**
 * Scoped organization tokens (not revoked) of many organizations as the viewer may see them, in three queries
 * whatever the number of organizations: the tokens of organizations the viewer administers (R6), null for others.
 */
export async function scopedTokensVisibleTo(
  tx: Tx,
  viewerAccountId: string,
  organizationIds: readonly string[],
): Promise<Map<string, ScopedToken[] | null>> {
  const result = new Map<string, ScopedToken[] | null>();
  if (organizationIds.length === 0) return result;
  const administered = await administeredOrganizationIds(tx, viewerAccountId, organizationIds);
  for (const id of organizationIds) result.set(id, administered.has(id) ? [] : null);
  if (administered.size === 0) return result;
  const tokens = await tx.token.findMany({
    where: { kind: "SOT", organizationId: { in: [...administered] }, revokedAt: null },
    include: withProjects,
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
  });
  for (const token of tokens) result.get(token.organizationId ?? "")?.push(token);
  return result;
}

/** Organizations where the account holds ADMIN, directly or through a group. */
function administeredOrganizationWhere(accountId: string): Prisma.OrganizationWhereInput {
  return {
    OR: [
      { permissions: { some: { accountId, permission: "ADMIN" } } },
      { groups: { some: { permissions: { some: { permission: "ADMIN" } }, memberships: { some: { accountId } } } } },
    ],
  };
}

/**
 * R15: the tokens a viewer may see, on every path: its own PATs and the PATs of the account linked to it; SOTs of
 * organizations it administers (R6); and the PATs of the people whose cutover it oversees — members of an
 * organization it administers, members and SSO accounts of an enterprise it administers — which the token
 * guidance (R7) and the cutover plan (R9) list as tokens that will break.
 */
export function visibleTokenWhere(viewerAccountId: string): Prisma.TokenWhereInput {
  const overseen: Prisma.OrganizationWhereInput = {
    OR: [administeredOrganizationWhere(viewerAccountId), { enterprise: administeredEnterpriseWhere(viewerAccountId) }],
  };
  return {
    OR: [
      { kind: "SOT", organization: administeredOrganizationWhere(viewerAccountId) },
      {
        kind: "PAT",
        ownerAccount: {
          OR: [
            { id: viewerAccountId },
            { linkAsDevops: { is: { ssoAccountId: viewerAccountId } } },
            { linkAsSso: { is: { devopsAccountId: viewerAccountId } } },
            { memberships: { some: { organization: overseen } } },
            { groupMemberships: { some: { group: { organization: overseen } } } },
            { kind: "SSO", enterprise: administeredEnterpriseWhere(viewerAccountId) },
          ],
        },
      },
    ],
  };
}

/**
 * The tokens with these ids that the viewer may see (`visibleTokenWhere`), in one query whatever the number of
 * ids. Others are left out, so ids cannot be used to probe.
 */
export async function visibleTokensByIds(tx: Tx, viewerAccountId: string, ids: readonly string[]): Promise<ScopedToken[]> {
  if (ids.length === 0 || viewerAccountId === "") return [];
  return tx.token.findMany({ where: { id: { in: [...ids] }, ...visibleTokenWhere(viewerAccountId) }, include: withProjects });
}

async function administeredOrganizationIds(
  tx: Tx,
  accountId: string,
  organizationIds: readonly string[],
): Promise<Set<string>> {
  if (organizationIds.length === 0) return new Set();
  const permissions = await effectiveOrgPermissions(tx, [accountId], organizationIds);
  return new Set(organizationIds.filter((id) => permissions.get(permissionKey(accountId, id))?.has("ADMIN")));
}
