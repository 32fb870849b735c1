import { readFileSync } from "node:fs";
import path from "node:path";
import { printSchema } from "graphql";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { schema } from "../../apps/gateway/src/schema/index";
import { seedDemo } from "../../prisma/seed/demo";
import { certificatePem } from "../kit/certificates";
import { startTestGateway, type TestGateway } from "../kit/gateway";

let kit: TestGateway;
let alice: { id: string; token: string };
let outsider: { id: string; token: string };
let validCertificate: string;
let expiredCertificate: string;

const SETUP = `query Setup($key: String!) {
  enterprise(key: $key) {
    oneClickAccessLink inviteLink
    setupProgress { steps { step status blockers warnings completed total } counts { dopAccounts linkedDopAccounts ssoAccounts enterpriseAdministrators ssoEnterpriseAdministrators breakGlassAccounts dopAccountsToRemove } }
  }
}`;

async function setup(key = "acme", token = alice.token) {
  const response = await kit.graphql(SETUP, { token, variables: { key } });
  expect(response.errors).toBeUndefined();
  return response.data!.enterprise;
}

function statuses(enterprise: { setupProgress: { steps: { status: string }[] } }) {
  return enterprise.setupProgress.steps.map((step) => step.status);
}

beforeAll(async () => {
  kit = await startTestGateway();
  await seedDemo(kit.prisma);
  const aliceAccount = await kit.prisma.account.findUniqueOrThrow({ where: { login: "alice" } });
  alice = { id: aliceAccount.id, token: await kit.tokenFor(aliceAccount.id) };
  // An admin of another enterprise: sees nothing of acme.
  const other = await kit.prisma.enterprise.create({
    data: { key: "initech", name: "Initech", organizations: { create: { key: "initech-app", name: "Initech App" } } },
  });
  const outsiderAccount = await kit.prisma.account.create({
    data: { login: "olga", name: "Olga Outsider", kind: "DEVOPS", devopsPlatform: "GITHUB" },
  });
  await kit.prisma.enterprisePermission.create({
    data: { enterpriseId: other.id, accountId: outsiderAccount.id, permission: "ADMINISTER_ENTERPRISE" },
  });
  outsider = { id: outsiderAccount.id, token: await kit.tokenFor(outsiderAccount.id) };
  validCertificate = (await certificatePem()).cert;
  expiredCertificate = (
    await certificatePem({ notBefore: new Date("2020-01-01T00:00:00Z"), notAfter: new Date("2021-01-01T00:00:00Z") })
  ).cert;
});
afterAll(() => kit.close());

describe("links (R1)", () => {
  it("R1: the one-click access link and the invite link are PUBLIC_URL/login/sso?enterprise_key=<key>", async () => {
    const enterprise = await setup();
    expect(enterprise.oneClickAccessLink).toBe("http://sso-cutover.test/login/sso?enterprise_key=acme");
    expect(enterprise.inviteLink).toBe(enterprise.oneClickAccessLink);
  });

  it("R1: both links are null while the SSO connection is not ACTIVE", async () => {
    const acme = await kit.prisma.enterprise.findUniqueOrThrow({ where: { key: "acme" } });
    await kit.prisma.ssoConnection.update({ where: { enterpriseId: acme.id }, data: { status: "DRAFT" } });
    try {
      const enterprise = await setup();
      expect(enterprise.oneClickAccessLink).toBeNull();
      expect(enterprise.inviteLink).toBeNull();
      expect(enterprise.setupProgress.steps[0].status).toBe("IN_PROGRESS");
    } finally {
      await kit.prisma.ssoConnection.update({ where: { enterpriseId: acme.id }, data: { status: "ACTIVE" } });
    }
  });
});

