/**
 * A SAML identity provider for the test suite: an RSA key pair and a self-signed certificate generated when this
 * module loads (nothing secret is committed), and SAML responses signed with xml-crypto the way real IdPs sign
 * them. Every property a service provider must check has a knob, so that each refusal can be tested on its own.
 */
import { randomBytes } from "node:crypto";
import { inflateRawSync } from "node:zlib";
import selfsigned from "selfsigned";
import { SignedXml } from "xml-crypto";

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

interface KeyMaterial {
  privateKeyPem: string;
  certificatePem: string;
}

async function generateKeyMaterial(commonName: string): Promise<KeyMaterial> {
  const pems = await selfsigned.generate([{ name: "commonName", value: commonName }], {
    keySize: 2048,
    algorithm: "sha256",
    // Valid from a day ago, so that a certificate check at "now" never trips over the second it was made in.
    notBeforeDate: new Date(Date.now() - 24 * 3600_000),
    notAfterDate: new Date(Date.now() + 365 * 24 * 3600_000),
  });
  return { privateKeyPem: pems.private, certificatePem: pems.cert };
}

const [idpKeys, nextIdpKeys, strangerKeys] = await Promise.all([
  generateKeyMaterial("test-idp.sso-cutover.test"),
  generateKeyMaterial("next.test-idp.sso-cutover.test"),
  generateKeyMaterial("someone-else.sso-cutover.test"),
]);

/** The test IdP's signing certificate (PEM): what an enterprise admin pastes into its SSO connection. */
export const testIdpCertificatePem: string = idpKeys.certificatePem;
/** The test IdP's next signing certificate: the key it switches to in a rotation (`signingKey: "next"`). */
export const nextIdpCertificatePem: string = nextIdpKeys.certificatePem;
/** A certificate the test IdP does not sign with: configure it to test "wrong certificate". */
export const strangerCertificatePem: string = strangerKeys.certificatePem;

/** Which key pair signs: the IdP's current key, its next key (rotation), or a key nobody trusts. */
export type TestIdpKey = "current" | "next" | "stranger";
const KEYS: Record<TestIdpKey, KeyMaterial> = { current: idpKeys, next: nextIdpKeys, stranger: strangerKeys };
export const TEST_IDP_ENTITY_ID = "https://idp.sso-cutover.test/metadata";
export const TEST_IDP_SSO_URL = "https://idp.sso-cutover.test/sso";

export interface TestSamlResponseOptions {
  /** Our ACS URL: `Destination` of the response and `Recipient` of the subject confirmation unless overridden. */
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
  issuer?: string;
  /** The subject's NameID (the stable key of the user at the IdP); null leaves it out. */
  nameId: string | null;
  /** Attribute name → value(s), e.g. `{ login: "alice", email: "alice@acme.test", groups: ["Developers"] }`. */
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
  /** Sign with a key other than the one behind `testIdpCertificatePem`. */
  signWithStrangerKey?: boolean;
  /** Which key signs (default: the current one; `signWithStrangerKey` means "stranger"). */
  signingKey?: TestIdpKey;
  /** Which key signs the `<Response>`, when it differs from the assertion's. Default: `signingKey`. */
  responseSigningKey?: TestIdpKey;
  /** Signature algorithm (RSA with this hash). Default: sha256. */
  signatureAlgorithm?: "sha256" | "sha1";
  /** Digest algorithm of the signed references. Default: sha256. */
  digestAlgorithm?: "sha256" | "sha1";
  /** Breaks the signature value of the `<Response>` or of the `<Assertion>` after signing (the other stays valid). */
  corruptSignatureOf?: "Response" | "Assertion";
  /** Status code of the response. Default: Success. */
  statusCode?: "Success" | "Requester" | "Responder" | "AuthnFailed";
  /** Second-level status code (inside the top-level one), e.g. `RequestDenied`. */
  secondLevelStatusCode?: "RequestDenied" | "AuthnFailed" | "UnknownPrincipal" | "NoPassive";
  /** Keep the (signed) assertion even when the status is not Success, as a careless or hostile IdP might. */
  assertionDespiteStatus?: boolean;
  /** Rewrites the signed XML, as an attacker between the IdP and us would (signature wrapping). */
  alterAfterSigning?: (signedXml: string) => string;
}

function escapeXml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function samlId(): string {
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
  keys: KeyMaterial;
  signatureAlgorithm: "sha256" | "sha1";
  digestAlgorithm: "sha256" | "sha1";
}

