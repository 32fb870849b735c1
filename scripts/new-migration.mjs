#!/usr/bin/env node
// `pnpm db:migration <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that takes
// the schema of the last migration to prisma/schema.prisma. `prisma migrate dev` needs a shadow database that the
// wasm engine cannot provide, so the diff is made between two schema files instead (no database needed).
import { mkdirSync, readdirSync, writeFileSync, existsSync, readFileSync, mkdtempSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { runPrisma } from "./prisma.mjs";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: pnpm db:migration <name>   (name: lower-case letters, digits and _)");
  process.exit(1);
}
const migrationsDir = path.join(root, "prisma", "migrations");
mkdirSync(migrationsDir, { recursive: true });
const existing = readdirSync(migrationsDir).filter((entry) => /^\d{14}_/.test(entry)).sort();

// The schema as of the last migration: the committed schema.prisma of the commit that added that migration.
let from = ["--from-empty"];
if (existing.length > 0) {
  const last = path.join("prisma", "migrations", existing.at(-1), "migration.sql");
  const commit = execFileSync("git", ["log", "-n", "1", "--format=%H", "--", last], { cwd: root }).toString().trim();
  if (!commit) {
    console.error(`the last migration (${existing.at(-1)}) is not committed yet: commit it before writing the next one`);
    process.exit(1);
  }
  const previous = execFileSync("git", ["show", `${commit}:prisma/schema.prisma`], { cwd: root }).toString();
  const previousFile = path.join(mkdtempSync(path.join(tmpdir(), "sso-cutover-schema-")), "schema.prisma");
  writeFileSync(previousFile, previous);
  from = ["--from-schema-datamodel", previousFile];
}

// The CLI opens its driver adapter even for a diff between two schema files: give it a throwaway in-memory PGlite.
const scratch = await PGlite.create();
const server = new PGLiteSocketServer({ db: scratch, host: "127.0.0.1", port: 0 });
await server.start();
const port = server.getServerConn().split(":").at(-1);
let stdout;
try {
  ({ stdout } = await runPrisma(
    ["migrate", "diff", ...from, "--to-schema-datamodel", path.join("prisma", "schema.prisma"), "--script"],
    { capture: true, env: { DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/postgres?sslmode=disable` } },
  ));
} finally {
  await server.stop();
  await scratch.close();
}
if (/^-- This is an empty migration\.?\s*$/m.test(stdout) || stdout.trim() === "") {
  console.log("schema.prisma matches the last migration: nothing to write");
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const folder = path.join(migrationsDir, `${stamp}_${name}`);
if (existsSync(folder)) throw new Error(`${folder} exists`);
mkdirSync(folder);
writeFileSync(path.join(folder, "migration.sql"), stdout);
if (!existsSync(path.join(migrationsDir, "migration_lock.toml"))) {
  writeFileSync(path.join(migrationsDir, "migration_lock.toml"), 'provider = "postgresql"\n');
}
console.log(`wrote ${path.relative(root, folder)}/migration.sql (${readFileSync(path.join(folder, "migration.sql"), "utf8").split("\n").length} lines)`);
