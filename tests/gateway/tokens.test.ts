import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../../prisma/seed/demo";
import { errorCode, startTestGateway, type TestGateway } from "../kit/gateway";

let kit: TestGateway;
let aliceToken: string;
let bobToken: string;
const secretsSeen: string[] = [];

beforeAll(async () => {
  kit = await startTestGateway();
  await seedDemo(kit.prisma);
  const alice = await kit.prisma.account.findUniqueOrThrow({ where: { login: "alice" } });
  const bob = await kit.prisma.account.findUniqueOrThrow({ where: { login: "bob" } });
  aliceToken = await kit.tokenFor(alice.id);
  bobToken = await kit.tokenFor(bob.id);
});
afterAll(() => kit.close());

const CREATE_SOT = `mutation($input: CreateScopedOrganizationTokenInput!) {
  createScopedOrganizationToken(input: $input) {
    __typename
    ... on CreateScopedOrganizationTokenSuccess { secret token { id name kind display status allProjects projectKeys organization { key } } }
    ... on Error { code message field }
    ... on DomainError { details }
  }
}`;

const CREATE_PAT = `mutation($input: CreatePersonalAccessTokenInput!) {
  createPersonalAccessToken(input: $input) {
    __typename
    ... on CreatePersonalAccessTokenSuccess { secret token { id name kind display prefix lastFour status expiresAt owner { login } } }
    ... on Error { code message field }
  }
}`;

const REVOKE = `mutation($input: RevokeTokenInput!) {
  revokeToken(input: $input) {
    __typename
    ... on RevokeTokenSuccess { token { id status revokedAt } }
    ... on Error { code message field }
  }
}`;

const TOKEN_INFO = `{ tokenInfo {
  kind name display status expiresAt permissions allProjects projectKeys
  organization { key plan }
  owner { login }
  analysisOrganizations { key permissions }
  ios: canAnalyze(projectKey: "ios-app")
  web: canAnalyze(projectKey: "web-api")
} }`;

/** The database id inside a Relay global ID (`base64("Token:<id>")`). */
function databaseId(globalId: string): string {
  return Buffer.from(globalId, "base64").toString("utf8").split(":").slice(1).join(":");
}

async function createScopedToken(input: Record<string, unknown>, token = aliceToken) {
  const response = await kit.graphql(CREATE_SOT, { token, variables: { input } });
  expect(response.errors).toBeUndefined();
  const payload = response.data?.createScopedOrganizationToken;
  if (payload?.secret) secretsSeen.push(payload.secret);
  return payload;
}

