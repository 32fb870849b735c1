import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { MAX_INVITATIONS_PER_CALL } from "@sso-cutover/membership";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { buildScenario, type Scenario } from "../kit/scenario";

let kit: TestGateway;
let s: Scenario;
let adminToken: string;
let devToken: string;

beforeAll(async () => {
  kit = await startTestGateway();
});
afterAll(() => kit.close());
beforeEach(async () => {
  s = await buildScenario(kit.prisma, {
    organizations: { web: {} },
    accounts: {
      admin: { enterpriseAdmin: true, memberOf: ["web"], tokens: { cli: {} } },
      dev: { memberOf: ["web"], tokens: { cli: {} } },
      member: { kind: "SSO", email: "member@example.com" },
    },
  });
  adminToken = s.secret("admin", "cli");
  devToken = s.secret("dev", "cli");
});

const INVITE = /* GraphQL */ `
  mutation Invite($input: InviteUsersInput!) {
    inviteUsers(input: $input) {
      __typename
      ... on InviteUsersSuccess {
        dryRun
        invitedCount
        results {
          email
          message
          invitation { id email status expiresAt loginUrl message invitedBy { login } }
          error { code message field email }
        }
      }
      ... on Error { code message field }
    }
  }
`;

const INVITATIONS = /* GraphQL */ `
  query Invitations($key: String!, $status: InvitationStatus, $first: Int, $after: String) {
    enterprise(key: $key) {
      invitations(status: $status, first: $first, after: $after) {
        edges { cursor node { id email status message } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

const REVOKE = /* GraphQL */ `
  mutation Revoke($id: ID!) {
    revokeInvitation(input: { invitationId: $id }) {
      __typename
      ... on RevokeInvitationSuccess { invitation { id status revokedAt } }
      ... on Error { code message field }
    }
  }
`;

const RESEND = /* GraphQL */ `
  mutation Resend($id: ID!, $days: Int) {
    resendInvitation(input: { invitationId: $id, expiresInDays: $days }) {
      __typename
      ... on ResendInvitationSuccess { invitation { id status sentAt expiresAt } }
      ... on Error { code message field }
    }
  }
