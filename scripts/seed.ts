// `pnpm db:seed`: seeds the demo enterprise into the configured database (DATABASE_URL, or the embedded one in
// DATA_DIR) unless it is there already, and prints a fresh admin token.
import { checkDatabaseCanOpen } from "@sso-cutover/db/startup-checks";

async function main(): Promise<void> {
  const target = { databaseUrl: process.env.DATABASE_URL || undefined, dataDir: process.env.DATA_DIR || ".data" };
  // Says at once when the data directory cannot be opened (in use, not writable), before the slow imports below;
  // a PostgreSQL server is checked by openDatabase.
  if (!target.databaseUrl) await checkDatabaseCanOpen(target);
  const { openDatabase } = await import("@sso-cutover/db");
  const { demoDevelopmentIdp, demoIsSeeded, issueDemoAdminToken, seedDemo } = await import("../prisma/seed/demo");
  // As the gateway would serve it (DEV_IDP, PUBLIC_URL): the demo connection trusts the development IdP.
  const { loadConfig } = await import("../apps/gateway/src/config");
  const config = loadConfig({ ...process.env, SEED_DEMO: "true" });
  const database = await openDatabase({ ...target, log: (message) => console.error(message) });
  try {
    if (await demoIsSeeded(database.prisma)) console.log("the demo enterprise `acme` exists already: not seeded again");
    else {
      const idp = config.DEV_IDP ? (await demoDevelopmentIdp(config.DATA_DIR, config.PUBLIC_URL)).connection : null;
      await seedDemo(database.prisma, new Date(), idp);
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
