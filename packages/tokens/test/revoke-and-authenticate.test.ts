import { describe, expect, it } from "vitest";
import {
  authenticateToken,
  createPersonalAccessToken,
  createScopedOrganizationToken,
  revokeToken,
} from "@sso-cutover/tokens";
import { actorOf, DAY, expectDomainError, MINUTE, tokenSuite } from "../../../tests/kit/tokens-fixtures";

const now = new Date("2026-06-01T12:00:00Z");
const later = (ms: number) => new Date(now.getTime() + ms);
const suite = tokenSuite();

async function scopedSetup() {
  const enterprise = await suite.fixtures.enterprise();
  const organization = await suite.fixtures.organization({ enterprise, plan: "ENTERPRISE" });
  const admin = await suite.fixtures.devopsAccount();
  await suite.fixtures.member(admin, organization, ["ADMIN"]);
  const created = await createScopedOrganizationToken(
    suite.db.prisma,
    actorOf(admin),
    { organizationKey: organization.key, name: "analysis", allProjects: true },
    now,
  );
  return { enterprise, organization, admin, ...created };
}

describe("revoking tokens", () => {
  it("R5: the owner revokes a PAT; it stops authenticating at once and one token.revoked event is written", async () => {
    const owner = await suite.fixtures.devopsAccount();
    const { token, secret } = await createPersonalAccessToken(suite.db.prisma, actorOf(owner), { name: "ci" }, now);
    await authenticateToken(suite.db.prisma, secret, now);
    const revoked = await revokeToken(suite.db.prisma, actorOf(owner), { tokenId: token.id }, later(MINUTE));
    expect(revoked.revokedAt).toEqual(later(MINUTE));
    await expectDomainError(authenticateToken(suite.db.prisma, secret, later(MINUTE)), { code: "UNAUTHENTICATED" });
    const events = await suite.db.prisma.auditEvent.findMany({ where: { targetId: token.id, action: "token.revoked" } });
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events[0]!.payload)).not.toContain(secret);
  });

  it("R5/R15: another account may not revoke someone's PAT: to it the token does not exist", async () => {
    const owner = await suite.fixtures.devopsAccount();
    const stranger = await suite.fixtures.devopsAccount();
    const { token, secret } = await createPersonalAccessToken(suite.db.prisma, actorOf(owner), { name: "mine" }, now);
    await expectDomainError(revokeToken(suite.db.prisma, actorOf(stranger), { tokenId: token.id }, now), { code: "NOT_FOUND" });
    await authenticateToken(suite.db.prisma, secret, now);
  });

  it("R6/R15: an org admin revokes a scoped organization token; to a non-admin member it does not exist", async () => {
    const { organization, token, secret } = await scopedSetup();
    const scanner = await suite.fixtures.devopsAccount();
    await suite.fixtures.member(scanner, organization, ["SCAN"]);
    const refusal = revokeToken(suite.db.prisma, actorOf(scanner), { tokenId: token.id }, now);
    await expectDomainError(refusal, { code: "NOT_FOUND" });
    await expect(refusal).rejects.not.toHaveProperty("message", expect.stringContaining(organization.key));
    const otherAdmin = await suite.fixtures.ssoAccount(await suite.fixtures.enterprise());
    await suite.fixtures.group(organization, ["ADMIN"], [otherAdmin]);
    await revokeToken(suite.db.prisma, actorOf(otherAdmin), { tokenId: token.id }, now);
    await expectDomainError(authenticateToken(suite.db.prisma, secret, now), { code: "UNAUTHENTICATED" });
  });

  it("R5: revoking an already revoked token is a clear error and writes nothing", async () => {
    const { admin, token } = await scopedSetup();
    await revokeToken(suite.db.prisma, actorOf(admin), { tokenId: token.id }, now);
    await expectDomainError(revokeToken(suite.db.prisma, actorOf(admin), { tokenId: token.id }, later(DAY)), {
      code: "CONFLICT",
      field: "input.tokenId",
      message: /already revoked/,
    });
    expect(await suite.db.prisma.auditEvent.count({ where: { targetId: token.id, action: "token.revoked" } })).toBe(1);
  });

  it("R5: an unknown token id is NOT_FOUND on input.tokenId", async () => {
    const owner = await suite.fixtures.devopsAccount();
    await expectDomainError(revokeToken(suite.db.prisma, actorOf(owner), { tokenId: "nope" }, now), {
      code: "NOT_FOUND",
      field: "input.tokenId",
    });
  });
});

describe("authenticating by token", () => {
  it("R5: a token whose owner was deleted never authenticates", async () => {
    const owner = await suite.fixtures.devopsAccount();
    const { secret } = await createPersonalAccessToken(suite.db.prisma, actorOf(owner), { name: "orphan" }, now);
    await suite.db.prisma.account.update({ where: { id: owner.id }, data: { deletedAt: now } });
    await expectDomainError(authenticateToken(suite.db.prisma, secret, later(MINUTE)), { code: "UNAUTHENTICATED" });
  });

  it("R5: an expired token stops authenticating at expiresAt", async () => {
    const owner = await suite.fixtures.devopsAccount();
    const { secret } = await createPersonalAccessToken(
      suite.db.prisma,
      actorOf(owner),
      { name: "short", expiresAt: later(DAY) },
      now,
    );
    await authenticateToken(suite.db.prisma, secret, later(DAY - 1));
    await expectDomainError(authenticateToken(suite.db.prisma, secret, later(DAY)), { code: "UNAUTHENTICATED" });
  });

  it("R5: a scoped organization token authenticates as its organization", async () => {
    const { organization, secret } = await scopedSetup();
    const principal = await authenticateToken(suite.db.prisma, secret, now);
    expect(principal.kind).toBe("ORGANIZATION_TOKEN");
    if (principal.kind === "ORGANIZATION_TOKEN") expect(principal.token.organization.id).toBe(organization.id);
  });

  it("R5: lastUsedAt is written at most once a minute", async () => {
    const owner = await suite.fixtures.devopsAccount();
    const { token, secret } = await createPersonalAccessToken(suite.db.prisma, actorOf(owner), { name: "busy" }, now);
    const lastUsed = async () => (await suite.db.prisma.token.findUniqueOrThrow({ where: { id: token.id } })).lastUsedAt;
    expect(await lastUsed()).toBeNull();

    await authenticateToken(suite.db.prisma, secret, later(0));
    expect(await lastUsed()).toEqual(later(0));
    for (const offset of [1_000, 30_000, MINUTE - 1]) {
      await authenticateToken(suite.db.prisma, secret, later(offset));
      expect(await lastUsed()).toEqual(later(0));
    }
    await authenticateToken(suite.db.prisma, secret, later(MINUTE));
    expect(await lastUsed()).toEqual(later(MINUTE));
    await authenticateToken(suite.db.prisma, secret, later(MINUTE + 59_000));
    expect(await lastUsed()).toEqual(later(MINUTE));
  });

  it("R5: malformed and unknown secrets are refused with one message that reveals nothing", async () => {
    const first = await expectDomainError(authenticateToken(suite.db.prisma, "sqp_nothex", now), { code: "UNAUTHENTICATED" });
    const second = await expectDomainError(authenticateToken(suite.db.prisma, `sqp_${"0".repeat(40)}`, now), {
      code: "UNAUTHENTICATED",
    });
    expect(first.message).toBe(second.message);
  });
});
