import { invalidInput } from "@sso-cutover/db";

/**
 * The database id inside a global ID given as input, refusing (as an error result naming the field) an ID of
 * another type — e.g. an Organization ID where an Account ID is expected.
 */
export function idOfType(globalId: { typename: string; id: string }, typename: string, field: string): string {
  if (globalId.typename !== typename) {
    throw invalidInput(field, `Expected the ID of a ${typename}, got the ID of a ${globalId.typename}.`);
  }
  return globalId.id;
}
