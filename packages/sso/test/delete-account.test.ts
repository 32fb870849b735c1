import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { authenticateSession, createSession, deleteMyAccount } from "@sso-cutover/sso";
import { authenticateToken } from "@sso-cutover/tokens";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snapshotAccess } from "../../../tests/kit/cutover";
import { domainError } from "../../../tests/kit/domain-errors";
import { buildScenario, type Scenario, type ScenarioSpec } from "../../../tests/kit/scenario";

let db: TestDatabase;
const NOW = new Date("2026-12-01T12:00:00Z");

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});

/** web and api have an SSO admin; break-glass is the enterprise's DOP admin and stays. */
const baseSpec: ScenarioSpec = {
  organizations: { web: {}, api: { groups: { Developers: ["SCAN"] } }, outside: { inEnterprise: false } },
  accounts: {
    "sso-admin": { kind: "SSO", enterpriseAdmin: true, memberOf: ["web", "api"], permissions: { web: ["ADMIN"], api: ["ADMIN"] } },
    "break-glass": { enterpriseAdmin: true, memberOf: ["web"] },
  },
};

function withAccounts(accounts: NonNullable<ScenarioSpec["accounts"]>, organizations: ScenarioSpec["organizations"] = {}): ScenarioSpec {
  return { organizations: { ...baseSpec.organizations, ...organizations }, accounts: { ...baseSpec.accounts, ...accounts } };
}

async function deleteAs(s: Scenario, handle: string, confirmLogin = s.account(handle).login) {
  return deleteMyAccount(db.prisma, s.actor(handle), { confirmLogin }, NOW);
}

/** A refusal that changed nothing at all. */
async function refusal(s: Scenario, handle: string, confirmLogin?: string) {
  const before = await snapshotAccess(db.prisma);
  const error = await domainError(deleteAs(s, handle, confirmLogin));
  expect(await snapshotAccess(db.prisma)).toEqual(before);
  return error;
}

