import type { Token } from "@sso-cutover/db";

export type TokenStatus = "ACTIVE" | "ABOUT_TO_EXPIRE" | "EXPIRED" | "REVOKED";

/** R5: a token expiring in less than this is ABOUT_TO_EXPIRE; exactly this much left is still ACTIVE. */
export const ABOUT_TO_EXPIRE_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * R5: the status a user sees. Expiry is derived from `expiresAt` at read time (never stored), with the same
 * boundary authentication uses: a token is EXPIRED from the instant `expiresAt` is reached.
 */
export function tokenStatus(token: Pick<Token, "expiresAt" | "revokedAt">, now: Date = new Date()): TokenStatus {
  if (token.revokedAt) return "REVOKED";
  if (!token.expiresAt) return "ACTIVE";
  const left = token.expiresAt.getTime() - now.getTime();
  if (left <= 0) return "EXPIRED";
  return left < ABOUT_TO_EXPIRE_WINDOW_MS ? "ABOUT_TO_EXPIRE" : "ACTIVE";
}

/** All that is ever shown of a secret after creation: `sqp_…a1b2`. */
export function tokenDisplay(token: Pick<Token, "prefix" | "lastFour">): string {
  return `${token.prefix}…${token.lastFour}`;
}
