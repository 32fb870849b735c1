import type { Database } from "@sso-cutover/db";
import { createTestDatabase } from "@sso-cutover/db/testing";
import { enterpriseLoginUrl } from "@sso-cutover/enterprise";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { domainError } from "../../../tests/kit/domain-errors";
import { countQueries } from "../../../tests/kit/query-counter";
import { buildScenario, type Scenario } from "../../../tests/kit/scenario";
import {
  enterpriseInvitationsWhere,
  invitationMessage,
  invitationStatus,
  invitationWhereForStatus,
  inviteUsers,
  MAX_INVITATIONS_PER_CALL,
  resendInvitation,
  revokeInvitation,
  type InviteUserResult,
} from "../src/index";

const PUBLIC_URL = "https://sonar.example.com";
const DAY = 24 * 60 * 60 * 1000;
const now = new Date("2026-12-01T10:00:00.000Z");
const context = { publicUrl: PUBLIC_URL, now };

let db: Database;
let s: Scenario;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  s = await buildScenario(db.prisma, {
    organizations: { web: {} },
    accounts: {
      admin: { enterpriseAdmin: true, memberOf: ["web"] },
      dev: { memberOf: ["web"] },
      member: { kind: "SSO", email: "Existing.Member@Example.com" },
    },
  });
});

const invite = (emails: string[], extra: { expiresInDays?: number | null; actor?: string } = {}) =>
  inviteUsers(db.prisma, s.actor(extra.actor ?? "admin"), { enterpriseKey: s.enterprise.key, emails, expiresInDays: extra.expiresInDays }, context);

function invited(result: InviteUserResult | undefined) {
  if (!result?.ok || !result.sent) throw new Error(`expected an invitation, got ${JSON.stringify(result)}`);
  return result.sent;
}

