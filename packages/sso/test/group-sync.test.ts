import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { completeSsoLogin } from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  TEST_PUBLIC_URL,
  createSsoEnterprise,
  idpResponse,
  startLogin,
  uniqueKey,
  type IdpUser,
  type SsoEnterpriseFixture,
} from "../../../tests/kit/sso-fixtures";

let db: TestDatabase;
let acme: SsoEnterpriseFixture;
let other: SsoEnterpriseFixture;
const keys = { web: uniqueKey("web"), mobile: uniqueKey("mobile"), infra: uniqueKey("infra"), foreign: uniqueKey("foreign") };

beforeAll(async () => {
  db = await createTestDatabase();
  acme = await createSsoEnterprise(db.prisma, {
    organizations: { [keys.web]: ["Developers", "developers"], [keys.mobile]: ["Developers", "QA"], [keys.infra]: ["Ops"] },
  });
  // Another enterprise with a group of the same name: an IdP group never reaches across enterprises.
  other = await createSsoEnterprise(db.prisma, { organizations: { [keys.foreign]: ["Developers"] } });
});

afterAll(async () => {
  await db.close();
});

async function login(who: IdpUser, fixture: SsoEnterpriseFixture = acme) {
  const key = fixture.enterprise.key;
  const { requestId } = await startLogin(db.prisma, key);
  return completeSsoLogin(db.prisma, { publicUrl: TEST_PUBLIC_URL, enterpriseKey: key, samlResponse: idpResponse(key, requestId, who) });
}

/** "<organization key>/<group name>" of every group the account is in, and the keys of its organizations. */
async function membershipsOf(accountId: string) {
  const [groups, organizations] = await Promise.all([
    db.prisma.groupMembership.findMany({ where: { accountId }, include: { group: { include: { organization: true } } } }),
    db.prisma.orgMembership.findMany({ where: { accountId }, include: { organization: true } }),
  ]);
  return {
    groups: groups.map((membership) => `${membership.group.organization.key}/${membership.group.name}`).sort(),
    organizations: organizations.map((membership) => membership.organization.key).sort(),
  };
}

function idpUser(groups: readonly string[]): IdpUser {
  const id = uniqueKey("dev");
  return { nameId: id, login: `${id}@acme.test`, email: `${id}@acme.test`, name: id, groups };
}

