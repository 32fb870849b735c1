import type { Database } from "@sso-cutover/db";
import { createTestDatabase } from "@sso-cutover/db/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { domainError } from "../../../tests/kit/domain-errors";
import { buildScenario, type Scenario } from "../../../tests/kit/scenario";
import { linkDevopsAccountAsAdmin } from "../src/index";

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
    organizations: { web: {}, api: { groups: { Developers: ["SCAN"] } }, outside: { inEnterprise: false } },
    accounts: {
      admin: { enterpriseAdmin: true, memberOf: ["web"] },
      dev: { memberOf: ["web"] },
      "ana-gh": { email: "Ana@Example.com", memberOf: ["web"] },
      ana: { kind: "SSO", email: "ana@example.com" },
      "ana-2": { kind: "SSO", email: "ana@example.com" },
      "gina-gh": { email: "gina@example.com", groups: { api: ["Developers"] } },
      gina: { kind: "SSO", email: "gina@example.com" },
      "uma-gh": { email: "uma@example.com", emailVerified: false, memberOf: ["web"] },
      uma: { kind: "SSO", email: "uma@example.com" },
      "otto-gh": { email: "otto@example.com", memberOf: ["outside"] },
      otto: { kind: "SSO", email: "otto@example.com" },
      "del-gh": { email: "del@example.com", memberOf: ["web"], deleted: true },
      del: { kind: "SSO", email: "del@example.com" },
      "lin-gh": { email: "lin@example.com", memberOf: ["web"], linkedTo: "lin" },
      lin: { kind: "SSO", email: "lin@example.com" },
      "max-gh": { email: "lin@example.com", memberOf: ["web"] },
      max: { kind: "SSO", email: "max@example.com" },
    },
  });
});

const adminLink = (devops: string, sso: string, actor = "admin", enterpriseKey = s.enterprise.key) =>
  linkDevopsAccountAsAdmin(db.prisma, s.actor(actor), {
    enterpriseKey,
    devopsAccountId: s.account(devops).id,
    ssoAccountId: s.account(sso).id,
  });

const linkOf = (devops: string) => db.prisma.identityLink.findUnique({ where: { devopsAccountId: s.account(devops).id } });