function refused(result: InviteUserResult | undefined) {
  if (!result || result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
  return result.refusal;
}

const storedInvitations = () => db.prisma.invitation.findMany({ where: { enterpriseId: s.enterprise.id } });

describe("inviteUsers", () => {
  it("R3: inviting before the SSO connection is ACTIVE is refused (PRECONDITION_FAILED): the login link would lead nowhere", async () => {
    for (const status of ["NONE", "DRAFT"] as const) {
      const draft = await buildScenario(db.prisma, {
        enterprise: { ssoConnection: status },
        organizations: { web: {} },
        accounts: { admin: { enterpriseAdmin: true, memberOf: ["web"] } },
      });
      const error = await domainError(
        inviteUsers(db.prisma, draft.actor("admin"), { enterpriseKey: draft.enterprise.key, emails: ["new@example.com"] }, context),
      );
      expect(error).toMatchObject({ code: "PRECONDITION_FAILED", field: "input.enterpriseKey" });
      expect(await db.prisma.invitation.count({ where: { enterpriseId: draft.enterprise.id } })).toBe(0);
    }
  });

  it("R3: an enterprise admin invites users; each gets a PENDING invitation expiring in 14 days by default", async () => {
    const outcome = await invite(["ana@example.com", "Ben@Example.com"]);

    expect(outcome.createdCount).toBe(2);
    expect(outcome.results.map((r) => r.email)).toEqual(["ana@example.com", "Ben@Example.com"]);
    const ben = invited(outcome.results[1]);
    expect(ben.invitation).toMatchObject({
      email: "Ben@Example.com",
      emailNormalized: "ben@example.com",
      status: "PENDING",
      invitedById: s.account("admin").id,
    });
    expect(ben.invitation.expiresAt.toISOString()).toBe(new Date(now.getTime() + 14 * DAY).toISOString());
    expect(ben.loginUrl).toBe(enterpriseLoginUrl(PUBLIC_URL, s.enterprise.key));
    expect(ben.message).toContain(ben.loginUrl);
    expect(ben.message).toContain("2026-12-15");
    expect(await storedInvitations()).toHaveLength(2);
  });

  it("R3/R13: one invitation.created audit event per call, with the count and the emails", async () => {
    await invite(["ana@example.com", "ben@example.com", "not an email"]);

    const events = await s.auditEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: "invitation.created",
      actorId: s.account("admin").id,
      payload: { count: 2, emails: ["ana@example.com", "ben@example.com"] },
    });
  });

  it("R3: emails are de-duplicated case-insensitively: one result and one invitation per distinct email", async () => {
    const outcome = await invite(["Bob@Example.com", "bob@example.com", "  BOB@example.COM ", "carl@example.com"]);

    expect(outcome.results.map((r) => r.email)).toEqual(["Bob@Example.com", "carl@example.com"]);
    expect((await storedInvitations()).map((i) => i.emailNormalized).sort()).toEqual(["bob@example.com", "carl@example.com"]);
  });

  it("R3: a malformed email gets INVALID_EMAIL naming input.emails[i]; the other emails are still invited", async () => {
    const outcome = await invite(["ok@example.com", "not-an-email", "a@b", "two@@example.com", "spaces in@example.com"]);

    expect(invited(outcome.results[0]).invitation.email).toBe("ok@example.com");
    expect(outcome.results.slice(1).map((r) => refused(r))).toEqual([
      expect.objectContaining({ code: "INVALID_EMAIL", field: "input.emails[1]" }),
      expect.objectContaining({ code: "INVALID_EMAIL", field: "input.emails[2]" }),
      expect.objectContaining({ code: "INVALID_EMAIL", field: "input.emails[3]" }),
      expect.objectContaining({ code: "INVALID_EMAIL", field: "input.emails[4]" }),
    ]);
    expect(refused(outcome.results[1]).message).toContain("not-an-email");
    expect(await storedInvitations()).toHaveLength(1);
  });

  it(`R3: more than ${MAX_INVITATIONS_PER_CALL} emails are refused as a whole (INVALID_INPUT on input.emails) and nothing is written`, async () => {
    const emails = Array.from({ length: MAX_INVITATIONS_PER_CALL + 1 }, (_, i) => `user${i}@example.com`);

    const error = await domainError(invite(emails));

    expect(error).toMatchObject({ code: "INVALID_INPUT", field: "input.emails" });
    expect(error.message).toContain(String(MAX_INVITATIONS_PER_CALL));
    expect(await storedInvitations()).toHaveLength(0);
    expect(await s.auditEvents()).toHaveLength(0);
  });

  it("R3: an empty list of emails is refused naming input.emails", async () => {
    expect(await domainError(invite([]))).toMatchObject({ code: "INVALID_INPUT", field: "input.emails" });
  });

  it("R3: expiresInDays 0 and 31 (and non-integers) are refused naming input.expiresInDays; 1 and 30 are accepted", async () => {
    for (const expiresInDays of [0, 31, -1, 2.5]) {
      const error = await domainError(invite(["ana@example.com"], { expiresInDays }));
      expect(error).toMatchObject({ code: "INVALID_INPUT", field: "input.expiresInDays" });
    }
    expect(await storedInvitations()).toHaveLength(0);

    const one = invited((await invite(["one@example.com"], { expiresInDays: 1 })).results[0]);
    const thirty = invited((await invite(["thirty@example.com"], { expiresInDays: 30 })).results[0]);
    expect(one.invitation.expiresAt.getTime()).toBe(now.getTime() + DAY);
    expect(thirty.invitation.expiresAt.getTime()).toBe(now.getTime() + 30 * DAY);
  });

  it("R3: an email that already has a PENDING invitation gets ALREADY_PENDING (case-insensitive)", async () => {
    await invite(["dana@example.com"]);

    const outcome = await invite(["DANA@example.com", "eve@example.com"]);

    expect(refused(outcome.results[0])).toMatchObject({ code: "ALREADY_PENDING", field: "input.emails[0]" });
    expect(invited(outcome.results[1]).invitation.email).toBe("eve@example.com");
    expect(await storedInvitations()).toHaveLength(2);
  });

  it("R3: an expired or revoked invitation does not block a new one for the same email", async () => {
    const expired = invited((await inviteUsers(db.prisma, s.actor("admin"), { enterpriseKey: s.enterprise.key, emails: ["old@example.com"], expiresInDays: 1 }, { publicUrl: PUBLIC_URL, now: new Date(now.getTime() - 2 * DAY) })).results[0]);
    const revoked = invited((await invite(["gone@example.com"])).results[0]);
    await revokeInvitation(db.prisma, s.actor("admin"), { invitationId: revoked.invitation.id }, now);

    const outcome = await invite(["old@example.com", "gone@example.com"]);

    expect(outcome.results.every((r) => r.ok)).toBe(true);
    expect(invitationStatus(expired.invitation, now)).toBe("EXPIRED");
  });

  it("R3: an email of an SSO account of the enterprise gets ALREADY_SSO_MEMBER; SSO accounts of other enterprises do not count", async () => {
    const other = await buildScenario(db.prisma, { accounts: { elsewhere: { kind: "SSO", email: "elsewhere@example.com" } } });

    const outcome = await invite(["existing.member@example.com", "elsewhere@example.com"]);

    expect(refused(outcome.results[0])).toMatchObject({ code: "ALREADY_SSO_MEMBER", field: "input.emails[0]" });
    expect(invited(outcome.results[1]).invitation.email).toBe("elsewhere@example.com");
    expect(other.account("elsewhere").enterpriseId).not.toBe(s.enterprise.id);
  });

  it("R3: when every email is refused nothing is written and no audit event is recorded, yet each email gets its error", async () => {
    await invite(["dana@example.com"]);
    const before = await s.auditEvents();

    const outcome = await invite(["bad", "Dana@example.com", "existing.member@example.com"]);

    expect(outcome.createdCount).toBe(0);
    expect(outcome.results.map((r) => refused(r).code)).toEqual(["INVALID_EMAIL", "ALREADY_PENDING", "ALREADY_SSO_MEMBER"]);
    expect(await storedInvitations()).toHaveLength(1);
    expect(await s.auditEvents()).toHaveLength(before.length);
  });

  it("R3: only enterprise admins may invite: FORBIDDEN for a member, nothing written", async () => {
    const error = await domainError(invite(["ana@example.com"], { actor: "dev" }));

    expect(error.code).toBe("FORBIDDEN");
    expect(await storedInvitations()).toHaveLength(0);
    expect(await s.auditEvents()).toHaveLength(0);
  });

  it("R3: an admin of another enterprise gets NOT_FOUND on input.enterpriseKey (the key is not revealed)", async () => {
    const other = await buildScenario(db.prisma, { accounts: { admin: { enterpriseAdmin: true } } });

    const error = await domainError(
      inviteUsers(db.prisma, other.actor("admin"), { enterpriseKey: s.enterprise.key, emails: ["ana@example.com"] }, context),
    );

    expect(error).toMatchObject({ code: "NOT_FOUND", field: "input.enterpriseKey" });
    expect(await storedInvitations()).toHaveLength(0);
  });

  it(`R3: a batch of ${MAX_INVITATIONS_PER_CALL} emails (the most one call takes) is written in one transaction with the same bounded number of statements as a batch of 10`, async () => {
    const counter = countQueries(db.prisma);
    const batch = (size: number, tag: string) =>
      counter.measure((client) =>
        inviteUsers(
          client,
          s.actor("admin"),
          { enterpriseKey: s.enterprise.key, emails: Array.from({ length: size }, (_, i) => `${tag}${i}@example.com`) },
          context,
        ),
      );

    const small = await batch(10, "small");
    const large = await batch(MAX_INVITATIONS_PER_CALL, "large");

    expect(large.result.createdCount).toBe(MAX_INVITATIONS_PER_CALL);
    expect(large.transactions).toBe(1);
    expect(large.operations).toBe(small.operations);
    expect(large.operations).toBeLessThanOrEqual(8);
    expect(await storedInvitations()).toHaveLength(10 + MAX_INVITATIONS_PER_CALL);
    expect(await s.auditEvents("invitation.created")).toHaveLength(2);
  });

  it(`R3: a dry run of ${MAX_INVITATIONS_PER_CALL} emails is one transaction with the same fixed number of statements as a dry run of 10, and fewer than the real call`, async () => {
    const counter = countQueries(db.prisma);
    const batch = (size: number, tag: string, dryRun: boolean) =>
      counter.measure((client) =>
        inviteUsers(
          client,
          s.actor("admin"),
          { enterpriseKey: s.enterprise.key, emails: Array.from({ length: size }, (_, i) => `${tag}${i}@example.com`), dryRun },
          context,
        ),
      );

    const small = await batch(10, "small", true);
    const large = await batch(MAX_INVITATIONS_PER_CALL, "large", true);
    const real = await batch(10, "real", false);

    expect(large.result.invitedCount).toBe(MAX_INVITATIONS_PER_CALL);
    expect(large.transactions).toBe(1);
    expect(large.operations).toBe(small.operations);
    expect(large.operations).toBeLessThan(real.operations);
    expect(await storedInvitations()).toHaveLength(10);
  });
});

