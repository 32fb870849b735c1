/**
 * Small builders for token tests: enterprises, organizations, projects, DOP and SSO accounts, memberships,
 * permissions (direct or through groups) and identity links — each with unique keys, so tests in one file share a
 * database without colliding.
 */
import { afterAll, beforeAll } from "vitest";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { expect } from "vitest";
import {
  DomainError,
  type Account,
  type DevopsPlatform,
  type DomainErrorCode,
  type Enterprise,
  type Organization,
  type OrgPermissionKind,
  type Plan,
  type PrismaClient,
  type Project,
} from "@sso-cutover/db";
import type { Actor } from "@sso-cutover/enterprise";

let sequence = 0;
function unique(stem: string): string {
  sequence += 1;
  return `${stem}-${process.pid.toString(36)}-${sequence}`;
}

export function tokenFixtures(prisma: PrismaClient) {
  return {
    enterprise(name = "Acme"): Promise<Enterprise> {
      return prisma.enterprise.create({ data: { key: unique("ent").toLowerCase(), name } });
    },

    organization(
      options: { enterprise?: Enterprise | null; plan?: Plan; devopsPlatform?: DevopsPlatform | null; key?: string } = {},
    ): Promise<Organization> {
      const key = options.key ?? unique("org");
      return prisma.organization.create({
        data: {
          key,
          name: key,
          enterpriseId: options.enterprise?.id ?? null,
          plan: options.plan ?? "TEAM",
          devopsPlatform: options.devopsPlatform === undefined ? "GITHUB" : options.devopsPlatform,
        },
      });
    },

    async projects(organization: Organization, keys: string[]): Promise<Project[]> {
      return Promise.all(
        keys.map((key) => prisma.project.create({ data: { organizationId: organization.id, key, name: key } })),
      );
    },

    devopsAccount(login = unique("dop")): Promise<Account> {
      return prisma.account.create({ data: { login, name: login, kind: "DEVOPS", devopsPlatform: "GITHUB" } });
    },

    ssoAccount(enterprise: Enterprise, login = unique("sso")): Promise<Account> {
      return prisma.account.create({ data: { login, name: login, kind: "SSO", enterpriseId: enterprise.id } });
    },

    /** A member of the organization holding these permissions directly. */
    async member(account: Account, organization: Organization, permissions: OrgPermissionKind[] = []): Promise<void> {
      await prisma.orgMembership.create({ data: { accountId: account.id, organizationId: organization.id } });
      if (permissions.length > 0) {
        await prisma.orgPermission.createMany({
          data: permissions.map((permission) => ({ accountId: account.id, organizationId: organization.id, permission })),
        });
      }
    },

    /** A group of the organization granting these permissions to its members (who are not direct members). */
    async group(organization: Organization, permissions: OrgPermissionKind[], members: Account[]): Promise<void> {
      const group = await prisma.group.create({ data: { organizationId: organization.id, name: unique("group") } });
      if (permissions.length > 0) {
        await prisma.groupPermission.createMany({ data: permissions.map((permission) => ({ groupId: group.id, permission })) });
      }
      await prisma.groupMembership.createMany({ data: members.map((account) => ({ groupId: group.id, accountId: account.id })) });
    },

    async enterpriseAdmin(account: Account, enterprise: Enterprise): Promise<void> {
      await prisma.enterprisePermission.create({
        data: { accountId: account.id, enterpriseId: enterprise.id, permission: "ADMINISTER_ENTERPRISE" },
      });
    },

    async link(devopsAccount: Account, ssoAccount: Account): Promise<void> {
      await prisma.identityLink.create({
        data: { devopsAccountId: devopsAccount.id, ssoAccountId: ssoAccount.id, linkedById: ssoAccount.id },
      });
    },
  };
}

export function actorOf(account: Account): Actor {
  return { accountId: account.id, login: account.login, kind: account.kind, via: "SESSION" };
}

export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;

/** Awaits a rejection with a DomainError of this code (and field, and message, when given); returns it. */
export async function expectDomainError(
  promise: Promise<unknown>,
  expected: { code: DomainErrorCode; field?: string | null; message?: RegExp },
): Promise<DomainError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error, "expected the call to be refused").toBeInstanceOf(DomainError);
  const domainError = error as DomainError;
  expect(domainError.code).toBe(expected.code);
  if (expected.field !== undefined) expect(domainError.field).toBe(expected.field);
  if (expected.message) expect(domainError.message).toMatch(expected.message);
  return domainError;
}

/**
 * A fresh test database and fixtures for one test file: registers its own beforeAll/afterAll, so a file starts with
 * `const suite = tokenSuite();` and uses `suite.db` and `suite.fixtures` inside its tests.
 */
export function tokenSuite(): { db: TestDatabase; fixtures: ReturnType<typeof tokenFixtures> } {
  const suite = {} as { db: TestDatabase; fixtures: ReturnType<typeof tokenFixtures> };
  beforeAll(async () => {
    suite.db = await createTestDatabase();
    suite.fixtures = tokenFixtures(suite.db.prisma);
  });
  afterAll(() => suite.db.close());
  return suite;
}
