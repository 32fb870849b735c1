// `pnpm tokens:cleanup`: removes tokens unused for 60 days (R5) from the database the server uses
// (DATABASE_URL, or the embedded database in DATA_DIR) and prints how many were removed.
import { checkDatabaseCanOpen } from "@sso-cutover/db/startup-checks";

async function main(): Promise<void> {
  const target = { databaseUrl: process.env.DATABASE_URL || undefined, dataDir: process.env.DATA_DIR || ".data" };
  // Says at once when the data directory cannot be opened (in use, not writable), before the slow imports below;
  // a PostgreSQL server is checked by openDatabase.
  if (!target.databaseUrl) await checkDatabaseCanOpen(target);
  const { openDatabase } = await import("@sso-cutover/db");
  const { removeUnusedTokens } = await import("@sso-cutover/tokens");
  const database = await openDatabase({ ...target, log: (message) => console.error(message) });
  try {
    const removed = await removeUnusedTokens(database.prisma);
    console.log(`Removed ${removed} token(s) unused for 60 days.`);
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(`tokens:cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
