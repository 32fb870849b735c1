import { DomainError, serializable, type PrismaClient, type Token } from "@sso-cutover/db";
import { recordAuditEvent, type Actor } from "@sso-cutover/enterprise";
import { tokenDisplay } from "./status";
import { generateTokenSecret, hashTokenSecret, lastFour, TOKEN_PREFIX } from "./secrets";
import { requireActiveAccount, tokenNameTaken, validExpiry, validTokenName } from "./token-input";

export interface CreatePersonalAccessTokenInput {
  name: string;
  expiresAt?: Date | null;
}

/** The only moment a secret exists outside the caller's hands: returned once, never stored (R5). */
export interface CreatedToken<T extends Token = Token> {
  token: T;
  secret: string;
}

/**
 * R5: a personal access token for the actor's own account. Names are unique per owner among tokens that are
 * not revoked (case-insensitive), so that a list of tokens never shows two the user cannot tell apart.
 */
export async function createPersonalAccessToken(
  prisma: PrismaClient,
  actor: Actor,
  input: CreatePersonalAccessTokenInput,
  now: Date = new Date(),
): Promise<CreatedToken> {
  const name = validTokenName(input.name);
  const expiresAt = validExpiry(input.expiresAt, now);
  return serializable(prisma, async (tx) => {
    const owner = await requireActiveAccount(tx, actor);
    if (await tokenNameTaken(tx, { kind: "PAT", ownerAccountId: owner.id }, name)) {
      throw new DomainError("CONFLICT", `You already have a personal access token named "${name}".`, "input.name");
    }
    const secret = generateTokenSecret("PAT");
    const token = await tx.token.create({
      data: {
        kind: "PAT",
        name,
        prefix: TOKEN_PREFIX.PAT,
        lastFour: lastFour(secret),
        hash: hashTokenSecret(secret),
        ownerAccountId: owner.id,
        createdById: owner.id,
        expiresAt,
        createdAt: now,
      },
    });
    await recordAuditEvent(tx, {
      // DOP accounts belong to no enterprise; SSO accounts to exactly one.
      enterpriseId: owner.enterpriseId,
      actor,
      action: "token.created",
      target: { type: "Token", id: token.id },
      payload: { kind: "PAT", name, display: tokenDisplay(token), expiresAt: expiresAt?.toISOString() ?? null },
    });
    return { token, secret };
  });
}