describe("issue 4 on the demo data", () => {
  it("R7/R6: an admin sees the Bitbucket organization's DOP-owned tokens that will break, creates the SOT, and it runs analysis checks but no admin call", async () => {
    const guidance = await kit.graphql(
      `{ enterprise(key: "acme") { tokenGuidance(organizationKey: "acme-mobile") {
          organization { key devopsPlatform }
          recommendation { kind reason }
          scopedTokensAvailable
          willBreak { display status lastUsedAt owner { login kind } token { name }
            replacements { kind allProjects projectKeys reason organization { key } } }
      } } }`,
      { token: aliceToken },
    );
    expect(guidance.errors).toBeUndefined();
    const forMobile = guidance.data?.enterprise.tokenGuidance;
    expect(forMobile.organization).toEqual({ key: "acme-mobile", devopsPlatform: "BITBUCKET_CLOUD" });
    expect(forMobile.recommendation.kind).toBe("SOT");
    const byName = new Map<string, any>(forMobile.willBreak.map((row: any) => [row.token.name, row]));
    expect(byName.get("mobile-pipeline")).toMatchObject({
      owner: { login: "dave", kind: "DEVOPS" },
      status: "ABOUT_TO_EXPIRE",
      replacements: [{ kind: "SOT", allProjects: true, projectKeys: [], organization: { key: "acme-mobile" } }],
    });
    expect(byName.get("mobile-pipeline").lastUsedAt).not.toBeNull();
    expect(byName.get("laptop")).toMatchObject({ owner: { login: "erin" } });
    expect(byName.has("ci-web")).toBe(false); // bob is not in acme-mobile
    expect(byName.has("ios-analysis")).toBe(false); // an SOT outlives any account

    const created = await createScopedToken({ organizationKey: "acme-mobile", name: "mobile analysis", allProjects: true });
    expect(created.__typename).toBe("CreateScopedOrganizationTokenSuccess");
    expect(created.secret).toMatch(/^sqco_[0-9a-f]{40}$/);
    expect(created.token).toMatchObject({ kind: "SOT", status: "ACTIVE", allProjects: true, organization: { key: "acme-mobile" } });
    expect(created.token.display).toBe(`sqco_…${created.secret.slice(-4)}`);

    const info = await kit.graphql(TOKEN_INFO, { token: created.secret });
    expect(info.errors).toBeUndefined();
    expect(info.data?.tokenInfo).toMatchObject({
      kind: "SOT",
      name: "mobile analysis",
      permissions: ["EXECUTE_ANALYSIS"],
      allProjects: true,
      organization: { key: "acme-mobile", plan: "ENTERPRISE" },
      owner: null,
      ios: true,
      web: false,
    });

    const tokensBefore = await kit.prisma.token.count();
    for (const document of [
      `{ viewer { login } }`,
      `{ enterprise(key: "acme") { key } }`,
      `mutation { revokeToken(input: { tokenId: "${created.token.id}" }) { __typename } }`,
      `mutation { createScopedOrganizationToken(input: { organizationKey: "acme-mobile", name: "more", allProjects: true }) { __typename } }`,
      `mutation { createPersonalAccessToken(input: { name: "sneaky" }) { __typename } }`,
      `{ node(id: "${created.token.id}") { id } }`,
    ]) {
      const refused = await kit.graphql(document, { token: created.secret });
      expect(errorCode(refused), document).toBe("FORBIDDEN");
      expect(refused.errors?.[0]?.message).toMatch(/Scoped organization tokens only authenticate analysis checks.*tokenInfo/);
    }
    expect(await kit.prisma.token.count()).toBe(tokensBefore);
    expect((await kit.prisma.token.findUniqueOrThrow({ where: { id: databaseId(created.token.id) } })).revokedAt).toBeNull();
  });
});

