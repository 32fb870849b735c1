import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { buildScenario, type Scenario } from "../kit/scenario";

let kit: TestGateway;
let s: Scenario;

beforeAll(async () => {
  kit = await startTestGateway();
});
afterAll(() => kit.close());
beforeEach(async () => {
  s = await buildScenario(kit.prisma, {
    organizations: { web: {}, outside: { inEnterprise: false } },
    accounts: {
      admin: { enterpriseAdmin: true, memberOf: ["web"], tokens: { cli: {} } },
      "ana-gh": { email: "ana@example.com", memberOf: ["web"], tokens: { laptop: {}, old: { revoked: true } } },
      ana: { kind: "SSO", email: "Ana@Example.com", tokens: { cli: {} } },
      "otto-gh": { memberOf: ["outside"], tokens: { laptop: {} } },
      "dev-gh": { memberOf: ["web"], tokens: { cli: {} } },
    },
  });
});

const LINK = /* GraphQL */ `
  mutation Link($token: String!) {
    linkDevopsAccount(input: { devopsAccountToken: $token }) {
      __typename
      ... on LinkDevopsAccountSuccess { link { devopsAccount { login } ssoAccount { login } linkedBy { login } } }
      ... on Error { code message field }
    }
  }
`;

const LINK_FOR_USER = /* GraphQL */ `
  mutation LinkForUser($input: LinkDevopsAccountForUserInput!) {
    linkDevopsAccountForUser(input: $input) {
      __typename
      ... on LinkDevopsAccountSuccess { link { devopsAccount { login } ssoAccount { login } linkedBy { login } } }
      ... on Error { code message field }
    }
  }
`;

const globalId = (handle: string) => Buffer.from(`Account:${s.account(handle).id}`).toString("base64");

describe("linkDevopsAccount", () => {
  it("R3: an SSO user links its DOP account by presenting a personal access token of it", async () => {
    const response = await kit.graphql(LINK, { token: s.secret("ana", "cli"), variables: { token: s.secret("ana-gh", "laptop") } });

    expect(response.data?.linkDevopsAccount).toEqual({
      __typename: "LinkDevopsAccountSuccess",
      link: {
        devopsAccount: { login: s.account("ana-gh").login },
        ssoAccount: { login: s.account("ana").login },
        linkedBy: { login: s.account("ana").login },
      },
    });
    expect((await s.auditEvents("identity_link.created")).length).toBe(1);
  });

  it("R5: a revoked token is refused as INVALID_INPUT on input.devopsAccountToken; it is neither echoed nor logged", async () => {
    const secret = s.secret("ana-gh", "old");

    const response = await kit.graphql(LINK, { token: s.secret("ana", "cli"), variables: { token: secret } });

    expect(response.data?.linkDevopsAccount).toMatchObject({ __typename: "DomainError", code: "INVALID_INPUT", field: "input.devopsAccountToken" });
    expect(JSON.stringify(response)).not.toContain(secret);
    expect(kit.logLines.join("\n")).not.toContain(secret);
    expect(await kit.prisma.identityLink.count({ where: { ssoAccountId: s.account("ana").id } })).toBe(0);
  });

  it("R3: a token of a DOP account outside the enterprise's organizations is refused with PRECONDITION_FAILED", async () => {
    const response = await kit.graphql(LINK, { token: s.secret("ana", "cli"), variables: { token: s.secret("otto-gh", "laptop") } });

    expect(response.data?.linkDevopsAccount).toMatchObject({ code: "PRECONDITION_FAILED", field: "input.devopsAccountToken" });
  });

  it("R3: a DOP account viewer cannot link with a token (FORBIDDEN); linking twice is a CONFLICT", async () => {
    const asDop = await kit.graphql(LINK, { token: s.secret("dev-gh", "cli"), variables: { token: s.secret("ana-gh", "laptop") } });
    await kit.graphql(LINK, { token: s.secret("ana", "cli"), variables: { token: s.secret("ana-gh", "laptop") } });
    const twice = await kit.graphql(LINK, { token: s.secret("ana", "cli"), variables: { token: s.secret("ana-gh", "laptop") } });

    expect(asDop.data?.linkDevopsAccount).toMatchObject({ code: "FORBIDDEN" });
    expect(twice.data?.linkDevopsAccount).toMatchObject({ code: "CONFLICT" });
  });
});

describe("linkDevopsAccountForUser", () => {
  const input = () => ({ enterpriseKey: s.enterprise.key, devopsAccountId: globalId("ana-gh"), ssoAccountId: globalId("ana") });

  it("R3: an enterprise admin links two accounts with the same verified email", async () => {
    const response = await kit.graphql(LINK_FOR_USER, { token: s.secret("admin", "cli"), variables: { input: input() } });

    expect(response.data?.linkDevopsAccountForUser).toMatchObject({
      __typename: "LinkDevopsAccountSuccess",
      link: { devopsAccount: { login: s.account("ana-gh").login }, linkedBy: { login: s.account("admin").login } },
    });
  });

  it("R3: a non-admin gets FORBIDDEN; an ID of another type is INVALID_INPUT naming the field", async () => {
    const asMember = await kit.graphql(LINK_FOR_USER, { token: s.secret("dev-gh", "cli"), variables: { input: input() } });
    const organizationId = Buffer.from(`Organization:${s.organization("web").id}`).toString("base64");
    const wrongType = await kit.graphql(LINK_FOR_USER, {
      token: s.secret("admin", "cli"),
      variables: { input: { ...input(), ssoAccountId: organizationId } },
    });

    expect(asMember.data?.linkDevopsAccountForUser).toMatchObject({ code: "FORBIDDEN" });
    expect(wrongType.data?.linkDevopsAccountForUser).toMatchObject({ code: "INVALID_INPUT", field: "input.ssoAccountId" });
  });
});
