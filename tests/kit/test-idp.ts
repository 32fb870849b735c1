/**
 * The test suite's SAML identity provider: three key pairs generated when this module loads (nothing secret is
 * committed) — the current one, the next one of a rotation, and one nobody trusts — and the responses of the
 * shared IdP code (`@sso-cutover/sso/identity-provider`, also behind `/dev-idp`), plus what only an attacker or a
 * broken IdP sends: corrupted signatures and signature wrapping.
 */
import {
  buildSamlResponseXml as buildSignedSamlResponseXml,
  encodeSamlResponse,
  escapeXml,
  generateIdpKeyMaterial,
  readAuthnRequest as readAuthnRequestParameters,
  samlId,
  type IdpKeyMaterial,
  type ReceivedAuthnRequest,
  type SamlResponseOptions,
} from "@sso-cutover/sso/identity-provider";

export { encodeSamlResponse, type ReceivedAuthnRequest };

const [idpKeys, nextIdpKeys, strangerKeys] = await Promise.all([
  generateIdpKeyMaterial("test-idp.sso-cutover.test"),
  generateIdpKeyMaterial("next.test-idp.sso-cutover.test"),
  generateIdpKeyMaterial("someone-else.sso-cutover.test"),
]);

/** The test IdP's signing certificate (PEM): what an enterprise admin pastes into its SSO connection. */
export const testIdpCertificatePem: string = idpKeys.certificatePem;
/** The test IdP's next signing certificate: the key it switches to in a rotation (`signingKey: "next"`). */
export const nextIdpCertificatePem: string = nextIdpKeys.certificatePem;
/** A certificate the test IdP does not sign with: configure it to test "wrong certificate". */
export const strangerCertificatePem: string = strangerKeys.certificatePem;

/** Which key pair signs: the IdP's current key, its next key (rotation), or a key nobody trusts. */
export type TestIdpKey = "current" | "next" | "stranger";
const KEYS: Record<TestIdpKey, IdpKeyMaterial> = { current: idpKeys, next: nextIdpKeys, stranger: strangerKeys };
export const TEST_IDP_ENTITY_ID = "https://idp.sso-cutover.test/metadata";
export const TEST_IDP_SSO_URL = "https://idp.sso-cutover.test/sso";

export interface TestSamlResponseOptions extends Omit<SamlResponseOptions, "issuer" | "signingKey" | "responseSigningKey"> {
  /** Default: the test IdP's entity id. */
  issuer?: string;
  /** Sign with a key other than the one behind `testIdpCertificatePem`. */
  signWithStrangerKey?: boolean;
  /** Which key signs (default: the current one; `signWithStrangerKey` means "stranger"). */
  signingKey?: TestIdpKey;
  /** Which key signs the `<Response>`, when it differs from the assertion's. Default: `signingKey`. */
  responseSigningKey?: TestIdpKey;
  /** Breaks the signature value of the `<Response>` or of the `<Assertion>` after signing (the other stays valid). */
  corruptSignatureOf?: "Response" | "Assertion";
  /** Rewrites the signed XML, as an attacker between the IdP and us would (signature wrapping). */
  alterAfterSigning?: (signedXml: string) => string;
}

/** The XML of a SAML response from the test IdP (signed as asked). */
export function buildSamlResponseXml(options: TestSamlResponseOptions): string {
  const { signWithStrangerKey, signingKey, responseSigningKey, corruptSignatureOf, alterAfterSigning, ...response } = options;
  const keyName = signingKey ?? (signWithStrangerKey ? "stranger" : "current");
  let xml = buildSignedSamlResponseXml({
    ...response,
    issuer: options.issuer ?? TEST_IDP_ENTITY_ID,
    signingKey: KEYS[keyName],
    responseSigningKey: KEYS[responseSigningKey ?? keyName],
  });
  if (corruptSignatureOf) {
    const withAssertion = (options.statusCode ?? "Success") === "Success" || options.assertionDespiteStatus === true;
    const signed = corruptSignatureOf === "Response" ? (options.signResponse ?? false) : (options.signAssertion ?? true) && withAssertion;
    if (!signed) throw new Error(`the ${corruptSignatureOf} is not signed: nothing to corrupt`);
    // The response's signature follows the response's Issuer, so it comes first in the document when present.
    xml = corruptSignatureValue(xml, corruptSignatureOf === "Response" ? "first" : "last");
  }
  return alterAfterSigning ? alterAfterSigning(xml) : xml;
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

/** Decodes the `SAMLRequest` (deflated, base64) and `RelayState` of an SP-initiated redirect to the IdP. */
export function readAuthnRequest(redirectUrl: string): ReceivedAuthnRequest {
  return readAuthnRequestParameters(new URL(redirectUrl).searchParams);
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
