// `pnpm tokens:cleanup`: removes tokens unused for 60 days (R5) from the database the server uses
// (DATABASE_URL, or the embedded database in DATA_DIR) and prints how many were removed.
import { openDatabase } from "@sso-cutover/db";
import { removeUnusedTokens } from "@sso-cutover/tokens";

async function main(): Promise<void> {
  const database = await openDatabase({
    databaseUrl: process.env.DATABASE_URL || undefined,
    dataDir: process.env.DATA_DIR || ".data",
    log: (message) => console.error(message),
  });
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
