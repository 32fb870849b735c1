// `pnpm cli <command>`: the operator's commands, on the database the server uses (DATABASE_URL, or the embedded
// database in DATA_DIR, whose lock each command takes like the server).
import { bootstrapCommand } from "./commands/bootstrap";
import type { Command } from "./commands/command";
import { importCommand } from "./commands/import";
import { seedCommand } from "./commands/seed";
import { tokensCleanupCommand } from "./commands/tokens-cleanup";
import { CommandError } from "./errors";

const COMMANDS: readonly Command[] = [bootstrapCommand, importCommand, seedCommand, tokensCleanupCommand];

function help(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    "usage: pnpm cli <command> [options]",
    "",
    "commands:",
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    "",
    "Each command works on DATABASE_URL when set, else on the embedded database in DATA_DIR (default .data), which",
    "one process at a time may open: stop the server first. `pnpm cli <command> --help` shows a command's options.",
  ].join("\n");
}

/** Domain refusals (DomainError) carry a code and the option or JSON path they are about. */
function explain(error: unknown): string {
  if (error instanceof CommandError) return error.message;
  const { name, code, field, message } = error as { name?: string; code?: string; field?: string | null; message?: string };
  if (name === "DomainError") return `${code}${field ? ` (${field})` : ""}: ${message}`;
  if (error instanceof TypeError && (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) return `${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(help());
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    console.error(`Unknown command "${name}".\n\n${help()}`);
    return 2;
  }
  if (args.includes("--help") || args.includes("-h")) {
    console.log(`usage: ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  try {
    return await command.run(args);
  } catch (error) {
    const usage = error instanceof TypeError && (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    console.error(`${command.name} failed: ${explain(error)}${usage ? `\n\nusage: ${command.usage}` : ""}`);
    return error instanceof CommandError ? error.exitCode : usage ? 2 : 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