describe("personal access tokens over GraphQL (R5)", () => {
  it("R5: returns the secret once; lists show only prefix and last four; the token authenticates its owner", async () => {
    const response = await kit.graphql(CREATE_PAT, { token: bobToken, variables: { input: { name: "bob laptop" } } });
    const payload = response.data?.createPersonalAccessToken;
    expect(payload.__typename).toBe("CreatePersonalAccessTokenSuccess");
    secretsSeen.push(payload.secret);
    expect(payload.secret).toMatch(/^sqp_[0-9a-f]{40}$/);
    expect(payload.token).toMatchObject({ kind: "PAT", prefix: "sqp_", lastFour: payload.secret.slice(-4), owner: { login: "bob" } });

    const listed = await kit.graphql(`{ viewer { tokens { id name display status createdAt lastUsedAt expiresAt } } }`, {
      token: payload.secret,
    });
    expect(listed.errors).toBeUndefined();
    const names = listed.data?.viewer.tokens.map((token: any) => token.name);
    expect(names).toContain("bob laptop");
    expect(JSON.stringify(listed.data)).not.toContain(payload.secret.slice(4));

    const info = await kit.graphql(TOKEN_INFO, { token: payload.secret });
    expect(info.data?.tokenInfo).toMatchObject({ kind: "PAT", owner: { login: "bob" }, permissions: ["EXECUTE_ANALYSIS"], web: true, ios: false });
    expect(info.data?.tokenInfo.analysisOrganizations).toEqual([{ key: "acme-web", permissions: ["SCAN"] }]);
  });

  it("R5: an expiry in the past is an error result naming input.expiresAt", async () => {
    const response = await kit.graphql(CREATE_PAT, {
      token: bobToken,
      variables: { input: { name: "old", expiresAt: "2020-01-01T00:00:00Z" } },
    });
    expect(response.data?.createPersonalAccessToken).toMatchObject({ __typename: "DomainError", code: "INVALID_INPUT", field: "input.expiresAt" });
  });

  it("R5: revoking stops the token at once; revoking it again is a clear error; others' tokens cannot be revoked", async () => {
    const created = (await kit.graphql(CREATE_PAT, { token: bobToken, variables: { input: { name: "short-lived" } } })).data
      ?.createPersonalAccessToken;
    secretsSeen.push(created.secret);
    expect((await kit.graphql(`{ viewer { login } }`, { token: created.secret })).data?.viewer.login).toBe("bob");

    const byAlice = await kit.graphql(REVOKE, { token: aliceToken, variables: { input: { tokenId: created.token.id } } });
    expect(byAlice.data?.revokeToken).toMatchObject({ __typename: "DomainError", code: "FORBIDDEN" });

    const revoked = await kit.graphql(REVOKE, { token: bobToken, variables: { input: { tokenId: created.token.id } } });
    expect(revoked.data?.revokeToken).toMatchObject({ __typename: "RevokeTokenSuccess", token: { status: "REVOKED" } });
    expect(errorCode(await kit.graphql(`{ viewer { login } }`, { token: created.secret }))).toBe("UNAUTHENTICATED");

    const again = await kit.graphql(REVOKE, { token: bobToken, variables: { input: { tokenId: created.token.id } } });
    expect(again.data?.revokeToken).toMatchObject({ __typename: "DomainError", code: "CONFLICT", field: "input.tokenId" });
    expect(await kit.prisma.auditEvent.count({ where: { action: "token.revoked", targetId: databaseId(created.token.id) } })).toBe(1);
  });

  it("R5: an ID of another type is refused naming input.tokenId", async () => {
    const organization = await kit.graphql(`{ enterprise(key: "acme") { organizations { id } } }`, { token: aliceToken });
    const organizationId = organization.data?.enterprise.organizations[0].id;
    const response = await kit.graphql(REVOKE, { token: aliceToken, variables: { input: { tokenId: organizationId } } });
    expect(response.data?.revokeToken).toMatchObject({ __typename: "DomainError", code: "INVALID_INPUT", field: "input.tokenId" });
  });

  it("R5: tokenInfo needs a token: anonymous callers get UNAUTHENTICATED", async () => {
    const response = await kit.graphql(`{ tokenInfo { kind } }`);
    expect(errorCode(response)).toBe("UNAUTHENTICATED");
  });
});

describe("scoped organization tokens over GraphQL (R6)", () => {
  it("R6: refused on a FREE-plan organization, naming the plan", async () => {
    const alice = await kit.prisma.account.findUniqueOrThrow({ where: { login: "alice" } });
    await kit.prisma.organization.create({
      data: {
        key: "alice-free",
        name: "Alice Free",
        plan: "FREE",
        memberships: { create: { accountId: alice.id } },
        permissions: { create: { accountId: alice.id, permission: "ADMIN" } },
      },
    });
    const payload = await createScopedToken({ organizationKey: "alice-free", name: "nope", allProjects: true });
    expect(payload).toMatchObject({ __typename: "DomainError", code: "RULE_VIOLATION", field: "input.organizationKey" });
    expect(payload.message).toMatch(/FREE plan/);
    expect(payload.details).toMatchObject({ plan: "FREE" });
  });

  it("R6: refused for a member who does not administer the organization", async () => {
    const payload = await createScopedToken({ organizationKey: "acme-web", name: "bob's", allProjects: true }, bobToken);
    expect(payload).toMatchObject({ __typename: "DomainError", code: "FORBIDDEN" });
  });

  it("R6: unknown project keys are named in the error result", async () => {
    const payload = await createScopedToken({ organizationKey: "acme-web", name: "typo", projectKeys: ["web-api", "web-apii"] });
    expect(payload).toMatchObject({ __typename: "DomainError", code: "INVALID_INPUT", field: "input.projectKeys[1]" });
    expect(payload.message).toContain('"web-apii"');
  });

  it("R6: Organization.scopedTokens shows status, dates and prefix + last four to admins, null to others", async () => {
    const created = await createScopedToken({ organizationKey: "acme-web", name: "web frontend", projectKeys: ["web-frontend"] });
    const query = `{ enterprise(key: "acme") { organizations { key scopedTokens { id name display status createdAt expiresAt lastUsedAt projectKeys } } } }`;
    const asAdmin = await kit.graphql(query, { token: aliceToken });
    expect(asAdmin.errors).toBeUndefined();
    const web = asAdmin.data?.enterprise.organizations.find((o: any) => o.key === "acme-web");
    const listed = web.scopedTokens.find((token: any) => token.id === created.token.id);
    expect(listed).toMatchObject({ name: "web frontend", status: "ACTIVE", projectKeys: ["web-frontend"], expiresAt: null });
    expect(listed.display).toBe(`sqco_…${created.secret.slice(-4)}`);
    expect(web.scopedTokens.map((token: any) => token.name)).toContain("web-analysis");

    const asMember = await kit.graphql(query, { token: bobToken });
    const webForBob = asMember.data?.enterprise.organizations.find((o: any) => o.key === "acme-web");
    expect(webForBob.scopedTokens).toBeNull();
  });

  it("R6: an org admin revokes an SOT; it no longer answers tokenInfo", async () => {
    const created = await createScopedToken({ organizationKey: "acme-data", name: "data", allProjects: true });
    expect((await kit.graphql(`{ tokenInfo { kind } }`, { token: created.secret })).data?.tokenInfo.kind).toBe("SOT");
    const revoked = await kit.graphql(REVOKE, { token: aliceToken, variables: { input: { tokenId: created.token.id } } });
    expect(revoked.data?.revokeToken.__typename).toBe("RevokeTokenSuccess");
    expect(errorCode(await kit.graphql(`{ tokenInfo { kind } }`, { token: created.secret }))).toBe("UNAUTHENTICATED");
  });
});

