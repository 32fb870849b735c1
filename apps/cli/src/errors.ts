/** A refusal the command explains itself: printed as it is, exit code 1 (2 for a usage error). */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function usageError(message: string, usage: string): CommandError {
  return new CommandError(`${message}\n\nusage: ${usage}`, 2);
}
