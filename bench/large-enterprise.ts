/** A large enterprise for benchmarks: organizations, DOP and SSO accounts, links, permissions and tokens. */
import type { PrismaClient } from "@sso-cutover/db";
import { generateTokenSecret, hashTokenSecret, lastFour } from "@sso-cutover/tokens";

export interface LargeEnterprise {
  enterpriseId: string;
  dopIds: string[];
}

async function chunks<T>(rows: T[], size: number, write: (chunk: T[]) => Promise<unknown>) {
  for (let index = 0; index < rows.length; index += size) await write(rows.slice(index, index + size));
}

export async function seedLargeEnterprise(
  prisma: PrismaClient,
  ORGANIZATIONS: number,
  DOP_ACCOUNTS: number,
): Promise<LargeEnterprise> {
  const SSO_ACCOUNTS = Math.floor(DOP_ACCOUNTS / 4);
  const enterprise = await prisma.enterprise.create({ data: { key: "bench", name: "Bench" } });
  await prisma.organization.createMany({
    data: Array.from({ length: ORGANIZATIONS }, (_, index) => ({
      id: `org-${index}`,
      key: `bench-org-${String(index).padStart(3, "0")}`,
      name: `Org ${index}`,
      enterpriseId: enterprise.id,
      plan: index % 3 === 0 ? ("TEAM" as const) : ("ENTERPRISE" as const),
      devopsPlatform: index % 10 === 0 ? ("BITBUCKET_CLOUD" as const) : ("GITHUB" as const),
    })),
  });
  const dopIds = Array.from({ length: DOP_ACCOUNTS }, (_, index) => `dop-${index}`);
  await chunks(dopIds, 5000, (ids) =>
    prisma.account.createMany({
      data: ids.map((id) => ({ id, login: id, name: id, kind: "DEVOPS" as const, email: `${id}@bench.example`, emailNormalized: `${id}@bench.example` })),
    }),
  );
  const memberships = dopIds.flatMap((id, index) => [index % ORGANIZATIONS, (index * 7 + 3) % ORGANIZATIONS].map((org) => ({ accountId: id, organizationId: `org-${org}` })));
  await chunks([...new Map(memberships.map((row) => [`${row.accountId}:${row.organizationId}`, row])).values()], 5000, (rows) =>
    prisma.orgMembership.createMany({ data: rows }),
  );
  await chunks(
    dopIds.flatMap((id, index) => [
      { accountId: id, organizationId: `org-${index % ORGANIZATIONS}`, permission: index < ORGANIZATIONS ? ("ADMIN" as const) : ("SCAN" as const) },
    ]),
    5000,
    (rows) => prisma.orgPermission.createMany({ data: rows }),
  );
  await prisma.enterprisePermission.createMany({
    data: dopIds.slice(0, 3).map((accountId) => ({ enterpriseId: enterprise.id, accountId, permission: "ADMINISTER_ENTERPRISE" as const })),
  });
  const ssoIds = Array.from({ length: SSO_ACCOUNTS }, (_, index) => `sso-${index}`);
  await chunks(ssoIds, 5000, (ids) =>
    prisma.account.createMany({ data: ids.map((id) => ({ id, login: id, name: id, kind: "SSO" as const, enterpriseId: enterprise.id })) }),
  );
  await chunks(ssoIds.slice(0, Math.floor(SSO_ACCOUNTS * 0.8)), 5000, (ids) =>
    prisma.identityLink.createMany({ data: ids.map((id, index) => ({ ssoAccountId: id, devopsAccountId: dopIds[index * 4]!, linkedById: id })) }),
  );
  await chunks(
    Array.from({ length: DOP_ACCOUNTS / 4 }, (_, index) => dopIds[index * 4 + 1]!),
    5000,
    (owners) =>
      prisma.token.createMany({
        data: owners.map((owner) => {
          const secret = generateTokenSecret("PAT");
          return { kind: "PAT" as const, name: "ci", prefix: "sqp_", lastFour: lastFour(secret), hash: hashTokenSecret(secret), ownerAccountId: owner };
        }),
      }),
  );
  // Fresh statistics, as PostgreSQL's autovacuum (or the embedded database's maintenance) keeps them.
  await prisma.$executeRawUnsafe("ANALYZE");
  return { enterpriseId: enterprise.id, dopIds };
}