describe("inviteUsers dry run", () => {
  const preview = (emails: string[], extra: { expiresInDays?: number | null; actor?: string } = {}) =>
    inviteUsers(db.prisma, s.actor(extra.actor ?? "admin"), { enterpriseKey: s.enterprise.key, emails, expiresInDays: extra.expiresInDays, dryRun: true }, context);

  it("R3: a dry run returns each would-be invitee's exact message and each refusal, and writes no invitation and no audit event", async () => {
    await invite(["pending@example.com"]);
    const eventsBefore = await s.auditEvents();

    const outcome = await preview(["Ana@Example.com", "not-an-email", "PENDING@example.com", "existing.member@example.com", "ben@example.com"], {
      expiresInDays: 3,
    });

    expect(outcome).toMatchObject({ dryRun: true, createdCount: 0, invitedCount: 2 });
    expect(outcome.results.map((r) => (r.ok ? "WOULD_INVITE" : r.refusal.code))).toEqual([
      "WOULD_INVITE",
      "INVALID_EMAIL",
      "ALREADY_PENDING",
      "ALREADY_SSO_MEMBER",
      "WOULD_INVITE",
    ]);
    const ana = outcome.results[0]!;
    if (!ana.ok) throw new Error("expected Ana to be invitable");
    expect(ana.sent).toBeNull();
    expect(ana.expiresAt.toISOString()).toBe(new Date(now.getTime() + 3 * DAY).toISOString());
    expect(ana.message).toBe(invitationMessage(s.enterprise, { email: "Ana@Example.com", expiresAt: ana.expiresAt }, enterpriseLoginUrl(PUBLIC_URL, s.enterprise.key)));
    expect(ana.message).toContain("2026-12-04 at 10:00 UTC");
    expect((await storedInvitations()).map((i) => i.emailNormalized)).toEqual(["pending@example.com"]);
    expect(await s.auditEvents()).toHaveLength(eventsBefore.length);
  });

  it("R3: the real call after a preview, with the same emails and expiry, sends exactly the previewed messages", async () => {
    const emails = ["ana@example.com", "  Ben@Example.com ", "bad"];
    const previewed = await preview(emails, { expiresInDays: 7 });

    const real = await invite(emails, { expiresInDays: 7 });

    expect(real.dryRun).toBe(false);
    expect(real.invitedCount).toBe(previewed.invitedCount);
    expect(real.results.map((r) => (r.ok ? r.message : r.refusal.code))).toEqual(previewed.results.map((r) => (r.ok ? r.message : r.refusal.code)));
    expect(real.results.map((r) => (r.ok ? r.sent?.message : null))).toEqual(previewed.results.map((r) => (r.ok ? r.message : null)));
    expect(await storedInvitations()).toHaveLength(2);
  });

  it("R3: a dry run makes the same checks as the real call: FORBIDDEN for a member, INVALID_INPUT for a bad expiry, PRECONDITION_FAILED without an active connection", async () => {
    expect((await domainError(preview(["ana@example.com"], { actor: "dev" }))).code).toBe("FORBIDDEN");
    expect(await domainError(preview(["ana@example.com"], { expiresInDays: 31 }))).toMatchObject({ code: "INVALID_INPUT", field: "input.expiresInDays" });
    const draft = await buildScenario(db.prisma, {
      enterprise: { ssoConnection: "DRAFT" },
      accounts: { admin: { enterpriseAdmin: true } },
    });
    const error = await domainError(
      inviteUsers(db.prisma, draft.actor("admin"), { enterpriseKey: draft.enterprise.key, emails: ["new@example.com"], dryRun: true }, context),
    );
    expect(error).toMatchObject({ code: "PRECONDITION_FAILED", field: "input.enterpriseKey" });
  });
});