describe("linkDevopsAccountAsAdmin", () => {
  it("R3: an enterprise admin links a DOP account to an SSO account with the same verified email (case-insensitive)", async () => {
    const { link } = await adminLink("ana-gh", "ana");

    expect(link).toMatchObject({
      devopsAccountId: s.account("ana-gh").id,
      ssoAccountId: s.account("ana").id,
      linkedById: s.account("admin").id,
    });
    expect(await linkOf("ana-gh")).not.toBeNull();
  });

  it("R13: linking writes one identity_link.created audit event naming both accounts by id and login", async () => {
    const { link } = await adminLink("ana-gh", "ana");

    const events = await s.auditEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: "identity_link.created",
      actorId: s.account("admin").id,
      targetType: "IdentityLink",
      targetId: link.id,
      payload: {
        devopsAccount: { id: s.account("ana-gh").id, login: s.account("ana-gh").login },
        ssoAccount: { id: s.account("ana").id, login: s.account("ana").login },
        proof: "SAME_VERIFIED_EMAIL",
      },
    });
  });

  it("R3: an admin may not link accounts whose email is not verified on both sides, or whose emails differ", async () => {
    const unverified = await domainError(adminLink("uma-gh", "uma"));
    const different = await domainError(adminLink("ana-gh", "max"));

    expect(unverified).toMatchObject({ code: "PRECONDITION_FAILED", details: { devopsEmailVerified: false } });
    expect(unverified.message).toContain("same verified email");
    expect(different).toMatchObject({ code: "PRECONDITION_FAILED", details: { sameEmail: false } });
    expect(await linkOf("uma-gh")).toBeNull();
    expect(await linkOf("ana-gh")).toBeNull();
    expect(await s.auditEvents()).toHaveLength(0);
  });

  it("R3: only enterprise admins may link two accounts for someone else (FORBIDDEN for a member)", async () => {
    const error = await domainError(adminLink("ana-gh", "ana", "dev"));

    expect(error.code).toBe("FORBIDDEN");
    expect(await linkOf("ana-gh")).toBeNull();
  });

  it("R3: an admin of another enterprise cannot link an SSO account of this one", async () => {
    const other = await buildScenario(db.prisma, {
      organizations: { web: {} },
      accounts: { admin: { enterpriseAdmin: true, memberOf: ["web"] } },
    });

    const error = await domainError(
      linkDevopsAccountAsAdmin(db.prisma, other.actor("admin"), {
        enterpriseKey: other.enterprise.key,
        devopsAccountId: s.account("ana-gh").id,
        ssoAccountId: s.account("ana").id,
      }),
    );

    // R15: neither account is visible to that admin; whichever is checked first is NOT_FOUND, without names.
    expect(error.code).toBe("NOT_FOUND");
    expect(error.field).toMatch(/^input\.(devops|sso)AccountId$/);
    expect(await linkOf("ana-gh")).toBeNull();
  });

  it("R3: a DOP account that belongs to the enterprise only through a group may be linked (group-derived membership counts)", async () => {
    const { link } = await adminLink("gina-gh", "gina");

    expect(link.ssoAccountId).toBe(s.account("gina").id);
  });

  it("R3/R15: a DOP account that is in no organization of the SSO account's enterprise cannot be linked: to the admin it does not exist", async () => {
    const error = await domainError(adminLink("otto-gh", "otto"));

    expect(error).toMatchObject({ code: "NOT_FOUND", field: "input.devopsAccountId" });
    expect(error.message).not.toContain(s.account("otto-gh").login);
    expect(await linkOf("otto-gh")).toBeNull();
  });

  it("R3: one link each way: a DOP account already linked is refused with a CONFLICT naming the DOP side", async () => {
    const error = await domainError(adminLink("lin-gh", "max"));

    expect(error).toMatchObject({ code: "PRECONDITION_FAILED" }); // different emails are checked first
    await db.prisma.account.update({ where: { id: s.account("max").id }, data: { email: "lin@example.com", emailNormalized: "lin@example.com" } });

    const conflict = await domainError(adminLink("lin-gh", "max"));

    expect(conflict).toMatchObject({ code: "CONFLICT", field: "input.devopsAccountId", details: { side: "DEVOPS_ACCOUNT" } });
    expect(conflict.message).toContain(`The DOP account ${s.account("lin-gh").login} is already linked to the SSO account ${s.account("lin").login}`);
  });

  it("R3: one link each way: an SSO account already linked is refused with a CONFLICT naming the SSO side", async () => {
    const error = await domainError(adminLink("max-gh", "lin"));

    expect(error).toMatchObject({ code: "CONFLICT", field: "input.ssoAccountId", details: { side: "SSO_ACCOUNT" } });
    expect(error.message).toContain(`The SSO account ${s.account("lin").login} is already linked to the DOP account ${s.account("lin-gh").login}`);
    expect(await linkOf("max-gh")).toBeNull();
  });

  it("R3: linking a pair that is already linked is refused as a CONFLICT, not written twice", async () => {
    const error = await domainError(adminLink("lin-gh", "lin"));

    expect(error).toMatchObject({ code: "CONFLICT", details: { side: "BOTH" } });
    expect(await db.prisma.identityLink.count({ where: { devopsAccountId: s.account("lin-gh").id } })).toBe(1);
  });

  it("R3: one link each way holds when two links of the same DOP account race", async () => {
    const results = await Promise.allSettled([adminLink("ana-gh", "ana"), adminLink("ana-gh", "ana-2")]);

    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected");
    expect(rejected?.reason).toMatchObject({ code: "CONFLICT", details: { side: "DEVOPS_ACCOUNT" } });
    expect(await db.prisma.identityLink.count({ where: { devopsAccountId: s.account("ana-gh").id } })).toBe(1);
    expect(await s.auditEvents("identity_link.created")).toHaveLength(1);
  });

  it("R3/R15: a deleted DOP account cannot be linked (it no longer exists for the admin), and each side must be of its kind", async () => {
    const deleted = await domainError(adminLink("del-gh", "del"));
    const swapped = await domainError(adminLink("ana", "ana-gh"));

    expect(deleted).toMatchObject({ code: "NOT_FOUND", field: "input.devopsAccountId" });
    expect(swapped).toMatchObject({ code: "INVALID_INPUT", field: "input.devopsAccountId" });
    expect(swapped.message).toContain("not a DOP account");
  });

  it("R3: an unknown account id is NOT_FOUND naming its field", async () => {
    const error = await domainError(
      linkDevopsAccountAsAdmin(db.prisma, s.actor("admin"), {
        enterpriseKey: s.enterprise.key,
        devopsAccountId: "no-such-account",
        ssoAccountId: s.account("ana").id,
      }),
    );

    expect(error).toMatchObject({ code: "NOT_FOUND", field: "input.devopsAccountId" });
  });
});
