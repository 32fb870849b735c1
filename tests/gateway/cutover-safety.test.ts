/**
 * Replays of the cutover's two ways of cutting people off, end to end through GraphQL (and the SAML routes):
 * a removal that strands people without SSO (R9 d), and IdP groups that make or unmake admins (R14, R9 c).
 */
import { enterpriseLoginUrl } from "@sso-cutover/enterprise";
import { SESSION_COOKIE } from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../../prisma/seed/demo";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { createEnterpriseAdmin, createSsoEnterprise, idpResponse, uniqueKey, type IdpUser, type SsoEnterpriseFixture } from "../kit/sso-fixtures";
import { readAuthnRequest } from "../kit/test-idp";

let kit: TestGateway;

beforeAll(async () => {
  kit = await startTestGateway();
});
afterAll(() => kit.close());

const REMOVE = `mutation($input: RemoveDevopsAccountsFromOrganizationsInput!) {
  removeDevopsAccountsFromOrganizations(input: $input) {
    __typename
    ... on CutoverPlan {
      dryRun applied
      accessLoss { account { login } ssoAccount { login } organizations { key } acknowledged }
      violations { code message account { login } }
    }
    ... on Error { code message field }
  }
}`;

const READINESS = `query($filter: ReadinessFilter) { enterprise(key: "acme") {
  readiness(first: 100, filter: $filter) {
    totals { people removedWithoutSso warnings }
    edges { node { account { login } cutoverStatus accessLoss { organization { key } acknowledgedBy { login } regained } } }
  }
  setupProgress { steps { step status warnings } counts { removedWithoutSso } }
} }`;

