import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { TokenKind } from "@sso-cutover/db";

/** R5: personal access tokens start with `sqp_`, scoped organization tokens with `sqco_`. */
export const TOKEN_PREFIX: Record<TokenKind, string> = { PAT: "sqp_", SOT: "sqco_" };

const SECRET_FORMAT = /^(sqp_|sqco_)([0-9a-f]{40})$/;

/** A new secret: the kind's prefix and 40 hex characters (160 bits) from the system's CSPRNG. */
export function generateTokenSecret(kind: TokenKind): string {
  return TOKEN_PREFIX[kind] + randomBytes(20).toString("hex");
}

/** SHA-256 of the secret, hex. Secrets carry 160 random bits, so a fast hash is not open to guessing. */
export function hashTokenSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export function looksLikeTokenSecret(secret: string): boolean {
  return SECRET_FORMAT.test(secret);
}

export function tokenKindOfSecret(secret: string): TokenKind | null {
  const match = SECRET_FORMAT.exec(secret);
  if (!match) return null;
  return match[1] === "sqp_" ? "PAT" : "SOT";
}

/** Constant-time comparison of two hex digests of equal length. */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}

/** What may be shown of a secret after creation: never more than its prefix and last four characters. */
export function lastFour(secret: string): string {
  return secret.slice(-4);
}