describe("visibility", () => {
  it("an account of another enterprise gets null for the enterprise, and null for its node id", async () => {
    const response = await kit.graphql('{ enterprise(key: "acme") { id key } }', { token: outsider.token });
    expect(response.errors).toBeUndefined();
    expect(response.data?.enterprise).toBeNull();
    const own = await kit.graphql('{ enterprise(key: "acme") { id } }', { token: alice.token });
    const byId = await kit.graphql("query($id: ID!) { node(id: $id) { id } }", {
      token: outsider.token,
      variables: { id: own.data!.enterprise.id },
    });
    expect(byId.data?.node).toBeNull();
  });

  it("R15: asked with its members, an invisible enterprise is still null and shows no member; a visible one shows its members by login", async () => {
    const members = `query($first: Int) { enterprise(key: "acme") { key members(first: $first) { edges { node { login organizations { key } } } } } }`;
    const hidden = await kit.graphql(members, { token: outsider.token, variables: { first: 50 } });
    expect(hidden.errors).toBeUndefined();
    expect(hidden.data?.enterprise).toBeNull();

    // The first page read with the enterprise is the page `members` reads alone (after a cursor, it always does).
    const shown = await kit.graphql(members, { token: alice.token, variables: { first: 50 } });
    const logins = shown.data!.enterprise.members.edges.map((edge: any) => edge.node.login);
    expect(logins.length).toBeGreaterThan(3);
    expect(logins).toEqual([...logins].sort((a: string, b: string) => a.localeCompare(b)));
    const aliased = await kit.graphql(`{ enterprise(key: "acme") { a: members(first: 50) { edges { node { login } } } b: members(first: 2) { edges { node { login } } } } }`, {
      token: alice.token,
    });
    expect(aliased.data!.enterprise.a.edges.map((edge: any) => edge.node.login)).toEqual(logins);
    expect(aliased.data!.enterprise.b.edges.map((edge: any) => edge.node.login)).toEqual(logins.slice(0, 2));
    const defaultSize = await kit.graphql(members, { token: alice.token });
    expect(defaultSize.data!.enterprise.members.edges.map((edge: any) => edge.node.login)).toEqual(logins.slice(0, 20));
  });

  it("an unknown key and an invisible key look the same (null, no error)", async () => {
    const unknown = await kit.graphql('{ enterprise(key: "no-such-enterprise") { key } }', { token: outsider.token });
    expect(unknown).toMatchObject({ data: { enterprise: null } });
    expect(unknown.errors).toBeUndefined();
  });

  it("a member of one organization sees the enterprise; another enterprise's admin sees only its own", async () => {
    const heidi = await kit.prisma.account.findUniqueOrThrow({ where: { login: "heidi" } });
    const heidiToken = await kit.tokenFor(heidi.id);
    expect((await kit.graphql('{ enterprise(key: "acme") { key } }', { token: heidiToken })).data?.enterprise).toEqual({ key: "acme" });
    expect((await kit.graphql('{ enterprise(key: "initech") { key } }', { token: outsider.token })).data?.enterprise).toEqual({ key: "initech" });
  });

  it("node() refuses to load an account of another enterprise", async () => {
    const bob = await kit.graphql('{ enterprise(key: "acme") { members(first: 100) { edges { node { id login } } } } }', { token: alice.token });
    const bobId = bob.data!.enterprise.members.edges.find((edge: any) => edge.node.login === "bob").node.id;
    const response = await kit.graphql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", { token: outsider.token, variables: { ids: [bobId] } });
    expect(response.data?.nodes).toEqual([null]);
  });
});

describe("setup progress warnings (R2, R8)", () => {
  it("R2/R20: warns to verify user groups when provisioning is JIT, and under SCIM only until SCIM has provisioned someone", async () => {
    const acme = await kit.prisma.enterprise.findUniqueOrThrow({ where: { key: "acme" } });
    const jit = await setup();
    expect(jit.setupProgress.steps[1].warnings.join(" ")).toMatch(/Provisioning is JIT: verify user groups/);
    await kit.prisma.ssoConnection.update({ where: { enterpriseId: acme.id }, data: { provisioning: "SCIM" } });
    const provisioned = await kit.prisma.account.findFirstOrThrow({ where: { enterpriseId: acme.id, kind: "SSO", deletedAt: null } });
    try {
      const unprovisioned = await setup();
      const unprovisionedWarnings = unprovisioned.setupProgress.steps.flatMap((step: any) => step.warnings).join(" ");
      expect(unprovisionedWarnings).toMatch(/SCIM has provisioned nobody yet: verify user groups/);
      expect(unprovisionedWarnings).not.toMatch(/Provisioning is JIT/);
      await kit.prisma.account.update({ where: { id: provisioned.id }, data: { scimProvisionedAt: new Date() } });
      const scim = await setup();
      expect(scim.setupProgress.steps.flatMap((step: any) => step.warnings).join(" ")).not.toMatch(/verify user groups/);
    } finally {
      await kit.prisma.account.update({ where: { id: provisioned.id }, data: { scimProvisionedAt: null } });
      await kit.prisma.ssoConnection.update({ where: { enterpriseId: acme.id }, data: { provisioning: "JIT" } });
    }
  });

  it("R8: warns while fewer than 2 accounts hold Administer Enterprise", async () => {
    const acme = await kit.prisma.enterprise.findUniqueOrThrow({ where: { key: "acme" } });
    const one = await setup();
    expect(one.setupProgress.counts.enterpriseAdministrators).toBe(1);
    expect(one.setupProgress.steps[2].warnings.join(" ")).toMatch(/Only 1 account\(s\) hold Administer Enterprise/);
    const bobSso = await kit.prisma.account.findUniqueOrThrow({ where: { login: "bob-acme" } });
    const grant = await kit.prisma.enterprisePermission.create({
      data: { enterpriseId: acme.id, accountId: bobSso.id, permission: "ADMINISTER_ENTERPRISE" },
    });
    try {
      const two = await setup();
      expect(two.setupProgress.counts.enterpriseAdministrators).toBe(2);
      expect(two.setupProgress.steps[2].warnings.join(" ")).not.toMatch(/hold Administer Enterprise:/);
    } finally {
      await kit.prisma.enterprisePermission.delete({ where: { id: grant.id } });
    }
  });
});

