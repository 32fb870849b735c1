import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

/**
 * The repository's root, found upwards from this module: it runs from `packages/db/src` (TypeScript) or from a
 * chunk of the compiled build in `dist/`, at different depths.
 */
function findRepositoryRoot(): string {
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let folder = start; ; folder = path.dirname(folder)) {
    if (existsSync(path.join(folder, "pnpm-workspace.yaml"))) return folder;
    if (path.dirname(folder) === folder) throw new Error(`No pnpm-workspace.yaml above ${start}: cannot find prisma/migrations.`);
  }
}

export const repositoryRoot = findRepositoryRoot();
export const migrationsDirectory = path.join(repositoryRoot, "prisma", "migrations");

/** Names of the committed migration folders, oldest first. */
export function committedMigrations(): string[] {
  return readdirSync(migrationsDirectory)
    .filter((entry) => statSync(path.join(migrationsDirectory, entry)).isDirectory())
    .sort();
}

/**
 * Migrations committed but not applied to the database at `url`. Read straight from `_prisma_migrations`
 * so that a start with nothing pending does not pay for a Prisma CLI process.
 */
export async function pendingMigrations(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const table = await client.query<{ exists: boolean }>(
      "SELECT to_regclass('public._prisma_migrations') IS NOT NULL AS exists",
    );
    if (!table.rows[0]?.exists) return committedMigrations();
    const applied = await client.query<{ migration_name: string }>(
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
    );
    const done = new Set(applied.rows.map((row) => row.migration_name));
    return committedMigrations().filter((name) => !done.has(name));
  } finally {
    await client.end();
  }
}

/**
 * `prisma migrate deploy` against `url`, in a child process started asynchronously: an embedded database is
 * served by this process's event loop, which a synchronous child-process call would block (deadlock).
 */
export function applyPendingMigrations(url: string): Promise<void> {
  const script = path.join(repositoryRoot, "scripts", "prisma.mjs");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, "migrate", "deploy"], {
      cwd: repositoryRoot,
      env: { ...process.env, DATABASE_URL: url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`prisma migrate deploy failed (exit ${code}):\n${output}`)),
    );
  });
}
