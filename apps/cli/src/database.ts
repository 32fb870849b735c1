import type { Database } from "@sso-cutover/db";

/** The database every command works on: DATABASE_URL, or the embedded one in DATA_DIR (as the server). */
export function databaseTarget(): { databaseUrl: string | undefined; dataDir: string } {
  return { databaseUrl: process.env.DATABASE_URL || undefined, dataDir: process.env.DATA_DIR || ".data" };
}

/**
 * Opens the database for one command and closes it afterwards. On the embedded database this takes the data
 * directory's lock (like the server): a command is refused at once, naming the holder, while another process has it.
 * The data directory is checked before the slow imports, so that a refusal is immediate.
 */
export async function withDatabase<T>(work: (database: Database) => Promise<T>): Promise<T> {
  const target = databaseTarget();
  if (!target.databaseUrl) {
    const { checkDatabaseCanOpen } = await import("@sso-cutover/db/startup-checks");
    await checkDatabaseCanOpen(target);
  }
  const { openDatabase } = await import("@sso-cutover/db");
  const database = await openDatabase({ ...target, poolSize: 2, log: (message) => console.error(message) });
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}