describe("group sync at SSO login (R2)", () => {
  it("R2: joins the groups whose names equal IdP group names, case-sensitively, never Members, only in its enterprise", async () => {
    const who = idpUser(["Developers", "qa", "Members", "Unknown"]);
    const { account } = await login(who);
    expect(await membershipsOf(account.id)).toEqual({
      groups: [`${keys.mobile}/Developers`, `${keys.web}/Developers`],
      organizations: [keys.mobile, keys.web].sort(),
    });
  });

  it("R2: memberships are reset to the IdP's groups at each login; organizations with no group left are left", async () => {
    const who = idpUser(["Developers"]);
    const { account } = await login(who);
    expect((await membershipsOf(account.id)).organizations).toEqual([keys.mobile, keys.web].sort());

    await login({ ...who, groups: ["QA", "Ops"] });
    expect(await membershipsOf(account.id)).toEqual({
      groups: [`${keys.infra}/Ops`, `${keys.mobile}/QA`],
      organizations: [keys.infra, keys.mobile].sort(),
    });

    await login({ ...who, groups: [] });
    expect(await membershipsOf(account.id)).toEqual({ groups: [], organizations: [] });

    const events = await db.prisma.auditEvent.findMany({
      where: { action: "authentication.user_login", targetId: account.id },
      orderBy: { createdAt: "asc" },
    });
    expect(events.map((event) => event.payload)).toMatchObject([
      { organizationsJoined: [keys.mobile, keys.web].sort(), organizationsLeft: [] },
      { organizationsJoined: [keys.infra], organizationsLeft: [keys.web] },
      { organizationsJoined: [], organizationsLeft: [keys.infra, keys.mobile].sort() },
    ]);
  });

  it("R2: a membership given by hand is removed at the next login when the IdP does not send that group", async () => {
    const who = idpUser(["Ops"]);
    const { account } = await login(who);
    const web = acme.organizations[keys.web]!;
    await db.prisma.groupMembership.create({ data: { accountId: account.id, groupId: web.groups.Developers!.id } });
    await db.prisma.orgMembership.create({ data: { accountId: account.id, organizationId: web.id } });

    await login(who);
    expect(await membershipsOf(account.id)).toEqual({ groups: [`${keys.infra}/Ops`], organizations: [keys.infra] });
  });

  it("R2: leaving an organization at login also drops the permissions held directly there (no orphan ADMIN)", async () => {
    const who = idpUser(["Ops", "QA"]);
    const { account } = await login(who);
    const infra = acme.organizations[keys.infra]!;
    const mobile = acme.organizations[keys.mobile]!;
    // Another admin of infra, so that R9 (c) does not keep this account there (see group-mappings.test.ts).
    const otherAdmin = await db.prisma.account.create({ data: { login: uniqueKey("infra-admin"), name: "infra admin", kind: "DEVOPS" } });
    await db.prisma.orgPermission.createMany({
      data: [
        { accountId: account.id, organizationId: infra.id, permission: "ADMIN" },
        { accountId: account.id, organizationId: mobile.id, permission: "SCAN" },
        { accountId: otherAdmin.id, organizationId: infra.id, permission: "ADMIN" },
      ],
    });

    await login({ ...who, groups: ["QA"] });
    const left = await db.prisma.orgPermission.findMany({ where: { accountId: account.id }, select: { organizationId: true, permission: true } });
    expect(left).toEqual([{ organizationId: mobile.id, permission: "SCAN" }]);
  });

  it("R2: memberships outside the enterprise's organizations are left alone", async () => {
    const who = idpUser(["Developers"]);
    const { account } = await login(who);
    const foreign = other.organizations[keys.foreign]!;
    await db.prisma.groupMembership.create({ data: { accountId: account.id, groupId: foreign.groups.Developers!.id } });
    await db.prisma.orgMembership.create({ data: { accountId: account.id, organizationId: foreign.id } });

    await login({ ...who, groups: [] });
    expect(await membershipsOf(account.id)).toEqual({ groups: [`${keys.foreign}/Developers`], organizations: [keys.foreign] });
  });

  it("R2: no group sync when the connection maps no groups attribute", async () => {
    const noGroups = await createSsoEnterprise(db.prisma, {
      organizations: { [uniqueKey("plain")]: ["Developers"] },
      attributes: { groups: null },
    });
    const { account } = await login(idpUser(["Developers"]), noGroups);
    expect(await membershipsOf(account.id)).toEqual({ groups: [], organizations: [] });
  });

  it("R2: a login costs the same number of SQL statements for 1 or 40 IdP groups (no N+1)", async () => {
    const many = Array.from({ length: 20 }, (_, index) => `Team ${index}`);
    const wide = await createSsoEnterprise(db.prisma, {
      organizations: { [uniqueKey("wide-a")]: many, [uniqueKey("wide-b")]: many },
    });
    const count = async (groups: readonly string[]) => {
      const who = idpUser(groups);
      const { requestId } = await startLogin(db.prisma, wide.enterprise.key);
      const samlResponse = idpResponse(wide.enterprise.key, requestId, who);
      db.statements.reset();
      const { account } = await completeSsoLogin(db.prisma, { publicUrl: TEST_PUBLIC_URL, enterpriseKey: wide.enterprise.key, samlResponse });
      const statements = db.statements.count;
      return { statements, memberships: await membershipsOf(account.id) };
    };
    // The connection's first login also records that groups arrive (once, for setupProgress): not part of the comparison.
    await count(["Team 0"]);
    const one = await count(["Team 0"]);
    const forty = await count(many);
    expect(one.memberships.groups).toHaveLength(2);
    expect(forty.memberships.groups).toHaveLength(40);
    expect(forty.statements).toBe(one.statements);
  });
});
