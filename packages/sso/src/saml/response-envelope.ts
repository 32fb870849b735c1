import { DOMParser } from "@xmldom/xmldom";
import { REFUSAL_MESSAGES, SsoLoginRefused } from "./login-refusal";

/** Larger SAML responses are refused unread: real ones are a few KiB, and parsing is the costly part. */
export const MAX_SAML_RESPONSE_BYTES = 256 * 1024;

const PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol";
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The unsigned outer layer of a SAML response: enough to know which login it answers and where it was sent. */
export interface ResponseEnvelope {
  /** The form value, whitespace removed: what node-saml validates. */
  base64: string;
  /** ID of the AuthnRequest answered; null for an unsolicited (IdP-initiated) response. */
  inResponseTo: string | null;
  destination: string | null;
}

function malformed(): SsoLoginRefused {
  return new SsoLoginRefused("MALFORMED", REFUSAL_MESSAGES.MALFORMED);
}

/**
 * Decodes and parses the `SAMLResponse` form value far enough to route it; refuses oversized, non-base64 and
 * non-XML input, documents with a DTD (entity expansion), and anything whose root is not a SAML 2.0 Response.
 * Nothing read here is trusted for authentication: node-saml validates the signed content afterwards.
 */
export function readResponseEnvelope(samlResponse: string): ResponseEnvelope {
  if (samlResponse.length > MAX_SAML_RESPONSE_BYTES) {
    throw new SsoLoginRefused("OVERSIZED", REFUSAL_MESSAGES.OVERSIZED, { limitBytes: MAX_SAML_RESPONSE_BYTES });
  }
  const base64 = samlResponse.replace(/\s+/g, "");
  if (base64.length === 0 || base64.length % 4 !== 0 || !BASE64.test(base64)) throw malformed();
  const xml = Buffer.from(base64, "base64").toString("utf8");
  if (/<!DOCTYPE/i.test(xml)) throw malformed();

  let root: Element | null = null;
  try {
    const fail = (message: string) => {
      throw new Error(message);
    };
    const document = new DOMParser({ errorHandler: { error: fail, fatalError: fail } }).parseFromString(xml, "text/xml");
    root = document?.documentElement ?? null;
  } catch {
    throw malformed();
  }
  if (!root || root.localName !== "Response" || root.namespaceURI !== PROTOCOL_NS) throw malformed();
  return {
    base64,
    inResponseTo: root.getAttribute("InResponseTo") || null,
    destination: root.hasAttribute("Destination") ? root.getAttribute("Destination") : null,
  };
}