`;

const invite = (emails: string[], options: { token?: string; expiresInDays?: number; dryRun?: boolean } = {}) =>
  kit.graphql(INVITE, {
    token: options.token ?? adminToken,
    variables: { input: { enterpriseKey: s.enterprise.key, emails, expiresInDays: options.expiresInDays, dryRun: options.dryRun } },
  });

describe("inviteUsers", () => {
  it("R3: an admin invites three users and reads each invitation with its login link and a ready-to-send message", async () => {
    const response = await invite(["ana@example.com", "ben@example.com", "cy@example.com"]);

    expect(response.errors).toBeUndefined();
    const payload = response.data?.inviteUsers;
    expect(payload).toMatchObject({ __typename: "InviteUsersSuccess", invitedCount: 3 });
    const loginUrl = `http://sso-cutover.test/login/sso?enterprise_key=${s.enterprise.key}`;
    for (const result of payload.results) {
      expect(result.error).toBeNull();
      expect(result.invitation).toMatchObject({ email: result.email, status: "PENDING", loginUrl, invitedBy: { login: s.account("admin").login } });
      expect(result.invitation.message).toContain(loginUrl);
      expect(result.invitation.message).toContain(result.invitation.expiresAt.slice(0, 10));
    }

    const listed = await kit.graphql(INVITATIONS, { token: adminToken, variables: { key: s.enterprise.key, status: "PENDING" } });
    expect(listed.data?.enterprise.invitations.edges.map((e: any) => e.node.email).sort()).toEqual([
      "ana@example.com",
      "ben@example.com",
      "cy@example.com",
    ]);
  });

  it("R3: per-email errors are data: INVALID_EMAIL, ALREADY_PENDING and ALREADY_SSO_MEMBER, each naming its input field", async () => {
    await invite(["pending@example.com"]);

    const response = await invite(["not-an-email", "PENDING@example.com", "member@example.com", "new@example.com"]);

    const results = response.data?.inviteUsers.results;
    expect(results.map((r: any) => r.error?.code ?? "INVITED")).toEqual(["INVALID_EMAIL", "ALREADY_PENDING", "ALREADY_SSO_MEMBER", "INVITED"]);
    expect(results.map((r: any) => r.error?.field ?? null)).toEqual(["input.emails[0]", "input.emails[1]", "input.emails[2]", null]);
    expect(response.data?.inviteUsers.invitedCount).toBe(1);
  });

  it(`R3: ${MAX_INVITATIONS_PER_CALL + 1} emails are refused as a whole with INVALID_INPUT on input.emails before anything runs; nothing is written`, async () => {
    const response = await invite(Array.from({ length: MAX_INVITATIONS_PER_CALL + 1 }, (_, i) => `u${i}@example.com`));

    expect(response.status).toBe(400);
    expect(response.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT", field: "input.emails" } });
    expect(await kit.prisma.invitation.count({ where: { enterpriseId: s.enterprise.id } })).toBe(0);
  });

  it("R3: expiresInDays 0 and 31 are refused with INVALID_INPUT on input.expiresInDays", async () => {
    for (const expiresInDays of [0, 31]) {
      const response = await invite(["ana@example.com"], { expiresInDays });
      expect(response.data?.inviteUsers).toMatchObject({ code: "INVALID_INPUT", field: "input.expiresInDays" });
    }
  });

  it("R3: a member who is not an enterprise admin gets FORBIDDEN as data, and nothing is written", async () => {
    const response = await invite(["ana@example.com"], { token: devToken });

    expect(response.status).toBe(200);
    expect(response.data?.inviteUsers).toMatchObject({ __typename: "DomainError", code: "FORBIDDEN" });
    expect(await kit.prisma.invitation.count({ where: { enterpriseId: s.enterprise.id } })).toBe(0);
  });

  it(`R3: a batch of ${MAX_INVITATIONS_PER_CALL} emails (the most one call takes) with every invitation and message selected runs a bounded number of SQL statements`, async () => {
    await kit.graphql("{ viewer { login } }", { token: adminToken }); // the token's lastUsedAt is written once, here
    kit.db.statements.reset();

    const response = await invite(Array.from({ length: MAX_INVITATIONS_PER_CALL }, (_, i) => `bulk${i}@example.com`));

    expect(response.data?.inviteUsers.invitedCount).toBe(MAX_INVITATIONS_PER_CALL);
    expect(response.data?.inviteUsers.results.every((r: any) => r.invitation.message.includes("login/sso"))).toBe(true);
    expect(kit.db.statements.count).toBeLessThanOrEqual(25);

    kit.db.statements.reset();
    const preview = await invite(
      Array.from({ length: MAX_INVITATIONS_PER_CALL }, (_, i) => `preview${i}@example.com`),
      { dryRun: true },
    );
    expect(preview.data?.inviteUsers).toMatchObject({ dryRun: true, invitedCount: MAX_INVITATIONS_PER_CALL });
    expect(preview.data?.inviteUsers.results.every((r: any) => r.message.includes("login/sso"))).toBe(true);
    expect(kit.db.statements.count).toBeLessThanOrEqual(25);
  });
});

