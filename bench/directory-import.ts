/**
 * `pnpm bench:import`: the directory import of a large enterprise (200 organizations, 20,000 DOP accounts, 100,000
 * memberships, 400 groups with 20,000 members, 5,000 tokens) into a fresh embedded database (or TEST_DATABASE_URL's
 * server): the first import, the same file again (nothing to change), and a pruning dry run of a file that lost 1% of
 * its memberships. Prints each duration, the SQL statements, and the process's peak memory: resident, and of the
 * JavaScript heap, where the file and the import's work live.
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import { createTestDatabase } from "@sso-cutover/db/testing";
import { bootstrapEnterprise, importDirectory, type DirectoryDocument } from "@sso-cutover/directory";

const ORGANIZATIONS = Number(process.env.BENCH_ORGANIZATIONS ?? 200);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 20_000);
const MEMBERSHIPS_PER_ACCOUNT = 5;
const TOKENS = Math.floor(ACCOUNTS / 4);

function largeDirectory(): DirectoryDocument {
  const organizations = Array.from({ length: ORGANIZATIONS }, (_, index) => ({
    key: `bench-org-${index}`,
    name: `Organization ${index}`,
    devopsPlatform: index % 10 === 0 ? ("BITBUCKET_CLOUD" as const) : ("GITHUB" as const),
    plan: "ENTERPRISE" as const,
    projects: [{ key: "app", name: "App" }],
  }));
  const accounts = Array.from({ length: ACCOUNTS }, (_, index) => ({
    login: `dop-${index}`,
    name: `Person ${index}`,
    email: `person-${index}@bench.example`,
    devopsPlatform: "GITHUB" as const,
    externalId: String(100_000 + index),
  }));
  const memberships = accounts.flatMap((account, index) =>
    Array.from({ length: MEMBERSHIPS_PER_ACCOUNT }, (_, offset) => ({
      account: account.login,
      organization: organizations[(index + offset * 37) % ORGANIZATIONS]!.key,
      // The first member of each organization administers it.
      permissions: index < ORGANIZATIONS && offset === 0 ? (["ADMIN", "SCAN"] as const).slice() : (["SCAN"] as const).slice(),
    })),
  );
  const groups = organizations.flatMap((organization, index) => [
    { organization: organization.key, name: "developers", permissions: ["SCAN" as const], members: accounts.filter((_, a) => a % ORGANIZATIONS === index).slice(0, 50).map((a) => a.login) },
    { organization: organization.key, name: "Owners", members: [accounts[index]!.login] },
  ]);
  const tokens = Array.from({ length: TOKENS }, (_, index) => ({
    kind: "PAT" as const,
    name: `ci-${index}`,
    owner: accounts[index * 4]!.login,
    createdAt: "2026-01-01T00:00:00Z",
    lastUsedAt: "2026-11-01T00:00:00Z",
  }));
  return {
    version: 1,
    organizations,
    accounts: [{ login: "bench-admin", name: "Bench Admin", devopsPlatform: "GITHUB" }, ...accounts],
    memberships,
    groups,
    enterprisePermissions: [{ account: "bench-admin", permission: "ADMINISTER_ENTERPRISE" }],
    tokens,
  };
}

let peakRss = 0;
let peakHeap = 0;
const sampler = setInterval(() => {
  const usage = process.memoryUsage();
  peakRss = Math.max(peakRss, usage.rss);
  peakHeap = Math.max(peakHeap, usage.heapUsed);
}, 50);
const db = await createTestDatabase();
await bootstrapEnterprise(db.prisma, { enterpriseKey: "bench", enterpriseName: "Bench", adminLogin: "bench-admin", adminEmail: "admin@bench.example" });
const document = largeDirectory();
const text = JSON.stringify(document);
console.log(
  `directory: ${ORGANIZATIONS} organizations, ${document.accounts.length} accounts, ${document.memberships!.length} memberships, ` +
    `${document.groups!.reduce((sum, group) => sum + (group.members?.length ?? 0), 0)} group members, ${TOKENS} tokens; ${(text.length / 2 ** 20).toFixed(1)} MiB of JSON (${db.kind})`,
);

async function measure(name: string, work: () => Promise<{ summary: string }>) {
  db.statements.reset();
  const begin = performance.now();
  const result = await work();
  const seconds = (performance.now() - begin) / 1000;
  const inDatabase = db.statements.durations.reduce((sum, ms) => sum + ms, 0) / 1000;
  console.log(
    `${name.padEnd(36)} ${seconds.toFixed(1).padStart(6)} s (${inDatabase.toFixed(1)} s in SQL)  ${String(db.statements.count).padStart(5)} SQL statements  ${result.summary.slice(0, 120)}`,
  );
  if (process.env.BENCH_PROFILE) {
    const slowest = db.statements.log
      .map((sql, index) => ({ sql, ms: db.statements.durations[index]! }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 5);
    for (const { sql, ms } of slowest) console.log(`    ${ms.toFixed(0).padStart(6)} ms  ${sql.slice(0, 300)}`);
  }
}

const operator = { kind: "operator" } as const;
await measure("first import", () => importDirectory(db.prisma, operator, { enterpriseKey: "bench", document: text, dryRun: false, prune: false }));
await measure("same file again (unchanged)", () => importDirectory(db.prisma, operator, { enterpriseKey: "bench", document: text, dryRun: false, prune: false }));
const fewer = { ...document, memberships: document.memberships!.filter((_, index) => index % 100 !== 99) };
await measure("prune dry run, 1% fewer memberships", () =>
  importDirectory(db.prisma, operator, { enterpriseKey: "bench", document: fewer, dryRun: true, prune: true, acknowledgeAll: true }),
);
clearInterval(sampler);
console.log(
  `peak memory (rss): ${(peakRss / 2 ** 20).toFixed(0)} MiB; JavaScript heap in use at most ${(peakHeap / 2 ** 20).toFixed(0)} MiB` +
    (db.kind === "pglite" ? " (the embedded test database is in memory, in this process: its tables count in rss)" : ""),
);
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
await db.close();
