/**
 * The one error type domain packages throw. The gateway turns it into an error result (errors as data);
 * anything else that escapes a resolver is unexpected and masked.
 */
export type DomainErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "INVALID_INPUT"
  | "CONFLICT"
  | "PRECONDITION_FAILED"
  | "RULE_VIOLATION";

export class DomainError extends Error {
  override readonly name = "DomainError";
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Input field the error is about (dotted path, e.g. `input.idpSsoUrl`), when there is one. */
    readonly field: string | null = null,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function invalidInput(field: string, message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError("INVALID_INPUT", message, field, details);
}

export function forbidden(message: string): DomainError {
  return new DomainError("FORBIDDEN", message);
}

export function notFound(message: string, field: string | null = null): DomainError {
  return new DomainError("NOT_FOUND", message, field);
}
