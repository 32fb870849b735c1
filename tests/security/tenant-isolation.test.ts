/**
 * R15: replays of the cross-tenant attacks of the security review, and the bounds of `nodes`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { buildTwoEnterprises, globalId, type TwoEnterprises } from "../kit/tenants";

let kit: TestGateway;
let t: TwoEnterprises;

beforeAll(async () => {
  kit = await startTestGateway();
  t = await buildTwoEnterprises(kit.prisma);
}, 120_000);
afterAll(() => kit.close());

describe("R15: what the caller may not see does not exist, on every path", () => {
  it("R15: a plain member asking node(<an account also in another enterprise>) sees only its own enterprise's organizations", async () => {
    const response = await kit.graphql(
      `query($id: ID!) { node(id: $id) { ... on Account { login organizations { key name plan devopsPlatform enterprise { key } } } } }`,
      { token: t.a.secret("a-dop", "main"), variables: { id: globalId("Account", t.a.account("shared").id) } },
    );
    expect(response.errors).toBeUndefined();
    const keys = response.data?.node.organizations.map((organization: { key: string }) => organization.key);
    expect(keys).toEqual([t.a.organization("web").key]);
    expect(JSON.stringify(response.data)).not.toContain(t.b.organization("gweb").key);
    expect(JSON.stringify(response.data)).not.toContain(t.a.organization("lonely").key);
  });

  it("R15: the account itself sees all its organizations, and Organization.enterprise answers without an error (null outside any enterprise)", async () => {
    const response = await kit.graphql(`{ viewer { organizations { key enterprise { key } } } }`, { token: t.a.secret("shared", "main") });
    expect(response.errors).toBeUndefined();
    const byKey = Object.fromEntries(
      response.data?.viewer.organizations.map((organization: { key: string; enterprise: { key: string } | null }) => [
        organization.key,
        organization.enterprise?.key ?? null,
      ]),
    );
    expect(byKey).toEqual({
      [t.a.organization("web").key]: t.a.enterprise.key,
      [t.a.organization("lonely").key]: null,
      [t.b.organization("gweb").key]: t.b.enterprise.key,
    });
  });

  it("R15: node(<an invitation>) as a non-admin is null, and such an id fails only its own entry of nodes", async () => {
    const invitation = globalId("Invitation", t.invitationId.a);
    const organization = globalId("Organization", t.a.organization("web").id);
    const single = await kit.graphql(`query($id: ID!) { node(id: $id) { id } }`, {
      token: t.a.secret("a-dop", "main"),
      variables: { id: invitation },
    });
    expect(single.errors).toBeUndefined();
    expect(single.data?.node).toBeNull();

    const list = await kit.graphql(`query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Invitation { email } } }`, {
      token: t.a.secret("a-dop", "main"),
      variables: { ids: [organization, invitation, globalId("Invitation", t.invitationId.b)] },
    });
    expect(list.errors).toBeUndefined();
    expect(list.data?.nodes).toEqual([{ id: organization }, null, null]);

    const asAdmin = await kit.graphql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, {
      token: t.a.secret("a-admin", "main"),
      variables: { ids: [invitation, globalId("Invitation", t.invitationId.b)] },
    });
    expect(asAdmin.data?.nodes).toEqual([{ id: invitation }, null]);
  });

  it("R15: ids of an unknown type, of a type that is not a node, or of a row under the wrong type are null", async () => {
    const response = await kit.graphql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, {
      token: t.a.secret("a-admin", "main"),
      variables: {
        ids: [
          globalId("NoSuchType", "x"),
          globalId("IdentityLink", "x"),
          globalId("Organization", t.a.account("a-dop").id),
          globalId("Account", t.a.account("a-dop").id),
        ],
      },
    });
    expect(response.errors).toBeUndefined();
    expect(response.data?.nodes).toEqual([null, null, null, { id: globalId("Account", t.a.account("a-dop").id) }]);
  });
});

describe("R15: mutations given ids the caller cannot see answer NOT_FOUND naming the field, never the object", () => {
  const PAYLOAD = `... on Error { code message field }`;

  it("R15: removeDevopsAccountsFromOrganizations with another enterprise's account: NOT_FOUND at input.accountIds[1], no login", async () => {
    const response = await kit.graphql(
      `mutation($input: RemoveDevopsAccountsFromOrganizationsInput!) { removeDevopsAccountsFromOrganizations(input: $input) { __typename ${PAYLOAD} } }`,
      {
        token: t.b.secret("b-admin", "main"),
        variables: {
          input: {
            enterpriseKey: t.b.enterprise.key,
            accountIds: [globalId("Account", t.b.account("b-dop").id), globalId("Account", t.a.account("a-admin").id)],
            dryRun: true,
          },
        },
      },
    );
    expect(response.data?.removeDevopsAccountsFromOrganizations).toEqual({
      __typename: "DomainError",
      code: "NOT_FOUND",
      message: "No account with this id.",
      field: "input.accountIds[1]",
    });
  });

  it("R15: for an account the admin can see, the refusal stays informative", async () => {
    const response = await kit.graphql(
      `mutation($input: RemoveDevopsAccountsFromOrganizationsInput!) { removeDevopsAccountsFromOrganizations(input: $input) { __typename ${PAYLOAD} } }`,
      {
        token: t.a.secret("a-admin", "main"),
        variables: { input: { enterpriseKey: t.a.enterprise.key, accountIds: [globalId("Account", t.a.account("a-sso").id)], dryRun: true } },
      },
    );
    expect(response.data?.removeDevopsAccountsFromOrganizations).toMatchObject({ code: "INVALID_INPUT", field: "input.accountIds[0]" });
    expect(response.data?.removeDevopsAccountsFromOrganizations.message).toContain(t.a.account("a-sso").login);
  });

  it("R15: linkDevopsAccountForUser with another enterprise's accounts: NOT_FOUND naming input.devopsAccountId, no login", async () => {
    const response = await kit.graphql(
      `mutation($input: LinkDevopsAccountForUserInput!) { linkDevopsAccountForUser(input: $input) { __typename ${PAYLOAD} } }`,
      {
        token: t.b.secret("b-admin", "main"),
        variables: {
          input: {
            enterpriseKey: t.b.enterprise.key,
            devopsAccountId: globalId("Account", t.a.account("a-dop").id),
            ssoAccountId: globalId("Account", t.a.account("a-sso").id),
          },
        },
      },
    );
    expect(response.data?.linkDevopsAccountForUser).toEqual({
      __typename: "DomainError",
      code: "NOT_FOUND",
      message: "No account with this id.",
      field: "input.devopsAccountId",
    });
  });

  it("R15: revokeToken with another enterprise's scoped organization token: NOT_FOUND, no organization key; nothing revoked", async () => {
    const response = await kit.graphql(`mutation($input: RevokeTokenInput!) { revokeToken(input: $input) { __typename ${PAYLOAD} } }`, {
      token: t.b.secret("b-admin", "main"),
      variables: { input: { tokenId: globalId("Token", t.sotId["a-web"]!) } },
    });
    expect(response.data?.revokeToken).toEqual({ __typename: "DomainError", code: "NOT_FOUND", message: "No token with this id.", field: "input.tokenId" });
    expect((await kit.prisma.token.findUniqueOrThrow({ where: { id: t.sotId["a-web"]! } })).revokedAt).toBeNull();
  });

  it("R15: createScopedOrganizationToken for another enterprise's organization looks like an unknown key", async () => {
    const create = (organizationKey: string) =>
      kit.graphql(
        `mutation($input: CreateScopedOrganizationTokenInput!) { createScopedOrganizationToken(input: $input) { __typename ${PAYLOAD} } }`,
        { token: t.b.secret("b-admin", "main"), variables: { input: { organizationKey, name: "probe", allProjects: true } } },
      );
    const foreign = await create(t.a.organization("web").key);
    const unknown = await create("no-such-organization");
    expect(foreign.data?.createScopedOrganizationToken).toEqual(unknown.data?.createScopedOrganizationToken);
    expect(foreign.data?.createScopedOrganizationToken).toMatchObject({ code: "NOT_FOUND", field: "input.organizationKey" });
  });
});

describe("R15: nodes(ids:) is bounded and checks visibility once per type", () => {
  it("R15: 101 ids are refused as INVALID_INPUT naming ids", async () => {
    const ids = Array.from({ length: 101 }, () => globalId("Account", t.a.account("a-dop").id));
    const response = await kit.graphql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { token: t.a.secret("a-dop", "main"), variables: { ids } });
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: "INVALID_INPUT", field: "ids" });
    expect(response.errors?.[0]?.message).toContain("100");
  });

  it("R15: 100 account ids cost as many SQL statements as 2 (one per type, visibility included)", async () => {
    const others = await kit.prisma.account.createManyAndReturn({
      data: Array.from({ length: 98 }, (_, index) => ({ login: `bulk-${index}-${t.a.suffix}`, name: `bulk ${index}`, kind: "DEVOPS" as const })),
    });
    await kit.prisma.orgMembership.createMany({ data: others.map((account) => ({ accountId: account.id, organizationId: t.a.organization("web").id })) });
    const token = t.a.secret("a-dop", "main");
    const query = `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Account { login } } }`;
    const count = async (ids: string[]) => {
      await kit.graphql(query, { token, variables: { ids } }); // warm-up: the token's lastUsedAt write
      kit.db.statements.reset();
      const response = await kit.graphql(query, { token, variables: { ids } });
      expect(response.errors).toBeUndefined();
      expect(response.data?.nodes.filter((node: unknown) => node !== null)).toHaveLength(ids.length);
      return kit.db.statements.count;
    };
    const two = await count([t.a.account("a-dop").id, t.a.account("a-admin").id].map((id) => globalId("Account", id)));
    const hundred = await count([t.a.account("a-dop").id, t.a.account("a-admin").id, ...others.map((account) => account.id)].map((id) => globalId("Account", id)));
    expect(hundred).toBe(two);
  });
});
