import { patchBodyValidation, scimPatch, ScimError as PatchLibraryError, type ScimPatchOperation, type ScimResource } from "scim-patch";
import { ScimError } from "./errors";

export const PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/** At most this many operations in one PATCH (Entra ID batches group member changes by the hundred). */
export const MAX_PATCH_OPERATIONS = 1000;

/** Attributes whose values are booleans: Entra ID sends them as the strings "True" / "False". */
const BOOLEAN_PATHS = new Set(["active"]);

function booleanOf(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const lowered = value.toLowerCase();
  return lowered === "true" ? true : lowered === "false" ? false : value;
}

/**
 * The operations of a PATCH body in the form RFC 7644 §3.5.2 defines, from what Okta and Entra ID actually send:
 * - `op` in any case (`Replace`, `Add`, `Remove`) → lower case;
 * - `"active": "False"` (a string) → false, with or without a path;
 * - `remove` of a multi-valued attribute with a list of `{ value }` (Entra ID's member removal) → one
 *   `attribute[value eq "…"]` removal per entry;
 * - a path-less `add` / `replace` whose value is an object → one operation per attribute it names (`name.givenName`,
 *   `emails[type eq "work"].value`, `active`…), so that each is applied as if it had been sent with its path.
 * The result is validated and applied by scim-patch.
 */
export function normalizePatch(body: unknown): ScimPatchOperation[] {
  if (typeof body !== "object" || body === null) throw new ScimError(400, "The PATCH body must be a JSON object.", "invalidSyntax");
  const { schemas, Operations } = body as { schemas?: unknown; Operations?: unknown };
  if (!Array.isArray(schemas) || !schemas.includes(PATCH_OP_SCHEMA)) {
    throw new ScimError(400, `A PATCH body must list the schema "${PATCH_OP_SCHEMA}".`, "invalidSyntax");
  }
  if (!Array.isArray(Operations) || Operations.length === 0) throw new ScimError(400, "A PATCH body must carry a non-empty Operations list.", "invalidSyntax");
  if (Operations.length > MAX_PATCH_OPERATIONS) throw new ScimError(400, `At most ${MAX_PATCH_OPERATIONS} operations in one PATCH.`, "tooMany");
  const operations: ScimPatchOperation[] = [];
  Operations.forEach((raw: unknown, index: number) => {
    if (typeof raw !== "object" || raw === null) throw new ScimError(400, `Operations[${index}] is not an object.`, "invalidSyntax");
    const { op, path, value } = raw as { op?: unknown; path?: unknown; value?: unknown };
    const verb = typeof op === "string" ? op.toLowerCase() : "";
    if (verb !== "add" && verb !== "replace" && verb !== "remove") {
      throw new ScimError(400, `Operations[${index}].op must be add, replace or remove.`, "invalidSyntax");
    }
    if (path !== undefined && typeof path !== "string") throw new ScimError(400, `Operations[${index}].path must be a string.`, "invalidPath");
    if (verb === "remove") {
      if (!path) throw new ScimError(400, `Operations[${index}]: remove needs a path.`, "noTarget");
      // Entra ID removes members as `path: "members", value: [{ value: "<id>" }]`: the same as one
      // `members[value eq "<id>"]` removal per entry, which matches however the entries are decorated.
      const byValue =
        !path.includes("[") && Array.isArray(value) && value.length > 0 && value.every((item) => typeof (item as { value?: unknown } | null)?.value === "string");
      if (byValue) {
        for (const item of value as { value: string }[]) operations.push({ op: "remove", path: `${path}[value eq ${JSON.stringify(item.value)}]` });
      } else {
        operations.push(value === undefined ? { op: "remove", path } : { op: "remove", path, value });
      }
      return;
    }
    if (path) {
      operations.push({ op: verb, path, value: BOOLEAN_PATHS.has(path.toLowerCase()) ? booleanOf(value) : value });
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new ScimError(400, `Operations[${index}]: without a path, the value must be an object of attributes.`, "invalidValue");
    }
    for (const [attribute, attributeValue] of Object.entries(value)) {
      operations.push({ op: verb, path: attribute, value: BOOLEAN_PATHS.has(attribute.toLowerCase()) ? booleanOf(attributeValue) : attributeValue });
    }
  });
  try {
    patchBodyValidation({ schemas: [PATCH_OP_SCHEMA], Operations: operations });
  } catch (error) {
    throw patchError(error);
  }
  return operations;
}

function patchError(error: unknown): ScimError {
  if (error instanceof PatchLibraryError) {
    const code = error.scimCode;
    const known = code === "noTarget" || code === "invalidPath" || code === "invalidSyntax" ? code : "invalidValue";
    return new ScimError(400, error.message, known);
  }
  if (error instanceof ScimError) return error;
  return new ScimError(400, `The PATCH operations cannot be applied: ${(error as Error).message}`, "invalidValue");
}

/** Applies the (normalized) operations to a SCIM representation with scim-patch; the input is not changed. */
export function applyPatch<T extends ScimResource>(resource: T, operations: ScimPatchOperation[]): T {
  try {
    return scimPatch(structuredClone(resource), operations, { mutateDocument: false, treatMissingAsAdd: true });
  } catch (error) {
    throw patchError(error);
  }
}
