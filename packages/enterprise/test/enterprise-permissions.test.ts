import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account } from "@sso-cutover/db";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import {
  generateRecoveryPassword,
  grantEnterprisePermission,
  recoveryAccess,
  recoveryAccesses,
  revokeEnterprisePermission,
  verifyRecoveryPassword,
  type Actor,
} from "@sso-cutover/enterprise";
import { domainError } from "../../../tests/kit/domain-errors";

let db: TestDatabase;
let enterpriseId: string;
let dopAdmin: Account;
let ssoAdmin: Account;
let member: Account;
let stranger: Account;

function actor(account: Account, via: Actor["via"] = "PAT"): Actor {
  return { accountId: account.id, login: account.login, kind: account.kind, via };
}


beforeAll(async () => {
  db = await createTestDatabase();
  const enterprise = await db.prisma.enterprise.create({
    data: { key: "acme", name: "Acme", organizations: { create: { key: "acme-web", name: "Web" } } },
    include: { organizations: true },
  });
  enterpriseId = enterprise.id;
  const organizationId = enterprise.organizations[0]!.id;
  dopAdmin = await db.prisma.account.create({ data: { login: "alice", name: "Alice", kind: "DEVOPS" } });
  ssoAdmin = await db.prisma.account.create({ data: { login: "alice-sso", name: "Alice", kind: "SSO", enterpriseId } });
  member = await db.prisma.account.create({ data: { login: "bob", name: "Bob", kind: "DEVOPS" } });
  stranger = await db.prisma.account.create({ data: { login: "mallory", name: "Mallory", kind: "DEVOPS" } });
  for (const account of [dopAdmin, member]) {
    await db.prisma.orgMembership.create({ data: { accountId: account.id, organizationId } });
  }
  await db.prisma.enterprisePermission.create({ data: { enterpriseId, accountId: dopAdmin.id, permission: "ADMINISTER_ENTERPRISE" } });
});
afterAll(() => db.close());

describe("granting and revoking enterprise permissions (R8)", () => {
  it("R8: an account without Administer Enterprise cannot grant it, not even to itself", async () => {
    const error = await domainError(
      grantEnterprisePermission(db.prisma, actor(member), { enterpriseKey: "acme", accountId: member.id, permission: "ADMINISTER_ENTERPRISE" }),
    );
    expect(error.code).toBe("FORBIDDEN");
    expect(await db.prisma.enterprisePermission.count({ where: { accountId: member.id } })).toBe(0);
  });

  it("R8: the DOP admin grants Administer Enterprise to its SSO account; one audit event; no warning with 2 holders", async () => {
    const events = await db.prisma.auditEvent.count();
    const change = await grantEnterprisePermission(db.prisma, actor(dopAdmin), {
      enterpriseKey: "acme",
      accountId: ssoAdmin.id,
      permission: "ADMINISTER_ENTERPRISE",
    });
    expect(change).toMatchObject({ administrators: 2, dopAdministrators: 1, warnings: [] });
    expect(await db.prisma.auditEvent.count()).toBe(events + 1);
    const event = await db.prisma.auditEvent.findFirstOrThrow({ orderBy: { createdAt: "desc" } });
    expect(event).toMatchObject({ action: "enterprise_permission.granted", actorId: dopAdmin.id, targetId: ssoAdmin.id });
  });

  it("R8: granting a permission already held is a CONFLICT naming the account", async () => {
    const error = await domainError(
      grantEnterprisePermission(db.prisma, actor(dopAdmin), { enterpriseKey: "acme", accountId: ssoAdmin.id, permission: "ADMINISTER_ENTERPRISE" }),
    );
    expect(error).toMatchObject({ code: "CONFLICT", field: "input.accountId" });
    expect(error.message).toContain("alice-sso");
  });

  it("R8: an account outside the enterprise cannot be granted anything", async () => {
    const error = await domainError(
      grantEnterprisePermission(db.prisma, actor(dopAdmin), { enterpriseKey: "acme", accountId: stranger.id, permission: "CREATE_PORTFOLIOS" }),
    );
    expect(error).toMatchObject({ code: "NOT_FOUND", field: "input.accountId" });
  });

  it("R8: revoking leaves a warning when fewer than 2 holders remain, and the last holder cannot be revoked", async () => {
    const change = await revokeEnterprisePermission(db.prisma, actor(dopAdmin), {
      enterpriseKey: "acme",
      accountId: ssoAdmin.id,
      permission: "ADMINISTER_ENTERPRISE",
    });
    expect(change.administrators).toBe(1);
    expect(change.warnings.join(" ")).toMatch(/Only 1 account\(s\) hold Administer Enterprise/);

    const events = await db.prisma.auditEvent.count();
    const error = await domainError(
      revokeEnterprisePermission(db.prisma, actor(dopAdmin), { enterpriseKey: "acme", accountId: dopAdmin.id, permission: "ADMINISTER_ENTERPRISE" }),
    );
    expect(error).toMatchObject({ code: "RULE_VIOLATION", details: { rule: "R8" } });
    expect(error.message).toMatch(/last account holding Administer Enterprise/);
    expect(await db.prisma.enterprisePermission.count({ where: { enterpriseId, permission: "ADMINISTER_ENTERPRISE" } })).toBe(1);
    expect(await db.prisma.auditEvent.count()).toBe(events);

    // Restore the SSO admin for the tests below.
    await grantEnterprisePermission(db.prisma, actor(dopAdmin), { enterpriseKey: "acme", accountId: ssoAdmin.id, permission: "ADMINISTER_ENTERPRISE" });
  });

  it("R8/R9 (a): the last DOP holder of Administer Enterprise (break-glass) cannot be revoked, even with an SSO admin left", async () => {
    const error = await domainError(
      revokeEnterprisePermission(db.prisma, actor(ssoAdmin), { enterpriseKey: "acme", accountId: dopAdmin.id, permission: "ADMINISTER_ENTERPRISE" }),
    );
    expect(error).toMatchObject({ code: "RULE_VIOLATION", details: { rule: "R9" } });
    expect(error.message).toMatch(/break-glass/);
    expect(await db.prisma.enterprisePermission.count({ where: { accountId: dopAdmin.id } })).toBe(1);
  });

  it("R8: revoking a permission the account does not hold is NOT_FOUND", async () => {
    const error = await domainError(
      revokeEnterprisePermission(db.prisma, actor(dopAdmin), { enterpriseKey: "acme", accountId: member.id, permission: "ADMINISTER_ENTERPRISE" }),
    );
    expect(error).toMatchObject({ code: "NOT_FOUND", field: "input.accountId" });
  });
});

