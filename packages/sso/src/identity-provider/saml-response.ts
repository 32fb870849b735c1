/**
 * SAML 2.0 responses as an identity provider signs them (xml-crypto, exclusive canonicalisation, the signature
 * right after the signed element's `<Issuer>`). Used by the development IdP and by the test suite's IdP; every
 * property a service provider checks has an option, so that tests can build each response an SP must refuse.
 */
import { randomBytes } from "node:crypto";
import { SignedXml } from "xml-crypto";
import type { IdpKeyMaterial } from "./key-material";

const PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol";
const ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion";
const SIGNATURE_ALGORITHMS = {
  sha256: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
  sha1: "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
} as const;
const DIGEST_ALGORITHMS = {
  sha256: "http://www.w3.org/2001/04/xmlenc#sha256",
  sha1: "http://www.w3.org/2000/09/xmldsig#sha1",
} as const;
const EXCLUSIVE_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED_SIGNATURE = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

export type SamlHash = "sha256" | "sha1";
export type SamlStatusName = "Success" | "Requester" | "Responder" | "AuthnFailed";
export type SamlSecondLevelStatusName = "RequestDenied" | "AuthnFailed" | "UnknownPrincipal" | "NoPassive";

export interface SamlResponseOptions {
  /** The IdP's entity id (`<Issuer>` of the response and of the assertion). */
  issuer: string;
  /** The key that signs the assertion (and the response, unless `responseSigningKey` says otherwise). */
  signingKey: IdpKeyMaterial;
  /** The SP's ACS URL: `Destination` of the response and `Recipient` of the subject confirmation unless overridden. */
  acsUrl: string;
  /** The SP entity id the assertion is meant for (`Audience`). */
  audience: string;
  /** The AuthnRequest ID answered; `null` builds an IdP-initiated (unsolicited) response. */
  inResponseTo: string | null;
  /** `Destination` of the response; `null` leaves it out. Default: `acsUrl`. */
  destination?: string | null;
  /** `Recipient` of the bearer subject confirmation. Default: `acsUrl`. */
  recipient?: string;
  /** `InResponseTo` of the subject confirmation. Default: `inResponseTo`. */
  subjectInResponseTo?: string | null;
  /** The subject's NameID (the stable key of the user at the IdP); null leaves it out. */
  nameId: string | null;
  /** Attribute name → value(s), e.g. `{ email: "bob@acme.example", groups: ["web-developers"] }`. */
  attributes?: Record<string, string | readonly string[]>;
  /** Moment the IdP issued the response. Default: now. */
  issuedAt?: Date;
  /** `NotBefore` of the conditions. Default: `issuedAt` − 1 s. */
  notBefore?: Date;
  /** `NotOnOrAfter` of the conditions and of the subject confirmation. Default: `issuedAt` + 5 min. */
  notOnOrAfter?: Date;
  /** Sign the `<Response>` element. Default: false. */
  signResponse?: boolean;
  /** Sign the `<Assertion>` element. Default: true. */
  signAssertion?: boolean;
  /** The key that signs the `<Response>`, when it differs from the assertion's. Default: `signingKey`. */
  responseSigningKey?: IdpKeyMaterial;
  /** Signature algorithm (RSA with this hash). Default: sha256. */
  signatureAlgorithm?: SamlHash;
  /** Digest algorithm of the signed references. Default: sha256. */
  digestAlgorithm?: SamlHash;
  /** Status code of the response. Default: Success. */
  statusCode?: SamlStatusName;
  /** Second-level status code (inside the top-level one), e.g. `RequestDenied`. */
  secondLevelStatusCode?: SamlSecondLevelStatusName;
  /** Keep the (signed) assertion even when the status is not Success, as a careless or hostile IdP might. */
  assertionDespiteStatus?: boolean;
}

export function escapeXml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** A fresh SAML ID: an NCName (starts with `_`), 160 random bits. */
export function samlId(): string {
  return `_${randomBytes(20).toString("hex")}`;
}

function attributeStatement(attributes: Record<string, string | readonly string[]>): string {
  const entries = Object.entries(attributes);
  if (entries.length === 0) return "";
  const rendered = entries
    .map(([name, value]) => {
      const values = typeof value === "string" ? [value] : value;
      const items = values.map((item) => `<saml:AttributeValue>${escapeXml(item)}</saml:AttributeValue>`).join("");
      return `<saml:Attribute Name="${escapeXml(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${items}</saml:Attribute>`;
    })
    .join("");
  return `<saml:AttributeStatement>${rendered}</saml:AttributeStatement>`;
}

interface SigningChoice {
  key: IdpKeyMaterial;
  signatureAlgorithm: SamlHash;
  digestAlgorithm: SamlHash;
}