describe("revokeInvitation", () => {
  it("R3: revoking a PENDING invitation makes it REVOKED, with one invitation.revoked audit event", async () => {
    const { invitation } = invited((await invite(["ana@example.com"])).results[0]);

    const revoked = await revokeInvitation(db.prisma, s.actor("admin"), { invitationId: invitation.id }, now);

    expect(revoked).toMatchObject({ id: invitation.id, status: "REVOKED", revokedAt: now });
    const events = await s.auditEvents("invitation.revoked");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ targetId: invitation.id, payload: { email: "ana@example.com" } });
  });

  it("R3: revoking twice is refused with CONFLICT naming the status REVOKED; no second audit event", async () => {
    const { invitation } = invited((await invite(["ana@example.com"])).results[0]);
    await revokeInvitation(db.prisma, s.actor("admin"), { invitationId: invitation.id }, now);

    const error = await domainError(revokeInvitation(db.prisma, s.actor("admin"), { invitationId: invitation.id }, now));

    expect(error).toMatchObject({ code: "CONFLICT", field: "input.invitationId", details: { status: "REVOKED" } });
    expect(error.message).toContain("REVOKED");
    expect(await s.auditEvents("invitation.revoked")).toHaveLength(1);
  });

  it("R3: revoking an ACCEPTED invitation is refused with CONFLICT naming ACCEPTED", async () => {
    const { invitation } = invited((await invite(["ana@example.com"])).results[0]);
    await db.prisma.invitation.update({ where: { id: invitation.id }, data: { status: "ACCEPTED", acceptedById: s.account("member").id, acceptedAt: now } });

    const error = await domainError(revokeInvitation(db.prisma, s.actor("admin"), { invitationId: invitation.id }, now));

    expect(error.code).toBe("CONFLICT");
    expect(error.message).toContain("ACCEPTED");
  });

  it("R3: an expired invitation can still be revoked", async () => {
    const { invitation } = invited((await invite(["ana@example.com"], { expiresInDays: 1 })).results[0]);

    const revoked = await revokeInvitation(db.prisma, s.actor("admin"), { invitationId: invitation.id }, new Date(now.getTime() + 2 * DAY));

    expect(revoked.status).toBe("REVOKED");
  });

  it("R3/R15: only enterprise admins may revoke; to a member, an unknown or another enterprise's invitation is NOT_FOUND", async () => {
    const { invitation } = invited((await invite(["ana@example.com"])).results[0]);
    const other = await buildScenario(db.prisma, { accounts: { admin: { enterpriseAdmin: true } } });

    expect(await domainError(revokeInvitation(db.prisma, s.actor("dev"), { invitationId: invitation.id }, now))).toMatchObject({
      code: "NOT_FOUND",
      field: "input.invitationId",
    });
    expect(await domainError(revokeInvitation(db.prisma, other.actor("admin"), { invitationId: invitation.id }, now))).toMatchObject({
      code: "NOT_FOUND",
      field: "input.invitationId",
    });
    expect((await domainError(revokeInvitation(db.prisma, s.actor("admin"), { invitationId: "missing" }, now))).code).toBe("NOT_FOUND");
    expect((await db.prisma.invitation.findUniqueOrThrow({ where: { id: invitation.id } })).status).toBe("PENDING");
  });
});