describe("setup progress step statuses", () => {
  // A small enterprise walked through the cutover, state by state.
  let enterpriseId: string;
  let admin: { id: string; token: string };
  let dop: { id: string };
  let orgId: string;

  beforeAll(async () => {
    const enterprise = await kit.prisma.enterprise.create({
      data: { key: "umbrella", name: "Umbrella", organizations: { create: { key: "umbrella-app", name: "App", devopsPlatform: "GITHUB", plan: "TEAM" } } },
      include: { organizations: true },
    });
    enterpriseId = enterprise.id;
    orgId = enterprise.organizations[0]!.id;
    const adminAccount = await kit.prisma.account.create({ data: { login: "uma", name: "Uma", kind: "DEVOPS", devopsPlatform: "GITHUB" } });
    const dopAccount = await kit.prisma.account.create({ data: { login: "udo", name: "Udo", kind: "DEVOPS", devopsPlatform: "GITHUB" } });
    for (const account of [adminAccount, dopAccount]) {
      await kit.prisma.orgMembership.create({ data: { accountId: account.id, organizationId: orgId } });
    }
    await kit.prisma.orgPermission.create({ data: { accountId: adminAccount.id, organizationId: orgId, permission: "ADMIN" } });
    await kit.prisma.enterprisePermission.create({ data: { enterpriseId, accountId: adminAccount.id, permission: "ADMINISTER_ENTERPRISE" } });
    admin = { id: adminAccount.id, token: await kit.tokenFor(adminAccount.id) };
    dop = { id: dopAccount.id };
  });

  it("state 1 — no SSO connection: TODO, then both later steps BLOCKED with a blocker naming step 1", async () => {
    const enterprise = await setup("umbrella", admin.token);
    expect(statuses(enterprise)).toEqual(["TODO", "BLOCKED", "BLOCKED"]);
    expect(enterprise.setupProgress.steps[1].blockers[0]).toMatch(/CONFIGURE_ONE_CLICK_ACCESS/);
    expect(enterprise.oneClickAccessLink).toBeNull();
  });

  it("state 2 — connection ACTIVE, nobody invited or linked yet: DONE, TODO, TODO", async () => {
    await kit.prisma.ssoConnection.create({
      data: { enterpriseId, idpEntityId: "urn:idp", idpSsoUrl: "https://idp.test/sso", idpCertificates: [validCertificate], status: "ACTIVE" },
    });
    const enterprise = await setup("umbrella", admin.token);
    expect(statuses(enterprise)).toEqual(["DONE", "TODO", "TODO"]);
    expect(enterprise.setupProgress.steps[1]).toMatchObject({ completed: 0, total: 2 });
  });

  it("state 3 — some DOP accounts linked, others not: INVITE_USERS IN_PROGRESS with counts", async () => {
    const sso = await kit.prisma.account.create({ data: { login: "uma-sso", name: "Uma", kind: "SSO", enterpriseId } });
    await kit.prisma.identityLink.create({ data: { devopsAccountId: admin.id, ssoAccountId: sso.id, linkedById: sso.id } });
    const enterprise = await setup("umbrella", admin.token);
    expect(statuses(enterprise)).toEqual(["DONE", "IN_PROGRESS", "TODO"]);
    expect(enterprise.setupProgress.steps[1]).toMatchObject({ completed: 1, total: 2 });
    expect(enterprise.setupProgress.counts).toMatchObject({ dopAccounts: 2, linkedDopAccounts: 1, ssoAccounts: 1 });
  });

  it("state 4 — every DOP account linked and an SSO admin exists, a non-break-glass DOP account remains: DONE, DONE, IN_PROGRESS", async () => {
    const sso = await kit.prisma.account.create({ data: { login: "udo-sso", name: "Udo", kind: "SSO", enterpriseId } });
    await kit.prisma.identityLink.create({ data: { devopsAccountId: dop.id, ssoAccountId: sso.id, linkedById: sso.id } });
    const umaSso = await kit.prisma.account.findUniqueOrThrow({ where: { login: "uma-sso" } });
    await kit.prisma.enterprisePermission.create({ data: { enterpriseId, accountId: umaSso.id, permission: "ADMINISTER_ENTERPRISE" } });
    const enterprise = await setup("umbrella", admin.token);
    expect(statuses(enterprise)).toEqual(["DONE", "DONE", "IN_PROGRESS"]);
    expect(enterprise.setupProgress.counts).toMatchObject({ breakGlassAccounts: 1, dopAccountsToRemove: 1, ssoEnterpriseAdministrators: 1 });
    expect(enterprise.setupProgress.steps[2].blockers).toEqual([]);
  });

  it("state 5 — only the break-glass DOP admin remains: TERMINATE DONE", async () => {
    await kit.prisma.orgMembership.deleteMany({ where: { accountId: dop.id } });
    const enterprise = await setup("umbrella", admin.token);
    expect(statuses(enterprise)).toEqual(["DONE", "DONE", "DONE"]);
    expect(enterprise.setupProgress.steps[2]).toMatchObject({ completed: 1, total: 1 });
  });
});