describe("inviteUsers dry run", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("R3: a dry run returns each would-be invitee's message and each refusal, and writes no invitation and no audit event", async () => {
    await invite(["pending@example.com"]);
    const eventsBefore = (await s.auditEvents()).length;

    const response = await invite(["ana@example.com", "not-an-email", "pending@example.com", "member@example.com"], { dryRun: true });

    const payload = response.data?.inviteUsers;
    expect(payload).toMatchObject({ __typename: "InviteUsersSuccess", dryRun: true, invitedCount: 1 });
    expect(payload.results.map((r: any) => r.error?.code ?? "WOULD_INVITE")).toEqual(["WOULD_INVITE", "INVALID_EMAIL", "ALREADY_PENDING", "ALREADY_SSO_MEMBER"]);
    expect(payload.results.map((r: any) => r.invitation)).toEqual([null, null, null, null]);
    expect(payload.results[0].message).toContain(`http://sso-cutover.test/login/sso?enterprise_key=${s.enterprise.key}`);
    expect(payload.results[0].message).toContain("ana@example.com");
    expect(payload.results.slice(1).map((r: any) => r.message)).toEqual([null, null, null]);
    expect((await kit.prisma.invitation.findMany({ where: { enterpriseId: s.enterprise.id } })).map((i) => i.email)).toEqual(["pending@example.com"]);
    expect(await s.auditEvents()).toHaveLength(eventsBefore);
  });

  it("R3: sending after the preview, with the same emails and expiry, sends exactly the previewed message", async () => {
    // Both calls within the same minute, as the message states the expiry to the minute.
    vi.useFakeTimers({ toFake: ["Date"], now: Math.floor(Date.now() / 60_000) * 60_000 + 1_000 });
    const emails = ["ana@example.com", "ben@example.com"];

    const preview = await invite(emails, { expiresInDays: 5, dryRun: true });
    const sent = await invite(emails, { expiresInDays: 5 });

    expect(sent.data?.inviteUsers).toMatchObject({ dryRun: false, invitedCount: 2 });
    const previewed = preview.data?.inviteUsers.results.map((r: any) => r.message);
    expect(sent.data?.inviteUsers.results.map((r: any) => r.message)).toEqual(previewed);
    expect(sent.data?.inviteUsers.results.map((r: any) => r.invitation.message)).toEqual(previewed);
  });

  it("R3: a dry run by a member who is not an enterprise admin gets FORBIDDEN as data", async () => {
    const response = await invite(["ana@example.com"], { token: devToken, dryRun: true });

    expect(response.data?.inviteUsers).toMatchObject({ __typename: "DomainError", code: "FORBIDDEN" });
  });
});

