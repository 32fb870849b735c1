import { parseArgs } from "node:util";
import { withDatabase } from "../database";
import type { Command } from "./command";

export const tokensCleanupCommand: Command = {
  name: "tokens-cleanup",
  summary: "remove tokens unused for 60 days (R5) and print how many",
  usage: "pnpm cli tokens-cleanup",
  async run(args) {
    parseArgs({ args, strict: true, options: {} });
    const { removeUnusedTokens } = await import("@sso-cutover/tokens");
    const removed = await withDatabase((database) => removeUnusedTokens(database.prisma));
    console.log(`Removed ${removed} token(s) unused for 60 days.`);
    return 0;
  },
};
