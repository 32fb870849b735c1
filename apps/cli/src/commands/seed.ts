import { parseArgs } from "node:util";
import { withDatabase } from "../database";
import type { Command } from "./command";

export const seedCommand: Command = {
  name: "seed",
  summary: "seed the demo enterprise `acme` into the database (once) and print a fresh admin token",
  usage: "pnpm cli seed",
  async run(args) {
    parseArgs({ args, strict: true, options: {} });
    const { demoDevelopmentIdp, demoIsSeeded, issueDemoAdminToken, seedDemo } = await import("../../../../prisma/seed/demo");
    // As the gateway would serve it (DEV_IDP, PUBLIC_URL): the demo connection trusts the development IdP.
    const { loadConfig } = await import("../../../gateway/src/config");
    const config = loadConfig({ ...process.env, SEED_DEMO: "true" });
    await withDatabase(async (database) => {
      if (await demoIsSeeded(database.prisma)) console.log("the demo enterprise `acme` exists already: not seeded again");
      else {
        const idp = config.DEV_IDP ? (await demoDevelopmentIdp(config.DATA_DIR, config.PUBLIC_URL)).connection : null;
        await seedDemo(database.prisma, new Date(), idp);
        console.log("seeded the demo enterprise `acme`");
      }
      console.log(`admin token: ${await issueDemoAdminToken(database.prisma)}`);
    });
    return 0;
  },
};
