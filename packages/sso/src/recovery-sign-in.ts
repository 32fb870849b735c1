import { DomainError, invalidInput, serializable, type Account, type PrismaClient, type Tx } from "@sso-cutover/db";
import {
  RECOVERY_FAILURE_WINDOW_MS,
  RECOVERY_MAX_FAILED_ATTEMPTS,
  decoyRecoveryPasswordHash,
  holdsEnterprisePermission,
  recordAuditEvent,
  recoveryFailureCounted,
  recoveryLockedUntil,
  verifyRecoveryPassword,
} from "@sso-cutover/enterprise";
import { RECOVERY_SESSION_LIFETIME_MS, createSession } from "./sessions";

/** Why a recovery sign-in was refused: recorded in the audit trail, never told to the person signing in. */
export type RecoverySignInRefusalReason =
  | "UNKNOWN_ENTERPRISE"
  | "UNKNOWN_ACCOUNT"
  | "NO_RECOVERY_PASSWORD"
  | "WRONG_PASSWORD"
  | "PASSWORD_ALREADY_USED"
  | "NOT_ENTERPRISE_ADMIN"
  | "ACCOUNT_DELETED"
  | "LOCKED";

/**
 * The one message of every refusal (R17): whether the enterprise, the login or the password was wrong, the password
 * used, the account no longer an admin or locked, a guesser learns nothing about which admins exist.
 */
export const RECOVERY_REFUSED_MESSAGE =
  "Sign-in refused. Check the enterprise key, your login and your recovery password. Each recovery password works " +
  `once, and after ${RECOVERY_MAX_FAILED_ATTEMPTS} failed attempts an account is locked for up to ` +
  `${RECOVERY_FAILURE_WINDOW_MS / 60_000} minutes.`;

export class RecoverySignInRefused extends DomainError {
  constructor(readonly reason: RecoverySignInRefusalReason) {
    super("UNAUTHENTICATED", RECOVERY_REFUSED_MESSAGE, null, {});
  }
}

const LIMITS = { enterpriseKey: 64, login: 255, password: 256 } as const;

export interface RecoverySignInInput {
  enterpriseKey: string;
  login: string;
  password: string;
  /** The network address the attempt came from, for the audit trail. */
  clientAddress?: string | null;
  now?: Date;
}

export interface RecoverySignIn {
  account: Account;
  /** The session cookie's value: set it on the browser, it is stored only as a hash. */
  sessionSecret: string;
  sessionExpiresAt: Date;
}

function requiredField(value: string, field: keyof typeof LIMITS, label: string): string {
  // Spaces around a value are copy-and-paste noise: no key, login or generated password has any.
  const trimmed = value.trim();
  if (trimmed.length === 0) throw invalidInput(field, `${label} is required.`);
  if (trimmed.length > LIMITS[field]) throw invalidInput(field, `${label} is at most ${LIMITS[field]} characters.`);
  return trimmed;
}

type Attempt = { kind: "SIGNED_IN"; signIn: RecoverySignIn } | { kind: "REFUSED"; reason: RecoverySignInRefusalReason };

/**
 * R17: the recovery sign-in. An enterprise admin whose IdP is down (or whose SSO connection is broken or
 * deactivated) signs in with the recovery password it generated (R12) and gets the same session a SAML login gives,
 * for a shorter time. Nothing here depends on the SSO connection.
 *
 * - One refusal for everything (`RECOVERY_REFUSED_MESSAGE`), and the same scrypt work whether or not the enterprise,
 *   the login or a credential exists (a decoy hash is verified instead), compared in constant time.
 * - Per account, in the database so that every gateway instance sees it: after `RECOVERY_MAX_FAILED_ATTEMPTS`
 *   failures within `RECOVERY_FAILURE_WINDOW_MS` (counted from the first), every attempt — the right password
 *   included — is refused until the window ends.
 * - Single use: the sign-in marks the password used; the admin generates the next one from the session it opened.
 * - Only while the account is an SSO account of the enterprise, not deleted, and still holds Administer Enterprise.
 * - Every attempt writes one audit event (`authentication.recovery_login` or `…_refused` with the reason), under the
 *   enterprise when it is known; the password never.
 *
 * Throws `INVALID_INPUT` (naming the field) for an empty or oversized field, `RecoverySignInRefused` otherwise.
 */
