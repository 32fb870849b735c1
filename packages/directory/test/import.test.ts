import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { PrismaClient } from "@sso-cutover/db";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snapshotAccess } from "../../../tests/kit/cutover";
import { domainError } from "../../../tests/kit/domain-errors";
import { buildScenario, type Scenario } from "../../../tests/kit/scenario";
import { bootstrapEnterprise, DIRECTORY_IMPORT_SCHEMA, importDirectory, IMPORT_KINDS, type DirectoryDocument } from "../src";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const example = (): DirectoryDocument => JSON.parse(readFileSync(path.join(root, "docs", "examples", "directory.example.json"), "utf8"));
const NOW = new Date("2026-12-01T12:00:00Z");

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await bootstrapEnterprise(db.prisma, { enterpriseKey: "initech", enterpriseName: "Initech", adminLogin: "ada", adminEmail: "ada@initech.example" });
});
afterAll(async () => {
  await db.close();
});

const operator = { kind: "operator" } as const;

/** Row counts of everything an import writes: "nothing written" means these stay equal. */
async function counts(prisma: PrismaClient) {
  const [organizations, accounts, memberships, permissions, groups, groupMembers, tokens, audit] = await Promise.all([
    prisma.organization.count(),
    prisma.account.count(),
    prisma.orgMembership.count(),
    prisma.orgPermission.count(),
    prisma.group.count(),
    prisma.groupMembership.count(),
    prisma.token.count(),
    prisma.auditEvent.count(),
  ]);
  return { organizations, accounts, memberships, permissions, groups, groupMembers, tokens, audit };
}

