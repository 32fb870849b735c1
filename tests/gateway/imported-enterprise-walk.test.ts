/**
 * "Use it with your own enterprise" (README) end to end, on a database without the demo: bootstrap → import the
 * example directory file (dry run, real, again unchanged) → configure SSO with the test IdP → people sign in with
 * SSO → their SSO accounts are linked to their imported DOP accounts → readiness shows them → the SSO admin gets
 * Administer Enterprise → dry run → the cutover of the DOP accounts, with the break-glass rule respected.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { bootstrapEnterprise } from "@sso-cutover/directory";
import { SESSION_COOKIE, acsUrl, spEntityId } from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { repositoryRoot } from "../kit/process";
import { globalId } from "../kit/tenants";
import { TEST_IDP_ENTITY_ID, TEST_IDP_SSO_URL, buildSamlResponse, readAuthnRequest, testIdpCertificatePem } from "../kit/test-idp";

const ENTERPRISE = "initech";
const exampleText = readFileSync(path.join(repositoryRoot, "docs", "examples", "directory.example.json"), "utf8");

let kit: TestGateway;
/** The bootstrap admin's token: ada's DOP account, the first break-glass account (R19). */
let adaToken: string;
/** Session cookies of the people who signed in with SSO, by DOP login. */
const sessions: Record<string, string> = {};

beforeAll(async () => {
  kit = await startTestGateway();
});
afterAll(async () => {
  await kit.close();
});

async function gql(query: string, variables: Record<string, unknown> = {}, as: { token?: string; session?: string } = { token: adaToken }) {
  const response = await kit.graphql(query, {
    token: as.token ?? null,
    variables,
    ...(as.session ? { headers: { cookie: `${SESSION_COOKIE}=${as.session}` } } : {}),
  });
  expect(response.errors).toBeUndefined();
  return response.data!;
}

async function accountId(login: string): Promise<string> {
  return globalId("Account", (await kit.prisma.account.findUniqueOrThrow({ where: { login } })).id);
}

