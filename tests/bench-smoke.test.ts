import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The PostgreSQL pass benchmarks PostgreSQL (on the server of TEST_DATABASE_URL), the embedded pass PGlite. The
 * dashboard section runs on the embedded pass only: it measures `pnpm start` on the embedded demo data whatever the
 * database of the pass, so the PostgreSQL pass would run the same measurement again.
 */
const testDatabaseUrl = process.env.TEST_DATABASE_URL;
const database = testDatabaseUrl ? "postgresql" : "pglite";
const sections = testDatabaseUrl ? ["cold", "requests"] : ["cold", "requests", "dashboard"];
const serverUrl = testDatabaseUrl
  ? (() => {
      const url = new URL(testDatabaseUrl);
      url.pathname = "/postgres";
      return url.toString();
    })()
  : undefined;

function runSmoke(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/run.ts", "--smoke", `--databases=${database}`, `--sections=${sections.join(",")}`], {
      cwd: root,
      env: { ...process.env, ...(serverUrl ? { POSTGRES_SERVER_URL: serverUrl } : {}) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** Rows every run must measure, and the two that may print why they cannot be measured instead. */
const MEASURED = [
  "{ __typename }, anonymous",
  "{ __typename }, with a token",
  "enterprise members(first: 50), nested",
  "readiness(first: 50) with totals",
  "dry run, 100 accounts",
];
const MEASURED_OR_EXPLAINED = ["organizations(first: 20) members(first: 50)", "dry run, 1,000 accounts"];

describe("pnpm bench --smoke (so that the benchmark keeps working; figures are not checked)", () => {
  it(`runs every row against the gateway on ${database} and bare graphql-yoga${sections.includes("dashboard") ? ", and the dashboard section" : ""}`, async () => {
    const { code, output } = await runSmoke();
    expect(code, output).toBe(0);
    const cells = (line: string) => line.split("|").slice(1, -1).map((cell) => cell.trim());
    const table = output.split("\n").filter((line) => line.startsWith("| ")).map(cells);
    const row = (db: string, name: string) => table.find((found) => found[0] === db && found[1] === name);
    const figures = /^[\d,]+$/;

    expect(row("bare graphql-yoga", "{ __typename }")?.[2], output).toMatch(figures);
    for (const name of MEASURED) {
      const found = row(database, name);
      expect(found, `${name}\n${output}`).toBeDefined();
      expect(found![2], `${name} was not measured:\n${output}`).toMatch(figures);
      // Sequential p50: one request at a time.
      expect(found![6], name).toMatch(/^[\d,]+\.\d$/);
      // SQL statements per request: counted by the gateway.
      expect(found![10], name).toMatch(/^[\d,]+\.\d$/);
    }
    for (const name of MEASURED_OR_EXPLAINED) {
      const found = row(database, name);
      expect(found, `${name}\n${output}`).toBeDefined();
      expect(found![2], name).toMatch(/^([\d,]+|skipped: .{10,})$/);
    }
    // A cold start to the first answer, with its idle memory.
    const start = table.find((found) => found[0] === database && /^\d+\.\d\d$/.test(found[2] ?? ""));
    expect(start, output).toBeDefined();
    // The dashboard's first screen in Chromium, cold and warm, for the admin and for an end user; or why not.
    if (!sections.includes("dashboard")) return;
    const skipped = table.find((found) => found[0] === "dashboard");
    if (skipped) expect(skipped[1], output).toMatch(/^skipped: Chromium not found/);
    else {
      for (const screen of ["admin: Overview", "end user: My access"]) {
        for (const load of ["cold", "warm (reload)"]) {
          const found = table.find((cells) => cells[0] === screen && cells[1] === load);
          expect(found, `${screen}, ${load}\n${output}`).toBeDefined();
          expect(found![3], `${screen}, ${load}`).toMatch(figures);
        }
      }
      expect(table.find((cells) => cells[0] === "admin: Overview" && cells[1] === "cold")![5], "JS transferred").toMatch(figures);
    }
  }, 600_000);
});