export async function signInWithRecoveryPassword(prisma: PrismaClient, input: RecoverySignInInput): Promise<RecoverySignIn> {
  const now = input.now ?? new Date();
  const enterpriseKey = requiredField(input.enterpriseKey, "enterpriseKey", "The enterprise key").toLowerCase();
  const login = requiredField(input.login, "login", "The login").toLowerCase();
  const password = requiredField(input.password, "password", "The recovery password");
  const address = input.clientAddress ?? null;

  const enterprise = await prisma.enterprise.findUnique({ where: { key: enterpriseKey }, select: { id: true } });
  const account = enterprise
    ? await prisma.account.findFirst({
        where: { login, kind: "SSO", enterpriseId: enterprise.id },
        include: { recoveryCredential: true },
      })
    : null;
  const credential = account?.recoveryCredential?.enterpriseId === enterprise?.id ? (account?.recoveryCredential ?? null) : null;
  // Outside the transaction: scrypt takes tens of milliseconds and holds no lock.
  const verifiedHash = credential?.passwordHash ?? (await decoyRecoveryPasswordHash());
  const passwordMatches = (await verifyRecoveryPassword(password, verifiedHash)) && credential !== null;

  // Checked and counted in one SERIALIZABLE transaction: parallel attempts cannot get more than the allowed number
  // of failures counted, nor two sessions out of one password.
  const attempt = await serializable(prisma, async (tx): Promise<Attempt> => {
    const refuse = async (reason: RecoverySignInRefusalReason, counters: Record<string, unknown> = {}): Promise<Attempt> => {
      await recordAuditEvent(tx, {
        enterpriseId: enterprise?.id ?? null,
        actor: null,
        action: "authentication.recovery_login_refused",
        target: account ? { type: "Account", id: account.id } : enterprise ? { type: "Enterprise", id: enterprise.id } : null,
        payload: { reason, method: "RECOVERY_PASSWORD", clientAddress: address, ...counters },
      });
      return { kind: "REFUSED", reason };
    };
    if (!enterprise) return refuse("UNKNOWN_ENTERPRISE");
    if (!account) return refuse("UNKNOWN_ACCOUNT");
    const current = credential ? await tx.recoveryCredential.findUnique({ where: { id: credential.id } }) : null;
    if (!current || current.enterpriseId !== enterprise.id) return refuse("NO_RECOVERY_PASSWORD");

    const lockedUntil = recoveryLockedUntil(current, now);
    if (lockedUntil) return refuse("LOCKED", { failedAttempts: current.failedAttempts, lockedUntil: lockedUntil.toISOString() });

    // A password regenerated meanwhile was not the one verified.
    const reason = await refusalReason(tx, {
      passwordMatches: passwordMatches && current.passwordHash === verifiedHash,
      used: current.usedAt !== null,
      accountId: account.id,
      enterpriseId: enterprise.id,
    });
    if (reason) {
      const counted = recoveryFailureCounted(current, now);
      await tx.recoveryCredential.update({ where: { id: current.id }, data: counted });
      const nowLockedUntil = recoveryLockedUntil(counted, now);
      return refuse(reason, {
        failedAttempts: counted.failedAttempts,
        ...(nowLockedUntil ? { lockedUntil: nowLockedUntil.toISOString() } : {}),
      });
    }

    await tx.recoveryCredential.update({
      where: { id: current.id },
      data: { usedAt: now, failedAttempts: 0, failureWindowStartedAt: null },
    });
    const session = await createSession(tx, account.id, now, RECOVERY_SESSION_LIFETIME_MS);
    await recordAuditEvent(tx, {
      enterpriseId: enterprise.id,
      actor: { accountId: account.id, login: account.login },
      action: "authentication.recovery_login",
      target: { type: "Account", id: account.id },
      payload: { method: "RECOVERY_PASSWORD", sessionId: session.sessionId, clientAddress: address },
    });
    const { recoveryCredential: _credential, ...signedIn } = account;
    return { kind: "SIGNED_IN", signIn: { account: signedIn, sessionSecret: session.secret, sessionExpiresAt: session.expiresAt } };
  });

  if (attempt.kind === "REFUSED") throw new RecoverySignInRefused(attempt.reason);
  return attempt.signIn;
}

/** Why the right account with an unlocked credential is still refused, or null when it may sign in. */
async function refusalReason(
  tx: Tx,
  { passwordMatches, used, accountId, enterpriseId }: { passwordMatches: boolean; used: boolean; accountId: string; enterpriseId: string },
): Promise<RecoverySignInRefusalReason | null> {
  if (!passwordMatches) return "WRONG_PASSWORD";
  if (used) return "PASSWORD_ALREADY_USED";
  const current = await tx.account.findUniqueOrThrow({ where: { id: accountId }, select: { deletedAt: true, deactivatedAt: true } });
  // A person the IdP deprovisioned over SCIM (R20) is refused as a deleted one.
  if (current.deletedAt || current.deactivatedAt) return "ACCOUNT_DELETED";
  if (!(await holdsEnterprisePermission(tx, accountId, enterpriseId))) return "NOT_ENTERPRISE_ADMIN";
  return null;
}