describe("deleteMyAccount (R10)", () => {
  it("R10: deleting your own DOP account revokes its tokens and sessions, removes its access, and soft-deletes it", async () => {
    const s = await buildScenario(
      db.prisma,
      withAccounts({
        "alice-gh": {
          memberOf: ["web", "outside"],
          groups: { api: ["Developers"] },
          permissions: { web: ["SCAN"] },
          enterprisePermissions: ["CREATE_PORTFOLIOS"],
          linkedTo: "alice",
          tokens: { ci: {}, "already-revoked": { revoked: true } },
        },
        alice: { kind: "SSO", memberOf: ["web"] },
      }),
    );
    const alice = s.account("alice-gh");
    const session = await createSession(db.prisma, alice.id, NOW);
    expect((await authenticateToken(db.prisma, s.secret("alice-gh", "ci"), NOW)).kind).toBe("ACCOUNT");
    const before = await snapshotAccess(db.prisma);

    const deleted = await deleteAs(s, "alice-gh");

    expect(deleted.account.deletedAt).toEqual(NOW);
    expect(deleted.revokedTokens).toBe(1);
    expect(deleted.tokensThatBroke.map((row) => row.token.name)).toEqual(["ci"]);
    // The token and the session no longer authenticate.
    expect(await domainError(authenticateToken(db.prisma, s.secret("alice-gh", "ci"), NOW))).toMatchObject({ code: "UNAUTHENTICATED" });
    expect(await domainError(authenticateSession(db.prisma, session.secret, NOW))).toMatchObject({ code: "UNAUTHENTICATED" });
    expect(await db.prisma.token.findUniqueOrThrow({ where: { id: s.tokenId("alice-gh", "ci") } })).toMatchObject({ revokedAt: NOW });
    // Memberships (also outside the enterprise), group memberships and permissions are gone.
    const left = await Promise.all([
      db.prisma.orgMembership.count({ where: { accountId: alice.id } }),
      db.prisma.groupMembership.count({ where: { accountId: alice.id } }),
      db.prisma.orgPermission.count({ where: { accountId: alice.id } }),
      db.prisma.enterprisePermission.count({ where: { accountId: alice.id } }),
    ]);
    expect(left).toEqual([0, 0, 0, 0]);
    // Soft delete: the row and its identity link stay, so the SSO account shows the cutover as done for this person.
    expect(await db.prisma.account.findUniqueOrThrow({ where: { id: alice.id } })).toMatchObject({ login: alice.login, deletedAt: NOW });
    expect(await db.prisma.identityLink.count({ where: { devopsAccountId: alice.id } })).toBe(1);

    // Nothing of anyone else changed.
    const after = await snapshotAccess(db.prisma);
    const others = (rows: string[]) => rows.filter((row) => !row.startsWith(alice.id));
    expect(others(after.memberships)).toEqual(others(before.memberships));
    expect(others(after.groupMemberships)).toEqual(others(before.groupMemberships));
    expect(others(after.organizationPermissions)).toEqual(others(before.organizationPermissions));
    expect(others(after.enterprisePermissions)).toEqual(others(before.enterprisePermissions));
    expect(after.tokens.filter((row) => !row.startsWith(s.tokenId("alice-gh", "ci")))).toEqual(
      before.tokens.filter((row) => !row.startsWith(s.tokenId("alice-gh", "ci"))),
    );
  });

  it("R10/R13: one audit event, still readable with the actor's login and link after the deletion", async () => {
    const s = await buildScenario(db.prisma, withAccounts({ "bob-gh": { memberOf: ["web"], tokens: { ci: {} } } }));
    const bob = s.account("bob-gh");
    const events = await db.prisma.auditEvent.count();

    await deleteAs(s, "bob-gh");

    expect(await db.prisma.auditEvent.count()).toBe(events + 1);
    const [event] = await s.auditEvents("account.deleted");
    expect(event).toMatchObject({ actorId: bob.id, actorLogin: bob.login, targetType: "Account", targetId: bob.id });
    expect(event!.payload).toMatchObject({ accountLogin: bob.login, accountKind: "DEVOPS", revokedTokens: 1, removedMemberships: 1 });
    const readBack = await db.prisma.auditEvent.findUniqueOrThrow({ where: { id: event!.id }, include: { actor: true } });
    expect(readBack.actor).toMatchObject({ id: bob.id, login: bob.login, deletedAt: NOW });
    expect(JSON.stringify(event!.payload)).not.toContain(s.secret("bob-gh", "ci"));
  });

  it("R10/R13: deleting a break-glass DOP account that belongs to no organization is recorded in its enterprise's audit log", async () => {
    const s = await buildScenario(db.prisma, withAccounts({ "glass-2": { enterpriseAdmin: true } }));
    await deleteAs(s, "glass-2");
    const events = await s.auditEvents("account.deleted");
    expect(events.map((event) => event.actorLogin)).toEqual([s.account("glass-2").login]);
  });

  it("R10: refused for an SSO account (FORBIDDEN), nothing changed", async () => {
    const s = await buildScenario(db.prisma, withAccounts({ carol: { kind: "SSO", memberOf: ["web"] } }));
    const error = await refusal(s, "carol");
    expect(error.code).toBe("FORBIDDEN");
    expect(error.message).toMatch(/Only a DOP account/);
  });

  it("R10: refused unless confirmLogin is the account's own login exactly", async () => {
    const s = await buildScenario(db.prisma, withAccounts({ "dan-gh": { memberOf: ["web"] } }));
    for (const confirmLogin of ["", "someone-else", s.account("dan-gh").login.toUpperCase(), ` ${s.account("dan-gh").login}`]) {
      const error = await refusal(s, "dan-gh", confirmLogin);
      expect(error).toMatchObject({ code: "INVALID_INPUT", field: "input.confirmLogin" });
      expect(error.message).toContain(s.account("dan-gh").login);
    }
  });

  it("R10: refused while the sole ADMIN of organizations (direct or through Owners); the error names exactly those", async () => {
    const s = await buildScenario(
      db.prisma,
      withAccounts(
        {
          "erin-gh": {
            memberOf: ["web", "solo", "docs"],
            groups: { team: ["Owners"] },
            permissions: { solo: ["ADMIN"], web: ["ADMIN"], docs: ["ADMIN"] },
          },
          // A deleted co-admin does not count as another admin.
          "gone-gh": { deleted: true, memberOf: ["docs"], permissions: { docs: ["ADMIN"] } },
        },
        { solo: {}, team: {}, docs: {} },
      ),
    );
    const error = await refusal(s, "erin-gh");
    const keys = ["docs", "solo", "team"].map((handle) => s.organization(handle).key);
    expect(error).toMatchObject({ code: "RULE_VIOLATION", details: { rule: "R10", organizations: keys } });
    for (const key of keys) expect(error.message).toContain(`"${key}"`);
    // web has the SSO admin too: not named.
    expect(error.message).not.toContain(s.organization("web").key);
  });

  it("R8: refused for the last account holding Administer Enterprise", async () => {
    const s = await buildScenario(db.prisma, {
      organizations: { web: {} },
      accounts: { "only-admin": { enterpriseAdmin: true, memberOf: ["web"] }, "web-admin": { kind: "SSO", memberOf: ["web"], permissions: { web: ["ADMIN"] } } },
    });
    const error = await refusal(s, "only-admin");
    expect(error).toMatchObject({ code: "RULE_VIOLATION", details: { rule: "R8", enterprise: s.enterprise.key } });
    expect(error.message).toMatch(/last account holding Administer Enterprise/);
  });

  it("R9 (a): refused for the last DOP account holding Administer Enterprise (break-glass), even with SSO admins left", async () => {
    const s = await buildScenario(db.prisma, baseSpec);
    const error = await refusal(s, "break-glass");
    expect(error).toMatchObject({ code: "RULE_VIOLATION", details: { rule: "R9", enterprise: s.enterprise.key } });
    expect(error.message).toMatch(/break-glass/);
  });

  it("R9 (a): a DOP enterprise admin may delete itself while another DOP account keeps Administer Enterprise", async () => {
    const s = await buildScenario(db.prisma, withAccounts({ "glass-2": { enterpriseAdmin: true, memberOf: ["web"] } }));
    await deleteAs(s, "break-glass");
    const holders = await db.prisma.enterprisePermission.findMany({ where: { enterpriseId: s.enterprise.id }, select: { accountId: true } });
    expect(holders.map((row) => row.accountId).sort()).toEqual([s.account("sso-admin").id, s.account("glass-2").id].sort());
    // …and then the other one is the last break-glass account.
    expect((await refusal(s, "glass-2")).details).toMatchObject({ rule: "R9" });
  });

  it("R9 (b): refused for the last DOP admin of a Bitbucket Cloud organization, even with an SSO admin there", async () => {
    const s = await buildScenario(
      db.prisma,
      withAccounts(
        {
          "bb-gh": { memberOf: ["mobile"], permissions: { mobile: ["ADMIN"] } },
          "bb-sso": { kind: "SSO", memberOf: ["mobile"], permissions: { mobile: ["ADMIN"] } },
        },
        { mobile: { devopsPlatform: "BITBUCKET_CLOUD" } },
      ),
    );
    const error = await refusal(s, "bb-gh");
    expect(error).toMatchObject({ code: "RULE_VIOLATION", details: { organizations: [s.organization("mobile").key] } });
    expect(error.message).toMatch(/Bitbucket Cloud/);
  });

  it("R10: an account already deleted cannot be deleted again", async () => {
    const s = await buildScenario(db.prisma, withAccounts({ "fay-gh": { memberOf: ["web"] } }));
    await deleteAs(s, "fay-gh");
    expect((await refusal(s, "fay-gh")).code).toBe("CONFLICT");
  });
});
