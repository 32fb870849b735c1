/**
 * Bad input gets a clear client error naming the argument, before any resolver runs — never "Unexpected error."
 * Replays the attacks of the security review: NUL bytes and unpaired surrogates in string arguments (PostgreSQL
 * refuses 0x00), malformed GET parameters, malformed or wrong-type ids and cursors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../../prisma/seed/demo";
import { startTestGateway, type TestGateway } from "../kit/gateway";

let kit: TestGateway;
let adminToken: string;
let memberToken: string;
const id = (typename: string, raw: string) => Buffer.from(`${typename}:${raw}`).toString("base64");

beforeAll(async () => {
  kit = await startTestGateway();
  await seedDemo(kit.prisma);
  const alice = await kit.prisma.account.findUniqueOrThrow({ where: { login: "alice" } });
  const bob = await kit.prisma.account.findUniqueOrThrow({ where: { login: "bob" } });
  adminToken = await kit.tokenFor(alice.id);
  memberToken = await kit.tokenFor(bob.id);
});
afterAll(() => kit.close());

describe("unstorable text is refused naming the argument (bad input)", () => {
  it("a NUL byte in a literal argument: 400 INVALID_INPUT on `key`, and the next request is served normally", async () => {
    const refused = await kit.graphql('{ enterprise(key: "ac\\u0000me") { key } }', { token: adminToken });
    expect(refused.status).toBe(400);
    expect(refused.data).toBeUndefined();
    expect(refused.errors).toEqual([
      expect.objectContaining({
        message: "`key` contains a NUL character (U+0000), which cannot be stored.",
        extensions: { code: "INVALID_INPUT", field: "key" },
      }),
    ]);
    const next = await kit.graphql('{ enterprise(key: "acme") { key } }', { token: adminToken });
    expect(next).toMatchObject({ status: 200, data: { enterprise: { key: "acme" } } });
  });

  it("R13: a NUL byte deep in a mutation's variables names the input path and writes nothing", async () => {
    const [invitations, events] = [await kit.prisma.invitation.count(), await kit.prisma.auditEvent.count()];
    const refused = await kit.graphql(
      "mutation Invite($input: InviteUsersInput!) { inviteUsers(input: $input) { __typename } }",
      { token: adminToken, variables: { input: { enterpriseKey: "acme", emails: ["ok@acme.example", "bad\u0000@acme.example"] } } },
    );
    expect(refused.status).toBe(400);
    expect(refused.errors?.[0]?.extensions).toEqual({ code: "INVALID_INPUT", field: "input.emails[1]" });
    expect(await kit.prisma.invitation.count()).toBe(invitations);
    expect(await kit.prisma.auditEvent.count()).toBe(events);
  });

  it("an unpaired surrogate in a variable: INVALID_INPUT naming it", async () => {
    const refused = await kit.graphql("query Q($key: String!) { enterprise(key: $key) { key } }", {
      token: adminToken,
      variables: { key: "acme\uD800" },
    });
    expect(refused.status).toBe(400);
    expect(refused.errors?.[0]).toMatchObject({
      message: "`key` contains an unpaired UTF-16 surrogate, which is not valid Unicode.",
      extensions: { code: "INVALID_INPUT", field: "key" },
    });
  });

  it("a NUL byte in a nested field's cursor names the field and the argument", async () => {
    const refused = await kit.graphql('{ enterprise(key: "acme") { members(first: 5, after: "x\\u0000") { edges { cursor } } } }', { token: adminToken });
    expect(refused.errors?.[0]).toMatchObject({
      message: "enterprise.members: `after` contains a NUL character (U+0000), which cannot be stored.",
      extensions: { code: "INVALID_INPUT", field: "after" },
    });
  });
});

describe("ids and cursors (bad input)", () => {
  it("a NUL byte hidden inside a cursor's base64 is INVALID_INPUT naming the argument, and the next request is served normally", async () => {
    // "GPC:S:a\0": the shape of a login cursor, with a NUL byte PostgreSQL cannot compare a login with.
    const hidden = Buffer.from("GPC:S:a\u0000").toString("base64");
    for (const [document, argument] of [
      [`{ enterprise(key: "acme") { members(before: "${hidden}", kind: DEVOPS) { edges { cursor } } } }`, "before"],
      [`{ enterprise(key: "acme") { members(first: 5, after: "${hidden}", cutoverStatus: LINKED) { edges { cursor } } } }`, "after"],
    ] as const) {
      const refused = await kit.graphql(document, { token: adminToken });
      expect(refused.errors?.[0]).toMatchObject({
        message: `enterprise.members: \`${argument}\` is not a cursor given out by this API.`,
        extensions: { code: "INVALID_INPUT", field: argument },
      });
    }
    const next = await kit.graphql('{ enterprise(key: "acme") { members(first: 1) { edges { node { login } } } } }', { token: adminToken });
    expect(next.errors).toBeUndefined();
    expect(next.data?.enterprise.members.edges).toHaveLength(1);
  });

  it("R15: node answers null for an id this API never gave out; a NUL byte hidden inside its base64 is INVALID_INPUT", async () => {
    for (const unknown of [id("Foo", "1"), id("Organization", "no-such-row")]) {
      const answer = await kit.graphql("query N($id: ID!) { node(id: $id) { id } }", { token: adminToken, variables: { id: unknown } });
      expect(answer, unknown).toMatchObject({ status: 200, data: { node: null } });
      expect(answer.errors, unknown).toBeUndefined();
    }
    // Not a global id at all: a clear client error, never "Unexpected error."
    const malformed = await kit.graphql("query N($id: ID!) { node(id: $id) { id } }", { token: adminToken, variables: { id: "abc" } });
    expect(malformed.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT" } });
    const hidden = id("Account", "a\u0000b");
    const refused = await kit.graphql("query N($id: ID!) { node(id: $id) { id } }", { token: adminToken, variables: { id: hidden } });
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT", field: "id" } });
    const bad = await kit.graphql(
      "mutation R($input: RevokeTokenInput!) { revokeToken(input: $input) { __typename } }",
      { token: adminToken, variables: { input: { tokenId: "abc" } } },
    );
    expect(bad.errors?.[0]).toMatchObject({ message: "`input.tokenId` is not an id given out by this API.", extensions: { code: "INVALID_INPUT" } });
  });

  it("an id of the wrong type names the element of the list", async () => {
    const organization = await kit.prisma.organization.findFirstOrThrow({ where: { key: "acme-web" } });
    const bob = await kit.prisma.account.findUniqueOrThrow({ where: { login: "bob" } });
    const refused = await kit.graphql(
      "mutation R($input: RemoveDevopsAccountsFromOrganizationsInput!) { removeDevopsAccountsFromOrganizations(input: $input) { __typename } }",
      { token: adminToken, variables: { input: { enterpriseKey: "acme", dryRun: true, accountIds: [id("Account", bob.id), id("Organization", organization.id)] } } },
    );
    expect(refused.errors?.[0]).toMatchObject({
      message: "`input.accountIds[1]` must be the id of an Account, not of an Organization.",
      extensions: { code: "INVALID_INPUT", field: "input.accountIds[1]" },
    });
  });

  it("R15: node with an invitation id, as a member who may not see it, is not an unexpected error", async () => {
    const alice = await kit.prisma.account.findUniqueOrThrow({ where: { login: "alice" } });
    const enterprise = await kit.prisma.enterprise.findUniqueOrThrow({ where: { key: "acme" } });
    const invitation = await kit.prisma.invitation.create({
      data: { enterpriseId: enterprise.id, email: "zed@acme.example", emailNormalized: "zed@acme.example", invitedById: alice.id, expiresAt: new Date(Date.now() + 86_400_000) },
    });
    const response = await kit.graphql("query N($id: ID!) { node(id: $id) { id } }", { token: memberToken, variables: { id: id("Invitation", invitation.id) } });
    expect(response.data?.node ?? null).toBeNull();
    expect(JSON.stringify(response)).not.toContain("Unexpected error.");
    expect(JSON.stringify(response)).not.toContain("zed@acme.example");
  });

  it("a malformed cursor is INVALID_INPUT", async () => {
    const refused = await kit.graphql('{ enterprise(key: "acme") { auditEvents(first: 5, after: "!!!") { edges { cursor } } } }', { token: adminToken });
    expect(refused.errors?.[0]?.extensions?.code).toBe("INVALID_INPUT");
    expect(JSON.stringify(refused)).not.toContain("Unexpected error.");
  });
});

describe("malformed request parameters are 400 (bad input)", () => {
  it("GET with variables or extensions that are not JSON objects names the parameter", async () => {
    for (const [query, message] of [
      ["variables={bad", 'The "variables" parameter is not valid JSON.'],
      ["extensions={bad", 'The "extensions" parameter is not valid JSON.'],
      ["variables=[1]", 'The "variables" parameter must be a JSON object.'],
    ] as const) {
      const response = await kit.fetch(`/graphql?query={__typename}&${query}`);
      expect(response.status, query).toBe(400);
      expect(await response.json()).toEqual({ errors: [{ message, extensions: { code: "BAD_REQUEST" } }] });
    }
  });

  it("a POST body that is not JSON is 400 without the parser's message (200 to a client accepting only application/json, per GraphQL over HTTP)", async () => {
    const response = await kit.fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
      body: '{"query"',
    });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors[0]).toEqual({ message: "The request body is not valid JSON.", extensions: { code: "BAD_REQUEST" } });
  });
});