describe("directory file validation", () => {
  it("R18: the JSON Schema in docs/ is the one the import validates with", () => {
    expect(JSON.parse(readFileSync(path.join(root, "docs", "directory-import.schema.json"), "utf8"))).toEqual(DIRECTORY_IMPORT_SCHEMA);
  });

  const cases: [string, (document: any) => void, string, RegExp][] = [
    ["a wrong type", (d) => (d.organizations[3].devopsPlatform = 42), "organizations[3].devopsPlatform", /organizations\[3\]\.devopsPlatform: must be one of "GITHUB"/],
    ["a membership in an unknown organization", (d) => (d.memberships[7].organization = "x"), "memberships[7].organization", /memberships\[7\]\.organization: unknown organization "x"/],
    [
      "two accounts with one login (case-insensitively)",
      (d) => d.accounts.push({ ...d.accounts[3], login: "PETER" }),
      "accounts[7].login",
      /accounts\[7\]\.login: duplicate login "PETER" \(also accounts\[3\]\.login\)/,
    ],
    ["a token carrying its secret", (d) => (d.tokens[1].secret = "sqp_0123456789abcdef0123456789abcdef01234567"), "tokens[1].secret", /tokens\[1\]\.secret: a token's secret is never imported/],
    ["a token carrying a value", (d) => (d.tokens[0].value = "x"), "tokens[0].value", /tokens\[0\]\.value: a token's secret is never imported/],
    ["an unknown field", (d) => (d.accounts[0].password = "x"), "accounts[0].password", /accounts\[0\]\.password: unknown field/],
    ["a group member not listed", (d) => d.groups[0].members.push("nobody"), "groups[0].members[1]", /unknown account "nobody"/],
    ["a version it does not know", (d) => (d.version = 2), "version", /version: must be 1/],
    ["emailVerified that is not a boolean", (d) => (d.accounts[2].emailVerified = "yes"), "accounts[2].emailVerified", /accounts\[2\]\.emailVerified: must be boolean/],
    ["a verified email without an email", (d) => (d.accounts[1] = { ...d.accounts[1], email: null, emailVerified: true }), "accounts[1].emailVerified", /an account without an email has no verified email/],
  ];
  for (const [what, mutate, field, message] of cases) {
    it(`R18: refuses ${what}, naming the JSON path, and writes nothing`, async () => {
      const document = example();
      mutate(document);
      const before = await counts(db.prisma);
      const error = await domainError(importDirectory(db.prisma, operator, { enterpriseKey: "initech", document, dryRun: false, prune: false }, NOW));
      expect(error.code).toBe("INVALID_INPUT");
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
      expect(error.message).toContain("nothing was imported");
      expect(await counts(db.prisma)).toEqual(before);
    });
  }

  it("R18/R5: a token's secret is never stored or echoed, even in the refusal", async () => {
    const document = example() as any;
    const secret = "sqp_0123456789abcdef0123456789abcdef01234567";
    document.tokens[0].token = secret;
    const error = await domainError(importDirectory(db.prisma, operator, { enterpriseKey: "initech", document, dryRun: false, prune: false }, NOW));
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(secret);
  });

  it("R18: refuses an organization key used outside the enterprise, naming the entry, and writes nothing", async () => {
    await db.prisma.organization.create({ data: { key: "someone-elses", name: "Someone else's" } });
    const document = example();
    document.organizations.push({ key: "someone-elses", name: "Mine", devopsPlatform: "GITHUB", plan: "TEAM" });
    const before = await counts(db.prisma);
    const error = await domainError(importDirectory(db.prisma, operator, { enterpriseKey: "initech", document, dryRun: false, prune: false }, NOW));
    expect(error.field).toBe("organizations[4].key");
    expect(error.message).toContain('"someone-elses" is used by an organization outside this enterprise');
    expect(await counts(db.prisma)).toEqual(before);
  });
});

describe("importing the example", () => {
  it("R18: dry run changes nothing; the import creates everything; a second import changes nothing and says so", async () => {
    const before = await counts(db.prisma);
    const dry = await importDirectory(db.prisma, operator, { enterpriseKey: "initech", document: example(), dryRun: true, prune: false }, NOW);
    expect(dry.applied).toBe(false);
    expect(dry.changed).toBe(true);
    expect(await counts(db.prisma)).toEqual(before);

    const real = await importDirectory(db.prisma, operator, { enterpriseKey: "initech", document: JSON.stringify(example()), dryRun: false, prune: false }, NOW);
    expect(real.applied).toBe(true);
    // The dry run announced exactly what the real run did.
    expect(real.changes).toEqual(dry.changes);
    expect(real.changes.organizations).toMatchObject({ created: 4, updated: 0 });
    expect(real.changes.accounts).toMatchObject({ created: 6, updated: 1 }); // ada existed (bootstrap): platform and external id set
    expect(real.changes.memberships.created).toBe(9);
    expect(real.changes.tokens.created).toBe(3);

    const mobile = await db.prisma.organization.findUniqueOrThrow({
      where: { key: "initech-mobile" },
      include: { groups: { include: { permissions: true, memberships: { include: { account: true } } } } },
    });
    expect(mobile.devopsPlatform).toBe("BITBUCKET_CLOUD");
    const owners = mobile.groups.find((group) => group.name === "Owners")!;
    expect(owners.permissions.map((row) => row.permission)).toEqual(["ADMIN"]);
    expect(owners.memberships.map((row) => row.account.login)).toEqual(["bill"]);
    const token = await db.prisma.token.findFirstOrThrow({ where: { name: "ci-storefront" }, include: { ownerAccount: true } });
    expect(token).toMatchObject({ kind: "PAT", prefix: "sqp_", lastFour: "3f9a", revokedAt: null });
    expect(token.ownerAccount?.login).toBe("peter");
    expect(token.importedAt).not.toBeNull();
    expect(token.lastUsedAt?.toISOString()).toBe("2026-11-20T17:45:00.000Z");
    // emailVerified as the file says; left out (bill): not verified. ada, bootstrapped unverified, is updated.
    const verified = await db.prisma.account.findMany({ where: { kind: "DEVOPS", login: { in: ["ada", "bill", "peter"] } }, orderBy: { login: "asc" } });
    expect(verified.map((account) => [account.login, account.emailVerified])).toEqual([["ada", true], ["bill", false], ["peter", true]]);
    const audit = await db.prisma.auditEvent.findFirstOrThrow({ where: { action: "directory.imported" } });
    expect(audit.payload).toMatchObject({ via: "cli", prune: false, changed: true });

    const afterFirst = await counts(db.prisma);
    const again = await importDirectory(db.prisma, operator, { enterpriseKey: "initech", document: example(), dryRun: false, prune: false }, NOW);
    expect(again.changed).toBe(false);
    expect(again.summary).toMatch(/^Nothing to change/);
    for (const kind of IMPORT_KINDS) expect(again.changes[kind], kind).toMatchObject({ created: 0, updated: 0, removed: 0, notListed: 0 });
    expect(again.changes.accounts.unchanged).toBe(7);
    expect(again.changes.memberships.unchanged).toBe(9);
    // The repeated import writes only its audit event.
    expect(await counts(db.prisma)).toEqual({ ...afterFirst, audit: afterFirst.audit + 1 });
  });

  it("R18: without prune what the file no longer lists is reported and kept; an update is counted as such", async () => {
    const document = example();
    document.memberships = document.memberships!.filter((membership) => membership.account !== "joanna");
    document.accounts.find((account) => account.login === "samir")!.name = "Samir N.";
    document.tokens = document.tokens!.filter((token) => token.name !== "mobile-release");
    const result = await importDirectory(db.prisma, operator, { enterpriseKey: "initech", document, dryRun: false, prune: false }, NOW);
    expect(result.changes.accounts.updated).toBe(1);
    expect(result.changes.memberships).toMatchObject({ removed: 0, notListed: 1, notListedExamples: ["joanna in initech-legacy"] });
    expect(result.changes.organizationPermissions).toMatchObject({ removed: 0, notListed: 1 });
    expect(result.changes.tokens).toMatchObject({ removed: 0, notListed: 1, notListedExamples: ["PAT mobile-release of bill"] });
    expect(await db.prisma.orgMembership.count({ where: { account: { login: "joanna" } } })).toBe(1);
    expect(result.summary).toContain("prune removes");
  });

  it("R18: emailVerified is compared like any field: a change is an update, left out means not verified", async () => {
    await importDirectory(db.prisma, operator, { enterpriseKey: "initech", document: example(), dryRun: false, prune: false }, NOW);
    const document = example();
    document.accounts.find((account) => account.login === "bill")!.emailVerified = true;
    const verifying = await importDirectory(db.prisma, operator, { enterpriseKey: "initech", document, dryRun: false, prune: false }, NOW);
    expect(verifying.changes.accounts).toMatchObject({ updated: 1, created: 0 });
    expect((await db.prisma.account.findUniqueOrThrow({ where: { login: "bill" } })).emailVerified).toBe(true);
    const same = await importDirectory(db.prisma, operator, { enterpriseKey: "initech", document, dryRun: false, prune: false }, NOW);
    expect(same.changes.accounts.updated).toBe(0);

    delete document.accounts.find((account) => account.login === "bill")!.emailVerified;
    const unverifying = await importDirectory(db.prisma, operator, { enterpriseKey: "initech", document, dryRun: false, prune: false }, NOW);
    expect(unverifying.changes.accounts.updated).toBe(1);
    expect((await db.prisma.account.findUniqueOrThrow({ where: { login: "bill" } })).emailVerified).toBe(false);
  });
});

describe("prune follows the cutover's rules (R9)", () => {
  let s: Scenario;

  /** The DOP side of the scenario exactly as stored: importing it changes nothing. */
  async function currentDocument(): Promise<DirectoryDocument> {
    const organizations = await db.prisma.organization.findMany({ where: { enterpriseId: s.enterprise.id }, orderBy: { key: "asc" } });
    const organizationKeys = new Map(organizations.map((organization) => [organization.id, organization.key]));
    const dop = { kind: "DEVOPS" as const, OR: [{ memberships: { some: { organization: { enterpriseId: s.enterprise.id } } } }, { enterprisePermissions: { some: { enterpriseId: s.enterprise.id } } }] };
    const accounts = await db.prisma.account.findMany({ where: dop, orderBy: { login: "asc" } });
    const memberships = await db.prisma.orgMembership.findMany({ where: { account: { kind: "DEVOPS" }, organization: { enterpriseId: s.enterprise.id } }, include: { account: true } });
    const permissions = await db.prisma.orgPermission.findMany({ where: { account: { kind: "DEVOPS" }, organization: { enterpriseId: s.enterprise.id } } });
    const grants = await db.prisma.enterprisePermission.findMany({ where: { enterpriseId: s.enterprise.id, account: { kind: "DEVOPS" } }, include: { account: true } });
    return {
      version: 1,
      organizations: organizations.map((o) => ({ key: o.key, name: o.name, devopsPlatform: o.devopsPlatform!, plan: o.plan })),
      accounts: accounts.map((a) => ({ login: a.login, name: a.name, email: a.email, emailVerified: a.emailVerified, devopsPlatform: a.devopsPlatform! })),
      memberships: memberships.map((m) => ({
        account: m.account.login,
        organization: organizationKeys.get(m.organizationId)!,
        permissions: permissions.filter((p) => p.accountId === m.accountId && p.organizationId === m.organizationId).map((p) => p.permission),
      })),
      enterprisePermissions: grants.map((g) => ({ account: g.account.login, permission: g.permission })),
    };
  }

  function withoutPermission(document: DirectoryDocument, handle: string, organization: string, permission: string): DirectoryDocument {
    for (const membership of document.memberships!) {
      if (membership.account === s.account(handle).login && membership.organization === s.organization(organization).key) {
        membership.permissions = membership.permissions!.filter((held) => held !== permission);
      }
    }
    return document;
  }

  const prune = (document: DirectoryDocument, options: { dryRun?: boolean; acknowledgeAccessLoss?: string[] } = {}) =>
    importDirectory(
      db.prisma,
      { kind: "account", actor: s.actor("sso-admin") },
      { enterpriseKey: s.enterprise.key, document, dryRun: options.dryRun ?? false, prune: true, acknowledgeAccessLoss: options.acknowledgeAccessLoss ?? [] },
      NOW,
    );

  beforeAll(async () => {
    s = await buildScenario(db.prisma, {
      enterprise: { key: "prune-rules" },
      organizations: { web: {}, mobile: { devopsPlatform: "BITBUCKET_CLOUD" }, data: { devopsPlatform: "GITLAB" } },
      accounts: {
        "sso-admin": { kind: "SSO", enterpriseAdmin: true, memberOf: ["web", "mobile"], permissions: { web: ["ADMIN"], mobile: ["ADMIN"] } },
        "break-glass": { enterpriseAdmin: true, memberOf: ["web"] },
        "bb-admin": { memberOf: ["mobile"], permissions: { mobile: ["ADMIN", "SCAN"] } },
        "data-admin": { memberOf: ["data"], permissions: { data: ["ADMIN"] } },
        dev: { memberOf: ["web"], linkedTo: "dev-sso" },
        "dev-sso": { kind: "SSO", memberOf: ["web"] },
        lone: { memberOf: ["web", "data"] },
      },
    });
  });

  it("R18: the stored state imported again changes nothing", async () => {
    const result = await prune(await currentDocument());
    expect(result.violations).toEqual([]);
    expect(result.changed).toBe(false);
  });

  const refusals: [string, string, (document: DirectoryDocument) => DirectoryDocument][] = [
    ["R9 (a): removing the last DOP holder of Administer Enterprise", "NO_BREAK_GLASS_ADMIN", (d) => ({ ...d, enterprisePermissions: [] })],
    ["R9 (b): removing the last DOP admin of a Bitbucket Cloud organization", "BITBUCKET_WITHOUT_DOP_ADMIN", (d) => withoutPermission(d, "bb-admin", "mobile", "ADMIN")],
    ["R9 (c): removing an organization's last admin", "ORGANIZATION_WITHOUT_ADMIN", (d) => withoutPermission(d, "data-admin", "data", "ADMIN")],
    [
      "R9 (d): removing a person with no SSO account from an organization, unacknowledged",
      "UNACKNOWLEDGED_ACCESS_LOSS",
      (d) => ({ ...d, memberships: d.memberships!.filter((m) => !(m.account === s.account("lone").login && m.organization === s.organization("data").key)) }),
    ],
  ];
  for (const [title, code, change] of refusals) {
    it(`${title} refuses the whole prune with ${code}; dry run and real run agree; nothing changes`, async () => {
      const document = change(await currentDocument());
      // Something harmless in the same file: it is refused with the rest.
      document.accounts.push({ login: `newcomer-${code.toLowerCase()}`, name: "Newcomer", devopsPlatform: "GITHUB" });
      const before = await snapshotAccess(db.prisma);
      const accountsBefore = await db.prisma.account.count();
      const dry = await prune(document, { dryRun: true });
      const real = await prune(document);
      expect(real.violations.map((violation) => violation.code)).toEqual([code]);
      expect(real.applied).toBe(false);
      expect(real.summary).toMatch(/^Refused, nothing changed/);
      expect({ ...dry, dryRun: false }).toEqual(real);
      expect(await snapshotAccess(db.prisma)).toEqual(before);
      expect(await db.prisma.account.count()).toBe(accountsBefore);
    });
  }

  it("R9 (d): an acknowledged loss is pruned and remembered; a person whose SSO account is a member loses nothing", async () => {
    const document = await currentDocument();
    const lone = s.account("lone");
    const dev = s.account("dev");
    document.memberships = document.memberships!.filter(
      (m) => !(m.account === lone.login && m.organization === s.organization("web").key) && m.account !== dev.login,
    );
    const result = await prune(document, { acknowledgeAccessLoss: [lone.login] });
    expect(result.violations).toEqual([]);
    expect(result.applied).toBe(true);
    expect(result.changes.memberships.removed).toBe(2);
    expect(result.accessLoss.map((loss) => [loss.login, loss.organizations.map((o) => o.key), loss.acknowledged])).toEqual([
      [lone.login, [s.organization("web").key], true],
    ]);
    const acknowledgement = await db.prisma.accessLossAcknowledgement.findFirstOrThrow({ where: { devopsAccountId: lone.id } });
    expect(acknowledgement).toMatchObject({ organizationId: s.organization("web").id, acknowledgedById: s.account("sso-admin").id });
    expect(await db.prisma.orgMembership.count({ where: { accountId: dev.id } })).toBe(0);
    const audit = await db.prisma.auditEvent.findFirstOrThrow({ where: { enterpriseId: s.enterprise.id, action: "directory.imported" }, orderBy: { createdAt: "desc" } });
    expect(audit.payload).toMatchObject({ via: "api", prune: true, changes: { memberships: { removed: 2 } } });
  });

  it("R18: only enterprise admins import (FORBIDDEN for an organization member)", async () => {
    const error = await domainError(
      importDirectory(db.prisma, { kind: "account", actor: s.actor("lone") }, { enterpriseKey: s.enterprise.key, document: await currentDocument(), dryRun: true, prune: false }),
    );
    expect(error.code).toBe("FORBIDDEN");
  });
});
