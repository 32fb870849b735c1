/**
 * `pnpm bench`: the readiness report and the cutover dry run on a large enterprise (200 organizations, 20,000
 * DOP accounts, 5,000 SSO accounts, 5,000 tokens), on a fresh embedded database (or TEST_DATABASE_URL's server).
 * Prints timings (median and worst of several runs) and SQL statements per request.
 */
import { performance } from "node:perf_hooks";
import os from "node:os";
import { createTestDatabase } from "@sso-cutover/db/testing";
import { seedLargeEnterprise } from "./large-enterprise";
import { planDevopsAccountRemoval, readinessPage, readinessTotals } from "@sso-cutover/sso";

const ORGANIZATIONS = Number(process.env.BENCH_ORGANIZATIONS ?? 200);
const DOP_ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 20_000);
const SSO_ACCOUNTS = Math.floor(DOP_ACCOUNTS / 4);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

const db = await createTestDatabase();
const prisma = db.prisma;
const started = performance.now();
const { enterpriseId, dopIds } = await seedLargeEnterprise(prisma, ORGANIZATIONS, DOP_ACCOUNTS);
const enterprise = { id: enterpriseId };
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
  if (process.env.BENCH_PROFILE) {
    const slowest = db.statements.log
      .map((sql, index) => ({ sql, ms: db.statements.durations[index]! }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 3);
    for (const { sql, ms } of slowest) console.log(`    ${ms.toFixed(0).padStart(6)} ms  ${sql.slice(0, 400)}`);
  }
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
