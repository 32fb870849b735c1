import sax from "sax";
import { REFUSAL_MESSAGES, SsoLoginRefused } from "./login-refusal";

/** Larger SAML responses (decoded XML) are refused unread: real ones are a few KiB, and parsing is the costly part. */
export const MAX_SAML_RESPONSE_BYTES = 64 * 1024;
/** Deepest element nesting accepted; a signed assertion with encrypted parts stays well under 20. */
export const MAX_SAML_RESPONSE_DEPTH = 32;
/** Most elements accepted: a response with a few hundred group values has well under 2,000. */
export const MAX_SAML_RESPONSE_ELEMENTS = 2_000;
/**
 * The largest ACS form body read at all: an accepted response, base64- then URL-encoded, with a RelayState, fits
 * well within it. Larger posts are refused unread, since even parsing the form costs tens of milliseconds.
 */
export const MAX_ACS_FORM_BYTES = 128 * 1024;
// The form value is base64 of the XML (4 characters per 3 bytes), possibly wrapped in lines: anything longer than
// this cannot decode to an accepted size, and is refused before decoding.
const MAX_FORM_VALUE_CHARS = Math.ceil((MAX_SAML_RESPONSE_BYTES * 4) / 3 / 0.9);

const PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol";
const ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion";
const DSIG_NS = "http://www.w3.org/2000/09/xmldsig#";
const STATUS_PREFIX = "urn:oasis:names:tc:SAML:2.0:status:";
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The signature and digest algorithms we accept (XML-DSig URIs). SHA-1 is refused: collisions are practical, and
 * every IdP in use offers SHA-256.
 */
export const ACCEPTED_SIGNATURE_ALGORITHMS: readonly string[] = [
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
];
export const ACCEPTED_DIGEST_ALGORITHMS: readonly string[] = [
  "http://www.w3.org/2001/04/xmlenc#sha256",
  "http://www.w3.org/2001/04/xmlenc#sha512",
];

/** Names of the refused algorithms one meets in practice; any other is reported as "unrecognised". */
const REFUSED_ALGORITHM_NAMES: Record<string, string> = {
  "http://www.w3.org/2000/09/xmldsig#rsa-sha1": "RSA-SHA1",
  "http://www.w3.org/2000/09/xmldsig#dsa-sha1": "DSA-SHA1",
  "http://www.w3.org/2000/09/xmldsig#hmac-sha1": "HMAC-SHA1",
  "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1": "ECDSA-SHA1",
  "http://www.w3.org/2001/04/xmldsig-more#rsa-md5": "RSA-MD5",
  "http://www.w3.org/2000/09/xmldsig#sha1": "SHA-1",
  "http://www.w3.org/2001/04/xmldsig-more#md5": "MD5",
};

/**
 * The SAML 2.0 status codes (core §3.2.2.2), by their last URI segment: the only status text we ever show. A
 * status outside this list is shown as "unrecognised" rather than echoed, since the response may be forged.
 */
const KNOWN_STATUS_CODES = new Set([
  "Success",
  "Requester",
  "Responder",
  "VersionMismatch",
  "AuthnFailed",
  "InvalidAttrNameOrValue",
  "InvalidNameIDPolicy",
  "NoAuthnContext",
  "NoAvailableIDP",
  "NoPassive",
  "NoSupportedIDP",
  "PartialLogout",
  "ProxyCountExceeded",
  "RequestDenied",
  "RequestUnsupported",
  "RequestVersionDeprecated",
  "RequestVersionTooHigh",
  "RequestVersionTooLow",
  "ResourceNotRecognized",
  "TooManyResponses",
  "UnknownAttrProfile",
  "UnknownPrincipal",
  "UnsupportedBinding",
]);

/** A status code as shown to people: its SAML name, or "unrecognised". */
export function statusName(value: string | null): string {
  if (value === null) return "none";
  const name = value.startsWith(STATUS_PREFIX) ? value.slice(STATUS_PREFIX.length) : "";
  return KNOWN_STATUS_CODES.has(name) ? name : "unrecognised";
}

/** The IdP's answer in `<samlp:Status>`: the top-level code and the second-level one, if any. */
export interface ResponseStatus {
  /** e.g. `Success`, `Requester`; "unrecognised" for a code outside SAML 2.0. */
  code: string;
  secondLevel: string | null;
}

/**
 * The unsigned outer layer of a SAML response: enough to know which login it answers, where it was sent, what the
 * IdP answered and how it is signed — read in one streaming pass, before any signature work.
 */
export interface ResponseEnvelope {
  /** The form value, whitespace removed: what node-saml validates. */
  base64: string;
  /** ID of the AuthnRequest answered; null for an unsolicited (IdP-initiated) response. */
  inResponseTo: string | null;
  destination: string | null;
  status: ResponseStatus;
  /** The `<Response>` itself carries a signature (which must then validate, like the assertion's). */
  responseSigned: boolean;
  /** Signature or digest algorithms outside the accepted ones, by name (e.g. `RSA-SHA1`, `SHA-1`). */
  refusedAlgorithms: string[];
  /** A signature somewhere else than on the response or on its assertion (nothing legitimate puts one there). */
  misplacedSignature: boolean;
}