/** The one-click link → the test IdP → its signed response posted to our ACS URL → the session cookie. */
async function signInWithSso(person: { login: string; email: string; groups: string[] }): Promise<string> {
  const start = await kit.fetch(`/login/sso?enterprise_key=${ENTERPRISE}`, { redirect: "manual" });
  expect(start.status).toBe(302);
  const location = start.headers.get("location")!;
  expect(location.startsWith(`${TEST_IDP_SSO_URL}?`)).toBe(true);
  const request = readAuthnRequest(location);
  const samlResponse = buildSamlResponse({
    acsUrl: acsUrl(kit.config.PUBLIC_URL, ENTERPRISE),
    audience: spEntityId(kit.config.PUBLIC_URL, ENTERPRISE),
    inResponseTo: request.id,
    nameId: person.email,
    attributes: { login: person.login, name: person.login, email: person.email, groups: person.groups },
  });
  const form = new URLSearchParams({ SAMLResponse: samlResponse });
  if (request.relayState) form.set("RelayState", request.relayState);
  const acs = await kit.fetch(`/saml/acs/${ENTERPRISE}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form,
    redirect: "manual",
  });
  expect(acs.status).toBe(302);
  const cookie = new RegExp(`${SESSION_COOKIE}=([^;]*)`).exec(acs.headers.get("set-cookie") ?? "")?.[1];
  expect(cookie).toBeTruthy();
  return cookie!;
}

async function ssoLoginOf(session: string): Promise<{ id: string; login: string; kind: string; email: string }> {
  return (await gql("{ viewer { id login kind email } }", {}, { session })).viewer;
}

const IMPORT = `mutation($input: ImportDirectoryInput!) { importDirectory(input: $input) {
  ... on DirectoryImportResult { applied changed summary violations { code } }
  ... on Error { code message field } } }`;

const REMOVE = `mutation($input: RemoveDevopsAccountsFromOrganizationsInput!) { removeDevopsAccountsFromOrganizations(input: $input) {
  ... on CutoverPlan { applied dryRun memberships { account { login } organization { key } } tokensThatBreak { display owner { login } }
    enterprisePermissions { account { login } permission }
    accessLoss { account { login } ssoAccount { login } organizations { key } acknowledged }
    violations { code account { login } organization { key } } }
  ... on Error { code message field } } }`;

describe("the README's walk on an enterprise of its own (R19, R18, R1, R16, R8, R9)", () => {
  it("R19/R18: an empty database, bootstrap, then the example file: dry run, real, again unchanged", async () => {
    expect(await kit.prisma.enterprise.count()).toBe(0);
    const bootstrapped = await bootstrapEnterprise(kit.prisma, {
      enterpriseKey: ENTERPRISE,
      enterpriseName: "Initech",
      adminLogin: "ada",
      adminEmail: "ada@initech.example",
    });
    adaToken = bootstrapped.tokenSecret;

    const run = async (dryRun: boolean) => (await gql(IMPORT, { input: { enterpriseKey: ENTERPRISE, document: exampleText, dryRun } })).importDirectory;
    expect(await run(true)).toMatchObject({ applied: false, changed: true, violations: [] });
    expect(await kit.prisma.organization.count()).toBe(0);
    expect(await run(false)).toMatchObject({ applied: true, changed: true, violations: [] });
    const again = await run(false);
    expect(again).toMatchObject({ applied: true, changed: false });
    expect(again.summary).toMatch(/^Nothing to change/);
  });

  it("R1/R14: the admin configures SSO with the IdP and maps the IdP group that makes organization admins", async () => {
    const configured = await gql(
      `mutation($input: ConfigureSsoConnectionInput!) { configureSsoConnection(input: $input) {
        ... on ConfigureSsoConnectionSuccess { ssoConnection { status } enterprise { oneClickAccessLink } }
        ... on Error { code message field } } }`,
      { input: { enterpriseKey: ENTERPRISE, idpEntityId: TEST_IDP_ENTITY_ID, idpSsoUrl: TEST_IDP_SSO_URL, idpCertificate: testIdpCertificatePem, provisioning: "JIT" } },
    );
    expect(configured.configureSsoConnection).toEqual({
      ssoConnection: { status: "ACTIVE" },
      enterprise: { oneClickAccessLink: `${kit.config.PUBLIC_URL}/login/sso?enterprise_key=${ENTERPRISE}` },
    });
    const mapped = await gql(
      `mutation($input: SetSsoGroupMappingsInput!) { setSsoGroupMappings(input: $input) {
        ... on SetSsoGroupMappingsSuccess { ssoConnection { groupMappings { idpGroup organization { key } group { name grantsAdmin } } } }
        ... on Error { code message field } } }`,
      {
        input: {
          enterpriseKey: ENTERPRISE,
          mappings: ["initech-web", "initech-data", "initech-legacy"].map((organizationKey) => ({ idpGroup: "initech-admins", organizationKey, group: "Owners" })),
        },
      },
    );
    expect(mapped.setSsoGroupMappings.ssoConnection.groupMappings).toHaveLength(3);
  });

  it("R16/R2: people sign in with SSO; their SSO accounts are linked to their imported DOP accounts, by token or by verified email", async () => {
    sessions.ada = await signInWithSso({ login: "ada", email: "ada@initech.example", groups: ["initech-admins"] });
    sessions.peter = await signInWithSso({ login: "peter", email: "peter@initech.example", groups: ["web-developers"] });
    sessions.bill = await signInWithSso({ login: "bill", email: "bill@initech.example", groups: [] });
    const ada = await ssoLoginOf(sessions.ada!);
    const peter = await ssoLoginOf(sessions.peter!);
    const bill = await ssoLoginOf(sessions.bill!);
    expect([ada.kind, peter.kind, bill.kind]).toEqual(["SSO", "SSO", "SSO"]);
    expect(ada.login).not.toBe("ada"); // the DOP login is taken: the SSO account gets its own

    // ada links her own DOP account with its token (signed in with SSO).
    const own = await gql(
      `mutation($token: String!) { linkDevopsAccount(input: { devopsAccountToken: $token }) {
        ... on LinkDevopsAccountSuccess { link { devopsAccount { login } ssoAccount { login } } } ... on Error { code message } } }`,
      { token: adaToken },
      { session: sessions.ada! },
    );
    expect(own.linkDevopsAccount).toEqual({ link: { devopsAccount: { login: "ada" }, ssoAccount: { login: ada.login } } });

    // The admin links peter's: the directory file marks his email verified, and the IdP's is.
    const LINK_FOR_USER = `mutation($input: LinkDevopsAccountForUserInput!) { linkDevopsAccountForUser(input: $input) {
      ... on LinkDevopsAccountSuccess { link { devopsAccount { login } ssoAccount { login } } } ... on Error { code message field } } }`;
    const forPeter = await gql(LINK_FOR_USER, { input: { enterpriseKey: ENTERPRISE, devopsAccountId: await accountId("peter"), ssoAccountId: peter.id } });
    expect(forPeter.linkDevopsAccountForUser).toEqual({ link: { devopsAccount: { login: "peter" }, ssoAccount: { login: peter.login } } });

    // bill's email is not verified in the file: only bill himself can link, with a token of his DOP account.
    const forBill = await gql(LINK_FOR_USER, { input: { enterpriseKey: ENTERPRISE, devopsAccountId: await accountId("bill"), ssoAccountId: bill.id } });
    expect(forBill.linkDevopsAccountForUser).toMatchObject({ code: "PRECONDITION_FAILED", field: "input.devopsAccountId" });

    // Group sync on the imported groups: peter's SSO account is in initech-web through web-developers (R2),
    // ada's administers the organizations mapped to initech-admins (R14).
    const access = await gql(
      `{ enterprise(key: "${ENTERPRISE}") { members(first: 20, cutoverStatus: LINKED) { edges { node { login
        accessReview { organizations { organization { key } missingOnSso } } } } } } }`,
    );
    const peterReview = access.enterprise.members.edges.map((edge: any) => edge.node).find((node: any) => node.login === "peter");
    expect(peterReview.accessReview.organizations.filter((row: any) => row.missingOnSso.length > 0)).toEqual([
      { organization: { key: "initech-web" }, missingOnSso: ["GATEADMIN"] },
    ]);
  });

  it("R8: readiness shows the linked SSO accounts; the SSO admin is granted Administer Enterprise", async () => {
    const readiness = await gql(
      `{ enterprise(key: "${ENTERPRISE}") { readiness(first: 50) { totals { dopAccounts linkedDopAccounts breakGlassAccounts }
        edges { node { account { login } ssoAccount { login } cutoverStatus } } } } }`,
    );
    const rows = readiness.enterprise.readiness.edges.map((edge: any) => edge.node);
    const ada = await ssoLoginOf(sessions.ada!);
    const peter = await ssoLoginOf(sessions.peter!);
    expect(rows.find((row: any) => row.account.login === "peter")).toEqual({ account: { login: "peter" }, ssoAccount: { login: peter.login }, cutoverStatus: "LINKED" });
    expect(rows.find((row: any) => row.account.login === "ada")).toEqual({ account: { login: "ada" }, ssoAccount: { login: ada.login }, cutoverStatus: "LINKED" });
    expect(readiness.enterprise.readiness.totals).toMatchObject({ dopAccounts: 7, linkedDopAccounts: 2 });

    const granted = await gql(
      `mutation($input: EnterprisePermissionInput!) { grantEnterprisePermission(input: $input) {
        ... on EnterprisePermissionChange { account { login } administrators } ... on Error { code message } } }`,
      { input: { enterpriseKey: ENTERPRISE, accountId: ada.id, permission: "ADMINISTER_ENTERPRISE" } },
    );
    expect(granted.grantEnterprisePermission).toEqual({ account: { login: ada.login }, administrators: 2 });
  });

  it("R9: the dry run names what blocks removing every DOP account; the cutover keeps the break-glass and Bitbucket DOP admins", async () => {
    // From now on the SSO admin acts, signed in with SSO.
    const asAda = { session: sessions.ada! };
    const everyone = await Promise.all(["ada", "bill", "milton", "peter", "samir", "michael", "joanna"].map(accountId));
    const all = await gql(REMOVE, { input: { enterpriseKey: ENTERPRISE, accountIds: everyone, acknowledgeAll: true, dryRun: true } }, asAda);
    expect(all.removeDevopsAccountsFromOrganizations.violations).toEqual([
      { code: "NO_BREAK_GLASS_ADMIN", account: null, organization: null },
      { code: "ORGANIZATION_WITHOUT_ADMIN", account: null, organization: { key: "initech-mobile" } },
      { code: "BITBUCKET_WITHOUT_DOP_ADMIN", account: null, organization: { key: "initech-mobile" } },
    ]);
    // The real run with the same violations changes nothing.
    const refused = await gql(REMOVE, { input: { enterpriseKey: ENTERPRISE, accountIds: everyone, acknowledgeAll: true, dryRun: false } }, asAda);
    expect(refused.removeDevopsAccountsFromOrganizations).toMatchObject({ applied: false, dryRun: false });
    expect(await kit.prisma.orgMembership.count({ where: { account: { kind: "DEVOPS" } } })).toBe(9);

    // Following the plan: ada's DOP account stays (break-glass, R9 a) and so does bill (Bitbucket Cloud DOP admin,
    // R9 b); the people without an SSO account are acknowledged (R9 d).
    const leaving = await Promise.all(["milton", "peter", "samir", "michael", "joanna"].map(accountId));
    const withoutSso = await Promise.all(["milton", "samir", "michael", "joanna"].map(accountId));
    const unacknowledged = await gql(REMOVE, { input: { enterpriseKey: ENTERPRISE, accountIds: leaving, dryRun: true } }, asAda);
    expect(unacknowledged.removeDevopsAccountsFromOrganizations.violations.map((v: any) => `${v.code} ${v.account.login}`).sort()).toEqual([
      "UNACKNOWLEDGED_ACCESS_LOSS joanna",
      "UNACKNOWLEDGED_ACCESS_LOSS michael",
      "UNACKNOWLEDGED_ACCESS_LOSS milton",
      "UNACKNOWLEDGED_ACCESS_LOSS samir",
    ]);
    const dry = await gql(REMOVE, { input: { enterpriseKey: ENTERPRISE, accountIds: leaving, acknowledgeAccessLoss: withoutSso, dryRun: true } }, asAda);
    const plan = dry.removeDevopsAccountsFromOrganizations;
    expect(plan.violations).toEqual([]);
    expect(plan.tokensThatBreak).toContainEqual({ display: "sqp_…3f9a", owner: { login: "peter" } });
    expect(plan.accessLoss.find((loss: any) => loss.account.login === "peter")).toBeUndefined(); // his SSO account is in initech-web

    const real = await gql(REMOVE, { input: { enterpriseKey: ENTERPRISE, accountIds: leaving, acknowledgeAccessLoss: withoutSso, dryRun: false } }, asAda);
    expect(real.removeDevopsAccountsFromOrganizations).toEqual({ ...plan, applied: true, dryRun: false });

    const after = await gql(
      `{ enterprise(key: "${ENTERPRISE}") { readiness(first: 50) { totals { removedWithoutSso breakGlassAccounts }
        edges { node { account { login } cutoverStatus } } } } }`,
      {},
      asAda,
    );
    const status = Object.fromEntries(after.enterprise.readiness.edges.map((edge: any) => [edge.node.account.login, edge.node.cutoverStatus]));
    // peter is his SSO account now (the DOP account is out of every organization); ada and bill keep their DOP accounts.
    const peter = await ssoLoginOf(sessions.peter!);
    expect(status).toMatchObject({ [peter.login]: "DOP_REMOVED", samir: "REMOVED_WITHOUT_SSO", ada: "LINKED", bill: "NOT_INVITED" });
    expect(status.peter).toBeUndefined();
    expect(after.enterprise.readiness.totals).toMatchObject({ removedWithoutSso: 4, breakGlassAccounts: 2 });
    const remaining = await kit.prisma.orgMembership.findMany({ where: { account: { kind: "DEVOPS" } }, include: { account: true } });
    expect([...new Set(remaining.map((row) => row.account.login))].sort()).toEqual(["ada", "bill"]);
  });
});
