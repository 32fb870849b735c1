import type { Account } from "@sso-cutover/db";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { effectiveOrgPermissions, permissionKey } from "@sso-cutover/membership";
import {
  completeSsoLogin,
  computeSetupProgress,
  deleteMyAccount,
  readinessPage,
  removeDevopsAccountsFromOrganizations,
  setSsoGroupMappings,
} from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { domainError } from "../../../tests/kit/domain-errors";
import {
  TEST_PUBLIC_URL,
  createEnterpriseAdmin,
  createSsoEnterprise,
  idpResponse,
  startLogin,
  uniqueKey,
  type IdpUser,
  type SsoEnterpriseFixture,
} from "../../../tests/kit/sso-fixtures";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});

interface Fixture extends SsoEnterpriseFixture {
  web: string;
  data: string;
  /** DOP enterprise admin, ADMIN of web and data: the admin the IdP user may end up replacing. */
  alice: Account;
  /** DOP enterprise admin kept as the break-glass account (member of no organization). */
  keeper: Account;
}

/** An enterprise with web (Developers, Owners) and data (Release managers with ADMIN, Owners); Owners carry ADMIN. */
async function enterpriseWithAdmins(): Promise<Fixture> {
  const web = uniqueKey("web");
  const data = uniqueKey("data");
  const fixture = await createSsoEnterprise(db.prisma, { organizations: { [web]: ["Developers"], [data]: ["Release managers"] } });
  const adminGroups = [fixture.organizations[web]!.groups.Owners!, fixture.organizations[data]!.groups.Owners!, fixture.organizations[data]!.groups["Release managers"]!];
  await db.prisma.groupPermission.createMany({ data: adminGroups.map((group) => ({ groupId: group.id, permission: "ADMIN" as const })) });
  const alice = await createEnterpriseAdmin(db.prisma, fixture.enterprise.id);
  const keeper = await createEnterpriseAdmin(db.prisma, fixture.enterprise.id);
  for (const key of [web, data]) {
    const organizationId = fixture.organizations[key]!.id;
    await db.prisma.orgMembership.create({ data: { accountId: alice.id, organizationId } });
    await db.prisma.orgPermission.create({ data: { accountId: alice.id, organizationId, permission: "ADMIN" } });
  }
  return { ...fixture, web, data, alice, keeper };
}

const actor = (account: Account) => ({ accountId: account.id, login: account.login, kind: account.kind, via: "PAT" as const });

async function login(fixture: SsoEnterpriseFixture, who: IdpUser) {
  const key = fixture.enterprise.key;
  const { requestId } = await startLogin(db.prisma, key);
  return completeSsoLogin(db.prisma, { publicUrl: TEST_PUBLIC_URL, enterpriseKey: key, samlResponse: idpResponse(key, requestId, who) });
}

function idpUser(groups: readonly string[]): IdpUser {
  const id = uniqueKey("sso");
  return { nameId: id, login: `${id}@acme.test`, email: `${id}@acme.test`, name: id, groups };
}

/** Organization keys where the account holds ADMIN (directly or through a group). */
async function adminOf(fixture: Fixture, accountId: string): Promise<string[]> {
  const organizations = [fixture.organizations[fixture.web]!, fixture.organizations[fixture.data]!];
  const permissions = await effectiveOrgPermissions(db.prisma, [accountId], organizations.map((organization) => organization.id));
  return organizations.filter((organization) => permissions.get(permissionKey(accountId, organization.id))?.has("ADMIN")).map((o) => o.key).sort();
}