describe("token guidance for a person (R7)", () => {
  it("R7: a person's SSO account sees its DOP account's tokens that will break; others see nothing", async () => {
    const bobSso = await kit.prisma.account.findUniqueOrThrow({ where: { login: "bob-acme" } });
    const ssoToken = await kit.tokenFor(bobSso.id);
    const query = `{ viewer { tokenGuidance { enterprise { key } devopsAccount { login } ssoAccount { login }
      willBreak { token { name } replacements { kind organization { key } } }
      organizations { organization { key } canAnalyze canCreateScopedTokens canCreateAnalysisTokens recommendation { kind } }
      ssoAccountCanCreateAnalysisTokens } } }`;
    const own = await kit.graphql(query, { token: ssoToken });
    expect(own.errors).toBeUndefined();
    const guidance = own.data?.viewer.tokenGuidance;
    expect(guidance).toMatchObject({ enterprise: { key: "acme" }, devopsAccount: { login: "bob" }, ssoAccount: { login: "bob-acme" } });
    const ciWeb = guidance.willBreak.find((row: any) => row.token.name === "ci-web");
    expect(ciWeb.replacements).toEqual([{ kind: "SOT", organization: { key: "acme-web" } }]);
    expect(typeof guidance.ssoAccountCanCreateAnalysisTokens).toBe("boolean");

    const dave = await kit.prisma.account.findUniqueOrThrow({ where: { login: "dave" } });
    const daveToken = await kit.tokenFor(dave.id);
    const nodeQuery = `query($id: ID!) { node(id: $id) { ... on Account { login tokenGuidance(enterpriseKey: "acme") { willBreak { token { name } } } } } }`;
    const bobId = (await kit.graphql(`{ viewer { id } }`, { token: bobToken })).data?.viewer.id;
    const byAdmin = await kit.graphql(nodeQuery, { token: aliceToken, variables: { id: bobId } });
    expect(byAdmin.data?.node.tokenGuidance.willBreak.map((row: any) => row.token.name)).toContain("ci-web");
    const byStranger = await kit.graphql(nodeQuery, { token: daveToken, variables: { id: bobId } });
    expect(byStranger.data?.node?.tokenGuidance ?? null).toBeNull();
  });

  it("R7: the member list's tokens that break (read alone, leanly) are those of the full guidance, for an admin and for the person", async () => {
    // Two aliases of one field in one request: `lean` asks only for the tokens that break (the lean read answers it),
    // `full` asks for more of the guidance as well (the full read).
    const breaking = "willBreak { display status lastUsedAt }";
    const members = `{ enterprise(key: "acme") { members(first: 100) { edges { node { login
      lean: tokenGuidance { enterprise { key } ${breaking} }
      full: tokenGuidance { enterprise { key } ${breaking} ssoAccount { login } willBreak { replacements { kind } token { name } } } } } } } }`;
    const answer = await kit.graphql(members, { token: aliceToken });
    expect(answer.errors).toBeUndefined();
    const nodes = answer.data?.enterprise.members.edges.map((edge: any) => edge.node);
    const withTokens = nodes.filter((node: any) => node.full?.willBreak.length > 0);
    expect(withTokens.map((node: any) => node.login)).toContain("bob");
    for (const node of nodes) {
      const { ssoAccount: _sso, willBreak, ...rest } = node.full ?? { willBreak: null };
      const full = node.full && { ...rest, willBreak: willBreak.map(({ replacements: _r, token: _t, ...row }: any) => row) };
      expect(node.lean, node.login).toEqual(full);
    }
    // A person sees their own, from either account; someone else's is null either way.
    const bobSso = await kit.prisma.account.findUniqueOrThrow({ where: { login: "bob-acme" } });
    const person = `query($id: ID!) { node(id: $id) { ... on Account { lean: tokenGuidance { ${breaking} } full: tokenGuidance { ${breaking} devopsAccount { login } willBreak { token { name } } } } } }`;
    const bobId = (await kit.graphql(`{ viewer { id } }`, { token: bobToken })).data?.viewer.id;
    const own = await kit.graphql(person, { token: await kit.tokenFor(bobSso.id), variables: { id: bobId } });
    expect(own.data?.node.full.willBreak.map((row: any) => row.token.name)).toContain("ci-web");
    expect(own.data?.node.lean.willBreak).toEqual(own.data?.node.full.willBreak.map(({ token: _t, ...row }: any) => row));
    const dave = await kit.prisma.account.findUniqueOrThrow({ where: { login: "dave" } });
    const stranger = await kit.graphql(person, { token: await kit.tokenFor(dave.id), variables: { id: bobId } });
    expect(stranger.data?.node).toMatchObject({ lean: null, full: null });
  });

  it("R7/R15: a member list's rows get the organizations and tokens that break read with its page, the same as each account's fields read alone", async () => {
    // Organizations by key and name (their listing columns read), and with every field (all their columns).
    for (const [organizations, key] of [
      ["key name", null],
      ["key name", "acme"],
      ["id key name plan devopsPlatform createdAt enterprise { key }", "acme"],
    ] as const) {
      const row = `id login organizations { ${organizations} } tokenGuidance(enterpriseKey: $key) { enterprise { key } willBreak { display status lastUsedAt } }`;
      const page = await kit.graphql(`query($key: String) { enterprise(key: "acme") { members(first: 100) { edges { node { ${row} } } } } }`, {
        token: aliceToken,
        variables: { key },
      });
      expect(page.errors).toBeUndefined();
      const rows = page.data?.enterprise.members.edges.map((edge: any) => edge.node);
      expect(rows.some((node: any) => node.organizations.length > 0 && node.tokenGuidance?.willBreak.length > 0)).toBe(true);
      // The same fields through `nodes`: each account's loaders read them.
      const alone = await kit.graphql(`query($ids: [ID!]!, $key: String) { nodes(ids: $ids) { ... on Account { ${row} } } }`, {
        token: aliceToken,
        variables: { ids: rows.map((node: any) => node.id), key },
      });
      expect(alone.errors).toBeUndefined();
      expect(rows, `enterpriseKey ${key}, organizations { ${organizations} }`).toEqual(alone.data?.nodes);
    }
  });

  it("R15: an account's organizations asked with more fields elsewhere in the request than in a member list get every field", async () => {
    // The member list reads its rows' organizations by key and name only; the viewer, one of its rows, asks for more.
    const query = `{ enterprise(key: "acme") { members(first: 100) { edges { node { login organizations { key name } } } } }
      viewer { login organizations { key name plan devopsPlatform createdAt } } }`;
    const response = await kit.graphql(query, { token: aliceToken });
    expect(response.errors).toBeUndefined();
    const viewer = response.data?.viewer;
    expect(response.data?.enterprise.members.edges.map((edge: any) => edge.node.login)).toContain(viewer.login);
    expect(viewer.organizations.length).toBeGreaterThan(0);
    const alone = await kit.graphql(`{ viewer { organizations { key name plan devopsPlatform createdAt } } }`, { token: aliceToken });
    expect(viewer.organizations).toEqual(alone.data?.viewer.organizations);
  });

  it("R7: Enterprise.tokenGuidance is refused to non-admins and names an unknown organization", async () => {
    const forbidden = await kit.graphql(`{ enterprise(key: "acme") { tokenGuidance(organizationKey: "acme-web") { scopedTokensAvailable } } }`, {
      token: bobToken,
    });
    expect(errorCode(forbidden)).toBe("FORBIDDEN");
    const unknown = await kit.graphql(`{ enterprise(key: "acme") { tokenGuidance(organizationKey: "globex") { scopedTokensAvailable } } }`, {
      token: aliceToken,
    });
    expect(errorCode(unknown)).toBe("NOT_FOUND");
    expect(unknown.errors?.[0]?.extensions?.field).toBe("organizationKey");
  });
});

