import { DomainError } from "@sso-cutover/db";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { RECOVERY_FAILURE_WINDOW_MS, RECOVERY_MAX_FAILED_ATTEMPTS, generateRecoveryPassword, recoveryAccess } from "@sso-cutover/enterprise";
import {
  RECOVERY_REFUSED_MESSAGE,
  RECOVERY_SESSION_LIFETIME_MS,
  RecoverySignInRefused,
  authenticateSession,
  signInWithRecoveryPassword,
  type RecoverySignInInput,
  type RecoverySignInRefusalReason,
} from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildScenario, type Scenario } from "../../../tests/kit/scenario";

let db: TestDatabase;
let s: Scenario;
// Every attempt costs one scrypt (tens of milliseconds and 32 MiB by design): tests with many attempts get room on
// a busy machine. Nothing here measures speed.
const SCRYPT_HEAVY_TIMEOUT_MS = 120_000;

beforeAll(async () => {
  db = await createTestDatabase();
  // The IdP is out of the picture: the connection is a draft, as after an admin deactivated a broken one.
  s = await buildScenario(db.prisma, {
    enterprise: { ssoConnection: "DRAFT" },
    accounts: {
      "dop-admin": { enterpriseAdmin: true },
      rita: { kind: "SSO", enterpriseAdmin: true },
      sam: { kind: "SSO", enterpriseAdmin: true },
      tess: { kind: "SSO", enterpriseAdmin: true },
      uma: { kind: "SSO", enterpriseAdmin: true },
      vic: { kind: "SSO", enterpriseAdmin: true },
      walt: { kind: "SSO", enterpriseAdmin: true },
      plain: { kind: "SSO" },
    },
  });
});
afterAll(() => db.close());

/** A fresh recovery password for the SSO admin, generated as R12 requires (signed in with SSO). */
async function recoveryPasswordOf(handle: string): Promise<string> {
  return (await generateRecoveryPassword(db.prisma, s.actor(handle), { enterpriseKey: s.enterprise.key })).password;
}

function signIn(handle: string | null, password: string, extra: Partial<RecoverySignInInput> = {}) {
  return signInWithRecoveryPassword(db.prisma, {
    enterpriseKey: s.enterprise.key,
    login: handle === null ? "nobody-here" : s.account(handle).login,
    password,
    clientAddress: "203.0.113.7",
    ...extra,
  });
}

async function refusal(attempt: Promise<unknown>): Promise<RecoverySignInRefused> {
  const error = await attempt.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(RecoverySignInRefused);
  return error as RecoverySignInRefused;
}

async function refusedEvents() {
  return db.prisma.auditEvent.findMany({ where: { action: "authentication.recovery_login_refused" }, orderBy: { createdAt: "asc" } });
}