describe("nobody is cut off unknowingly, replayed on the demo (R9 d)", () => {
  const stranded = ["dave", "erin", "frank", "grace", "ivan", "judy", "mallory"];
  let aliceToken: string;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    await seedDemo(kit.prisma);
    aliceToken = await kit.tokenFor((await kit.prisma.account.findUniqueOrThrow({ where: { login: "alice" } })).id);
    const members = await kit.graphql('{ enterprise(key: "acme") { members(first: 100) { edges { node { id login } } } } }', { token: aliceToken });
    for (const edge of members.data!.enterprise.members.edges) ids.set(edge.node.login, edge.node.id);
  });

  async function remove(dryRun: boolean, acknowledgement: Record<string, unknown> = {}) {
    const response = await kit.graphql(REMOVE, {
      token: aliceToken,
      variables: { input: { enterpriseKey: "acme", accountIds: stranded.map((login) => ids.get(login)!), dryRun, ...acknowledgement } },
    });
    expect(response.errors).toBeUndefined();
    return response.data!.removeDevopsAccountsFromOrganizations;
  }

  it("R9 (d): removing the seven DOP users without SSO is refused until each is acknowledged; the plan lists each person and organization", async () => {
    const before = await kit.graphql(READINESS, { token: aliceToken });
    const dry = await remove(true);
    expect(dry.accessLoss.map((loss: any) => loss.account.login)).toEqual(stranded);
    expect(dry.accessLoss.every((loss: any) => loss.ssoAccount === null && loss.acknowledged === false)).toBe(true);
    expect(dry.accessLoss.find((loss: any) => loss.account.login === "ivan").organizations).toEqual([{ key: "acme-mobile" }, { key: "acme-web" }]);
    expect(dry.violations.map((violation: any) => [violation.code, violation.account.login])).toEqual(
      stranded.map((login) => ["UNACKNOWLEDGED_ACCESS_LOSS", login]),
    );

    const refused = await remove(false);
    expect(refused).toMatchObject({ applied: false });
    expect({ ...refused, dryRun: true }).toEqual(dry);
    const partly = await remove(false, { acknowledgeAccessLoss: stranded.slice(1).map((login) => ids.get(login)) });
    expect(partly.applied).toBe(false);
    expect(partly.violations.map((violation: any) => violation.account.login)).toEqual(["dave"]);
    // Nothing changed: readiness is as before.
    expect((await kit.graphql(READINESS, { token: aliceToken })).data).toEqual(before.data);

    const misnamed = await remove(true, { acknowledgeAccessLoss: [ids.get("bob")] });
    expect(misnamed).toMatchObject({ __typename: "DomainError", code: "INVALID_INPUT", field: "input.acknowledgeAccessLoss[0]" });
  });

  it("R9 (d): after the acknowledged removal the seven stay in readiness as REMOVED_WITHOUT_SSO, counted, filterable, and TERMINATE warns with their count", async () => {
    const before = await kit.graphql(READINESS, { token: aliceToken });
    const applied = await remove(false, { acknowledgeAccessLoss: stranded.map((login) => ids.get(login)) });
    expect(applied).toMatchObject({ applied: true, violations: [] });

    const after = await kit.graphql(READINESS, { token: aliceToken });
    const readiness = after.data!.enterprise.readiness;
    expect(readiness.totals.people).toBe(before.data!.enterprise.readiness.totals.people);
    expect(readiness.totals.removedWithoutSso).toBe(7);
    const rows = new Map(readiness.edges.map((edge: any) => [edge.node.account.login, edge.node]));
    for (const login of stranded) expect((rows.get(login) as any).cutoverStatus).toBe("REMOVED_WITHOUT_SSO");
    expect((rows.get("frank") as any).accessLoss).toEqual([{ organization: { key: "acme-data" }, acknowledgedBy: { login: "alice" }, regained: false }]);

    const filtered = await kit.graphql(READINESS, { token: aliceToken, variables: { filter: { cutoverStatus: "REMOVED_WITHOUT_SSO" } } });
    expect(filtered.data!.enterprise.readiness.edges.map((edge: any) => edge.node.account.login)).toEqual(stranded);

    const progress = after.data!.enterprise.setupProgress;
    expect(progress.counts.removedWithoutSso).toBe(7);
    const terminate = progress.steps.find((step: any) => step.step === "TERMINATE");
    expect(terminate.warnings).toContainEqual(expect.stringMatching(/^7 person\(s\) were removed without an SSO account .*all 7 were acknowledged/));
    expect(readiness.totals.warnings).toEqual(terminate.warnings);
  });
});

