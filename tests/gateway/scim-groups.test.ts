/**
 * R20 with R14 and R9: SCIM Groups over HTTP, replaying how Okta (group push) and Microsoft Entra ID push a group and
 * change its members. Organization groups follow only through the SSO connection's explicit group mappings, and a
 * change that would leave an organization without an admin is refused whole, with the rule named.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { ERROR_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, createScimTokenFor, scimClient, type ScimClient } from "../kit/scim";
import { createEnterpriseAdmin, createSsoEnterprise, type SsoEnterpriseFixture } from "../kit/sso-fixtures";

let kit: TestGateway;
let acme: SsoEnterpriseFixture;
let client: ScimClient;
const users: Record<string, string> = {};
let webKey: string;

beforeAll(async () => {
  kit = await startTestGateway();
  const baseUrl = await kit.listen();
  acme = await createSsoEnterprise(kit.prisma, { organizations: { [`web-${Date.now().toString(36)}`]: ["developers"] } });
  webKey = Object.keys(acme.organizations)[0]!;
  // As every organization has it (directory import, demo): the built-in Owners group holds ADMIN.
  await kit.prisma.groupPermission.create({ data: { groupId: acme.organizations[webKey]!.groups.Owners!.id, permission: "ADMIN" } });
  await kit.prisma.ssoConnection.update({ where: { id: acme.connection.id }, data: { provisioning: "SCIM" } });
  const adminToken = await kit.tokenFor((await createEnterpriseAdmin(kit.prisma, acme.enterprise.id)).id);
  const mappings = await kit.graphql(
    `mutation($input: SetSsoGroupMappingsInput!) { setSsoGroupMappings(input: $input) { __typename ... on Error { message } } }`,
    {
      token: adminToken,
      variables: {
        input: {
          enterpriseKey: acme.enterprise.key,
          mappings: [
            { idpGroup: "Engineering", organizationKey: webKey, group: "developers" },
            { idpGroup: "Web Admins", organizationKey: webKey, group: "Owners" },
          ],
        },
      },
    },
  );
  expect(mappings.data!.setSsoGroupMappings.__typename).toBe("SetSsoGroupMappingsSuccess");
  const { token } = await createScimTokenFor(kit, adminToken, acme.enterprise.key);
  client = scimClient(baseUrl, acme.enterprise.key, token);
  for (const name of ["ann", "ben", "cid"]) {
    const created = await client.request("POST", "/Users", { schemas: [USER_SCHEMA], userName: `${name}@groups.test`, active: true });
    users[name] = created.body.id;
  }
});
afterAll(() => kit.close());

async function groupsOf(accountId: string): Promise<string[]> {
  const rows = await kit.prisma.groupMembership.findMany({ where: { accountId }, select: { group: { select: { name: true } } } });
  return rows.map((row) => row.group.name).sort();
}

async function isMember(accountId: string): Promise<boolean> {
  return (await kit.prisma.orgMembership.count({ where: { accountId, organization: { key: webKey } } })) === 1;
}

describe("R20: SCIM groups drive organization groups through explicit mappings (R14), under R9", () => {
  it("R20 with R14: Okta group push — create with members, add, remove by value filter, rename, delete", async () => {
    const lookup = await client.request("GET", `/Groups?filter=${encodeURIComponent('displayName eq "Engineering"')}&startIndex=1&count=100`);
    expect(lookup.body.totalResults).toBe(0);
    const created = await client.request("POST", "/Groups", {
      schemas: [GROUP_SCHEMA],
      displayName: "Engineering",
      members: [{ value: users.ann, display: "ann@groups.test" }],
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ displayName: "Engineering", members: [{ value: users.ann, display: "ann@groups.test" }], meta: { resourceType: "Group" } });
    expect(created.headers.get("etag")).toBe(created.body.meta.version);
    expect(await groupsOf(users.ann!)).toEqual(["developers"]);
    expect(await isMember(users.ann!)).toBe(true);

    const added = await client.patch(`/Groups/${id}`, [{ op: "add", path: "members", value: [{ value: users.ben, display: "ben@groups.test" }] }]);
    expect(added.status).toBe(200);
    expect(await groupsOf(users.ben!)).toEqual(["developers"]);

    const removed = await client.patch(`/Groups/${id}`, [{ op: "remove", path: `members[value eq "${users.ann}"]` }]);
    expect(removed.body.members.map((member: { value: string }) => member.value)).toEqual([users.ben]);
    expect(await groupsOf(users.ann!)).toEqual([]);
    expect(await isMember(users.ann!)).toBe(false);

    // Renamed to a name no mapping names: its members leave the mapped organization group.
    const renamed = await client.patch(`/Groups/${id}`, [{ op: "replace", value: { id, displayName: "Engineering Team" } }]);
    expect(renamed.body.displayName).toBe("Engineering Team");
    expect(await groupsOf(users.ben!)).toEqual([]);
    // And back, with a PUT of the whole group.
    const put = await client.request("PUT", `/Groups/${id}`, { schemas: [GROUP_SCHEMA], displayName: "Engineering", members: [{ value: users.ben }, { value: users.cid }] });
    expect(put.status).toBe(200);
    expect(await groupsOf(users.cid!)).toEqual(["developers"]);

    expect((await client.request("DELETE", `/Groups/${id}`)).status).toBe(204);
    expect((await client.request("GET", `/Groups/${id}`)).status).toBe(404);
    expect(await groupsOf(users.ben!)).toEqual([]);
    expect(await groupsOf(users.cid!)).toEqual([]);
    const audit = await kit.prisma.auditEvent.findMany({ where: { targetId: id }, orderBy: { createdAt: "asc" } });
    expect(audit.map((event) => event.action)).toEqual([
      "scim.group_created",
      "scim.group_updated",
      "scim.group_updated",
      "scim.group_updated",
      "scim.group_updated",
      "scim.group_deleted",
    ]);
  });

  it("R20 with R14: a SCIM group named like an organization group but not mapped changes no organization membership", async () => {
    const created = await client.request("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "developers", members: [{ value: users.cid }] });
    expect(created.status).toBe(201);
    expect(await groupsOf(users.cid!)).toEqual([]);
    const duplicate = await client.request("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "developers" });
    expect(duplicate.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: "409", scimType: "uniqueness" });
    const unknownMember = await client.request("POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "ghosts", members: [{ value: "nobody" }] });
    expect(unknownMember.body).toMatchObject({ status: "400", scimType: "invalidValue" });
  });

  it("R20 with R9 (c): Entra ID — a member change that would leave an organization without an admin is refused whole, naming the rule", async () => {
    const lookup = await client.request("GET", `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "Web Admins"')}`);
    expect(lookup.body.totalResults).toBe(0);
    const created = await client.request("POST", "/Groups", { schemas: [GROUP_SCHEMA], externalId: "entra-group-1", displayName: "Web Admins", members: [] });
    const id = created.body.id as string;
    const added = await client.patch(`/Groups/${id}`, [{ op: "Add", path: "members", value: [{ value: users.ann }] }]);
    expect(added.status).toBe(200);
    expect(await groupsOf(users.ann!)).toEqual(["Owners"]);

    const withoutMembers = await client.request("GET", `/Groups/${id}?excludedAttributes=members`);
    expect(withoutMembers.body.members).toBeUndefined();
    const byMember = await client.request("GET", `/Groups?filter=${encodeURIComponent(`members[value eq "${users.ann}"]`)}&excludedAttributes=members`);
    expect(byMember.body.Resources.map((group: { id: string }) => group.id)).toEqual([id]);

    // ann is the organization's only admin: removing her (with a rename in the same request) is refused, nothing applied.
    const refused = await client.patch(`/Groups/${id}`, [
      { op: "Replace", path: "displayName", value: "Web Admins (renamed)" },
      { op: "Remove", path: "members", value: [{ value: users.ann }] },
    ]);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: "400", scimType: "mutability" });
    expect(refused.body.detail).toContain("R9 (c)");
    expect(refused.body.detail).toContain(webKey);
    const unchanged = await client.request("GET", `/Groups/${id}`);
    expect(unchanged.body.displayName).toBe("Web Admins");
    expect(unchanged.body.members.map((member: { value: string }) => member.value)).toEqual([users.ann]);
    expect(await groupsOf(users.ann!)).toEqual(["Owners"]);
    // Deleting the user or the group is refused the same way.
    expect((await client.request("DELETE", `/Users/${users.ann}`)).body.scimType).toBe("mutability");
    expect((await client.request("DELETE", `/Groups/${id}`)).body.scimType).toBe("mutability");

    // With another admin added in the same request, the removal goes through.
    const handover = await client.patch(`/Groups/${id}`, [
      { op: "Add", path: "members", value: [{ value: users.ben }] },
      { op: "Remove", path: "members", value: [{ value: users.ann }] },
    ]);
    expect(handover.status).toBe(200);
    expect(await groupsOf(users.ann!)).toEqual([]);
    expect(await groupsOf(users.ben!)).toEqual(["Owners"]);
  });
});
