/** One `pnpm cli <name>` command. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Runs with the arguments after the command's name; resolves to the exit code. */
  run(args: string[]): Promise<number>;
}
