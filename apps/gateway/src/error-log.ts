import { DomainError } from "@sso-cutover/db";
import { GraphQLError } from "graphql";
import type { YogaServerOptions } from "graphql-yoga";

type YogaLogger = Exclude<NonNullable<YogaServerOptions<object, object>["logging"]>, boolean | string>;
import type { Logger } from "./logger";

/** The error a resolver or the context threw, under graphql-js's located wrapper. */
export function originalOf(error: unknown): unknown {
  let current = error;
  while (current instanceof GraphQLError && current.originalError) current = current.originalError;
  return current;
}

/**
 * Whether an error is a fault of the server rather than an answer to the caller. Domain errors (INVALID_INPUT,
 * NOT_FOUND, FORBIDDEN, …) and GraphQL errors created on purpose (parse and validation errors, UNAUTHENTICATED,
 * refused fields) are answers; anything else thrown — a bug, the database going away — is a fault.
 */
export function isFault(error: unknown): boolean {
  const original = originalOf(error);
  return !(original instanceof DomainError || original instanceof GraphQLError);
}

/** One debug line for an error answered to the caller: its code and where, never a stack. */
export function logClientError(log: Logger, error: GraphQLError): void {
  log.debug({ code: error.extensions.code, path: error.path?.join("."), message: error.message }, "client error");
}

/**
 * Yoga's logger. Yoga reports every error it masks, up to twice for one error (once when masking, once when
 * turning it into a response); faults are logged here at error level with their stack, once each. Client errors
 * reach this logger only as the originals of errors mapped by `maskError`, which already logged them at debug.
 */
export function yogaLogging(log: Logger): YogaLogger {
  const logged = new WeakSet<object>();
  const text = (args: unknown[]) => args.map(String).join(" ");
  // Yoga reports several debug lines per request: they are formatted only when the level would print them.
  return {
    debug: (...args) => {
      if (log.isLevelEnabled("debug")) log.debug(text(args));
    },
    info: (...args) => {
      if (log.isLevelEnabled("info")) log.info(text(args));
    },
    warn: (...args) => log.warn(text(args)),
    error: (...args) => {
      const error = args.find((arg): arg is Error => arg instanceof Error);
      if (!error) {
        log.error(text(args));
        return;
      }
      if (!isFault(error) || logged.has(error)) return;
      logged.add(error);
      const path = error instanceof GraphQLError ? error.path?.join(".") : undefined;
      log.error({ err: originalOf(error), path }, "unexpected error while serving a request");
    },
  };
}
