import pino, { type Logger } from "pino";

/** Paths whose values never reach a log line: credentials in headers, and secrets in any logged object. */
export const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "*.secret",
  "*.password",
  "*.token",
  "*.sessionSecret",
  "*.SAMLResponse",
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } }, destination);
}

export type { Logger };
