#!/usr/bin/env node
// `pnpm test:postgres`: the whole test suite again, against a real PostgreSQL server
// (POSTGRES_SERVER_URL, default postgresql://postgres@127.0.0.1:5432/postgres). The run creates a uniquely named
// database, lets every test file clone its own from a migrated template, and drops all of them at the end.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

const serverUrl = process.env.POSTGRES_SERVER_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const base = `ssoc_run_${Date.now().toString(36)}_${process.pid}`;

async function admin(work) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function dropRunDatabases() {
  await admin(async (client) => {
    const { rows } = await client.query("SELECT datname FROM pg_database WHERE datname LIKE $1", [`${base}%`]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  });
}

await admin((client) => client.query(`CREATE DATABASE "${base}"`));
const url = new URL(serverUrl);
url.pathname = `/${base}`;
console.log(`PostgreSQL pass on ${url.host}, databases ${base}*`);
const code = await new Promise((resolve) => {
  // vitest's own entry, run by this Node: no package manager needs to be on PATH.
  const vitest = path.join(root, "node_modules", "vitest", "vitest.mjs");
  const child = spawn(process.execPath, [vitest, "run", ...process.argv.slice(2)], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, TEST_DATABASE_URL: url.toString() },
  });
  child.on("close", (status) => resolve(status ?? 1));
});
await dropRunDatabases();
process.exit(code);
