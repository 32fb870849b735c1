import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { withDatabase } from "../database";
import { CommandError, usageError } from "../errors";
import type { Command } from "./command";

const USAGE =
  "pnpm cli import <file> --enterprise <key> [--dry-run] [--prune] [--acknowledge-access-loss <login>]... [--acknowledge-all] [--json]";

export const importCommand: Command = {
  name: "import",
  summary: "import the DevOps-platform side of an enterprise from a directory file (docs/directory-import.schema.json)",
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        enterprise: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        prune: { type: "boolean", default: false },
        "acknowledge-access-loss": { type: "string", multiple: true },
        "acknowledge-all": { type: "boolean", default: false },
        json: { type: "boolean", default: false },
      },
    });
    if (positionals.length !== 1) throw usageError("Name one directory file.", USAGE);
    if (!values.enterprise) throw usageError("--enterprise is required.", USAGE);
    const file = positionals[0]!;
    const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
      throw new CommandError(`Cannot read ${file}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
    });
    const { importDirectory, IMPORT_KINDS } = await import("@sso-cutover/directory");
    const result = await withDatabase((database) =>
      importDirectory(database.prisma, { kind: "operator" }, {
        enterpriseKey: values.enterprise!,
        document: text,
        dryRun: values["dry-run"],
        prune: values.prune,
        acknowledgeAccessLoss: values["acknowledge-access-loss"] ?? [],
        acknowledgeAll: values["acknowledge-all"],
      }),
    );
    if (values.json) {
      console.log(JSON.stringify(result, (key, value: unknown) => (key === "organization" && value && typeof value === "object" ? (value as { key: string }).key : value), 2));
    } else {
      console.log(result.summary);
      console.log("");
      console.log(`${"kind".padEnd(24)}${["created", "updated", "unchanged", "removed", "not listed"].map((h) => h.padStart(11)).join("")}`);
      for (const kind of IMPORT_KINDS) {
        const c = result.changes[kind];
        console.log(`${kind.padEnd(24)}${[c.created, c.updated, c.unchanged, c.removed, c.notListed].map((n) => String(n).padStart(11)).join("")}`);
      }
      for (const kind of IMPORT_KINDS) {
        const examples = result.changes[kind].notListedExamples;
        if (examples.length > 0) console.log(`not listed, ${kind}: ${examples.join(", ")}${result.changes[kind].notListed > examples.length ? ", …" : ""}`);
      }
      for (const loss of result.accessLoss) {
        console.log(`access loss${loss.acknowledged ? " (acknowledged)" : ""}: ${loss.login} loses ${loss.organizations.map((o) => o.key).join(", ")}`);
      }
      for (const violation of result.violations) console.log(`violation ${violation.code}: ${violation.message}`);
    }
    return result.violations.length > 0 ? 1 : 0;
  },
};