function sign(xml: string, elementLocalName: "Response" | "Assertion", { key, signatureAlgorithm, digestAlgorithm }: SigningChoice): string {
  const signer = new SignedXml({
    privateKey: key.privateKeyPem,
    publicCert: key.certificatePem,
    signatureAlgorithm: SIGNATURE_ALGORITHMS[signatureAlgorithm],
    canonicalizationAlgorithm: EXCLUSIVE_C14N,
  });
  signer.addReference({
    xpath: `//*[local-name(.)='${elementLocalName}']`,
    digestAlgorithm: DIGEST_ALGORITHMS[digestAlgorithm],
    transforms: [ENVELOPED_SIGNATURE, EXCLUSIVE_C14N],
  });
  // The schema puts <ds:Signature> right after the element's <Issuer>.
  signer.computeSignature(xml, {
    prefix: "ds",
    location: { reference: `//*[local-name(.)='${elementLocalName}']/*[local-name(.)='Issuer']`, action: "after" },
  });
  return signer.getSignedXml();
}

/** The XML of a SAML response, signed as asked (by default: the assertion, RSA-SHA256 with SHA-256 digests). */
export function buildSamlResponseXml(options: SamlResponseOptions): string {
  const issuedAt = options.issuedAt ?? new Date();
  const notBefore = options.notBefore ?? new Date(issuedAt.getTime() - 1000);
  const notOnOrAfter = options.notOnOrAfter ?? new Date(issuedAt.getTime() + 5 * 60_000);
  const issuer = escapeXml(options.issuer);
  const destination = options.destination === undefined ? options.acsUrl : options.destination;
  const subjectInResponseTo = options.subjectInResponseTo === undefined ? options.inResponseTo : options.subjectInResponseTo;
  const inResponseToAttribute = options.inResponseTo === null ? "" : ` InResponseTo="${escapeXml(options.inResponseTo)}"`;
  const destinationAttribute = destination === null ? "" : ` Destination="${escapeXml(destination)}"`;
  const subjectInResponseToAttribute = subjectInResponseTo === null ? "" : ` InResponseTo="${escapeXml(subjectInResponseTo)}"`;
  const algorithms = { signatureAlgorithm: options.signatureAlgorithm ?? "sha256", digestAlgorithm: options.digestAlgorithm ?? "sha256" } as const;
  const status = options.statusCode ?? "Success";
  const withAssertion = status === "Success" || options.assertionDespiteStatus === true;
  const secondLevel = options.secondLevelStatusCode
    ? `<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:${options.secondLevelStatusCode}"/>`
    : "";

  const assertion =
    `<saml:Assertion xmlns:saml="${ASSERTION_NS}" ID="${samlId()}" Version="2.0" IssueInstant="${issuedAt.toISOString()}">` +
    `<saml:Issuer>${issuer}</saml:Issuer>` +
    `<saml:Subject>` +
    (options.nameId === null
      ? ""
      : `<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">${escapeXml(options.nameId)}</saml:NameID>`) +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<saml:SubjectConfirmationData${subjectInResponseToAttribute} NotOnOrAfter="${notOnOrAfter.toISOString()}" Recipient="${escapeXml(options.recipient ?? options.acsUrl)}"/>` +
    `</saml:SubjectConfirmation>` +
    `</saml:Subject>` +
    `<saml:Conditions NotBefore="${notBefore.toISOString()}" NotOnOrAfter="${notOnOrAfter.toISOString()}">` +
    `<saml:AudienceRestriction><saml:Audience>${escapeXml(options.audience)}</saml:Audience></saml:AudienceRestriction>` +
    `</saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${issuedAt.toISOString()}" SessionIndex="${samlId()}">` +
    `<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>` +
    `</saml:AuthnStatement>` +
    attributeStatement(options.attributes ?? {}) +
    `</saml:Assertion>`;

  let xml =
    `<samlp:Response xmlns:samlp="${PROTOCOL_NS}" xmlns:saml="${ASSERTION_NS}" ID="${samlId()}" Version="2.0" IssueInstant="${issuedAt.toISOString()}"${destinationAttribute}${inResponseToAttribute}>` +
    `<saml:Issuer>${issuer}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:${status}">${secondLevel}</samlp:StatusCode></samlp:Status>` +
    (withAssertion ? assertion : "") +
    `</samlp:Response>`;

  // The assertion first: a signed response then covers the assertion's signature too, as IdPs do it.
  if ((options.signAssertion ?? true) && withAssertion) xml = sign(xml, "Assertion", { key: options.signingKey, ...algorithms });
  if (options.signResponse ?? false) xml = sign(xml, "Response", { key: options.responseSigningKey ?? options.signingKey, ...algorithms });
  return xml;
}

/** The `SAMLResponse` form value (base64 of the XML) the browser posts to the SP's ACS URL. */
export function encodeSamlResponse(xml: string): string {
  return Buffer.from(xml, "utf8").toString("base64");
}
