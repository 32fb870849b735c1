/**
 * `pnpm bench`: the gateway over HTTP, as its own process, on PostgreSQL and on the embedded database (PGlite), with
 * a large enterprise (1 enterprise, 200 organizations, 20,000 accounts half DOP / half SSO, 100,000 memberships,
 * 40,000 tokens, 6,000 links, 2,000 invitations). Each request kind gets a warm-up, then autocannon's 10 connections
 * for 10 s, then 30 requests one at a time (the sequential p50 / p99: what one user waits); bare graphql-yoga runs in
 * the same run, so every figure also reads as a ratio to it. Also the cold start of `pnpm start` (existing / empty
 * embedded data directory, PostgreSQL) and the idle memory, the dashboard's first screen in Chromium
 * (bench/dashboard.ts), then the directory import (bench/directory-import.ts). Writes bench/RESULTS.md.
 *
 * Options: `--smoke` (a hundredth of the data, 1 s per row, one cold start per database, one load of each
 * dashboard screen, no RESULTS.md: checks that every row still runs),
 * `--databases=pglite,postgresql` (cold starts and requests), `--out=<file>`, `--sections=cold,requests,dashboard,import` (which parts run; default all),
 * `--rows=<text>,<text>` (only the request kinds whose name contains one of them), `--starts=<n>` (each cold start
 * n times, the median reported with the range). PostgreSQL: POSTGRES_SERVER_URL (default
 * postgresql://postgres@127.0.0.1:5432/postgres); the run creates a database there and drops it.
 *
 * SQL statements per request are counted by the gateway itself (METRICS_SQL_STATEMENTS=true, read from /metrics
 * before and after each row, once the gateway has finished every request it was still serving, and divided by the
 * GraphQL responses it finished meanwhile), the same way on both databases.
 */
import { execSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import pg from "pg";
import { openEmbedded } from "@sso-cutover/db";
import { ensurePostgresTemplate } from "@sso-cutover/db/testing";
import { measureDashboard } from "./dashboard";
import { countDataSet, ENTERPRISE_KEY, FULL_DATA_SET, seedDataSet, SMOKE_DATA_SET, type SeededDataSet } from "./data-set";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const argument = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const smoke = process.argv.includes("--smoke");
const databases = (argument("databases") ?? "pglite,postgresql").split(",");
const out = argument("out") ?? (smoke ? undefined : path.join(root, "bench", "RESULTS.md"));
const size = smoke ? SMOKE_DATA_SET : FULL_DATA_SET;
const DURATION_S = smoke ? 1 : 10;
const WARM_UP_S = smoke ? 0.3 : 2;
const CONNECTIONS = 10;
/** Requests sent one at a time after the load, for the sequential latency (the first few as warm-up, not counted). */
const SEQUENTIAL = smoke ? 5 : 30;
const SEQUENTIAL_WARM_UP = smoke ? 1 : 3;
const sections = new Set((argument("sections") ?? "cold,requests,dashboard,import").split(","));
const DASHBOARD_RUNS = smoke ? 1 : 5;
const rowFilter = argument("rows")?.split(",");
const STARTS = Number(argument("starts") ?? 1);
const serverUrl = process.env.POSTGRES_SERVER_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

// ------------------------------------------------------------------------------------------------ helpers

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** CPU time the process has used, in microseconds (user + system). */
function cpuMicroseconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / 100;
}

/** The process's children (on the embedded database: its database process). */
function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const listed = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
    if (listed) children.push(...listed.split(" ").map(Number));
  }
  return children;
}

