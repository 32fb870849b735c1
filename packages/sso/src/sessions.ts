import { createHash, randomBytes } from "node:crypto";
import { ACCOUNT_COLUMNS, DomainError, rowOf, SESSION_COLUMNS, selectColumns, type Account, type PrismaClient, type Session, type Tx, Prisma, readRows } from "@sso-cutover/db";
import { digestsEqual, type AccountPrincipal } from "@sso-cutover/tokens";

/** Name of the cookie that carries the session secret after a SAML login or a recovery sign-in. */
export const SESSION_COOKIE = "sso_cutover_session";

/** How long a session lasts after the SAML login that opened it. */
export const SESSION_LIFETIME_MS = 8 * 3600_000;

// 32 random bytes, base64url without padding.
const SESSION_SECRET = /^[A-Za-z0-9_-]{43}$/;

/** SHA-256 (hex) of the cookie value: what the Session table stores instead of the value. */
export function hashSessionSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export interface NewSession {
  sessionId: string;
  /** The cookie value: handed to the browser once, never stored. */
  secret: string;
  expiresAt: Date;
}

/**
 * How long a session opened with a recovery password lasts (R17): long enough to repair the SSO connection or
 * generate the next recovery password, short because it bypasses the IdP's own checks (MFA, disabled users).
 */
export const RECOVERY_SESSION_LIFETIME_MS = 3600_000;

/** Opens a session for the account (inside the login's transaction); SAML logins get the default lifetime. */
export async function createSession(tx: Tx, accountId: string, now = new Date(), lifetimeMs = SESSION_LIFETIME_MS): Promise<NewSession> {
  const secret = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + lifetimeMs);
  const session = await tx.session.create({
    data: { tokenHash: hashSessionSecret(secret), accountId, createdAt: now, expiresAt },
    select: { id: true },
  });
  return { sessionId: session.id, secret, expiresAt };
}

function unauthenticated(): DomainError {
  // One message for every failure: it must not tell a guesser which part was wrong.
  return new DomainError("UNAUTHENTICATED", "The session is missing, invalid, expired or ended. Sign in again.");
}

/**
 * The account a session cookie authenticates, as the same principal a PAT produces (via "SESSION"). Looked up
 * by hash and compared in constant time; ended, expired, deleted-account and deprovisioned-account sessions never
 * authenticate.
 */
export async function authenticateSession(prisma: PrismaClient, cookieValue: string, now = new Date()): Promise<AccountPrincipal> {
  if (!SESSION_SECRET.test(cookieValue)) throw unauthenticated();
  const tokenHash = hashSessionSecret(cookieValue);
  // One hand-written statement: it runs on every cookie request, and Prisma would compile a findUnique at each call.
  const rows = await readRows<Record<string, unknown>>(prisma, Prisma.sql`
    SELECT ${selectColumns("s", SESSION_COLUMNS)}, ${selectColumns("a", ACCOUNT_COLUMNS)}
    FROM "Session" s JOIN "Account" a ON a."id" = s."accountId"
    WHERE s."tokenHash" = ${tokenHash}`);
  const row = rows[0];
  const session = row ? { ...rowOf<Session>(row, "s", SESSION_COLUMNS)!, account: rowOf<Account>(row, "a", ACCOUNT_COLUMNS)! } : null;
  if (!session || !digestsEqual(session.tokenHash, tokenHash)) throw unauthenticated();
  if (session.revokedAt || session.expiresAt <= now || session.account.deletedAt || session.account.deactivatedAt) throw unauthenticated();
  return { kind: "ACCOUNT", account: session.account, via: "SESSION", credentialId: session.id };
}

/** Ends the session the cookie carries (logout). Unknown or already ended sessions are left as they are. */
export async function endSession(prisma: PrismaClient, cookieValue: string, now = new Date()): Promise<void> {
  if (!SESSION_SECRET.test(cookieValue)) return;
  await prisma.session.updateMany({
    where: { tokenHash: hashSessionSecret(cookieValue), revokedAt: null },
    data: { revokedAt: now },
  });
}