describe("secrets (R5)", () => {
  it("R5: no secret returned by a mutation appears in the log output or in the audit table", async () => {
    expect(secretsSeen.length).toBeGreaterThanOrEqual(4);
    const logs = kit.logLines.join("\n");
    const audit = JSON.stringify(await kit.prisma.auditEvent.findMany());
    const tokens = JSON.stringify(await kit.prisma.token.findMany());
    for (const secret of secretsSeen) {
      expect(logs).not.toContain(secret.slice(-40));
      expect(audit).not.toContain(secret.slice(-40));
      expect(tokens).not.toContain(secret.slice(-40));
    }
    expect(await kit.prisma.auditEvent.count({ where: { action: "token.created" } })).toBeGreaterThanOrEqual(secretsSeen.length);
  });
});

describe("N+1 guard", () => {
  it("organizations { scopedTokens { … } } sends as many SQL statements for 3 organizations as for 15", async () => {
    const admin = await kit.prisma.account.create({ data: { login: "many-admin", name: "Many Admin", kind: "DEVOPS" } });
    const adminToken = await kit.tokenFor(admin.id);
    for (const [key, count] of [["few", 3], ["many", 15]] as const) {
      await kit.prisma.enterprise.create({ data: { key, name: key } });
      const enterprise = await kit.prisma.enterprise.findUniqueOrThrow({ where: { key } });
      for (let index = 0; index < count; index++) {
        const organization = await kit.prisma.organization.create({
          data: {
            key: `${key}-${index}`,
            name: `${key} ${index}`,
            plan: "TEAM",
            enterpriseId: enterprise.id,
            memberships: { create: { accountId: admin.id } },
            permissions: { create: { accountId: admin.id, permission: "ADMIN" } },
            projects: { create: [{ key: "app", name: "app" }] },
          },
        });
        for (const name of ["ci", "nightly"]) {
          const payload = await createScopedToken(
            { organizationKey: organization.key, name, projectKeys: name === "ci" ? ["app"] : [], allProjects: name === "nightly" },
            adminToken,
          );
          expect(payload.__typename).toBe("CreateScopedOrganizationTokenSuccess");
        }
      }
    }
    const query = `query($key: String!) { enterprise(key: $key) { organizations { key
      scopedTokens { name display status createdAt lastUsedAt expiresAt projectKeys organization { key } } } } }`;
    const count = async (key: string, organizations: number) => {
      await kit.graphql(query, { token: adminToken, variables: { key } }); // warm-up: the token's lastUsedAt write
      kit.db.statements.reset();
      const response = await kit.graphql(query, { token: adminToken, variables: { key } });
      expect(response.errors).toBeUndefined();
      expect(response.data?.enterprise.organizations).toHaveLength(organizations);
      for (const organization of response.data?.enterprise.organizations ?? []) {
        expect(organization.scopedTokens).toHaveLength(2);
      }
      return kit.db.statements.count;
    };
    const few = await count("few", 3);
    const many = await count("many", 15);
    expect(few).toBeGreaterThan(0);
    expect(many).toBe(few);
  });
});