describe("Enterprise.invitations", () => {
  it("R3: filters by derived status and pages with first/after", async () => {
    await invite(["a@example.com", "b@example.com", "c@example.com"]);
    const expired = await kit.prisma.invitation.findFirstOrThrow({ where: { enterpriseId: s.enterprise.id, email: "a@example.com" } });
    await kit.prisma.invitation.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });

    const expiredOnly = await kit.graphql(INVITATIONS, { token: adminToken, variables: { key: s.enterprise.key, status: "EXPIRED" } });
    const firstPage = await kit.graphql(INVITATIONS, { token: adminToken, variables: { key: s.enterprise.key, first: 2 } });
    const { endCursor } = firstPage.data?.enterprise.invitations.pageInfo;
    const secondPage = await kit.graphql(INVITATIONS, { token: adminToken, variables: { key: s.enterprise.key, first: 2, after: endCursor } });

    expect(expiredOnly.data?.enterprise.invitations.edges.map((e: any) => [e.node.email, e.node.status])).toEqual([["a@example.com", "EXPIRED"]]);
    expect(firstPage.data?.enterprise.invitations.edges).toHaveLength(2);
    expect(firstPage.data?.enterprise.invitations.pageInfo.hasNextPage).toBe(true);
    const emails = [...firstPage.data?.enterprise.invitations.edges, ...secondPage.data?.enterprise.invitations.edges].map((e: any) => e.node.email);
    expect(emails.sort()).toEqual(["a@example.com", "b@example.com", "c@example.com"]);
  });

  it("R3: a member who is not an admin cannot list invitations (FORBIDDEN, the enterprise itself stays readable)", async () => {
    await invite(["a@example.com"]);

    const response = await kit.graphql(`query($key: String!) { enterprise(key: $key) { key invitations { edges { node { email } } } } }`, {
      token: devToken,
      variables: { key: s.enterprise.key },
    });

    expect(response.data?.enterprise).toEqual({ key: s.enterprise.key, invitations: null });
    expect(response.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("R3: an invitation is a node only its enterprise's admins can load", async () => {
    const created = await invite(["a@example.com"]);
    const id = created.data?.inviteUsers.results[0].invitation.id;
    const query = `query($id: ID!) { node(id: $id) { ... on Invitation { email } } }`;

    expect((await kit.graphql(query, { token: adminToken, variables: { id } })).data?.node).toEqual({ email: "a@example.com" });
    expect((await kit.graphql(query, { token: devToken, variables: { id } })).data?.node).toBeNull();
  });
});

describe("revokeInvitation and resendInvitation", () => {
  it("R3: revoking twice is refused with a CONFLICT naming the status", async () => {
    const id = (await invite(["a@example.com"])).data?.inviteUsers.results[0].invitation.id;

    const first = await kit.graphql(REVOKE, { token: adminToken, variables: { id } });
    const second = await kit.graphql(REVOKE, { token: adminToken, variables: { id } });

    expect(first.data?.revokeInvitation).toMatchObject({ __typename: "RevokeInvitationSuccess", invitation: { id, status: "REVOKED" } });
    expect(second.data?.revokeInvitation).toMatchObject({ __typename: "DomainError", code: "CONFLICT", field: "input.invitationId" });
    expect(second.data?.revokeInvitation.message).toContain("REVOKED");
  });

  it("R3: resend keeps the invitation and moves its expiry; an ACCEPTED one is refused with a CONFLICT naming the status", async () => {
    const id = (await invite(["a@example.com"], { expiresInDays: 1 })).data?.inviteUsers.results[0].invitation.id;

    const resent = await kit.graphql(RESEND, { token: adminToken, variables: { id, days: 30 } });
    expect(resent.data?.resendInvitation).toMatchObject({ __typename: "ResendInvitationSuccess", invitation: { id, status: "PENDING" } });
    expect(new Date(resent.data?.resendInvitation.invitation.expiresAt).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);

    await kit.prisma.invitation.updateMany({ where: { enterpriseId: s.enterprise.id }, data: { status: "ACCEPTED", acceptedById: s.account("member").id } });
    const refused = await kit.graphql(RESEND, { token: adminToken, variables: { id } });
    expect(refused.data?.resendInvitation).toMatchObject({ code: "CONFLICT" });
    expect(refused.data?.resendInvitation.message).toContain("ACCEPTED");
  });

  it("R3/R15: an ID of another type is refused as INVALID_INPUT naming the field; to a non-admin the invitation does not exist", async () => {
    const id = (await invite(["a@example.com"])).data?.inviteUsers.results[0].invitation.id;
    const accountId = Buffer.from(`Account:${s.account("dev").id}`).toString("base64");

    const wrongType = await kit.graphql(REVOKE, { token: adminToken, variables: { id: accountId } });
    const asMember = await kit.graphql(REVOKE, { token: devToken, variables: { id } });

    expect(wrongType.data?.revokeInvitation).toMatchObject({ code: "INVALID_INPUT", field: "input.invitationId" });
    expect(asMember.data?.revokeInvitation).toMatchObject({ code: "NOT_FOUND", field: "input.invitationId" });
    expect(asMember.data?.revokeInvitation.message).not.toContain("a@example.com");
  });

  it("R13: each successful invitation mutation writes exactly one audit event", async () => {
    const id = (await invite(["a@example.com"])).data?.inviteUsers.results[0].invitation.id;
    await kit.graphql(RESEND, { token: adminToken, variables: { id } });
    await kit.graphql(REVOKE, { token: adminToken, variables: { id } });
    await kit.graphql(REVOKE, { token: adminToken, variables: { id } }); // refused: no event

    expect((await s.auditEvents()).map((e) => e.action)).toEqual(["invitation.created", "invitation.resent", "invitation.revoked"]);
  });
});