describe("resendInvitation", () => {
  it("R3: resending keeps the same invitation, counts the new expiry from now and updates sentAt, with one audit event", async () => {
    const { invitation } = invited((await invite(["ana@example.com"])).results[0]);
    const later = new Date(now.getTime() + 3 * DAY);

    const resent = await resendInvitation(db.prisma, s.actor("admin"), { invitationId: invitation.id }, { publicUrl: PUBLIC_URL, now: later });

    expect(resent.invitation).toMatchObject({ id: invitation.id, status: "PENDING", sentAt: later, createdAt: now });
    expect(resent.invitation.expiresAt.getTime()).toBe(later.getTime() + 14 * DAY);
    expect(resent.message).toContain(enterpriseLoginUrl(PUBLIC_URL, s.enterprise.key));
    expect(resent.message).toContain("2026-12-18");
    expect(await storedInvitations()).toHaveLength(1);
    expect(await s.auditEvents("invitation.resent")).toHaveLength(1);
  });

  it("R3: resending an EXPIRED invitation makes it PENDING again", async () => {
    const { invitation } = invited((await invite(["ana@example.com"], { expiresInDays: 1 })).results[0]);
    const later = new Date(now.getTime() + 5 * DAY);
    expect(invitationStatus(invitation, later)).toBe("EXPIRED");

    const resent = await resendInvitation(db.prisma, s.actor("admin"), { invitationId: invitation.id, expiresInDays: 7 }, { publicUrl: PUBLIC_URL, now: later });

    expect(invitationStatus(resent.invitation, later)).toBe("PENDING");
    expect(resent.invitation.expiresAt.getTime()).toBe(later.getTime() + 7 * DAY);
  });

  it("R3: resending an ACCEPTED invitation is refused with CONFLICT naming ACCEPTED; a REVOKED one naming REVOKED", async () => {
    const [accepted, revoked] = (await invite(["ana@example.com", "ben@example.com"])).results.map((r) => invited(r).invitation);
    await db.prisma.invitation.update({ where: { id: accepted!.id }, data: { status: "ACCEPTED", acceptedById: s.account("member").id, acceptedAt: now } });
    await revokeInvitation(db.prisma, s.actor("admin"), { invitationId: revoked!.id }, now);

    const acceptedError = await domainError(resendInvitation(db.prisma, s.actor("admin"), { invitationId: accepted!.id }, context));
    const revokedError = await domainError(resendInvitation(db.prisma, s.actor("admin"), { invitationId: revoked!.id }, context));

    expect(acceptedError).toMatchObject({ code: "CONFLICT", field: "input.invitationId", details: { status: "ACCEPTED" } });
    expect(acceptedError.message).toContain("ACCEPTED");
    expect(revokedError.message).toContain("REVOKED");
    expect(await s.auditEvents("invitation.resent")).toHaveLength(0);
  });

  it("R3: resending an expired invitation is refused when its email got a newer pending invitation (one PENDING per email)", async () => {
    const old = invited((await invite(["ana@example.com"], { expiresInDays: 1 })).results[0]).invitation;
    const later = new Date(now.getTime() + 2 * DAY);
    await inviteUsers(db.prisma, s.actor("admin"), { enterpriseKey: s.enterprise.key, emails: ["ana@example.com"] }, { publicUrl: PUBLIC_URL, now: later });

    const error = await domainError(resendInvitation(db.prisma, s.actor("admin"), { invitationId: old.id }, { publicUrl: PUBLIC_URL, now: later }));

    expect(error).toMatchObject({ code: "CONFLICT", details: { reason: "ALREADY_PENDING" } });
  });

  it("R3: resending is refused once the invitee already signs in with the enterprise's SSO", async () => {
    const { invitation } = invited((await invite(["newcomer@example.com"])).results[0]);
    await db.prisma.account.create({
      data: { login: `newcomer-${s.suffix}`, name: "Newcomer", kind: "SSO", enterpriseId: s.enterprise.id, email: "Newcomer@example.com", emailNormalized: "newcomer@example.com" },
    });

    const error = await domainError(resendInvitation(db.prisma, s.actor("admin"), { invitationId: invitation.id }, context));

    expect(error).toMatchObject({ code: "CONFLICT", details: { reason: "ALREADY_SSO_MEMBER" } });
  });

  it("R3/R15: resending validates expiresInDays and is for enterprise admins only (NOT_FOUND to others)", async () => {
    const { invitation } = invited((await invite(["ana@example.com"])).results[0]);

    expect(await domainError(resendInvitation(db.prisma, s.actor("admin"), { invitationId: invitation.id, expiresInDays: 31 }, context))).toMatchObject({
      code: "INVALID_INPUT",
      field: "input.expiresInDays",
    });
    expect((await domainError(resendInvitation(db.prisma, s.actor("dev"), { invitationId: invitation.id }, context))).code).toBe("NOT_FOUND");
  });
});