describe("configureSsoConnection", () => {
  const MUTATION = `mutation($input: ConfigureSsoConnectionInput!) {
    configureSsoConnection(input: $input) {
      __typename
      ... on ConfigureSsoConnectionSuccess { ssoConnection { status idpSsoUrl idpEntityId provisioning attributeMapping { login email groups } } enterprise { oneClickAccessLink } }
      ... on Error { code message field }
    }
  }`;
  let before: { connection: unknown; auditEvents: number };

  function input(overrides: Record<string, unknown> = {}) {
    return {
      enterpriseKey: "acme",
      idpEntityId: "https://idp.acme.example/new",
      idpSsoUrl: "https://idp.acme.example/new/sso",
      idpCertificate: validCertificate,
      provisioning: "JIT",
      ...overrides,
    };
  }

  async function snapshot() {
    const acme = await kit.prisma.enterprise.findUniqueOrThrow({ where: { key: "acme" } });
    return {
      connection: await kit.prisma.ssoConnection.findUnique({ where: { enterpriseId: acme.id } }),
      auditEvents: await kit.prisma.auditEvent.count(),
    };
  }

  beforeEach(async () => {
    before = await snapshot();
  });

  const refusals: [string, Record<string, unknown>, string, RegExp][] = [
    ["a URL that is not a URL", { idpSsoUrl: "not a url" }, "input.idpSsoUrl", /not a URL/],
    ["a plain-http URL to a remote host", { idpSsoUrl: "http://idp.acme.example/sso" }, "input.idpSsoUrl", /https/],
    ["a malformed PEM", { idpCertificate: "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----" }, "input.idpCertificate", /not a valid PEM/],
    ["text that is no PEM at all", { idpCertificate: "hello" }, "input.idpCertificate", /exactly one PEM certificate/],
    ["an empty entity id", { idpEntityId: "   " }, "input.idpEntityId", /must not be empty/],
    ["a bad attribute name", { attributeMapping: { email: "e mail" } }, "input.attributeMapping.email", /not a valid SAML attribute name/],
  ];
  for (const [what, overrides, field, message] of refusals) {
    it(`refuses ${what}: an error result naming ${field}, nothing written`, async () => {
      const response = await kit.graphql(MUTATION, { token: alice.token, variables: { input: input(overrides) } });
      expect(response.errors).toBeUndefined();
      expect(response.data?.configureSsoConnection).toMatchObject({ __typename: "DomainError", code: "INVALID_INPUT", field });
      expect(response.data?.configureSsoConnection.message).toMatch(message);
      expect(await snapshot()).toEqual(before);
    });
  }

  it("refuses an expired certificate, naming its expiry date", async () => {
    const response = await kit.graphql(MUTATION, { token: alice.token, variables: { input: input({ idpCertificate: expiredCertificate }) } });
    expect(response.data?.configureSsoConnection).toMatchObject({ code: "INVALID_INPUT", field: "input.idpCertificate" });
    expect(response.data?.configureSsoConnection.message).toMatch(/expired on 2021-01-01/);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a caller without Administer Enterprise (FORBIDDEN), nothing written", async () => {
    const bob = await kit.prisma.account.findUniqueOrThrow({ where: { login: "bob" } });
    const response = await kit.graphql(MUTATION, { token: await kit.tokenFor(bob.id), variables: { input: input() } });
    expect(response.data?.configureSsoConnection).toMatchObject({ code: "FORBIDDEN" });
    expect(await snapshot()).toEqual(before);
  });

  it("refuses an enterprise the caller cannot see as NOT_FOUND", async () => {
    const response = await kit.graphql(MUTATION, { token: outsider.token, variables: { input: input() } });
    expect(response.data?.configureSsoConnection).toMatchObject({ code: "NOT_FOUND", field: "input.enterpriseKey" });
    expect(await snapshot()).toEqual(before);
  });

  it("R13: updates and activates the connection with exactly one audit event, without the certificate body", async () => {
    const response = await kit.graphql(MUTATION, {
      token: alice.token,
      variables: { input: input({ provisioning: "SCIM", attributeMapping: { email: "mail", groups: "memberOf" } }) },
    });
    expect(response.data?.configureSsoConnection).toMatchObject({
      __typename: "ConfigureSsoConnectionSuccess",
      ssoConnection: {
        status: "ACTIVE",
        idpSsoUrl: "https://idp.acme.example/new/sso",
        provisioning: "SCIM",
        attributeMapping: { login: "login", email: "mail", groups: "memberOf" },
      },
      enterprise: { oneClickAccessLink: "http://sso-cutover.test/login/sso?enterprise_key=acme" },
    });
    expect((await snapshot()).auditEvents).toBe(before.auditEvents + 1);
    const event = await kit.prisma.auditEvent.findFirstOrThrow({ orderBy: { createdAt: "desc" } });
    expect(event).toMatchObject({ action: "sso_connection.updated", actorId: alice.id, actorLogin: "alice" });
    expect(JSON.stringify(event.payload)).not.toContain("BEGIN CERTIFICATE");
  });

  it("accepts http only for a loopback IdP (a local test IdP)", async () => {
    const response = await kit.graphql(MUTATION, { token: alice.token, variables: { input: input({ idpSsoUrl: "http://localhost:8080/sso" }) } });
    expect(response.data?.configureSsoConnection.__typename).toBe("ConfigureSsoConnectionSuccess");
  });
});

