import { afterAll, beforeAll, expect, it } from "vitest";
import { DEMO_ENTERPRISE_KEY, seedDemo } from "../../prisma/seed/demo";
import { startTestGateway, type TestGateway } from "../kit/gateway";

let kit: TestGateway;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  kit = await startTestGateway();
  await seedDemo(kit.prisma);
  for (const login of ["alice", "carol", "carol-acme", "bob-acme"]) {
    const account = await kit.prisma.account.findUniqueOrThrow({ where: { login } });
    tokens[login] = await kit.tokenFor(account.id);
  }
});
afterAll(() => kit.close());

it("R3/R4 on the demo data: an admin invites three users and sees their invitations with a ready message; an SSO user links its DOP account and reads what its SSO account lacks", async () => {
  const invited = await kit.graphql(
    `mutation($input: InviteUsersInput!) { inviteUsers(input: $input) { ... on InviteUsersSuccess { invitedCount } ... on Error { code message } } }`,
    { token: tokens.alice, variables: { input: { enterpriseKey: DEMO_ENTERPRISE_KEY, emails: ["heidi@acme.example", "ivan@acme.example", "judy@acme.example"] } } },
  );
  expect(invited.data?.inviteUsers).toEqual({ invitedCount: 3 });

  const listed = await kit.graphql(
    `{ enterprise(key: "${DEMO_ENTERPRISE_KEY}") { inviteLink invitations(status: PENDING) { edges { node { email message } } } } }`,
    { token: tokens.alice },
  );
  const { inviteLink, invitations } = listed.data?.enterprise;
  const pending = invitations.edges.map((e: any) => e.node);
  expect(pending.map((i: any) => i.email).sort()).toEqual(["dave@acme.example", "heidi@acme.example", "ivan@acme.example", "judy@acme.example"]);
  expect(pending.every((i: any) => i.message.includes(inviteLink))).toBe(true);

  const linked = await kit.graphql(
    `mutation($token: String!) { linkDevopsAccount(input: { devopsAccountToken: $token }) { __typename ... on Error { code message } } }`,
    { token: tokens["carol-acme"], variables: { token: tokens.carol } },
  );
  expect(linked.data?.linkDevopsAccount).toEqual({ __typename: "LinkDevopsAccountSuccess" });

  const review = `{ viewer { accessReview { status organizations { organization { key } missingOnSso status } } } }`;
  const carol = await kit.graphql(review, { token: tokens["carol-acme"] });
  const bob = await kit.graphql(review, { token: tokens["bob-acme"] });

  // carol's SSO account has everything her DOP account had: SCAN on acme-web, through the web-developers group.
  expect(carol.data?.viewer.accessReview.status).toBe("OK");
  // bob's lacks GATEADMIN on acme-web and the acme-data membership.
  expect(bob.data?.viewer.accessReview).toEqual({
    status: "MISSING_MEMBERSHIP",
    organizations: [
      { organization: { key: "acme-data" }, missingOnSso: ["MEMBERSHIP"], status: "MISSING_MEMBERSHIP" },
      { organization: { key: "acme-mobile" }, missingOnSso: [], status: "OK" },
      { organization: { key: "acme-web" }, missingOnSso: ["GATEADMIN"], status: "MISSING_PERMISSIONS" },
    ],
  });
});