describe("derived status", () => {
  it("R3: EXPIRED is derived from time: PENDING until just before expiresAt, EXPIRED from expiresAt on — also in queries", async () => {
    const { invitation } = invited((await invite(["ana@example.com"], { expiresInDays: 1 })).results[0]);
    const justBefore = new Date(invitation.expiresAt.getTime() - 1);
    const atExpiry = new Date(invitation.expiresAt.getTime());
    const countWith = (status: "PENDING" | "EXPIRED", at: Date) =>
      db.prisma.invitation.count({ where: { enterpriseId: s.enterprise.id, ...invitationWhereForStatus(status, at) } });

    expect(invitationStatus(invitation, justBefore)).toBe("PENDING");
    expect(invitationStatus(invitation, atExpiry)).toBe("EXPIRED");
    expect([await countWith("PENDING", justBefore), await countWith("EXPIRED", justBefore)]).toEqual([1, 0]);
    expect([await countWith("PENDING", atExpiry), await countWith("EXPIRED", atExpiry)]).toEqual([0, 1]);
    expect((await db.prisma.invitation.findUniqueOrThrow({ where: { id: invitation.id } })).status).toBe("PENDING");
  });

  it("R3: enterpriseInvitationsWhere lists by derived status, for enterprise admins only", async () => {
    await invite(["ana@example.com"], { expiresInDays: 1 });
    await invite(["ben@example.com"]);
    const later = new Date(now.getTime() + 2 * DAY);
    const list = async (status: "PENDING" | "EXPIRED" | null) =>
      (await db.prisma.invitation.findMany({ where: await enterpriseInvitationsWhere(db.prisma, s.actor("admin"), s.enterprise.id, { status }, later) }))
        .map((i) => i.email)
        .sort();

    expect(await list("EXPIRED")).toEqual(["ana@example.com"]);
    expect(await list("PENDING")).toEqual(["ben@example.com"]);
    expect(await list(null)).toEqual(["ana@example.com", "ben@example.com"]);
    expect((await domainError(enterpriseInvitationsWhere(db.prisma, s.actor("dev"), s.enterprise.id))).code).toBe("FORBIDDEN");
  });

  it("R3: ACCEPTED and REVOKED invitations never read as EXPIRED", async () => {
    const past = new Date(now.getTime() + 100 * DAY);
    expect(invitationStatus({ status: "ACCEPTED", expiresAt: now }, past)).toBe("ACCEPTED");
    expect(invitationStatus({ status: "REVOKED", expiresAt: now }, past)).toBe("REVOKED");
  });
});

describe("invitationMessage", () => {
  it("R1/R3: the ready-to-send text names the enterprise, the invitee, the enterprise login link and the expiry date", () => {
    const link = enterpriseLoginUrl(PUBLIC_URL, "acme");
    const message = invitationMessage(
      { name: "Acme Corp", key: "acme" },
      { email: "ana@acme.com", expiresAt: new Date("2026-12-15T10:00:00Z") },
      link,
    );

    expect(message).toContain("Acme Corp");
    expect(message).toContain("ana@acme.com");
    expect(message).toContain("https://sonar.example.com/login/sso?enterprise_key=acme");
    expect(message).toContain("2026-12-15 at 10:00 UTC");
  });
});
