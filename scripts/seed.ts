// `pnpm db:seed`: seeds the demo enterprise into the configured database (DATABASE_URL, or the embedded one in
// DATA_DIR) unless it is there already, and prints a fresh admin token.
import { openDatabase } from "@sso-cutover/db";
import { demoIsSeeded, issueDemoAdminToken, seedDemo } from "../prisma/seed/demo";

async function main(): Promise<void> {
  const database = await openDatabase({
    databaseUrl: process.env.DATABASE_URL || undefined,
    dataDir: process.env.DATA_DIR || ".data",
    log: (message) => console.error(message),
  });
  try {
    if (await demoIsSeeded(database.prisma)) console.log("the demo enterprise `acme` exists already: not seeded again");
    else {
      await seedDemo(database.prisma);
      console.log("seeded the demo enterprise `acme`");
    }
    console.log(`admin token: ${await issueDemoAdminToken(database.prisma)}`);
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(`db:seed failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
