import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// The dashboard's GraphQL documents are typed from the committed contract (apps/gateway/schema.graphql) by GraphQL
// Code Generator, which the dashboard's build and `pnpm test`'s type-check run first
// (apps/dashboard/scripts/build.mjs): a document that no longer matches the schema stops both, naming the field.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DASHBOARD = path.join(ROOT, "apps", "dashboard");
const CODEGEN_BIN = path.join(DASHBOARD, "node_modules", "@graphql-codegen", "cli", "esm", "bin.js");
const scratch = mkdtempSync(path.join(DASHBOARD, "node_modules", ".documents-check-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the generator as the dashboard's build does (client preset, the contract), on one document. */
function generate(document: string) {
  writeFileSync(path.join(scratch, "Screen.ts"), `import { graphql } from "./gql";\nexport const Query = graphql(\`${document}\`);\n`);
  const config = {
    schema: path.join(ROOT, "apps", "gateway", "schema.graphql"),
    documents: [path.join(scratch, "Screen.ts")],
    generates: { [`${path.join(scratch, "gql")}/`]: { preset: "client", presetConfig: { persistedDocuments: true } } },
  };
  writeFileSync(path.join(scratch, "codegen.json"), JSON.stringify(config));
  // Under NODE_ENV=test (set by vitest) the generator keeps its report to itself: run it as the build does.
  const { NODE_ENV: _test, VITEST: _vitest, ...environment } = process.env;
  const run = spawnSync(process.execPath, [CODEGEN_BIN, "--config", path.join(scratch, "codegen.json")], { cwd: DASHBOARD, encoding: "utf8", env: environment });
  return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
}

describe("the dashboard's GraphQL documents", () => {
  it("a document that matches the schema generates its types", () => {
    const result = generate("query Who { viewer { login kind } }");
    expect(result.output).not.toMatch(/GraphQL Document Validation failed/);
    expect(result.status).toBe(0);
  }, 120_000);

  it("a document that no longer matches the schema fails generation, naming the field", () => {
    const result = generate("query Who { viewer { login loginName } }");
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('Cannot query field "loginName" on type "Account"');
  }, 120_000);
});
