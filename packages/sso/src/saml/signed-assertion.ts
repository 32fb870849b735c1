import { SamlStatusError, type Profile } from "@node-saml/node-saml";
import { REFUSAL_MESSAGES, SsoLoginRefused, type SsoLoginRefusalReason } from "./login-refusal";
import { ACCEPTED_CLOCK_SKEW_MS } from "./service-provider";

function refused(reason: Exclude<SsoLoginRefusalReason, "IDP_INITIATED">): SsoLoginRefused {
  return new SsoLoginRefused(reason, REFUSAL_MESSAGES[reason]);
}

/**
 * Turns what node-saml threw into a refusal. Its messages may quote the response (audiences, status messages),
 * so they are mapped to our own messages and never passed on.
 */
export function refusalForValidationError(error: unknown): SsoLoginRefused {
  if (error instanceof SsoLoginRefused) return error;
  if (error instanceof SamlStatusError) return refused("IDP_ERROR");
  const message = error instanceof Error ? error.message : String(error);
  // "Missing SAML assertion": a Success without an assertion carries no signed assertion either.
  if (/signature|Cannot obtain assertion|Missing SAML assertion|ID cannot refer|Referenced node/i.test(message)) return refused("INVALID_SIGNATURE");
  if (/not yet valid/i.test(message)) return refused("NOT_YET_VALID");
  if (/expired/i.test(message)) return refused("EXPIRED");
  if (/audience/i.test(message)) return refused("WRONG_AUDIENCE");
  return refused("MALFORMED");
}

type XmlJsNode = { $?: Record<string, string>; _?: string; [child: string]: unknown };

function children(node: XmlJsNode | undefined, name: string): XmlJsNode[] {
  const value = node?.[name];
  return Array.isArray(value) ? (value as XmlJsNode[]) : [];
}

export interface SignedAssertionExpectations {
  idpEntityId: string;
  acsUrl: string;
  inResponseTo: string;
  now: Date;
}

/**
 * What node-saml leaves to the service provider, read from the signed assertion only (the response around it may
 * be unsigned): the issuer is our IdP, and a bearer subject confirmation names our ACS URL as recipient, answers
 * our request, and is within its validity window. Refuses with the reason of the first confirmation otherwise.
 */
export function checkSignedAssertion(profile: Profile, expected: SignedAssertionExpectations): void {
  if (profile.issuer !== expected.idpEntityId) throw refused("WRONG_ISSUER");
  const assertion = (profile.getAssertion?.() as { Assertion?: XmlJsNode } | undefined)?.Assertion;
  const confirmations = children(assertion, "Subject")
    .flatMap((subject) => children(subject, "SubjectConfirmation"))
    .filter((confirmation) => confirmation.$?.Method === "urn:oasis:names:tc:SAML:2.0:cm:bearer");
  if (confirmations.length === 0) throw refused("REQUEST_MISMATCH");

  const nowMs = expected.now.getTime();
  const failures = confirmations.map((confirmation): Exclude<SsoLoginRefusalReason, "IDP_INITIATED"> | null => {
    const data = children(confirmation, "SubjectConfirmationData")[0]?.$ ?? {};
    if (data.Recipient !== expected.acsUrl) return "WRONG_DESTINATION";
    if (data.InResponseTo !== expected.inResponseTo) return "REQUEST_MISMATCH";
    if (data.NotOnOrAfter && nowMs - ACCEPTED_CLOCK_SKEW_MS >= Date.parse(data.NotOnOrAfter)) return "EXPIRED";
    if (data.NotBefore && nowMs + ACCEPTED_CLOCK_SKEW_MS < Date.parse(data.NotBefore)) return "NOT_YET_VALID";
    return null;
  });
  if (failures.includes(null)) return;
  throw refused(failures[0] ?? "REQUEST_MISMATCH");
}

/** An attribute's values as non-empty trimmed strings (the IdP may send one value or several). */
export function attributeValues(profile: Profile, name: string | null): string[] {
  if (!name) return [];
  const attributes = (profile.attributes ?? {}) as Record<string, unknown>;
  const raw = attributes[name];
  const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return values
    .map((value) => (typeof value === "string" ? value : typeof (value as XmlJsNode)?._ === "string" ? (value as XmlJsNode)._! : ""))
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
}
