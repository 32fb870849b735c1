import { DomainError } from "@sso-cutover/db";

/** The DomainError a call is expected to throw; fails the test when it succeeds or throws anything else. */
export async function domainError(call: Promise<unknown>): Promise<DomainError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a DomainError, but the call succeeded");
}
