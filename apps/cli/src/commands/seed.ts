import { parseArgs } from "node:util";
import { withDatabase } from "../database";
import type { Command } from "./command";

export const seedCommand: Command = {
  name: "seed",
  summary: "seed the demo enterprise `acme` into the database (once) and print a fresh admin token",
  usage: "pnpm cli seed",
  async run(args) {
    parseArgs({ args, strict: true, options: {} });
    const { demoIsSeeded, issueDemoAdminToken, seedDemo } = await import("../../../../prisma/seed/demo");
    await withDatabase(async (database) => {
      if (await demoIsSeeded(database.prisma)) console.log("the demo enterprise `acme` exists already: not seeded again");
      else {
        await seedDemo(database.prisma);
        console.log("seeded the demo enterprise `acme`");
      }
      console.log(`admin token: ${await issueDemoAdminToken(database.prisma)}`);
    });
    return 0;
  },
};