describe("recovery password (R12)", () => {
  it("R12: refused when the admin authenticated with a token rather than an SSO session", async () => {
    const error = await domainError(generateRecoveryPassword(db.prisma, actor(ssoAdmin, "PAT"), { enterpriseKey: "acme" }));
    expect(error.code).toBe("FORBIDDEN");
    expect(error.message).toMatch(/signed in with SSO/);
  });

  it("R12: refused for a DOP admin and for an SSO account without Administer Enterprise", async () => {
    expect((await domainError(generateRecoveryPassword(db.prisma, actor(dopAdmin, "SESSION"), { enterpriseKey: "acme" }))).code).toBe("FORBIDDEN");
    const plain = await db.prisma.account.create({ data: { login: "carol-sso", name: "Carol", kind: "SSO", enterpriseId } });
    expect((await domainError(generateRecoveryPassword(db.prisma, actor(plain, "SESSION"), { enterpriseKey: "acme" }))).code).toBe("FORBIDDEN");
  });

  it("R12: shown once, stored only as a scrypt hash; regenerating replaces it and the old one stops verifying", async () => {
    const first = await generateRecoveryPassword(db.prisma, actor(ssoAdmin, "SESSION"), { enterpriseKey: "acme" });
    expect(first.password).toMatch(/^([a-zA-Z2-9]{5}-){5}[a-zA-Z2-9]{5}$/);
    expect(first.replacedPrevious).toBe(false);
    const stored = await db.prisma.recoveryCredential.findUniqueOrThrow({ where: { accountId: ssoAdmin.id } });
    expect(stored.passwordHash).toMatch(/^scrypt\$/);
    expect(stored.passwordHash).not.toContain(first.password);
    expect(await verifyRecoveryPassword(first.password, stored.passwordHash)).toBe(true);
    const audit = await db.prisma.auditEvent.findMany({ where: { action: { startsWith: "recovery_credential." } } });
    expect(JSON.stringify(audit)).not.toContain(first.password);

    const second = await generateRecoveryPassword(db.prisma, actor(ssoAdmin, "SESSION"), { enterpriseKey: "acme" });
    expect(second.replacedPrevious).toBe(true);
    expect(await db.prisma.recoveryCredential.count({ where: { accountId: ssoAdmin.id } })).toBe(1);
    const replaced = await db.prisma.recoveryCredential.findUniqueOrThrow({ where: { accountId: ssoAdmin.id } });
    expect(await verifyRecoveryPassword(first.password, replaced.passwordHash)).toBe(false);
    expect(await verifyRecoveryPassword(second.password, replaced.passwordHash)).toBe(true);
  });

  it("R12: recoveryAccess is visible to the account and its enterprise's admins only", async () => {
    expect(await recoveryAccess(db.prisma, ssoAdmin.id, ssoAdmin.id)).toMatchObject({ configured: true });
    expect(await recoveryAccess(db.prisma, dopAdmin.id, ssoAdmin.id)).toMatchObject({ configured: true });
    expect(await recoveryAccess(db.prisma, member.id, ssoAdmin.id)).toBeNull();
    // Batched for many accounts: the admin sees its enterprise's SSO accounts, nobody else's.
    const many = await recoveryAccesses(db.prisma, dopAdmin.id, [ssoAdmin.id, member.id, stranger.id]);
    expect(many.get(ssoAdmin.id)).toMatchObject({ configured: true });
    expect(many.get(member.id)).toBeNull();
    expect(many.get(stranger.id)).toBeNull();
  });
});
