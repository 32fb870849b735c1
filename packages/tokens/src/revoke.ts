import { DomainError, forbidden, invalidInput, notFound, serializable, type PrismaClient } from "@sso-cutover/db";
import { recordAuditEvent, type Actor } from "@sso-cutover/enterprise";
import { isOrganizationAdmin } from "@sso-cutover/membership";
import { visibleTokenWhere, type ScopedToken } from "./listing";
import { tokenDisplay } from "./status";
import { requireActiveAccount } from "./token-input";

export interface RevokeTokenInput {
  tokenId: string;
}

/**
 * R5/R6: revokes a token — its owner for a personal access token, an admin of the token's organization for a
 * scoped organization token. Authentication checks `revokedAt` on every request, so the token stops working at
 * once; the row stays so that lists and the audit trail can still name it.
 */
export async function revokeToken(
  prisma: PrismaClient,
  actor: Actor,
  input: RevokeTokenInput,
  now: Date = new Date(),
): Promise<ScopedToken> {
  if (typeof input.tokenId !== "string" || input.tokenId.length === 0) {
    throw invalidInput("input.tokenId", "Name the token to revoke.");
  }
  return serializable(prisma, async (tx) => {
    await requireActiveAccount(tx, actor);
    // R15: a token the actor may not see answers as one that does not exist, naming nothing.
    const token = await tx.token.findFirst({
      where: { id: input.tokenId, ...visibleTokenWhere(actor.accountId) },
      include: { organization: true, ownerAccount: true },
    });
    if (!token) throw notFound("No token with this id.", "input.tokenId");
    if (token.kind === "PAT") {
      if (token.ownerAccountId !== actor.accountId) {
        throw forbidden("A personal access token can be revoked only by the account that owns it.");
      }
    } else if (!token.organizationId || !(await isOrganizationAdmin(tx, actor.accountId, token.organizationId))) {
      throw forbidden(
        `Only administrators of organization "${token.organization?.key ?? "?"}" may revoke its scoped organization tokens.`,
      );
    }
    if (token.revokedAt) {
      throw new DomainError(
        "CONFLICT",
        `Token "${token.name}" was already revoked on ${token.revokedAt.toISOString()}.`,
        "input.tokenId",
      );
    }
    const revoked = await tx.token.update({
      where: { id: token.id },
      data: { revokedAt: now },
      include: { projects: { include: { project: true } } },
    });
    await recordAuditEvent(tx, {
      enterpriseId: token.kind === "SOT" ? (token.organization?.enterpriseId ?? null) : (token.ownerAccount?.enterpriseId ?? null),
      actor,
      action: "token.revoked",
      target: { type: "Token", id: token.id },
      payload: {
        kind: token.kind,
        name: token.name,
        display: tokenDisplay(token),
        organizationKey: token.organization?.key ?? null,
        ownerLogin: token.ownerAccount?.login ?? null,
      },
    });
    return revoked;
  });
}
