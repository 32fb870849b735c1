/**
 * `pnpm bench`: the readiness report and the cutover dry run on a large enterprise (200 organizations, 20,000
 * DOP accounts, 5,000 SSO accounts, 5,000 tokens), on a fresh embedded database (or TEST_DATABASE_URL's server).
 * Prints timings (median and worst of several runs) and SQL statements per request.
 */
import { performance } from "node:perf_hooks";
import os from "node:os";
import { createTestDatabase } from "@sso-cutover/db/testing";
import { generateTokenSecret, hashTokenSecret, lastFour } from "@sso-cutover/tokens";
import { planDevopsAccountRemoval, readinessPage, readinessTotals } from "@sso-cutover/sso";

const ORGANIZATIONS = Number(process.env.BENCH_ORGANIZATIONS ?? 200);
const DOP_ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 20_000);
const SSO_ACCOUNTS = Math.floor(DOP_ACCOUNTS / 4);
const RUNS = 7;

async function chunks<T>(rows: T[], size: number, write: (chunk: T[]) => Promise<unknown>) {
  for (let index = 0; index < rows.length; index += size) await write(rows.slice(index, index + size));
}

const db = await createTestDatabase();
const prisma = db.prisma;
const started = performance.now();
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
    data: ids.map((id, index) => ({ id, login: `${id}`, name: id, kind: "DEVOPS" as const, email: `${id}@bench.example`, emailNormalized: `${id}@bench.example` })),
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
console.log(`seeded ${ORGANIZATIONS} organizations, ${DOP_ACCOUNTS} DOP + ${SSO_ACCOUNTS} SSO accounts in ${((performance.now() - started) / 1000).toFixed(1)} s (${db.kind})`);

async function measure(name: string, work: () => Promise<unknown>) {
  const times: number[] = [];
  let statements = 0;
  for (let run = 0; run < RUNS; run++) {
    db.statements.reset();
    const begin = performance.now();
    await work();
    times.push(performance.now() - begin);
    statements = db.statements.count;
  }
  times.sort((a, b) => a - b);
  console.log(`${name.padEnd(48)} median ${times[Math.floor(RUNS / 2)]!.toFixed(0).padStart(6)} ms  worst ${times.at(-1)!.toFixed(0).padStart(6)} ms  ${statements} SQL statements`);
}

await measure("readiness page, first 10", () => readinessPage(prisma, enterprise.id, { limit: 10 }));
await measure("readiness page, first 100", () => readinessPage(prisma, enterprise.id, { limit: 100 }));
await measure("readiness page 100, after dop-5", () => readinessPage(prisma, enterprise.id, { limit: 100, after: "dop-5" }));
await measure("readiness totals", () => readinessTotals(prisma, enterprise.id));
await measure("cutover dry run, 100 DOP accounts", () => planDevopsAccountRemoval(prisma, enterprise.id, dopIds.slice(1000, 1100)));
await measure("cutover dry run, 1,000 DOP accounts", () => planDevopsAccountRemoval(prisma, enterprise.id, dopIds.slice(1000, 2000)));
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
await db.close();