/** CPU time of the server's processes: the gateway's and, on the embedded database, its database process's. */
function serverCpuMicroseconds(pid: number): number {
  return [pid, ...childPids(pid)].reduce((sum, each) => sum + cpuMicroseconds(each), 0);
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

interface Server {
  child: ChildProcess;
  port: number;
  output(): string;
  stop(): Promise<void>;
}

function startServer(command: string[], env: Record<string, string>, port: number): Server {
  const child = spawn(process.execPath, command, {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    port,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

const TYPENAME = JSON.stringify({ query: "{ __typename }" });

/** Seconds until the server answers `{ __typename }` with 200. */
async function firstAnswer(server: Server, started: number, timeoutMs = 120_000): Promise<number> {
  for (;;) {
    if (server.child.exitCode !== null) throw new Error(`the server stopped (exit ${server.child.exitCode}):\n${server.output()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: TYPENAME,
      });
      if (response.status === 200) return (performance.now() - started) / 1000;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > timeoutMs) throw new Error(`no answer within ${timeoutMs / 1000} s:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const GATEWAY = ["scripts/start.mjs"];

function gatewayEnvironment(database: { url?: string; dataDir?: string }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    LOG_LEVEL: "warn",
    SEED_DEMO: "false",
    // Limits no request of the benchmark reaches: their work is measured, their refusals are not.
    RATE_LIMIT_PER_MINUTE: "1000000000",
    AUTH_FAILURES_PER_MINUTE: "1000000000",
    MAX_REQUEST_COST: "1000000",
    TOKEN_CLEANUP_INTERVAL_MINUTES: "0",
    METRICS_SQL_STATEMENTS: "true",
    ...(database.url ? { DATABASE_URL: database.url } : { DATA_DIR: database.dataDir! }),
    ...extra,
  };
}

interface ServerCounts {
  statements: number;
  /** GraphQL responses the server has finished (whether or not the client still waited for them). */
  responses: number;
}

async function countsSoFar(port: number): Promise<ServerCounts> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let responses = 0;
  for (const match of text.matchAll(/^http_request_duration_seconds_count\{([^}]*)\} (\d+)/gm)) {
    if (match[1]!.includes('route="/graphql"')) responses += Number(match[2]);
  }
  return { statements: Number(/^sql_statements_total (\d+)/m.exec(text)?.[1] ?? Number.NaN), responses };
}

/**
 * Waits until the server has finished the requests it still works on (a load's requests outlive the load: the
 * client stops waiting, the server does not), so that counts read next belong to what follows. At most 2 minutes.
 */
async function settled(port: number): Promise<ServerCounts> {
  const deadline = performance.now() + 120_000;
  let last = await countsSoFar(port);
  for (let quiet = 0; quiet < 2 && performance.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await countsSoFar(port);
    quiet = now.statements === last.statements && now.responses === last.responses ? quiet + 1 : 0;
    last = now;
  }
  return last;
}

// --------------------------------------------------------------------------------------------------- rows

interface Row {
  name: string;
  body: string;
  authenticated: boolean;
}

interface Figures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /**
   * The server's CPU time per request: less dependent on what else the machine runs than req/s. The gateway's
   * process and, on PGlite, the embedded database's process (PostgreSQL's own processes are not counted).
   */
  cpuMicrosecondsPerRequest: number;
  statementsPerRequest: number | null;
  peakRssMiB: number;
  failures: number;
  /** One request at a time (no concurrency): the latency a single user sees, in ms. */
  sequentialP50: number;
  sequentialP99: number;
}

type Outcome = { figures: Figures } | { skipped: string };

const accountIds = (data: SeededDataSet, count: number) =>
  Array.from({ length: count }, (_, index) => Buffer.from(`Account:${data.dopAccountId(index)}`).toString("base64"));

const MEMBER = "login email kind organizations { key name } tokenGuidance { willBreak { display lastUsedAt } }";

function rows(data: SeededDataSet): Row[] {
  const graphql = (query: string, variables?: Record<string, unknown>) => JSON.stringify({ query, variables });
  const dryRun = (count: number): Row => ({
    name: `dry run, ${count.toLocaleString("en-US")} accounts`,
    authenticated: true,
    body: graphql(
      `mutation ($ids: [ID!]!) { removeDevopsAccountsFromOrganizations(input: { enterpriseKey: "${ENTERPRISE_KEY}", accountIds: $ids, acknowledgeAll: true, dryRun: true }) {
        ... on CutoverPlan { applied memberships { account { login } organization { key } } tokensThatBreak { display } organizationsLosingLastAdmin { organization { key } } violations { code } }
        ... on Error { code message } } }`,
      { ids: accountIds(data, count) },
    ),
  });
  return [
    { name: "{ __typename }, anonymous", authenticated: false, body: TYPENAME },
    { name: "{ __typename }, with a token", authenticated: true, body: TYPENAME },
    {
      name: "enterprise members(first: 50), nested",
      authenticated: true,
      body: graphql(`{ enterprise(key: "${ENTERPRISE_KEY}") { members(first: 50) { edges { node { ${MEMBER} } } } } }`),
    },
    {
      name: "organizations(first: 20) members(first: 50)",
      authenticated: true,
      body: graphql(`{ enterprise(key: "${ENTERPRISE_KEY}") { organizations(first: 20) { key members(first: 50) { edges { node { ${MEMBER} } } } } } }`),
    },
    {
      name: "readiness(first: 50) with totals",
      authenticated: true,
      body: graphql(`{ enterprise(key: "${ENTERPRISE_KEY}") { readiness(first: 50) {
        totals { people removedWithoutSso dopAccounts linkedDopAccounts breakGlassAccounts blockers warnings }
        edges { node { account { login } ssoAccount { login } cutoverStatus organizationsOnlyThroughDop { key } tokensThatWouldBreak { display } invitation { status } warnings } } } } }`),
    },
    // The cutover's dry run, up to the largest batch one call may name (MAX_ACCOUNTS_PER_REMOVAL, 1,000): a fixed
    // number of statements answering JSON, so the plan's work grows with the memberships and tokens it lists.
    dryRun(100),
    dryRun(1_000),
  ];
}

/** Why a request kind cannot be measured (the answer carries errors), or null. */
async function problemWith(port: number, body: string, headers: Record<string, string>): Promise<string | null> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, { method: "POST", headers, body });
  const answer = (await response.json()) as { errors?: { message: string }[]; data?: unknown };
  if (answer.errors?.length) return `HTTP ${response.status}: ${answer.errors[0]!.message}`;
  const failure = /"code":"([A-Z_]+)","message":"([^"]*)"/.exec(JSON.stringify(answer.data));
  return failure ? `${failure[1]}: ${failure[2]}` : null;
}

