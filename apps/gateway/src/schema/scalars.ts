import { GraphQLError, Kind } from "graphql";
import { builder } from "../builder";

builder.scalarType("DateTime", {
  description: "An instant, as an ISO-8601 string in UTC (e.g. 2026-11-28T12:00:00.000Z).",
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString()),
  parseValue: (value) => parseDateTime(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError("DateTime must be an ISO-8601 string.");
    return parseDateTime(ast.value);
  },
});

function parseDateTime(value: unknown): Date {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    throw new GraphQLError(`"${String(value)}" is not an ISO-8601 date-time with a time zone (e.g. 2026-12-31T23:59:59Z).`);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new GraphQLError(`"${value}" is not a valid date-time.`);
  return date;
}

builder.scalarType("JSON", {
  description: "Arbitrary JSON (audit event payloads, error details).",
  serialize: (value) => value,
  parseValue: (value) => value,
});
