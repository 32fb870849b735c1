import type { Project, Token, Tx } from "@sso-cutover/db";
import { effectiveOrgPermissions, permissionKey } from "@sso-cutover/membership";

export interface ListTokensOptions {
  /** Revoked tokens are hidden unless asked for; their rows stay for the audit trail. */
  includeRevoked?: boolean;
}

/** An account's personal access tokens, newest first. */
export async function personalAccessTokensOf(
  tx: Tx,
  accountId: string,
  { includeRevoked = false }: ListTokensOptions = {},
): Promise<Token[]> {
  return tx.token.findMany({
    where: { kind: "PAT", ownerAccountId: accountId, ...(includeRevoked ? {} : { revokedAt: null }) },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
  });
}

export type ScopedToken = Token & { projects: { project: Project }[] };

/**
 * Scoped organization tokens of many organizations as the viewer may see them, in three queries whatever the
 * number of organizations: the tokens of organizations the viewer administers (R6), null for the others.
 */
export async function scopedTokensVisibleTo(
  tx: Tx,
  viewerAccountId: string,
  organizationIds: readonly string[],
  { includeRevoked = false }: ListTokensOptions = {},
): Promise<Map<string, ScopedToken[] | null>> {
  const result = new Map<string, ScopedToken[] | null>();
  if (organizationIds.length === 0) return result;
  const permissions = await effectiveOrgPermissions(tx, [viewerAccountId], organizationIds);
  const administered = organizationIds.filter((id) => permissions.get(permissionKey(viewerAccountId, id))?.has("ADMIN"));
  for (const id of organizationIds) result.set(id, administered.includes(id) ? [] : null);
  if (administered.length === 0) return result;
  const tokens = await tx.token.findMany({
    where: { kind: "SOT", organizationId: { in: administered }, ...(includeRevoked ? {} : { revokedAt: null }) },
    include: { projects: { include: { project: true } } },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
  });
  for (const token of tokens) result.get(token.organizationId ?? "")?.push(token);
  return result;
}
