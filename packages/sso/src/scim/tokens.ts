import { createHash, randomBytes } from "node:crypto";
import { DomainError, serializable, type PrismaClient } from "@sso-cutover/db";
import { recordAuditEvent, requireEnterpriseAdmin, requireVisibleEnterprise, type Actor } from "@sso-cutover/enterprise";
import { digestsEqual, lastFour } from "@sso-cutover/tokens";

/** R20: SCIM tokens have their own prefix: no other route takes them, and a leaked one is recognisable. */
export const SCIM_TOKEN_PREFIX = "sqscim_";
const SCIM_SECRET_FORMAT = /^sqscim_[0-9a-f]{40}$/;
/** `lastUsedAt` and the connection's `lastScimRequestAt` are written at most this often. */
export const SCIM_LAST_USED_RESOLUTION_MS = 60_000;

/** SHA-256 of the secret (160 random bits: a fast hash is not open to guessing), as personal access tokens. */
export function hashScimTokenSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export function looksLikeScimToken(secret: string): boolean {
  return SCIM_SECRET_FORMAT.test(secret);
}

/** The SCIM base URL of an enterprise: what the IdP admin pastes into Okta or Entra ID. */
export function scimBaseUrl(publicUrl: string, enterpriseKey: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/scim/v2/${encodeURIComponent(enterpriseKey)}`;
}

export interface CreatedScimToken {
  /** Shown once, never stored. */
  secret: string;
  tokenId: string;
  lastFour: string;
  createdAt: Date;
  enterpriseKey: string;
}

/**
 * R20: a new SCIM token for the enterprise (enterprise admins). An enterprise has at most one: creating one
 * revokes the previous (rotation is: create, paste into the IdP). One transaction with its audit event.
 */
export async function createScimToken(prisma: PrismaClient, actor: Actor, enterpriseKey: string, now = new Date()): Promise<CreatedScimToken> {
  return serializable(prisma, async (tx) => {
    const enterprise = await requireVisibleEnterprise(tx, actor.accountId, enterpriseKey);
    await requireEnterpriseAdmin(tx, actor.accountId, enterprise.id);
    const replaced = await tx.scimToken.updateMany({ where: { enterpriseId: enterprise.id, revokedAt: null }, data: { revokedAt: now } });
    const secret = SCIM_TOKEN_PREFIX + randomBytes(20).toString("hex");
    const token = await tx.scimToken.create({
      data: {
        enterpriseId: enterprise.id,
        prefix: SCIM_TOKEN_PREFIX,
        lastFour: lastFour(secret),
        hash: hashScimTokenSecret(secret),
        createdById: actor.accountId,
        createdAt: now,
      },
    });
    await recordAuditEvent(tx, {
      enterpriseId: enterprise.id,
      actor,
      action: "scim_token.created",
      target: { type: "ScimToken", id: token.id },
      payload: { lastFour: token.lastFour, replacedTokens: replaced.count },
    });
    return { secret, tokenId: token.id, lastFour: token.lastFour, createdAt: token.createdAt, enterpriseKey: enterprise.key };
  });
}

/** R20: revokes the enterprise's SCIM token (enterprise admins): the IdP's next SCIM request is refused. */
export async function revokeScimToken(prisma: PrismaClient, actor: Actor, enterpriseKey: string, now = new Date()): Promise<{ revoked: number; enterpriseKey: string }> {
  return serializable(prisma, async (tx) => {
    const enterprise = await requireVisibleEnterprise(tx, actor.accountId, enterpriseKey);
    await requireEnterpriseAdmin(tx, actor.accountId, enterprise.id);
    const active = await tx.scimToken.findMany({ where: { enterpriseId: enterprise.id, revokedAt: null }, select: { id: true } });
    if (active.length === 0) {
      throw new DomainError("NOT_FOUND", `The enterprise "${enterprise.key}" has no active SCIM token.`, "input.enterpriseKey");
    }
    await tx.scimToken.updateMany({ where: { id: { in: active.map((row) => row.id) } }, data: { revokedAt: now } });
    await recordAuditEvent(tx, {
      enterpriseId: enterprise.id,
      actor,
      action: "scim_token.revoked",
      target: { type: "ScimToken", id: active[0]!.id },
      payload: { revokedTokens: active.length },
    });
    return { revoked: active.length, enterpriseKey: enterprise.key };
  });
}

/** Who calls the SCIM endpoint: the token, which is the actor of every change it makes (audit). */
export interface ScimCaller {
  tokenId: string;
  enterpriseId: string;
  enterpriseKey: string;
  /** How the token appears as an actor in the audit log: `scim-token:sqscim_…abcd`. */
  actorLogin: string;
}

/**
 * R20: the SCIM token of `Authorization: Bearer …` on `/scim/v2/<enterpriseKey>`: valid only for that enterprise.
 * One statement to authenticate (plus, at most once a minute, the write of when it was last used). Any failure is
 * the same UNAUTHENTICATED.
 */
export async function authenticateScimToken(
  prisma: PrismaClient,
  secret: string,
  enterpriseKey: string,
  now = new Date(),
): Promise<ScimCaller> {
  const refused = new DomainError("UNAUTHENTICATED", "The SCIM token is missing, invalid, revoked or not valid for this enterprise.");
  if (!looksLikeScimToken(secret)) throw refused;
  const hash = hashScimTokenSecret(secret);
  const token = await prisma.scimToken.findUnique({ where: { hash }, include: { enterprise: { select: { key: true } } } });
  if (!token || !digestsEqual(token.hash, hash) || token.revokedAt || token.enterprise.key !== enterpriseKey) throw refused;
  if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() >= SCIM_LAST_USED_RESOLUTION_MS) {
    const threshold = new Date(now.getTime() - SCIM_LAST_USED_RESOLUTION_MS);
    await prisma.$transaction([
      prisma.scimToken.updateMany({ where: { id: token.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: threshold } }] }, data: { lastUsedAt: now } }),
      prisma.ssoConnection.updateMany({ where: { enterpriseId: token.enterpriseId }, data: { lastScimRequestAt: now } }),
    ]);
  }
  return {
    tokenId: token.id,
    enterpriseId: token.enterpriseId,
    enterpriseKey: token.enterprise.key,
    actorLogin: `scim-token:${token.prefix}…${token.lastFour}`,
  };
}