function malformed(): SsoLoginRefused {
  return new SsoLoginRefused("MALFORMED", REFUSAL_MESSAGES.MALFORMED);
}

export function oversized(): SsoLoginRefused {
  return new SsoLoginRefused("OVERSIZED", REFUSAL_MESSAGES.OVERSIZED, { limitBytes: MAX_SAML_RESPONSE_BYTES });
}

function decodedLength(base64: string): number {
  const padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}

interface OpenElement {
  local: string;
  uri: string;
}

/**
 * Decodes the `SAMLResponse` form value and reads its envelope in one streaming (SAX) pass with hard limits:
 * refuses oversized input (64 KiB decoded), non-base64 and non-XML input, documents with a DTD (entity expansion),
 * nesting deeper than 32 or more than 2,000 elements (stopping at the first element over), and anything whose root
 * is not a SAML 2.0 Response. Nothing read here is trusted for authentication: node-saml validates the signed
 * content afterwards; what is read here only routes the response or refuses it.
 */
export function readResponseEnvelope(samlResponse: string): ResponseEnvelope {
  if (samlResponse.length > MAX_FORM_VALUE_CHARS) throw oversized();
  const base64 = samlResponse.replace(/\s+/g, "");
  if (base64.length === 0 || base64.length % 4 !== 0 || !BASE64.test(base64)) throw malformed();
  if (decodedLength(base64) > MAX_SAML_RESPONSE_BYTES) throw oversized();
  const xml = Buffer.from(base64, "base64").toString("utf8");

  const envelope: Omit<ResponseEnvelope, "base64"> = {
    inResponseTo: null,
    destination: null,
    status: { code: "none", secondLevel: null },
    responseSigned: false,
    refusedAlgorithms: [],
    misplacedSignature: false,
  };
  let statusSeen = false;
  let rootSeen = false;
  let elements = 0;
  const open: OpenElement[] = [];

  const parser = sax.parser(true, { xmlns: true });
  parser.onerror = () => {
    throw malformed();
  };
  parser.ondoctype = () => {
    throw malformed();
  };
  parser.onopentag = (tag) => {
    const { local, uri, attributes } = tag as sax.QualifiedTag;
    elements += 1;
    if (open.length + 1 > MAX_SAML_RESPONSE_DEPTH || elements > MAX_SAML_RESPONSE_ELEMENTS) {
      throw new SsoLoginRefused("TOO_COMPLEX", REFUSAL_MESSAGES.TOO_COMPLEX, {
        maxDepth: MAX_SAML_RESPONSE_DEPTH,
        maxElements: MAX_SAML_RESPONSE_ELEMENTS,
      });
    }
    const attribute = (name: string): string | null => attributes[name]?.value ?? null;
    const parent = open.at(-1);
    const depth = open.length + 1;

    if (depth === 1) {
      if (rootSeen || local !== "Response" || uri !== PROTOCOL_NS) throw malformed();
      rootSeen = true;
      envelope.inResponseTo = attribute("InResponseTo") || null;
      envelope.destination = attribute("Destination");
    } else if (local === "StatusCode" && uri === PROTOCOL_NS && depth === 3 && parent?.local === "Status") {
      statusSeen = true;
      envelope.status.code = statusName(attribute("Value"));
    } else if (local === "StatusCode" && uri === PROTOCOL_NS && depth === 4 && parent?.local === "StatusCode") {
      envelope.status.secondLevel = statusName(attribute("Value"));
    } else if (local === "Signature" && uri === DSIG_NS) {
      const onResponse = depth === 2;
      const onAssertion = depth === 3 && parent?.local === "Assertion" && parent.uri === ASSERTION_NS;
      if (onResponse) envelope.responseSigned = true;
      else if (!onAssertion) envelope.misplacedSignature = true;
    } else if (local === "SignatureMethod" || local === "DigestMethod") {
      // Matched whatever the namespace: stricter than the verifier, never looser.
      const algorithm = attribute("Algorithm") ?? "";
      const accepted = local === "SignatureMethod" ? ACCEPTED_SIGNATURE_ALGORITHMS : ACCEPTED_DIGEST_ALGORITHMS;
      if (!accepted.includes(algorithm)) {
        const name = REFUSED_ALGORITHM_NAMES[algorithm] ?? "unrecognised";
        if (!envelope.refusedAlgorithms.includes(name)) envelope.refusedAlgorithms.push(name);
      }
    }
    open.push({ local, uri });
  };
  parser.onclosetag = () => {
    open.pop();
  };
  parser.write(xml).close();
  if (!rootSeen || open.length !== 0 || !statusSeen) throw malformed();
  return { base64, ...envelope };
}