function sign(xml: string, elementLocalName: "Response" | "Assertion", { keys, signatureAlgorithm, digestAlgorithm }: SigningChoice): string {
  const signer = new SignedXml({
    privateKey: keys.privateKeyPem,
    publicCert: keys.certificatePem,
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

/** The XML of a SAML response from the test IdP (signed as asked). */
export function buildSamlResponseXml(options: TestSamlResponseOptions): string {
  const issuedAt = options.issuedAt ?? new Date();
  const notBefore = options.notBefore ?? new Date(issuedAt.getTime() - 1000);
  const notOnOrAfter = options.notOnOrAfter ?? new Date(issuedAt.getTime() + 5 * 60_000);
  const issuer = escapeXml(options.issuer ?? TEST_IDP_ENTITY_ID);
  const destination = options.destination === undefined ? options.acsUrl : options.destination;
  const subjectInResponseTo = options.subjectInResponseTo === undefined ? options.inResponseTo : options.subjectInResponseTo;
  const inResponseToAttribute = options.inResponseTo === null ? "" : ` InResponseTo="${escapeXml(options.inResponseTo)}"`;
  const destinationAttribute = destination === null ? "" : ` Destination="${escapeXml(destination)}"`;
  const subjectInResponseToAttribute = subjectInResponseTo === null ? "" : ` InResponseTo="${escapeXml(subjectInResponseTo)}"`;
  const keyName = options.signingKey ?? (options.signWithStrangerKey ? "stranger" : "current");
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
  const signAssertion = (options.signAssertion ?? true) && withAssertion;
  const signResponse = options.signResponse ?? false;
  if (signAssertion) xml = sign(xml, "Assertion", { keys: KEYS[keyName], ...algorithms });
  if (signResponse) xml = sign(xml, "Response", { keys: KEYS[options.responseSigningKey ?? keyName], ...algorithms });
  if (options.corruptSignatureOf) {
    const signed = options.corruptSignatureOf === "Response" ? signResponse : signAssertion;
    if (!signed) throw new Error(`the ${options.corruptSignatureOf} is not signed: nothing to corrupt`);
    // The response's signature follows the response's Issuer, so it comes first in the document when present.
    xml = corruptSignatureValue(xml, options.corruptSignatureOf === "Response" ? "first" : "last");
  }
  return options.alterAfterSigning ? options.alterAfterSigning(xml) : xml;
}

/** Flips bits of one `<ds:SignatureValue>` (still valid base64): that signature no longer verifies. */
function corruptSignatureValue(xml: string, which: "first" | "last"): string {
  const values = [...xml.matchAll(/<ds:SignatureValue>([^<]+)<\/ds:SignatureValue>/g)];
  const target = which === "first" ? values[0] : values.at(-1);
  if (!target || target.index === undefined) throw new Error("no signature value to corrupt");
  const bytes = Buffer.from(target[1]!, "base64");
  bytes[bytes.length >> 1]! ^= 0xff;
  const corrupted = `<ds:SignatureValue>${bytes.toString("base64")}</ds:SignatureValue>`;
  return xml.slice(0, target.index) + corrupted + xml.slice(target.index + target[0].length);
}

/** The `SAMLResponse` form value (base64 of the XML) the browser posts to our ACS URL. */
export function buildSamlResponse(options: TestSamlResponseOptions): string {
  return encodeSamlResponse(buildSamlResponseXml(options));
}

export function encodeSamlResponse(xml: string): string {
  return Buffer.from(xml, "utf8").toString("base64");
}

/** What the test IdP reads from the HTTP-Redirect binding URL our SP sends the browser to. */
export interface ReceivedAuthnRequest {
  /** The AuthnRequest's ID, to answer with `inResponseTo`. */
  id: string;
  /** The SP entity id (`<Issuer>`). */
  issuer: string;
  /** Where the SP wants the response posted. */
  assertionConsumerServiceUrl: string | null;
  destination: string | null;
  relayState: string | null;
  xml: string;
}

/** Decodes the `SAMLRequest` (deflated, base64) and `RelayState` of an SP-initiated redirect to the IdP. */
export function readAuthnRequest(redirectUrl: string): ReceivedAuthnRequest {
  const url = new URL(redirectUrl);
  const encoded = url.searchParams.get("SAMLRequest");
  if (!encoded) throw new Error(`no SAMLRequest in ${redirectUrl}`);
  const xml = inflateRawSync(Buffer.from(encoded, "base64")).toString("utf8");
  const attribute = (name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(xml)?.[1] ?? null;
  const id = attribute("ID");
  const issuer = /<saml:Issuer[^>]*>([^<]*)<\/saml:Issuer>/.exec(xml)?.[1];
  if (!id || !issuer) throw new Error(`not an AuthnRequest: ${xml}`);
  return {
    id,
    issuer,
    assertionConsumerServiceUrl: attribute("AssertionConsumerServiceURL"),
    destination: attribute("Destination"),
    relayState: url.searchParams.get("RelayState"),
    xml,
  };
}

/**
 * Signature wrapping: changes the value of an attribute of the signed assertion after signing (the digest no longer
 * matches what was signed).
 */
export function replaceAttributeValue(from: string, to: string): (signedXml: string) => string {
  return (signedXml) => {
    const target = `<saml:AttributeValue>${escapeXml(from)}</saml:AttributeValue>`;
    if (!signedXml.includes(target)) throw new Error(`no attribute value "${from}" to replace`);
    return signedXml.replace(target, `<saml:AttributeValue>${escapeXml(to)}</saml:AttributeValue>`);
  };
}

/**
 * Signature wrapping (XSW): keeps the genuinely signed assertion but puts a forged copy of it, with other
 * attribute values, in front of it — hoping the SP verifies one assertion and reads the other.
 */
export function injectForgedAssertion(from: string, to: string): (signedXml: string) => string {
  return (signedXml) => {
    const match = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(signedXml);
    if (!match) throw new Error("no assertion to copy");
    const forged = match[0]
      .replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, "")
      .replace(/ID="[^"]*"/, `ID="${samlId()}"`)
      .replace(`<saml:AttributeValue>${escapeXml(from)}</saml:AttributeValue>`, `<saml:AttributeValue>${escapeXml(to)}</saml:AttributeValue>`);
    return signedXml.replace(match[0], forged + match[0]);
  };
}
