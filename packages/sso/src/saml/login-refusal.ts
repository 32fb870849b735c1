import { DomainError } from "@sso-cutover/db";

/** Why a SAML response did not sign anyone in: recorded in the audit log and shown on the refusal page. */
export type SsoLoginRefusalReason =
  | "OVERSIZED"
  | "TOO_COMPLEX"
  | "MALFORMED"
  | "IDP_INITIATED"
  | "UNKNOWN_REQUEST"
  | "REQUEST_EXPIRED"
  | "REPLAYED"
  | "INVALID_SIGNATURE"
  | "WEAK_ALGORITHM"
  | "WRONG_ISSUER"
  | "WRONG_AUDIENCE"
  | "WRONG_DESTINATION"
  | "REQUEST_MISMATCH"
  | "EXPIRED"
  | "NOT_YET_VALID"
  | "IDP_ERROR"
  | "MISSING_SUBJECT"
  | "INVALID_ATTRIBUTES"
  | "ACCOUNT_DELETED"
  | "ACCOUNT_DEACTIVATED"
  | "NOT_PROVISIONED";

/**
 * A SAML login refused. The message is written for the person in front of the browser and never repeats
 * content of the response (which an attacker may have written); `reason` is the machine-readable cause.
 */
export class SsoLoginRefused extends DomainError {
  constructor(
    readonly reason: SsoLoginRefusalReason,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super("UNAUTHENTICATED", message, null, { reason, ...details });
  }
}

const START_AGAIN = "Start again from your enterprise's one-click login link.";

export const REFUSAL_MESSAGES: Record<Exclude<SsoLoginRefusalReason, "IDP_INITIATED">, string> = {
  OVERSIZED: "The SAML response is larger than 64 KiB and was not read.",
  TOO_COMPLEX: "The SAML response nests its elements deeper than 32 levels or has more than 2,000 elements, and was not read.",
  MALFORMED: "The SAML response is not a base64-encoded SAML 2.0 Response document.",
  UNKNOWN_REQUEST: `The SAML response does not answer a login started for this enterprise. ${START_AGAIN}`,
  REQUEST_EXPIRED: `The login this SAML response answers was started too long ago. ${START_AGAIN}`,
  REPLAYED: `This SAML response was already used to sign in; a response is accepted once. ${START_AGAIN}`,
  INVALID_SIGNATURE:
    "The SAML response or its assertion is not signed with a certificate configured for this enterprise's identity " +
    "provider (every signature present must be valid, and the assertion must be signed).",
  WEAK_ALGORITHM:
    "The SAML response is signed or digested with an algorithm we do not accept (SHA-1): the identity provider must " +
    "sign with RSA-SHA256 (or RSA-SHA512) and SHA-256 (or SHA-512) digests.",
  WRONG_ISSUER: "The SAML assertion was issued by an identity provider other than the one configured for this enterprise.",
  WRONG_AUDIENCE: "The SAML assertion is meant for another service provider (its audience is not our SP entity id).",
  WRONG_DESTINATION: "The SAML response was sent to another address than this enterprise's assertion consumer service URL.",
  REQUEST_MISMATCH: `The SAML assertion was issued for another login request. ${START_AGAIN}`,
  EXPIRED: `The SAML assertion has expired (more than 2 minutes of clock skew allowed). ${START_AGAIN}`,
  NOT_YET_VALID: "The SAML assertion is not valid yet: the identity provider's clock is more than 2 minutes ahead of ours.",
  IDP_ERROR: "The identity provider did not authenticate you (it answered with an error status).",
  MISSING_SUBJECT: "The SAML assertion names no subject (NameID), so the account cannot be identified.",
  INVALID_ATTRIBUTES: "The SAML assertion's attributes do not match the attribute mapping configured for this enterprise.",
  ACCOUNT_DELETED: "The SSO account of this user was deleted; an enterprise administrator must restore access.",
  ACCOUNT_DEACTIVATED:
    "Your SSO account was deprovisioned by your identity provider. Ask your identity provider's administrator to assign " +
    "the application to you again.",
  NOT_PROVISIONED:
    "Your identity provider has not provisioned an account for you here yet (this enterprise's accounts are created " +
    "by SCIM only). Ask your identity provider's administrator to assign the application to you.",
};

/** The refusal of a response whose status is not Success, naming the IdP's status (a SAML 2.0 name only). */
export function idpStatusMessage(status: { code: string; secondLevel: string | null }): string {
  const named = status.secondLevel ? `${status.code} (second-level status: ${status.secondLevel})` : status.code;
  return `The identity provider did not authenticate you: it answered with the status ${named}. ${START_AGAIN}`;
}

/** R1: the message of a refused IdP-initiated login names the link where login starts. */
export function idpInitiatedMessage(loginUrl: string): string {
  return (
    "IdP-initiated SSO is not supported: sign in from the one-click login link of your enterprise instead, " +
    `${loginUrl} (or set it as the application's start URL in your identity provider).`
  );
}