describe("Enterprise.viewerPermissions", () => {
  const QUERY = '{ enterprise(key: "acme") { key viewerPermissions ssoConnection { id } } }';

  it("R8: an enterprise admin reads ADMINISTER_ENTERPRISE; a member of an organization reads none", async () => {
    const heidi = await kit.prisma.account.findUniqueOrThrow({ where: { login: "heidi" } });

    const asAdmin = await kit.graphql(QUERY, { token: alice.token });
    const asMember = await kit.graphql(QUERY, { token: await kit.tokenFor(heidi.id) });

    expect(asAdmin.errors).toBeUndefined();
    expect(asAdmin.data?.enterprise.viewerPermissions).toEqual(["ADMINISTER_ENTERPRISE"]);
    expect(asMember.errors).toBeUndefined();
    expect(asMember.data?.enterprise.viewerPermissions).toEqual([]);
  });

  it("R8: a holder of Create Portfolios only sees the SSO connection but does not read ADMINISTER_ENTERPRISE", async () => {
    const acme = await kit.prisma.enterprise.findUniqueOrThrow({ where: { key: "acme" } });
    const paula = await kit.prisma.account.create({ data: { login: "paula-portfolios", name: "Paula Portfolios", kind: "DEVOPS" } });
    await kit.prisma.enterprisePermission.create({ data: { enterpriseId: acme.id, accountId: paula.id, permission: "CREATE_PORTFOLIOS" } });

    const response = await kit.graphql(QUERY, { token: await kit.tokenFor(paula.id) });

    expect(response.errors).toBeUndefined();
    expect(response.data?.enterprise.ssoConnection).not.toBeNull();
    expect(response.data?.enterprise.viewerPermissions).toEqual(["CREATE_PORTFOLIOS"]);
  });

  it("viewerPermissions costs one SQL statement", async () => {
    const count = async (query: string) => {
      await kit.graphql(query, { token: alice.token }); // warm-up: token lastUsedAt write
      kit.db.statements.reset();
      await kit.graphql(query, { token: alice.token });
      return kit.db.statements.count;
    };
    const without = await count('{ enterprise(key: "acme") { key } }');
    const withPermissions = await count('{ enterprise(key: "acme") { key viewerPermissions } }');
    expect(withPermissions).toBe(without + 1);
  });

  it("viewerPermissions of several enterprises in one response cost one SQL statement, each with its own permissions", async () => {
    const acme = await kit.prisma.enterprise.findUniqueOrThrow({ where: { key: "acme" } });
    const beta = await kit.prisma.enterprise.create({ data: { key: "beta-permissions", name: "Beta" } });
    await kit.prisma.enterprisePermission.create({ data: { enterpriseId: beta.id, accountId: alice.id, permission: "CREATE_PORTFOLIOS" } });
    const ids = [acme.id, beta.id].map((id) => Buffer.from(`Enterprise:${id}`).toString("base64"));
    const run = async (fields: string) => {
      const query = `query Two($ids: [ID!]!) { nodes(ids: $ids) { ... on Enterprise { ${fields} } } }`;
      await kit.graphql(query, { token: alice.token, variables: { ids } });
      kit.db.statements.reset();
      const response = await kit.graphql(query, { token: alice.token, variables: { ids } });
      return { response, statements: kit.db.statements.count };
    };
    const without = await run("key");
    const withPermissions = await run("key viewerPermissions");
    expect(withPermissions.response.errors).toBeUndefined();
    expect(withPermissions.response.data?.nodes).toEqual([
      { key: "acme", viewerPermissions: ["ADMINISTER_ENTERPRISE"] },
      { key: "beta-permissions", viewerPermissions: ["CREATE_PORTFOLIOS"] },
    ]);
    expect(withPermissions.statements).toBe(without.statements + 1);
  });
});

