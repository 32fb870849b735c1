#!/usr/bin/env node
// `pnpm test:postgres`: the whole test suite again, against a real PostgreSQL server
// (POSTGRES_SERVER_URL, default postgresql://postgres@127.0.0.1:5432/postgres). The run creates a uniquely named
// database, lets every test file clone its own from a migrated template, and drops all of them at the end.
import { spawn } from "node:child_process";
import pg from "pg";

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
  const child = spawn("pnpm", ["exec", "vitest", "run", ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, TEST_DATABASE_URL: url.toString() },
  });
  child.on("close", (status) => resolve(status ?? 1));
});
await dropRunDatabases();
process.exit(code);