/** Latencies in ms of `SEQUENTIAL` requests sent one after the other, each once the previous one has answered. */
async function sequentialLatencies(port: number, body: string, headers: Record<string, string>): Promise<number[]> {
  const latencies: number[] = [];
  for (let index = 0; index < SEQUENTIAL_WARM_UP + SEQUENTIAL; index++) {
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, { method: "POST", headers, body });
    await response.arrayBuffer();
    if (index >= SEQUENTIAL_WARM_UP) latencies.push(performance.now() - started);
  }
  return latencies.sort((a, b) => a - b);
}

/** The value below which `share` of the sorted `values` lie (nearest rank). */
const percentile = (sorted: number[], share: number) => sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]!;

/**
 * Figures of one request kind under load, then one request at a time. `statementsOfOne`: what a single request sent (used when no request of
 * the load finished: a smoke run on a busy machine).
 */
async function measure(port: number, pid: number, body: string, headers: Record<string, string>, statementsOfOne: number | null): Promise<Figures> {
  const countStatements = statementsOfOne !== null;
  const options = { url: `http://127.0.0.1:${port}/graphql`, connections: CONNECTIONS, method: "POST" as const, headers, body };
  await autocannon({ ...options, duration: WARM_UP_S });
  const before = countStatements ? await settled(port) : null;
  let peak = rssMiB(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 100);
  const cpuBefore = serverCpuMicroseconds(pid);
  const result = await autocannon({ ...options, duration: DURATION_S });
  const cpu = serverCpuMicroseconds(pid) - cpuBefore;
  clearInterval(sampler);
  peak = Math.max(peak, rssMiB(pid));
  const after = countStatements ? await settled(port) : null;
  const sequential = await sequentialLatencies(port, body, headers);
  const requests = result.requests.total;
  const served = before && after ? after.responses - before.responses : 0;
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuMicrosecondsPerRequest: requests > 0 ? cpu / requests : Number.NaN,
    statementsPerRequest: !before || !after ? null : served > 0 ? (after.statements - before.statements) / served : statementsOfOne,
    peakRssMiB: peak,
    failures: result.errors + result.timeouts + result.non2xx,
    sequentialP50: percentile(sequential, 0.5),
    sequentialP99: percentile(sequential, 0.99),
  };
}

// ---------------------------------------------------------------------------------------------- databases

interface DatabaseUnderTest {
  kind: "postgresql" | "pglite";
  env: { url?: string; dataDir?: string };
  data: SeededDataSet;
  counts: Record<string, number>;
  drop(): Promise<void>;
}