describe("recovery sign-in (R17)", () => {
  it("R17: the recovery password opens a one-hour session for its SSO admin while the SSO connection is a draft; audited", async () => {
    const password = await recoveryPasswordOf("rita");
    const now = new Date();
    const signedIn = await signIn("rita", `  ${password} `, { now });
    expect(signedIn.account.id).toBe(s.account("rita").id);
    expect(signedIn.sessionExpiresAt.getTime() - now.getTime()).toBe(RECOVERY_SESSION_LIFETIME_MS);
    const principal = await authenticateSession(db.prisma, signedIn.sessionSecret, now);
    expect(principal).toMatchObject({ kind: "ACCOUNT", via: "SESSION" });
    expect(principal.account.id).toBe(s.account("rita").id);

    const [event] = await s.auditEvents("authentication.recovery_login");
    expect(event).toMatchObject({ actorId: s.account("rita").id, targetId: s.account("rita").id });
    expect(event!.payload).toMatchObject({ method: "RECOVERY_PASSWORD", clientAddress: "203.0.113.7" });
    expect(JSON.stringify(await db.prisma.auditEvent.findMany())).not.toContain(password);
  });

  it("R17: single use — the same password is refused the second time; the session it opened generates the next, which works", async () => {
    const password = await recoveryPasswordOf("sam");
    const first = await signIn("sam", password);
    expect((await recoveryAccess(db.prisma, s.account("sam").id, s.account("sam").id))).toMatchObject({ configured: false, usedAt: expect.any(Date) });

    const reused = await refusal(signIn("sam", password));
    expect(reused.reason).toBe("PASSWORD_ALREADY_USED");
    expect(reused.message).toBe(RECOVERY_REFUSED_MESSAGE);

    const principal = await authenticateSession(db.prisma, first.sessionSecret);
    const next = await generateRecoveryPassword(
      db.prisma,
      { accountId: principal.account.id, login: principal.account.login, kind: "SSO", via: "SESSION" },
      { enterpriseKey: s.enterprise.key },
    );
    expect((await signIn("sam", next.password)).account.id).toBe(s.account("sam").id);
  });

  it("R17: every refusal says the same thing to the person signing in, and the audit trail says why, under the enterprise when known", async () => {
    const password = await recoveryPasswordOf("tess");
    const before = (await refusedEvents()).length;
    const attempts: [RecoverySignInRefusalReason, () => Promise<unknown>][] = [
      ["UNKNOWN_ENTERPRISE", () => signIn("tess", password, { enterpriseKey: "no-such-enterprise" })],
      ["UNKNOWN_ACCOUNT", () => signIn(null, password)],
      ["UNKNOWN_ACCOUNT", () => signIn("dop-admin", password)],
      ["NO_RECOVERY_PASSWORD", () => signIn("uma", password)],
      ["WRONG_PASSWORD", () => signIn("tess", password.replace(/^./, (c) => (c === "a" ? "b" : "a")))],
    ];
    for (const [reason, attempt] of attempts) {
      const refused = await refusal(attempt());
      expect(refused.reason).toBe(reason);
      expect(refused.message).toBe(RECOVERY_REFUSED_MESSAGE);
      expect(refused.code).toBe("UNAUTHENTICATED");
    }
    const events = (await refusedEvents()).slice(before);
    expect(events.map((event) => (event.payload as { reason: string }).reason)).toEqual(attempts.map(([reason]) => reason));
    expect(events[0]!.enterpriseId).toBeNull();
    expect(events.slice(1).every((event) => event.enterpriseId === s.enterprise.id)).toBe(true);
    expect(events[3]).toMatchObject({ targetType: "Account", targetId: s.account("uma").id });
    expect(JSON.stringify(events)).not.toContain(password);
    expect(JSON.stringify(events)).not.toContain("nobody-here");
  });

  it("R17: an admin whose Administer Enterprise was revoked, or whose account was deleted, is refused with the right password (not used up)", async () => {
    const password = await recoveryPasswordOf("uma");
    await db.prisma.enterprisePermission.deleteMany({ where: { accountId: s.account("uma").id } });
    expect((await refusal(signIn("uma", password))).reason).toBe("NOT_ENTERPRISE_ADMIN");
    expect((await db.prisma.recoveryCredential.findUniqueOrThrow({ where: { accountId: s.account("uma").id } })).usedAt).toBeNull();
    await db.prisma.enterprisePermission.create({
      data: { enterpriseId: s.enterprise.id, accountId: s.account("uma").id, permission: "ADMINISTER_ENTERPRISE" },
    });
    await db.prisma.account.update({ where: { id: s.account("uma").id }, data: { deletedAt: new Date() } });
    expect((await refusal(signIn("uma", password))).reason).toBe("ACCOUNT_DELETED");
    expect(await db.prisma.session.count({ where: { accountId: s.account("uma").id } })).toBe(0);
  });

  it(`R17: ${RECOVERY_MAX_FAILED_ATTEMPTS} failures within 15 minutes lock the account for the rest of the window, right password included; then it works`, async () => {
    const password = await recoveryPasswordOf("vic");
    const start = new Date(Date.now() + 60_000);
    const at = (ms: number) => new Date(start.getTime() + ms);
    for (let failure = 0; failure < RECOVERY_MAX_FAILED_ATTEMPTS; failure++) {
      expect((await refusal(signIn("vic", "wrong-guess", { now: at(failure * 60_000) }))).reason).toBe("WRONG_PASSWORD");
    }
    const locked = await refusal(signIn("vic", password, { now: at(10 * 60_000) }));
    expect(locked.reason).toBe("LOCKED");
    expect(locked.message).toBe(RECOVERY_REFUSED_MESSAGE);
    const [lockEvent] = (await refusedEvents()).slice(-1);
    // The window ends 15 minutes after its first failure.
    expect(lockEvent!.payload).toMatchObject({ reason: "LOCKED", lockedUntil: at(RECOVERY_FAILURE_WINDOW_MS).toISOString() });
    const signedIn = await signIn("vic", password, { now: at(RECOVERY_FAILURE_WINDOW_MS) });
    expect(signedIn.account.id).toBe(s.account("vic").id);
  }, SCRYPT_HEAVY_TIMEOUT_MS);

  it("R17: failures spread wider than the window never lock: a failure after it starts a new count", async () => {
    const password = await recoveryPasswordOf("tess");
    const start = new Date(Date.now() + 3600_000);
    const at = (ms: number) => new Date(start.getTime() + ms);
    for (let failure = 0; failure < RECOVERY_MAX_FAILED_ATTEMPTS - 1; failure++) {
      await refusal(signIn("tess", "wrong-guess", { now: at(failure * 1000) }));
    }
    // The fifth failure falls after the window of the first four: it is the first of a new window, no lock.
    await refusal(signIn("tess", "wrong-guess", { now: at(RECOVERY_FAILURE_WINDOW_MS) }));
    const credential = await db.prisma.recoveryCredential.findUniqueOrThrow({ where: { accountId: s.account("tess").id } });
    expect(credential).toMatchObject({ failedAttempts: 1, failureWindowStartedAt: at(RECOVERY_FAILURE_WINDOW_MS) });
    expect((await signIn("tess", password, { now: at(RECOVERY_FAILURE_WINDOW_MS + 1000) })).account.id).toBe(s.account("tess").id);
  }, SCRYPT_HEAVY_TIMEOUT_MS);

  it("R17: a burst of parallel wrong guesses counts no more failures than the limit, and the right password sent in it is refused", async () => {
    const password = await recoveryPasswordOf("walt");
    const burst = Array.from({ length: RECOVERY_MAX_FAILED_ATTEMPTS + 2 }, () => refusal(signIn("walt", "wrong-guess")));
    const reasons = (await Promise.all(burst)).map((refused) => refused.reason);
    expect(reasons.filter((reason) => reason === "WRONG_PASSWORD")).toHaveLength(RECOVERY_MAX_FAILED_ATTEMPTS);
    expect(reasons.filter((reason) => reason === "LOCKED")).toHaveLength(2);
    const credential = await db.prisma.recoveryCredential.findUniqueOrThrow({ where: { accountId: s.account("walt").id } });
    expect(credential.failedAttempts).toBe(RECOVERY_MAX_FAILED_ATTEMPTS);
    expect((await refusal(signIn("walt", password))).reason).toBe("LOCKED");
  }, SCRYPT_HEAVY_TIMEOUT_MS);

  it("R17: two parallel sign-ins with one password open one session only", async () => {
    await db.prisma.recoveryCredential.deleteMany({ where: { accountId: s.account("rita").id } });
    const password = await recoveryPasswordOf("rita");
    const sessionsBefore = await db.prisma.session.count({ where: { accountId: s.account("rita").id } });
    const results = await Promise.allSettled([signIn("rita", password), signIn("rita", password)]);
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((result) => result.status === "rejected") as PromiseRejectedResult;
    expect((rejected.reason as RecoverySignInRefused).reason).toBe("PASSWORD_ALREADY_USED");
    expect(await db.prisma.session.count({ where: { accountId: s.account("rita").id } })).toBe(sessionsBefore + 1);
  });

  it("R17: an empty or oversized field is INVALID_INPUT naming it, and is no attempt (nothing audited)", async () => {
    const before = (await refusedEvents()).length;
    const cases: [Partial<RecoverySignInInput>, string][] = [
      [{ enterpriseKey: " " }, "enterpriseKey"],
      [{ login: "" }, "login"],
      [{ password: "" }, "password"],
      [{ password: "x".repeat(257) }, "password"],
      [{ login: "l".repeat(256) }, "login"],
    ];
    for (const [input, field] of cases) {
      const error = await signIn("tess", "whatever", input).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ code: "INVALID_INPUT", field });
    }
    expect((await refusedEvents()).length).toBe(before);
  });
});
