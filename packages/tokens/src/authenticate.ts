import { DomainError, type PrismaClient } from "@sso-cutover/db";
import type { Principal } from "./principal";
import { digestsEqual, hashTokenSecret, looksLikeTokenSecret } from "./secrets";

/** `lastUsedAt` is written at most this often per token, so that authentication is not a write per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

function unauthenticated(): DomainError {
  // One message for every failure: it must not tell a guesser which part was wrong.
  return new DomainError("UNAUTHENTICATED", "The token is missing, invalid, expired or revoked.");
}

/**
 * Resolves an `Authorization: Bearer <token>` secret to the principal it authenticates (R5): looked up by
 * hash, compared in constant time; revoked, expired, deleted-owner and deprovisioned-owner tokens never authenticate.
 */
export async function authenticateToken(prisma: PrismaClient, secret: string, now = new Date()): Promise<Principal> {
  if (!looksLikeTokenSecret(secret)) throw unauthenticated();
  const hash = hashTokenSecret(secret);
  const token = await prisma.token.findUnique({
    where: { hash },
    include: { ownerAccount: true, organization: true, projects: { include: { project: true } } },
  });
  if (!token || !digestsEqual(token.hash, hash)) throw unauthenticated();
  if (token.revokedAt || (token.expiresAt && token.expiresAt <= now)) throw unauthenticated();

  let principal: Principal;
  if (token.kind === "PAT") {
    const owner = token.ownerAccount;
    // A deprovisioned (SCIM) owner's tokens stop at once: read from the row this lookup already loads.
    if (!owner || owner.deletedAt || owner.deactivatedAt) throw unauthenticated();
    principal = { kind: "ACCOUNT", account: owner, via: "PAT", credentialId: token.id };
  } else {
    const organization = token.organization;
    if (!organization) throw unauthenticated();
    principal = { kind: "ORGANIZATION_TOKEN", token: { ...token, organization, projects: token.projects } };
  }
  await touchToken(prisma, token.id, token.lastUsedAt, now);
  return principal;
}

async function touchToken(prisma: PrismaClient, tokenId: string, lastUsedAt: Date | null, now: Date): Promise<void> {
  if (lastUsedAt && now.getTime() - lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
  const threshold = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
  await prisma.token.updateMany({
    where: { id: tokenId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: threshold } }] },
    data: { lastUsedAt: now },
  });
}
