import { randomBytes, randomInt, scrypt, timingSafeEqual } from "node:crypto";
import { forbidden, serializable, type PrismaClient, type Tx } from "@sso-cutover/db";
import type { Actor } from "./actor";
import { recordAuditEvent } from "./audit";
import { requireVisibleEnterprise } from "./enterprises";
import { requireEnterpriseAdmin } from "./permissions";

// No look-alike characters (0/O, 1/l/I): the password is read off a screen and typed in an emergency.
const ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const GROUPS = 6;
const GROUP_LENGTH = 5;
// scrypt cost: N = 2^15, r = 8, p = 1 (about 32 MiB, tens of milliseconds per hash).
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 32, maxmem: 64 * 1024 * 1024 };

/** 30 characters from a 56-letter alphabet: about 174 bits, in dash-separated groups of five. */
export function generateRecoveryPasswordText(): string {
  const groups = Array.from({ length: GROUPS }, () =>
    Array.from({ length: GROUP_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join(""),
  );
  return groups.join("-");
}

function scryptAsync(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: SCRYPT.maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** `scrypt$N$r$p$<salt base64>$<hash base64>`: parameters travel with the hash so they can be raised later. */
export async function hashRecoveryPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt);
  return ["scrypt", SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString("base64"), key.toString("base64")].join("$");
}

/** R17: failed recovery sign-ins an account may have in one window before it is locked for the rest of it. */
export const RECOVERY_MAX_FAILED_ATTEMPTS = 5;
/** R17: the window (fixed, from its first failure) in which failed recovery sign-ins are counted. */
export const RECOVERY_FAILURE_WINDOW_MS = 15 * 60_000;

/** The failure counters of a recovery credential, as stored. */
export interface RecoveryFailureState {
  failedAttempts: number;
  failureWindowStartedAt: Date | null;
}

/** Until when recovery sign-ins of this credential are refused whatever the password, or null when they are not. */
export function recoveryLockedUntil(state: RecoveryFailureState, now: Date): Date | null {
  if (state.failureWindowStartedAt === null || state.failedAttempts < RECOVERY_MAX_FAILED_ATTEMPTS) return null;
  const windowEnd = new Date(state.failureWindowStartedAt.getTime() + RECOVERY_FAILURE_WINDOW_MS);
  return windowEnd > now ? windowEnd : null;
}

/** The counters after one more failed sign-in: counted in the current window, or the first of a new one. */
export function recoveryFailureCounted(state: RecoveryFailureState, now: Date): RecoveryFailureState {
  const windowOpen =
    state.failureWindowStartedAt !== null && state.failureWindowStartedAt.getTime() + RECOVERY_FAILURE_WINDOW_MS > now.getTime();
  return windowOpen
    ? { failedAttempts: state.failedAttempts + 1, failureWindowStartedAt: state.failureWindowStartedAt }
    : { failedAttempts: 1, failureWindowStartedAt: now };
}

let decoyHash: Promise<string> | null = null;
/**
 * A hash of a password nobody knows, verified when there is no credential to verify against: a sign-in for an
 * unknown enterprise or login then costs the same scrypt work as one for a real admin, so its timing tells nothing.
 */
export function decoyRecoveryPasswordHash(): Promise<string> {
  decoyHash ??= hashRecoveryPassword(randomBytes(32).toString("base64url"));
  return decoyHash;
}

export async function verifyRecoveryPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const key = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password, Buffer.from(salt, "base64"), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT.maxmem }, (error, derived) =>
      error ? reject(error) : resolve(derived),
    ),
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
}

export interface GeneratedRecoveryPassword {
  /** Shown once; only its scrypt hash is stored. */
  password: string;
  accountId: string;
  createdAt: Date;
  replacedPrevious: boolean;
}

/**
 * R12: an enterprise admin signed in with its SSO account (an SSO session, not a token) generates a recovery
 * password — the way back in when the IdP is down (R17). Regenerating replaces the previous one; after a recovery
 * sign-in has used it, the admin generates the next one from the session it opened.
 */