describe("IdP groups under the rules, over HTTP (R14, R2, R9 c)", () => {
  let fixture: SsoEnterpriseFixture;
  let adminToken: string;
  let keeperToken: string;
  let aliceId: string;
  const web = uniqueKey("web");
  const data = uniqueKey("data");

  beforeAll(async () => {
    fixture = await createSsoEnterprise(kit.prisma, { organizations: { [web]: ["Developers"], [data]: [] } });
    await kit.prisma.groupPermission.createMany({
      data: [web, data].map((key) => ({ groupId: fixture.organizations[key]!.groups.Owners!.id, permission: "ADMIN" as const })),
    });
    const alice = await createEnterpriseAdmin(kit.prisma, fixture.enterprise.id);
    const keeper = await createEnterpriseAdmin(kit.prisma, fixture.enterprise.id);
    aliceId = alice.id;
    for (const key of [web, data]) {
      await kit.prisma.orgMembership.create({ data: { accountId: alice.id, organizationId: fixture.organizations[key]!.id } });
      await kit.prisma.orgPermission.create({ data: { accountId: alice.id, organizationId: fixture.organizations[key]!.id, permission: "ADMIN" } });
    }
    adminToken = await kit.tokenFor(alice.id);
    keeperToken = await kit.tokenFor(keeper.id);
  });

  /** One-click link → test IdP → ACS, as a browser would; returns the session cookie. */
  async function signIn(who: IdpUser): Promise<string> {
    const key = fixture.enterprise.key;
    const link = new URL(enterpriseLoginUrl(kit.config.PUBLIC_URL, key));
    const start = await kit.fetch(link.pathname + link.search, { redirect: "manual" });
    expect(start.status).toBe(302);
    const request = readAuthnRequest(start.headers.get("location")!);
    const acs = await kit.fetch(`/saml/acs/${key}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ SAMLResponse: idpResponse(key, request.id, who, {}, kit.config.PUBLIC_URL) }),
      redirect: "manual",
    });
    const cookie = new RegExp(`${SESSION_COOKIE}=([^;]*)`).exec(acs.headers.get("set-cookie") ?? "")?.[1];
    expect(cookie, await acs.clone().text()).toBeTruthy();
    return cookie!;
  }

  /** Organization keys where the signed-in account holds ADMIN, as the account sees it. */
  async function adminOf(cookie: string): Promise<string[]> {
    const response = await kit.graphql("{ viewer { login } }", { headers: { cookie: `${SESSION_COOKIE}=${cookie}` } });
    const login = response.data!.viewer.login;
    const account = await kit.prisma.account.findUniqueOrThrow({ where: { login } });
    const [direct, viaGroups] = await Promise.all([
      kit.prisma.orgPermission.findMany({ where: { accountId: account.id, permission: "ADMIN" }, include: { organization: true } }),
      kit.prisma.groupMembership.findMany({
        where: { accountId: account.id, group: { permissions: { some: { permission: "ADMIN" } } } },
        include: { group: { include: { organization: true } } },
      }),
    ]);
    return [...new Set([...direct.map((row) => row.organization.key), ...viaGroups.map((row) => row.group.organization.key)])].sort();
  }

  const MAPPINGS = `mutation($input: SetSsoGroupMappingsInput!) { setSsoGroupMappings(input: $input) {
    __typename
    ... on SetSsoGroupMappingsSuccess { ssoConnection { groupMappings { idpGroup organization { key } group { name grantsAdmin } } } }
    ... on Error { code message field }
  } }`;

  it("R14/R2: an SSO user whose IdP sends Owners becomes ADMIN nowhere; plain groups still join by name", async () => {
    const who = { nameId: uniqueKey("sam"), email: `${uniqueKey("sam")}@acme.test`, groups: ["Owners", "Developers"] };
    const cookie = await signIn(who);
    expect(await adminOf(cookie)).toEqual([]);
    const memberships = await kit.prisma.orgMembership.findMany({ where: { account: { ssoSubject: who.nameId } }, include: { organization: true } });
    expect(memberships.map((row) => row.organization.key)).toEqual([web]);
  });

  it("R14: setSsoGroupMappings is validated field by field, listed in ssoConnection, audited; the mapped group grants ADMIN where mapped", async () => {
    const bad = await kit.graphql(MAPPINGS, {
      token: adminToken,
      variables: { input: { enterpriseKey: fixture.enterprise.key, mappings: [{ idpGroup: "sonar-admins", organizationKey: "acme-web", group: "Owners" }] } },
    });
    expect(bad.data!.setSsoGroupMappings).toMatchObject({ code: "INVALID_INPUT", field: "input.mappings[0].organizationKey" });
    const missing = await kit.graphql(MAPPINGS, {
      token: adminToken,
      variables: { input: { enterpriseKey: fixture.enterprise.key, mappings: [{ idpGroup: "sonar-admins", organizationKey: web, group: "Admins" }] } },
    });
    expect(missing.data!.setSsoGroupMappings).toMatchObject({ code: "INVALID_INPUT", field: "input.mappings[0].group" });

    const set = await kit.graphql(MAPPINGS, {
      token: adminToken,
      variables: {
        input: {
          enterpriseKey: fixture.enterprise.key,
          mappings: [
            { idpGroup: "sonar-admins", organizationKey: web, group: "Owners" },
            { idpGroup: "sonar-admins", organizationKey: data, group: "Owners" },
          ],
        },
      },
    });
    expect(set.data!.setSsoGroupMappings.ssoConnection.groupMappings).toEqual(
      expect.arrayContaining([
        { idpGroup: "sonar-admins", organization: { key: web }, group: { name: "Owners", grantsAdmin: true } },
        { idpGroup: "sonar-admins", organization: { key: data }, group: { name: "Owners", grantsAdmin: true } },
      ]),
    );
    const listed = await kit.graphql(`{ enterprise(key: "${fixture.enterprise.key}") { ssoConnection { groupMappings { idpGroup organization { key } group { name } } } } }`, {
      token: adminToken,
    });
    expect(listed.data!.enterprise.ssoConnection.groupMappings).toHaveLength(2);
    expect(await kit.prisma.auditEvent.count({ where: { enterpriseId: fixture.enterprise.id, action: "sso_connection.group_mappings_set" } })).toBe(1);

    const cookie = await signIn({ nameId: uniqueKey("ada"), groups: ["sonar-admins"] });
    expect(await adminOf(cookie)).toEqual([data, web].sort());
  });

  it("R9 (c): alice's DOP account removed while the SSO user is the only admin, then a sign-in without the group keeps the membership, audits and warns", async () => {
    const who: IdpUser = { nameId: uniqueKey("solo"), groups: ["sonar-admins"] };
    // The earlier test's admin leaves first, so this SSO user is the one admin left besides alice.
    await kit.prisma.groupMembership.deleteMany({ where: { account: { ssoSubject: { not: who.nameId }, kind: "SSO", enterpriseId: fixture.enterprise.id }, group: { name: "Owners" } } });
    const cookie = await signIn(who);
    expect(await adminOf(cookie)).toEqual([data, web].sort());

    const removal = await kit.graphql(REMOVE, {
      token: keeperToken,
      variables: { input: { enterpriseKey: fixture.enterprise.key, accountIds: [await globalId(aliceId)], dryRun: false, acknowledgeAll: true } },
    });
    expect(removal.data!.removeDevopsAccountsFromOrganizations).toMatchObject({ applied: true, violations: [] });

    const again = await signIn({ ...who, groups: [] });
    expect(await adminOf(again)).toEqual([data, web].sort());
    const kept = await kit.prisma.auditEvent.findMany({ where: { enterpriseId: fixture.enterprise.id, action: "group_sync.last_admin_kept" } });
    expect(kept).toHaveLength(1);
    expect((kept[0]!.payload as any).organizations).toEqual([data, web].sort());

    const progress = await kit.graphql(
      `{ enterprise(key: "${fixture.enterprise.key}") { setupProgress { steps { step warnings } counts { organizationsKeepingLastAdmin } }
         readiness(first: 100) { edges { node { account { login } warnings } } } } }`,
      { token: keeperToken },
    );
    const enterprise = progress.data!.enterprise;
    expect(enterprise.setupProgress.counts.organizationsKeepingLastAdmin).toBe(2);
    const terminate = enterprise.setupProgress.steps.find((step: any) => step.step === "TERMINATE");
    expect(terminate.warnings).toContainEqual(expect.stringMatching(/^2 organization\(s\) keep an SSO account as their last admin/));
    const warned = enterprise.readiness.edges.filter((edge: any) => edge.node.warnings.length > 0);
    expect(warned).toHaveLength(1);
    expect(warned[0].node.warnings).toEqual([expect.stringContaining(`"${data}"`), expect.stringContaining(`"${web}"`)]);
  });

  async function globalId(accountId: string): Promise<string> {
    const account = await kit.prisma.account.findUniqueOrThrow({ where: { id: accountId } });
    const response = await kit.graphql(`{ enterprise(key: "${fixture.enterprise.key}") { members(first: 100) { edges { node { id login } } } } }`, {
      token: keeperToken,
    });
    return response.data!.enterprise.members.edges.find((edge: any) => edge.node.login === account.login).node.id;
  }
});