async function postgresReachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return null;
  } catch (error) {
    return `PostgreSQL at ${new URL(serverUrl).host} is not reachable (${(error as Error).message}); set POSTGRES_SERVER_URL`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function preparePostgres(): Promise<DatabaseUnderTest> {
  const template = await ensurePostgresTemplate(serverUrl);
  const name = `sso_bench_${Date.now().toString(36)}_${process.pid}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const data = await seedDataSet(url.toString(), size);
  return {
    kind: "postgresql",
    env: { url: url.toString() },
    data,
    counts: await countDataSet(url.toString()),
    drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function preparePGlite(): Promise<DatabaseUnderTest> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "sso-bench-"));
  const embedded = await openEmbedded(dataDir);
  try {
    const data = await seedDataSet(embedded.url, size);
    return {
      kind: "pglite",
      env: { dataDir },
      data,
      counts: await countDataSet(embedded.url),
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  } finally {
    await embedded.close();
  }
}

// ------------------------------------------------------------------------------------------------- report

const results: string[] = [];
const say = (line: string) => {
  console.log(line);
  results.push(line);
};
const fixed = (value: number, digits = 0) => value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

function rowLine(database: string, name: string, outcome: Outcome, reference: Figures | null): string {
  if ("skipped" in outcome) return `| ${database} | ${name} | skipped: ${outcome.skipped} | | | | | | | | | | |`;
  const f = outcome.figures;
  const ratio = reference ? fixed(f.requestsPerSecond / reference.requestsPerSecond, 3) : "";
  const cpuRatio = reference && Number.isFinite(f.cpuMicrosecondsPerRequest) ? fixed(f.cpuMicrosecondsPerRequest / reference.cpuMicrosecondsPerRequest, 2) : "";
  const cpu = Number.isFinite(f.cpuMicrosecondsPerRequest) ? fixed(f.cpuMicrosecondsPerRequest) : "–";
  const statements = f.statementsPerRequest === null ? "–" : fixed(f.statementsPerRequest, 1);
  return `| ${database} | ${name} | ${fixed(f.requestsPerSecond)} | ${ratio} | ${fixed(f.p50)} | ${fixed(f.p99)} | ${fixed(f.sequentialP50, 1)} | ${fixed(f.sequentialP99, 1)} | ${cpu} | ${cpuRatio} | ${statements} | ${fixed(f.peakRssMiB)} | ${f.failures} |`;
}

const TABLE_HEAD = [
  "| database | request | req/s | req/s ÷ bare Yoga | p50 ms | p99 ms | sequential p50 ms | sequential p99 ms | server CPU µs / request | CPU ÷ bare Yoga | SQL statements / request | peak RSS MiB | failed |",
  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
];

function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? "CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.type()} ${os.release()}; load average at start ${os.loadavg().map((load) => load.toFixed(1)).join(" / ")}`;
}

function commit(): string {
  try {
    const head = execSync("git rev-parse --short HEAD", { cwd: root }).toString().trim();
    const dirty = execSync("git status --porcelain --untracked-files=no", { cwd: root }).toString().trim() !== "";
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return "unknown";
  }
}

// ---------------------------------------------------------------------------------------------------- run

const header = [
  `# Benchmark${smoke ? " (smoke run)" : ""}`,
  "",
  `- date: ${new Date().toISOString()}`,
  `- machine: ${machine()}`,
  `- commit: ${commit()}`,
  `- load: ${CONNECTIONS} connections × ${DURATION_S} s per row (autocannon), after ${WARM_UP_S} s of warm-up, then ${SEQUENTIAL} requests one at a time (after ${SEQUENTIAL_WARM_UP} not counted) for the sequential p50 / p99; bare graphql-yoga is measured again before each database's rows, and the ratios use the nearest one`,
  "- SQL statements per request: counted by the gateway (METRICS_SQL_STATEMENTS=true), BEGIN/COMMIT included, divided by the GraphQL responses it finished; read once it has finished the requests of the load before",
  "- server CPU: the gateway's process and, on PGlite, the embedded database's process (a child of the gateway); PostgreSQL's own processes are not counted. Peak RSS: the gateway's process only",
  "- the gateway runs as `pnpm start` does (compiled, `node scripts/start.mjs`), with rate limits of 10⁹ a minute (counted, never reached) and MAX_REQUEST_COST=1000000",
  "",
];
console.log(header.join("\n"));
// A build made before the measurements, so that no start below includes one.
execSync(`${JSON.stringify(process.execPath)} -e "import('./scripts/build.mjs').then(async (b) => { if (b.buildIsStale()) await b.compile() })"`, { cwd: root, stdio: "inherit" });

const prepared: DatabaseUnderTest[] = [];
const skippedDatabases: string[] = [];
// The data set serves the cold starts and the requests; the dashboard runs on the demo data, the import on its own.
for (const kind of sections.has("cold") || sections.has("requests") ? databases : []) {
  if (kind === "postgresql") {
    const unreachable = await postgresReachable();
    if (unreachable) {
      skippedDatabases.push(`postgresql skipped: ${unreachable}`);
      console.log(`postgresql skipped: ${unreachable}`);
      continue;
    }
    prepared.push(await preparePostgres());
  } else if (kind === "pglite") prepared.push(await preparePGlite());
  else throw new Error(`--databases: unknown database "${kind}" (pglite, postgresql)`);
}

if (prepared.length > 0 || skippedDatabases.length > 0) say("## Data set\n");
for (const database of prepared) {
  say(`- ${database.kind}: written in ${fixed(database.data.seconds, 1)} s — ${Object.entries(database.counts).map(([key, value]) => `${fixed(value)} ${key}`).join(", ")}`);
}
for (const line of skippedDatabases) say(`- ${line}`);

// Cold starts first, on an otherwise idle machine: time until `{ __typename }` answers 200, then RSS 2 s later.
if (sections.has("cold")) {
  say("\n## Cold start of `pnpm start` (to the first answer) and idle memory\n");
  say(
    "Idle RSS 2 s after the first answer: the gateway's process, and apart the embedded database's own process (PGlite, a child " +
      "of the gateway). PostgreSQL's processes are not counted either (–): the gateway column compares the two.\n",
  );
  say("| database | start | seconds to first answer | gateway idle RSS MiB | database process idle RSS MiB |");
  say("|---|---|---:|---:|---:|");
}
/** One start: seconds to the first answer, and RSS 2 s later (the gateway's; its database process's, if any). */
async function startOnce(env: Record<string, string>): Promise<{ seconds: number; rss: number; databaseRss: number | null }> {
  const port = await freePort();
  const begun = performance.now();
  const server = startServer(GATEWAY, env, port);
  try {
    const seconds = await firstAnswer(server, begun);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const database = childPids(server.child.pid!);
    return {
      seconds,
      rss: rssMiB(server.child.pid!),
      databaseRss: database.length === 0 ? null : database.reduce((sum, pid) => sum + rssMiB(pid), 0),
    };
  } finally {
    await server.stop();
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
/** `prepare` runs before each start (e.g. emptying the data directory). */
async function coldStart(label: string, start: string, env: Record<string, string>, prepare: () => void = () => {}): Promise<void> {
  const runs: { seconds: number; rss: number; databaseRss: number | null }[] = [];
  for (let run = 0; run < STARTS; run++) {
    prepare();
    runs.push(await startOnce(env));
  }
  const figure = (values: number[], digits: number) =>
    values.length === 1
      ? fixed(values[0]!, digits)
      : `${fixed(median(values), digits)} (${fixed(Math.min(...values), digits)}–${fixed(Math.max(...values), digits)})`;
  const databaseRss = runs.flatMap((run) => (run.databaseRss === null ? [] : [run.databaseRss]));
  say(
    `| ${label} | ${start} | ${figure(runs.map((run) => run.seconds), 2)} | ${figure(runs.map((run) => run.rss), 0)} | ${databaseRss.length === 0 ? "–" : figure(databaseRss, 0)} |`,
  );
}
for (const database of sections.has("cold") ? prepared : []) {
  if (database.kind === "pglite") {
    const empty = mkdtempSync(path.join(os.tmpdir(), "sso-bench-empty-"));
    try {
      // The README's first command: an empty data directory, seeded with the demo enterprise.
      const emptied = () => {
        rmSync(empty, { recursive: true, force: true });
        mkdirSync(empty);
      };
      await coldStart("pglite", "empty data directory (demo seeded)", { ...gatewayEnvironment({ dataDir: empty }), SEED_DEMO: "true" }, emptied);
      // The smoke run checks that a start works; the other starts are the same code on other data.
      if (!smoke) await coldStart("pglite", "existing data (demo)", gatewayEnvironment({ dataDir: empty }));
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    if (!smoke) await coldStart("pglite", "existing data (the benchmark's enterprise)", gatewayEnvironment(database.env));
  } else {
    await coldStart("postgresql", "existing data (the benchmark's enterprise)", gatewayEnvironment(database.env));
  }
}

if (sections.has("requests")) {
  say("\n## Requests\n");
  for (const line of TABLE_HEAD) say(line);
}
/** Bare Yoga, measured again before each database's rows: the machine's load changes during a run. */
async function bareYoga(): Promise<Figures> {
  const port = await freePort();
  const bare = startServer(["bench/bare-yoga.mjs"], {}, port);
  try {
    await firstAnswer(bare, performance.now());
    const figures = await measure(port, bare.child.pid!, TYPENAME, { "content-type": "application/json" }, null);
    say(rowLine("bare graphql-yoga", "{ __typename }", { figures }, figures));
    return figures;
  } finally {
    await bare.stop();
  }
}
for (const database of sections.has("requests") ? prepared : []) {
  const reference = await bareYoga();
  const port = await freePort();
  const server = startServer(GATEWAY, gatewayEnvironment(database.env), port);
  try {
    await firstAnswer(server, performance.now());
    for (const row of rows(database.data).filter((row) => !rowFilter || rowFilter.some((part) => row.name.includes(part)))) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (row.authenticated) headers.authorization = `Bearer ${database.data.adminToken}`;
      const before = await settled(port);
      const problem = await problemWith(port, row.body, headers);
      const statementsOfOne = (await countsSoFar(port)).statements - before.statements;
      const outcome: Outcome = problem
        ? { skipped: problem }
        : { figures: await measure(port, server.child.pid!, row.body, headers, statementsOfOne) };
      say(rowLine(database.kind, row.name, outcome, reference));
    }
  } finally {
    await server.stop();
  }
}

for (const database of prepared) await database.drop();

// The dashboard in Chromium, against a gateway started as `pnpm start` starts it on an empty data directory: the
// embedded database with its demo data and the development IdP (bench/dashboard.ts says what is measured).
if (sections.has("dashboard")) {
  say("\n## Dashboard: first screen usable (Chromium, 1280×800, `pnpm start` on the demo data)\n");
  say(
    "From the navigation's start to the first frame showing the screen's data: the admin's Overview with its heading and the " +
      "three step statuses, an end user's My access with its heading and an organization row with its status. Cold: a new " +
      `browser context (empty cache); warm: a reload. ${DASHBOARD_RUNS} run${DASHBOARD_RUNS === 1 ? "" : "s"} each. JavaScript: ` +
      "the script responses of a cold load, bytes on the wire (the gateway sends the build's brotli copy to Chromium), and what gzip (default level) makes of the same scripts, for comparison.\n",
  );
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "sso-bench-dashboard-"));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const server = startServer(GATEWAY, { ...gatewayEnvironment({ dataDir }), SEED_DEMO: "true", PUBLIC_URL: baseUrl, LOGIN_RATE_LIMIT_PER_MINUTE: "1000000000" }, port);
  try {
    await firstAnswer(server, performance.now());
    const adminToken = /admin token: (\S+)/.exec(server.output())?.[1];
    if (!adminToken) throw new Error(`the demo start printed no admin token:\n${server.output()}`);
    const outcome = await measureDashboard(baseUrl, adminToken, DASHBOARD_RUNS);
    if ("skipped" in outcome) {
      say(`| dashboard | skipped: ${outcome.skipped} |`);
    } else {
      say("| screen | load | runs | median ms | max ms | JS transferred bytes | JS gzip bytes |");
      say("|---|---|---:|---:|---:|---:|---:|");
      for (const screen of outcome.figures) {
        const max = (values: number[]) => Math.max(...values);
        say(`| ${screen.screen} | cold | ${screen.coldMs.length} | ${fixed(median(screen.coldMs))} | ${fixed(max(screen.coldMs))} | ${fixed(screen.jsBytes)} | ${fixed(screen.jsGzipBytes)} |`);
        say(`| ${screen.screen} | warm (reload) | ${screen.warmMs.length} | ${fixed(median(screen.warmMs))} | ${fixed(max(screen.warmMs))} | ${fixed(screen.warmJsBytes)} | – |`);
      }
    }
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// The directory import of the same size on the embedded database (bench/directory-import.ts, also `pnpm
// bench:import`), in its own process so that its peak memory is its own.
if (!smoke && sections.has("import")) {
  say("\n## Directory import (embedded database, its own process)\n");
  const env = { ...process.env };
  delete env.TEST_DATABASE_URL; // the embedded database, whatever the calling shell points tests at
  const importBench = execSync(`"${process.execPath}" --import tsx bench/directory-import.ts`, { cwd: root, env, encoding: "utf8" });
  say(["```", ...importBench.trim().split("\n"), "```"].join("\n"));
}
if (out) {
  writeFileSync(out, `${header.join("\n")}${results.join("\n")}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
}