export async function generateRecoveryPassword(
  prisma: PrismaClient,
  actor: Actor,
  input: { enterpriseKey: string },
  now = new Date(),
): Promise<GeneratedRecoveryPassword> {
  if (actor.kind !== "SSO" || actor.via !== "SESSION") {
    throw forbidden("A recovery password can only be generated by an enterprise admin signed in with SSO (not with a token).");
  }
  const password = generateRecoveryPasswordText();
  const passwordHash = await hashRecoveryPassword(password);
  return serializable(prisma, async (tx) => {
    const enterprise = await requireVisibleEnterprise(tx, actor.accountId, input.enterpriseKey);
    await requireEnterpriseAdmin(tx, actor.accountId, enterprise.id);
    const account = await tx.account.findUniqueOrThrow({ where: { id: actor.accountId } });
    if (account.enterpriseId !== enterprise.id) {
      throw forbidden("Only an SSO account of this enterprise can hold its recovery password.");
    }
    const previous = await tx.recoveryCredential.findUnique({ where: { accountId: account.id } });
    const credential = await tx.recoveryCredential.upsert({
      where: { accountId: account.id },
      create: { accountId: account.id, enterpriseId: enterprise.id, passwordHash, createdAt: now },
      // A new password starts unused and with no failed attempts (only its holder, signed in with SSO, gets here).
      update: { enterpriseId: enterprise.id, passwordHash, createdAt: now, usedAt: null, failedAttempts: 0, failureWindowStartedAt: null },
    });
    await recordAuditEvent(tx, {
      enterpriseId: enterprise.id,
      actor,
      action: previous ? "recovery_credential.regenerated" : "recovery_credential.generated",
      target: { type: "Account", id: account.id },
      payload: { accountLogin: account.login },
    });
    return { password, accountId: account.id, createdAt: credential.createdAt, replacedPrevious: previous !== null };
  });
}

export interface RecoveryAccess {
  /** A recovery password exists and has not been used (R17: each opens one session only). */
  configured: boolean;
  createdAt: Date | null;
  /** When the last recovery password was used to sign in; a new one must be generated. */
  usedAt: Date | null;
}

/**
 * Whether each account has a recovery password — for the account itself and the admins of its enterprise; null
 * for anyone else. Three queries whatever the number of accounts (it backs `members { recoveryAccess }`).
 */
export async function recoveryAccesses(
  tx: Tx,
  viewerAccountId: string,
  accountIds: readonly string[],
): Promise<Map<string, RecoveryAccess | null>> {
  const result = new Map<string, RecoveryAccess | null>(accountIds.map((id) => [id, null]));
  if (accountIds.length === 0) return result;
  const accounts = await tx.account.findMany({ where: { id: { in: [...accountIds] } }, select: { id: true, enterpriseId: true } });
  const enterpriseIds = [...new Set(accounts.flatMap((account) => (account.enterpriseId ? [account.enterpriseId] : [])))];
  const administered = new Set(
    enterpriseIds.length === 0
      ? []
      : (
          await tx.enterprisePermission.findMany({
            where: { accountId: viewerAccountId, permission: "ADMINISTER_ENTERPRISE", enterpriseId: { in: enterpriseIds } },
            select: { enterpriseId: true },
          })
        ).map((grant) => grant.enterpriseId),
  );
  const visible = accounts
    .filter((account) => account.id === viewerAccountId || (account.enterpriseId !== null && administered.has(account.enterpriseId)))
    .map((account) => account.id);
  if (visible.length === 0) return result;
  const credentials = await tx.recoveryCredential.findMany({
    where: { accountId: { in: visible } },
    select: { accountId: true, createdAt: true, usedAt: true },
  });
  const byAccount = new Map(credentials.map((credential) => [credential.accountId, credential]));
  for (const id of visible) {
    const credential = byAccount.get(id);
    result.set(id, {
      configured: credential !== undefined && credential.usedAt === null,
      createdAt: credential?.createdAt ?? null,
      usedAt: credential?.usedAt ?? null,
    });
  }
  return result;
}

/** `recoveryAccesses` for one account. */
export async function recoveryAccess(tx: Tx, viewerAccountId: string, accountId: string): Promise<RecoveryAccess | null> {
  return (await recoveryAccesses(tx, viewerAccountId, [accountId])).get(accountId) ?? null;
}