describe("N+1 guard", () => {
  it("enterprise { members(first: N) { … organizations { key } recoveryAccess } } sends as many SQL statements for N = 5 as for N = 50", async () => {
    const enterprise = await kit.prisma.enterprise.create({
      data: { key: "massive", name: "Massive", organizations: { create: [{ key: "massive-1", name: "M1" }, { key: "massive-2", name: "M2" }] } },
      include: { organizations: true },
    });
    const admin = await kit.prisma.account.create({ data: { login: "massive-admin", name: "Admin", kind: "DEVOPS" } });
    await kit.prisma.enterprisePermission.create({ data: { enterpriseId: enterprise.id, accountId: admin.id, permission: "ADMINISTER_ENTERPRISE" } });
    await kit.prisma.account.createMany({
      data: Array.from({ length: 60 }, (_, index) => ({ login: `massive-${String(index).padStart(2, "0")}`, name: `User ${index}`, kind: "DEVOPS" as const })),
    });
    const accounts = await kit.prisma.account.findMany({ where: { login: { startsWith: "massive-" } } });
    await kit.prisma.orgMembership.createMany({
      data: accounts.flatMap((account) => enterprise.organizations.map((organization) => ({ accountId: account.id, organizationId: organization.id }))),
    });
    const token = await kit.tokenFor(admin.id);
    const query = `query($n: Int!) { enterprise(key: "massive") { members(first: $n) { edges { node { login kind organizations { key } recoveryAccess { configured } } } } } }`;

    const count = async (n: number) => {
      await kit.graphql(query, { token, variables: { n } }); // warm-up: token lastUsedAt write
      kit.db.statements.reset();
      const response = await kit.graphql(query, { token, variables: { n } });
      expect(response.data?.enterprise.members.edges).toHaveLength(n);
      expect(response.data?.enterprise.members.edges[0].node.organizations).toHaveLength(2);
      return kit.db.statements.count;
    };
    const five = await count(5);
    const fifty = await count(50);
    expect(fifty).toBe(five);
  });
});

describe("schema", () => {
  it("the committed apps/gateway/schema.graphql is the schema the server serves (run `pnpm schema:print`)", () => {
    const committed = readFileSync(path.join(__dirname, "..", "..", "apps", "gateway", "schema.graphql"), "utf8");
    expect(committed).toBe(`${printSchema(schema)}\n`);
  });
});
