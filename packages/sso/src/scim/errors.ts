/** RFC 7644 §3.12 `scimType` values this endpoint answers with. */
export type ScimType =
  | "invalidFilter"
  | "tooMany"
  | "uniqueness"
  | "mutability"
  | "invalidSyntax"
  | "invalidPath"
  | "noTarget"
  | "invalidValue"
  | "invalidVers";

export const SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

/**
 * A refusal of the SCIM endpoint, answered as an RFC 7644 §3.12 error object (`status` as a string). Thrown inside
 * a request's transaction, it rolls the whole request back: nothing of it is applied.
 */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType: ScimType | null = null,
  ) {
    super(detail);
  }

  toJSON(): Record<string, unknown> {
    return {
      schemas: [SCIM_ERROR_SCHEMA],
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.detail,
    };
  }
}

export const notFound = (what: string, id: string): ScimError => new ScimError(404, `${what} "${id}" not found.`);
export const invalidValue = (detail: string): ScimError => new ScimError(400, detail, "invalidValue");
