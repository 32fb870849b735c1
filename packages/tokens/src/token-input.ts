import { DomainError, invalidInput, type Tx } from "@sso-cutover/db";
import type { Actor } from "@sso-cutover/enterprise";

export const TOKEN_NAME_MAX_LENGTH = 100;

/** R5/R6 names: 1..100 characters once surrounding blanks are trimmed (a blank name says nothing in a list). */
export function validTokenName(name: unknown, field = "input.name"): string {
  if (typeof name !== "string") throw invalidInput(field, "The token name must be a string.");
  const trimmed = name.trim();
  if (trimmed.length === 0) throw invalidInput(field, "The token name must not be empty.");
  if (trimmed.length > TOKEN_NAME_MAX_LENGTH) {
    throw invalidInput(field, `The token name must be at most ${TOKEN_NAME_MAX_LENGTH} characters (got ${trimmed.length}).`);
  }
  return trimmed;
}

/** Optional expiry; a token that is already expired when created would be useless, so it is refused. */
export function validExpiry(expiresAt: Date | null | undefined, now: Date, field = "input.expiresAt"): Date | null {
  if (expiresAt === null || expiresAt === undefined) return null;
  if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime())) {
    throw invalidInput(field, "The expiry must be a valid date and time.");
  }
  if (expiresAt.getTime() <= now.getTime()) {
    throw invalidInput(field, `The expiry ${expiresAt.toISOString()} is in the past; choose a later date or none.`);
  }
  return expiresAt;
}

/** The actor's account, refused when it has been deleted since it authenticated. */
export async function requireActiveAccount(tx: Tx, actor: Actor) {
  const account = await tx.account.findUnique({ where: { id: actor.accountId } });
  if (!account || account.deletedAt) throw new DomainError("UNAUTHENTICATED", "Your account no longer exists.");
  return account;
}

/**
 * R5/R6: whether a token that is not revoked already carries this name, compared case-insensitively and literally.
 * (Prisma's case-insensitive `equals` renders as ILIKE, where `_`, `%` and `\` are patterns: "ci%" would clash with
 * "ci_main" and "a\b" would miss itself.) The scope is the owner's personal tokens, or an organization's scoped tokens.
 */
export async function tokenNameTaken(
  tx: Tx,
  scope: { kind: "PAT"; ownerAccountId: string } | { kind: "SOT"; organizationId: string },
  name: string,
): Promise<boolean> {
  const rows =
    scope.kind === "PAT"
      ? await tx.$queryRaw<unknown[]>`SELECT 1 FROM "Token" WHERE "kind" = 'PAT' AND "ownerAccountId" = ${scope.ownerAccountId}
          AND "revokedAt" IS NULL AND lower("name") = lower(${name}) LIMIT 1`
      : await tx.$queryRaw<unknown[]>`SELECT 1 FROM "Token" WHERE "kind" = 'SOT' AND "organizationId" = ${scope.organizationId}
          AND "revokedAt" IS NULL AND lower("name") = lower(${name}) LIMIT 1`;
  return rows.length > 0;
}
