import { inflateRawSync } from "node:zlib";
import { DOMParser } from "@xmldom/xmldom";

const PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol";
const ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion";
/** Real AuthnRequests are well under 2 KiB; anything this large is not one. */
const MAX_AUTHN_REQUEST_BYTES = 16 * 1024;

/** What an IdP reads from an SP-initiated login (HTTP-Redirect binding). */
export interface ReceivedAuthnRequest {
  /** The AuthnRequest's ID: the response answers it (`InResponseTo`). */
  id: string;
  /** The SP entity id (`<Issuer>`): the audience of the response. */
  issuer: string;
  /** Where the SP wants the response posted. */
  assertionConsumerServiceUrl: string | null;
  destination: string | null;
  /** Sent back unchanged with the response. */
  relayState: string | null;
  xml: string;
}

export class AuthnRequestError extends Error {}

/**
 * Decodes the `SAMLRequest` (raw DEFLATE, base64) and `RelayState` query parameters of the HTTP-Redirect binding.
 * Refuses (AuthnRequestError, naming the problem) anything that is not one SAML 2.0 AuthnRequest with an ID and
 * an Issuer, a document type declaration included.
 */
export function readAuthnRequest(parameters: URLSearchParams): ReceivedAuthnRequest {
  const encoded = parameters.get("SAMLRequest");
  if (!encoded) throw new AuthnRequestError("The URL carries no SAMLRequest parameter.");
  let xml: string;
  try {
    xml = inflateRawSync(Buffer.from(encoded, "base64"), { maxOutputLength: MAX_AUTHN_REQUEST_BYTES }).toString("utf8");
  } catch {
    throw new AuthnRequestError("SAMLRequest is not a DEFLATE-compressed, base64-encoded message (HTTP-Redirect binding) of at most 16 KiB.");
  }
  if (/<!DOCTYPE/i.test(xml)) throw new AuthnRequestError("SAMLRequest carries a document type declaration.");
  const errors: string[] = [];
  const document = new DOMParser({
    locator: {},
    errorHandler: { warning: () => {}, error: (message) => errors.push(String(message)), fatalError: (message) => errors.push(String(message)) },
  }).parseFromString(xml, "text/xml");
  const root = document?.documentElement;
  if (errors.length > 0 || !root || root.namespaceURI !== PROTOCOL_NS || root.localName !== "AuthnRequest") {
    throw new AuthnRequestError("SAMLRequest is not a SAML 2.0 AuthnRequest.");
  }
  const id = root.getAttribute("ID");
  const issuerElement = Array.from(root.childNodes).find(
    (node) => node.nodeType === node.ELEMENT_NODE && (node as Element).namespaceURI === ASSERTION_NS && (node as Element).localName === "Issuer",
  );
  const issuer = issuerElement?.textContent?.trim() ?? "";
  if (!id || issuer === "") throw new AuthnRequestError("The AuthnRequest has no ID or no Issuer.");
  return {
    id,
    issuer,
    assertionConsumerServiceUrl: root.getAttribute("AssertionConsumerServiceURL") || null,
    destination: root.getAttribute("Destination") || null,
    relayState: parameters.get("RelayState"),
    xml,
  };
}
