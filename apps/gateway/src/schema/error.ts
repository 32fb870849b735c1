import { DomainError, type DomainErrorCode } from "@sso-cutover/db";
import { builder } from "../builder";

const ERROR_CODES: DomainErrorCode[] = [
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "INVALID_INPUT",
  "CONFLICT",
  "PRECONDITION_FAILED",
  "RULE_VIOLATION",
];

export const ErrorCode = builder.enumType("ErrorCode", { values: ERROR_CODES });

/** Every error result implements this: clients select `... on Error { code message field }`. */
export const ErrorInterface = builder.interfaceRef<DomainError>("Error").implement({
  description: "An expected failure, returned as data in a mutation's payload.",
  fields: (t) => ({
    code: t.field({ type: ErrorCode, resolve: (error) => error.code }),
    message: t.exposeString("message"),
    field: t.string({
      nullable: true,
      description: "The input field the error is about (e.g. `input.idpSsoUrl`), when there is one.",
      resolve: (error) => error.field,
    }),
  }),
});

builder.objectType(DomainError, {
  name: "DomainError",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    details: t.field({ type: "JSON", resolve: (error) => error.details }),
  }),
});

/**
 * Error options for a mutation: its payload is a union `<Name>Payload` of its success type and `DomainError`
 * (errors as data); anything else thrown is unexpected and masked.
 */
export function payloadErrors(mutationName: string) {
  const name = mutationName.charAt(0).toUpperCase() + mutationName.slice(1);
  return { types: [DomainError], directResult: true as const, union: { name: `${name}Payload` } };
}
