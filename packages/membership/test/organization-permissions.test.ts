import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { domainError } from "../../../tests/kit/domain-errors";
import { buildScenario, type Scenario } from "../../../tests/kit/scenario";
import {
  addOrganizationGroupMember,
  grantOrganizationPermission,
  removeOrganizationGroupMember,
  revokeOrganizationPermission,
} from "../src";

let db: TestDatabase;
let s: Scenario;

beforeAll(async () => {
  db = await createTestDatabase();
  s = await buildScenario(db.prisma, {
    organizations: {
      web: { groups: { Developers: ["SCAN"], Leads: ["ADMIN"] } },
      mobile: { devopsPlatform: "BITBUCKET_CLOUD" },
      data: { devopsPlatform: "GITLAB" },
      outside: { inEnterprise: false },
    },
    accounts: {
      admin: { kind: "SSO", enterpriseAdmin: true, memberOf: ["web", "mobile"], permissions: { web: ["ADMIN"], mobile: ["ADMIN"] } },
      "bb-admin": { memberOf: ["mobile"], permissions: { mobile: ["ADMIN"] } },
      "bb-dev": { memberOf: ["mobile"] },
      "data-owner": { groups: { data: ["Owners"] } },
      "data-dev": { memberOf: ["data"] },
      "web-lead": { groups: { web: ["Leads"] } },
      stranger: { memberOf: ["outside"], permissions: { outside: ["ADMIN"] } },
    },
  });
});
afterAll(async () => {
  await db.close();
});

const permission = (handle: string, organization: string) =>
  db.prisma.orgPermission.findMany({ where: { accountId: s.account(handle).id, organizationId: s.organization(organization).id } }).then((rows) => rows.map((row) => row.permission).sort());