describe("group mappings (R14, R2)", () => {
  it("R14/R2: IdP groups named Owners or like a group holding ADMIN grant no ADMIN; plain groups are still joined by name", async () => {
    const fixture = await enterpriseWithAdmins();
    const { account } = await login(fixture, idpUser(["Owners", "Release managers", "Developers"]));
    expect(await adminOf(fixture, account.id)).toEqual([]);
    const groups = await db.prisma.groupMembership.findMany({ where: { accountId: account.id }, include: { group: { include: { organization: true } } } });
    expect(groups.map((row) => `${row.group.organization.key}/${row.group.name}`)).toEqual([`${fixture.web}/Developers`]);
    const [event] = await db.prisma.auditEvent.findMany({ where: { action: "authentication.user_login", targetId: account.id } });
    expect((event!.payload as any).groups).toEqual(["Developers"]);
  });

  it("R14: with a mapping set by an enterprise admin, the mapped IdP group grants ADMIN exactly where mapped; the change is audited", async () => {
    const fixture = await enterpriseWithAdmins();
    await setSsoGroupMappings(db.prisma, actor(fixture.alice), {
      enterpriseKey: fixture.enterprise.key,
      mappings: [
        { idpGroup: "sonar-admins", organizationKey: fixture.web, group: "Owners" },
        { idpGroup: "releases", organizationKey: fixture.data, group: "Release managers" },
      ],
    });
    const [event] = await db.prisma.auditEvent.findMany({ where: { enterpriseId: fixture.enterprise.id, action: "sso_connection.group_mappings_set" } });
    expect((event!.payload as any).mappings).toEqual([
      { idpGroup: "sonar-admins", organization: fixture.web, group: "Owners", grantsAdmin: true },
      { idpGroup: "releases", organization: fixture.data, group: "Release managers", grantsAdmin: true },
    ]);
    expect(event!.actorId).toBe(fixture.alice.id);

    const admin = await login(fixture, idpUser(["sonar-admins", "Owners"]));
    expect(await adminOf(fixture, admin.account.id)).toEqual([fixture.web]);
    const release = await login(fixture, idpUser(["releases"]));
    expect(await adminOf(fixture, release.account.id)).toEqual([fixture.data]);
  });

  it("R14: setSsoGroupMappings checks every mapping before writing anything, naming the field; enterprise admins only", async () => {
    const fixture = await enterpriseWithAdmins();
    const foreign = await createSsoEnterprise(db.prisma, { organizations: { [uniqueKey("foreign")]: ["Developers"] } });
    const foreignKey = Object.keys(foreign.organizations)[0]!;
    await setSsoGroupMappings(db.prisma, actor(fixture.alice), {
      enterpriseKey: fixture.enterprise.key,
      mappings: [{ idpGroup: "sonar-admins", organizationKey: fixture.web, group: "Owners" }],
    });
    const set = (mappings: { idpGroup: string; organizationKey: string; group: string }[], by = fixture.alice) =>
      domainError(setSsoGroupMappings(db.prisma, actor(by), { enterpriseKey: fixture.enterprise.key, mappings }));
    const ok = { idpGroup: "devs", organizationKey: fixture.web, group: "Developers" };

    const outside = await set([ok, { idpGroup: "x", organizationKey: foreignKey, group: "Developers" }]);
    expect(outside).toMatchObject({ code: "INVALID_INPUT", field: "input.mappings[1].organizationKey" });
    const unknown = await set([{ idpGroup: "x", organizationKey: fixture.web, group: "Nope" }]);
    expect(unknown).toMatchObject({ code: "INVALID_INPUT", field: "input.mappings[0].group" });
    expect(unknown.message).toContain('no group "Nope"');
    expect((await set([{ idpGroup: "x", organizationKey: fixture.web, group: "Members" }])).field).toBe("input.mappings[0].group");
    expect((await set([{ idpGroup: " ", organizationKey: fixture.web, group: "Owners" }])).field).toBe("input.mappings[0].idpGroup");
    expect((await set([ok, ok])).field).toBe("input.mappings[1]");

    const member = await db.prisma.account.create({ data: { login: uniqueKey("member"), name: "member", kind: "DEVOPS" } });
    await db.prisma.orgMembership.create({ data: { accountId: member.id, organizationId: fixture.organizations[fixture.web]!.id } });
    expect((await set([ok], member)).code).toBe("FORBIDDEN");

    // Nothing of the refused calls was written.
    const mappings = await db.prisma.ssoGroupMapping.findMany({ where: { ssoConnectionId: fixture.connection.id }, include: { group: true } });
    expect(mappings.map((row) => [row.idpGroup, row.group.name])).toEqual([["sonar-admins", "Owners"]]);
  });

  it("R9 (c)/R14: group sync never removes an organization's last admin: membership kept, audited, warned in setup progress and readiness", async () => {
    const fixture = await enterpriseWithAdmins();
    await setSsoGroupMappings(db.prisma, actor(fixture.alice), {
      enterpriseKey: fixture.enterprise.key,
      mappings: [
        { idpGroup: "sonar-admins", organizationKey: fixture.web, group: "Owners" },
        { idpGroup: "sonar-admins", organizationKey: fixture.data, group: "Owners" },
      ],
    });
    const who = idpUser(["sonar-admins"]);
    const { account } = await login(fixture, who);
    expect(await adminOf(fixture, account.id)).toEqual([fixture.data, fixture.web].sort());

    // alice's DOP account goes (allowed: the SSO user is an admin of both organizations).
    const removal = await removeDevopsAccountsFromOrganizations(
      db.prisma,
      actor(fixture.keeper),
      { enterpriseKey: fixture.enterprise.key, accountIds: [fixture.alice.id], dryRun: false, acknowledgeAll: true },
    );
    expect(removal.applied).toBe(true);

    // The IdP no longer sends the group: the SSO user is the last admin of both, so both are kept.
    await login(fixture, { ...who, groups: [] });
    expect(await adminOf(fixture, account.id)).toEqual([fixture.data, fixture.web].sort());
    const kept = await db.prisma.auditEvent.findMany({ where: { action: "group_sync.last_admin_kept", targetId: account.id } });
    expect(kept).toHaveLength(1);
    expect((kept[0]!.payload as any).organizations).toEqual([fixture.data, fixture.web].sort());

    const progress = await computeSetupProgress(db.prisma, fixture.enterprise.id);
    expect(progress.counts.organizationsKeepingLastAdmin).toBe(2);
    const terminate = progress.steps.find((step) => step.step === "TERMINATE")!;
    expect(terminate.warnings).toContainEqual(expect.stringMatching(/^2 organization\(s\) keep an SSO account as their last admin/));
    const [row] = await readinessPage(db.prisma, fixture.enterprise.id, { limit: 10, filter: { loginStartsWith: account.login } });
    expect(row!.warnings).toEqual([
      expect.stringContaining(`last admin of "${fixture.data}"`),
      expect.stringContaining(`last admin of "${fixture.web}"`),
    ]);

    // Another admin appears on web: the next sign-in applies the IdP's groups there, data stays kept.
    await db.prisma.orgMembership.create({ data: { accountId: fixture.keeper.id, organizationId: fixture.organizations[fixture.web]!.id } });
    await db.prisma.orgPermission.create({ data: { accountId: fixture.keeper.id, organizationId: fixture.organizations[fixture.web]!.id, permission: "ADMIN" } });
    await login(fixture, { ...who, groups: [] });
    expect(await adminOf(fixture, account.id)).toEqual([fixture.data]);
    const [after] = await readinessPage(db.prisma, fixture.enterprise.id, { limit: 10, filter: { loginStartsWith: account.login } });
    expect(after!.warnings).toEqual([expect.stringContaining(`last admin of "${fixture.data}"`)]);
    expect((await computeSetupProgress(db.prisma, fixture.enterprise.id)).counts.organizationsKeepingLastAdmin).toBe(1);
  });

  it("R9 (c)/R10: deleting one's own DOP account is refused while it is an organization's only admin", async () => {
    const fixture = await enterpriseWithAdmins();
    const error = await domainError(deleteMyAccount(db.prisma, actor(fixture.alice), { confirmLogin: fixture.alice.login }));
    expect(error).toMatchObject({ code: "RULE_VIOLATION" });
    expect(error.message).toContain(fixture.web);
  });
});
