import { parseArgs } from "node:util";
import { withDatabase } from "../database";
import { usageError } from "../errors";
import type { Command } from "./command";

const USAGE =
  "pnpm cli bootstrap --enterprise <key> --name <name> --admin-login <login> --admin-email <email> " +
  "[--admin-name <name>] [--admin-platform GITHUB|GITLAB|BITBUCKET_CLOUD|AZURE_DEVOPS]";
const PLATFORMS = ["GITHUB", "GITLAB", "BITBUCKET_CLOUD", "AZURE_DEVOPS"] as const;

export const bootstrapCommand: Command = {
  name: "bootstrap",
  summary: "create an enterprise and its first admin (a DOP account with Administer Enterprise); prints its token once",
  usage: USAGE,
  async run(args) {
    const { values } = parseArgs({
      args,
      strict: true,
      options: {
        enterprise: { type: "string" },
        name: { type: "string" },
        "admin-login": { type: "string" },
        "admin-email": { type: "string" },
        "admin-name": { type: "string" },
        "admin-platform": { type: "string" },
      },
    });
    for (const option of ["enterprise", "name", "admin-login", "admin-email"] as const) {
      if (!values[option]) throw usageError(`--${option} is required.`, USAGE);
    }
    const platform = values["admin-platform"];
    if (platform !== undefined && !(PLATFORMS as readonly string[]).includes(platform)) {
      throw usageError(`--admin-platform must be one of ${PLATFORMS.join(", ")}.`, USAGE);
    }
    const { bootstrapEnterprise } = await import("@sso-cutover/directory");
    const result = await withDatabase((database) =>
      bootstrapEnterprise(database.prisma, {
        enterpriseKey: values.enterprise!,
        enterpriseName: values.name!,
        adminLogin: values["admin-login"]!,
        adminEmail: values["admin-email"]!,
        adminName: values["admin-name"] ?? null,
        adminPlatform: (platform as (typeof PLATFORMS)[number] | undefined) ?? null,
      }),
    );
    console.log(`created the enterprise \`${result.enterprise.key}\` (${result.enterprise.name})`);
    console.log(
      `admin: ${result.admin.login} (${result.adminExisted ? "existing" : "new"} DOP account, holds Administer Enterprise: the first break-glass account)`,
    );
    console.log(`admin token: ${result.tokenSecret}`);
    console.log(`             shown once, stored only as a hash; expires ${result.tokenExpiresAt.toISOString()}`);
    console.log(`             send it as the header  Authorization: Bearer ${result.tokenSecret.slice(0, 8)}…`);
    console.log(`next: pnpm cli import <directory file> --enterprise ${result.enterprise.key} --dry-run`);
    return 0;
  },
};