describe("organization permissions", () => {
  it("an enterprise admin grants ADMIN on a Bitbucket Cloud organization to another DOP account, so the first can go (R9 b)", async () => {
    const refused = await domainError(
      revokeOrganizationPermission(db.prisma, s.actor("admin"), { organizationKey: s.organization("mobile").key, permission: "ADMIN", accountId: s.account("bb-admin").id }),
    );
    expect(refused.code).toBe("RULE_VIOLATION");
    expect(refused.details).toMatchObject({ rule: "R9", violation: "BITBUCKET_WITHOUT_DOP_ADMIN" });
    expect(await permission("bb-admin", "mobile")).toEqual(["ADMIN"]);

    const granted = await grantOrganizationPermission(db.prisma, s.actor("admin"), {
      organizationKey: s.organization("mobile").key,
      permission: "ADMIN",
      accountId: s.account("bb-dev").id,
    });
    expect(granted).toMatchObject({ permission: "ADMIN", membershipCreated: false, administrators: 3 });
    const revoked = await revokeOrganizationPermission(db.prisma, s.actor("admin"), {
      organizationKey: s.organization("mobile").key,
      permission: "ADMIN",
      accountId: s.account("bb-admin").id,
    });
    expect(revoked.administrators).toBe(2);
    expect(await permission("bb-admin", "mobile")).toEqual([]);
    const events = await db.prisma.auditEvent.findMany({ where: { enterpriseId: s.enterprise.id, action: { startsWith: "organization_permission." } }, orderBy: { createdAt: "asc" } });
    expect(events.map((event) => [event.action, (event.payload as { grantee: string }).grantee])).toEqual([
      ["organization_permission.granted", s.account("bb-dev").login],
      ["organization_permission.revoked", s.account("bb-admin").login],
    ]);
  });

  it("R9 (c): the last admin of an organization keeps ADMIN, whether held directly, through Owners or through a group", async () => {
    const data = s.organization("data").key;
    const lastOwner = await domainError(removeOrganizationGroupMember(db.prisma, s.actor("admin"), { organizationKey: data, group: "Owners", accountId: s.account("data-owner").id }));
    expect(lastOwner.code).toBe("RULE_VIOLATION");
    expect(lastOwner.message).toContain(`"${data}" would have no admin left`);
    expect(await db.prisma.groupMembership.count({ where: { accountId: s.account("data-owner").id } })).toBe(1);

    // A second admin first, then the first may go.
    await grantOrganizationPermission(db.prisma, s.actor("admin"), { organizationKey: data, permission: "ADMIN", accountId: s.account("data-dev").id });
    await removeOrganizationGroupMember(db.prisma, s.actor("admin"), { organizationKey: data, group: "Owners", accountId: s.account("data-owner").id });
    const lastDirect = await domainError(revokeOrganizationPermission(db.prisma, s.actor("admin"), { organizationKey: data, permission: "ADMIN", accountId: s.account("data-dev").id }));
    expect(lastDirect.details).toMatchObject({ violation: "ORGANIZATION_WITHOUT_ADMIN" });
  });

  it("a group's permissions and members change; R15: an account outside the enterprise is NOT_FOUND; built-in groups keep their permissions", async () => {
    const web = s.organization("web").key;
    await grantOrganizationPermission(db.prisma, s.actor("admin"), { organizationKey: web, permission: "GATEADMIN", group: "Developers" });
    const groupPermissions = await db.prisma.groupPermission.findMany({ where: { groupId: s.group("web", "Developers").id } });
    expect(groupPermissions.map((row) => row.permission).sort()).toEqual(["GATEADMIN", "SCAN"]);

    const added = await addOrganizationGroupMember(db.prisma, s.actor("admin"), { organizationKey: web, group: "Developers", accountId: s.account("bb-dev").id });
    expect(added.accountId).toBe(s.account("bb-dev").id);
    const duplicate = await domainError(addOrganizationGroupMember(db.prisma, s.actor("admin"), { organizationKey: web, group: "Developers", accountId: s.account("bb-dev").id }));
    expect(duplicate.code).toBe("CONFLICT");

    const stranger = await domainError(addOrganizationGroupMember(db.prisma, s.actor("admin"), { organizationKey: web, group: "Developers", accountId: s.account("stranger").id }));
    expect(stranger).toMatchObject({ code: "NOT_FOUND", field: "input.accountId" });
    expect(stranger.message).not.toContain(s.account("stranger").login);

    const builtIn = await domainError(revokeOrganizationPermission(db.prisma, s.actor("admin"), { organizationKey: web, permission: "ADMIN", group: "Owners" }));
    expect(builtIn).toMatchObject({ code: "PRECONDITION_FAILED", field: "input.group" });

    const both = await domainError(grantOrganizationPermission(db.prisma, s.actor("admin"), { organizationKey: web, permission: "SCAN", group: "Developers", accountId: s.account("bb-dev").id }));
    expect(both.code).toBe("INVALID_INPUT");
  });

  it("granting to an account of the enterprise that is not a member makes it a direct member", async () => {
    const change = await grantOrganizationPermission(db.prisma, s.actor("admin"), {
      organizationKey: s.organization("web").key,
      permission: "SCAN",
      accountId: s.account("data-dev").id,
    });
    expect(change.membershipCreated).toBe(true);
    expect(await db.prisma.orgMembership.count({ where: { accountId: s.account("data-dev").id, organizationId: s.organization("web").id } })).toBe(1);
  });

  it("organization admins change their organization; members and other organizations' admins may not (FORBIDDEN / NOT_FOUND)", async () => {
    const web = s.organization("web").key;
    // web-lead administers web through the Leads group.
    await grantOrganizationPermission(db.prisma, s.actor("web-lead"), { organizationKey: web, permission: "PROFILEADMIN", accountId: s.account("admin").id });
    const member = await domainError(
      grantOrganizationPermission(db.prisma, s.actor("bb-dev"), { organizationKey: web, permission: "ADMIN", accountId: s.account("bb-dev").id }),
    );
    expect(member.code).toBe("FORBIDDEN");
    const foreign = await domainError(
      grantOrganizationPermission(db.prisma, s.actor("stranger"), { organizationKey: web, permission: "ADMIN", accountId: s.account("stranger").id }),
    );
    expect(foreign).toMatchObject({ code: "NOT_FOUND", field: "input.organizationKey" });
  });
});
