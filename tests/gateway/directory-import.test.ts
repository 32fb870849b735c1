/**
 * End to end through the API: a bootstrapped enterprise imports the example directory file (dry run, real, again
 * unchanged), and everything the cutover computes — readiness, token forecast, the removal dry run — works on that
 * data; the organization permission mutations unblock the removal the plan refuses.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { bootstrapEnterprise } from "@sso-cutover/directory";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { repositoryRoot } from "../kit/process";
import { globalId } from "../kit/tenants";

const example = () => JSON.parse(readFileSync(path.join(repositoryRoot, "docs", "examples", "directory.example.json"), "utf8"));

let kit: TestGateway;
let token: string;

beforeAll(async () => {
  kit = await startTestGateway();
  const bootstrapped = await bootstrapEnterprise(kit.prisma, { enterpriseKey: "initech", enterpriseName: "Initech", adminLogin: "ada", adminEmail: "ada@initech.example" });
  token = bootstrapped.tokenSecret;
});
afterAll(async () => {
  await kit.close();
});

const IMPORT = `mutation($input: ImportDirectoryInput!) { importDirectory(input: $input) {
  __typename
  ... on DirectoryImportResult { applied changed dryRun summary changes { kind created updated unchanged removed notListed }
    violations { code message } }
  ... on Error { code message field } } }`;

const REMOVAL_DRY_RUN = `mutation($ids: [ID!]!) { removeDevopsAccountsFromOrganizations(input: { enterpriseKey: "initech", accountIds: $ids,
  acknowledgeAll: true, dryRun: true }) { ... on CutoverPlan { applied violations { code organization { key } } } ... on Error { code message } } }`;

async function accountId(login: string): Promise<string> {
  return globalId("Account", (await kit.prisma.account.findUniqueOrThrow({ where: { login } })).id);
}

describe("importDirectory", () => {
  it("R18: refuses a malformed file naming the JSON path under input.document, and writes nothing", async () => {
    const document = example();
    document.memberships[4].organization = "initech-nowhere";
    const response = await kit.graphql(IMPORT, { token, variables: { input: { enterpriseKey: "initech", document } } });
    expect(response.data?.importDirectory).toMatchObject({
      __typename: "DomainError",
      code: "INVALID_INPUT",
      field: "input.document.memberships[4].organization",
    });
    expect(response.data?.importDirectory.message).toContain('memberships[4].organization: unknown organization "initech-nowhere"');
    expect(await kit.prisma.organization.count()).toBe(0);
  });

  it("R18/R19: bootstrap → import (dry run, real, again unchanged) → readiness, token forecast and the cutover's dry run work on the imported data", async () => {
    const run = async (input: Record<string, unknown>) =>
      (await kit.graphql(IMPORT, { token, variables: { input: { enterpriseKey: "initech", ...input } } })).data?.importDirectory;

    const dry = await run({ document: example(), dryRun: true });
    expect(dry).toMatchObject({ __typename: "DirectoryImportResult", applied: false, changed: true, dryRun: true });
    expect(await kit.prisma.organization.count()).toBe(0);

    // The document as a string holding its JSON text is accepted too.
    const real = await run({ document: JSON.stringify(example()) });
    expect(real).toMatchObject({ applied: true, changed: true, violations: [] });
    expect(real.changes).toEqual(dry.changes);
    expect(real.changes.find((row: { kind: string }) => row.kind === "memberships")).toMatchObject({ created: 9 });

    const again = await run({ document: example() });
    expect(again).toMatchObject({ applied: true, changed: false });
    expect(again.summary).toMatch(/^Nothing to change/);

    // Readiness: every imported DOP account is a person to move; none has an SSO account yet.
    const readiness = await kit.graphql(
      `{ enterprise(key: "initech") { readiness(first: 50) { totals { people dopAccounts linkedDopAccounts breakGlassAccounts }
        edges { node { account { login } ssoAccount { login } organizationsOnlyThroughDop { key } } } } } }`,
      { token },
    );
    expect(readiness.errors).toBeUndefined();
    const totals = readiness.data?.enterprise.readiness.totals;
    // Break-glass: ada (Administer Enterprise) and bill (the DOP admin of the Bitbucket Cloud organization).
    expect(totals).toMatchObject({ dopAccounts: 7, linkedDopAccounts: 0, breakGlassAccounts: 2 });
    const rows = readiness.data?.enterprise.readiness.edges.map((edge: any) => edge.node);
    expect(rows.find((row: any) => row.account.login === "peter").organizationsOnlyThroughDop.map((o: any) => o.key)).toEqual(["initech-web"]);

    // The token forecast sees the imported tokens of DOP accounts.
    const guidance = await kit.graphql(`{ enterprise(key: "initech") { tokenGuidance(organizationKey: "initech-web") { willBreak { display owner { login } } } } }`, { token });
    expect(guidance.data?.enterprise.tokenGuidance.willBreak).toContainEqual({ display: "sqp_…3f9a", owner: { login: "peter" } });

    // The cutover's dry run: bill is the only admin, and so the only DOP admin, of the Bitbucket Cloud organization (R9 b, c)…
    const blocked = await kit.graphql(REMOVAL_DRY_RUN, { token, variables: { ids: [await accountId("bill")] } });
    expect(blocked.data?.removeDevopsAccountsFromOrganizations.violations).toEqual([
      { code: "ORGANIZATION_WITHOUT_ADMIN", organization: { key: "initech-mobile" } },
      { code: "BITBUCKET_WITHOUT_DOP_ADMIN", organization: { key: "initech-mobile" } },
    ]);

    // …so ADMIN goes to another DOP account there first, and the plan has no violation left.
    const grant = await kit.graphql(
      `mutation($input: OrganizationPermissionInput!) { grantOrganizationPermission(input: $input) {
        ... on OrganizationAccessChange { organization { key } account { login } permission administrators warnings } ... on Error { code message } } }`,
      { token, variables: { input: { organizationKey: "initech-mobile", permission: "ADMIN", accountId: await accountId("milton") } } },
    );
    expect(grant.data?.grantOrganizationPermission).toMatchObject({ organization: { key: "initech-mobile" }, account: { login: "milton" }, permission: "ADMIN", administrators: 2 });
    const unblocked = await kit.graphql(REMOVAL_DRY_RUN, { token, variables: { ids: [await accountId("bill")] } });
    expect(unblocked.data?.removeDevopsAccountsFromOrganizations).toEqual({ applied: false, violations: [] });

    // Organization.permissions and groups { members } show the imported directory.
    const organization = await kit.graphql(
      `{ enterprise(key: "initech") { organizations { key permissions(first: 20) { edges { node { permission account { login } } } }
        groups { name permissions members(first: 10) { edges { node { login } } } } } } }`,
      { token },
    );
    expect(organization.errors).toBeUndefined();
    const data = organization.data?.enterprise.organizations.find((o: any) => o.key === "initech-data");
    expect(data.permissions.edges.map((edge: any) => `${edge.node.permission} ${edge.node.account.login}`)).toEqual(["ADMIN ada", "SCAN samir"]);
    expect(data.groups.map((group: any) => [group.name, group.permissions, group.members.edges.map((edge: any) => edge.node.login)])).toEqual([
      ["Members", [], []],
      ["Owners", ["ADMIN"], []],
      ["data-engineers", ["SCAN", "PROFILEADMIN"], ["michael", "samir"]],
    ]);
  }, 90_000);

  it("R18: only enterprise admins import: an organization member is refused and nothing changes", async () => {
    const peter = await kit.prisma.account.findUniqueOrThrow({ where: { login: "peter" } });
    const response = await kit.graphql(IMPORT, { token: await kit.tokenFor(peter.id), variables: { input: { enterpriseKey: "initech", document: example(), prune: true } } });
    expect(response.data?.importDirectory).toMatchObject({ code: "FORBIDDEN" });
  });
});
