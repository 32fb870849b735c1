import { SAML_REQUEST_LIFETIME_MS } from "../sso-login";
import { acsUrl, spEntityId } from "../saml/service-provider";
import { AuthnRequestError, type ReceivedAuthnRequest } from "./authn-request";
import type { IdpKeyMaterial } from "./key-material";
import { buildSamlResponseXml, encodeSamlResponse, escapeXml } from "./saml-response";

/**
 * The development IdP's entity id: fixed, whatever the server's address, so that a connection pointing at it is
 * recognised again after PUBLIC_URL or PORT changed.
 */
export const DEVELOPMENT_IDP_ENTITY_ID = "urn:sso-cutover:development-idp";
/** Where the development IdP is served on the gateway. */
export const DEVELOPMENT_IDP_PATH = "/dev-idp";

/** A person the development IdP can sign in, with the attributes an IdP sends for them. */
export interface DevelopmentIdpPerson {
  /** The NameID: the person's stable key at the IdP. */
  nameId: string;
  login: string;
  name: string;
  email: string;
  /** IdP groups (R2: they join organization groups of the same name); none: the response has no groups attribute. */
  groups: readonly string[];
}

/** What an SSO connection needs to trust the development IdP. */
export interface DevelopmentIdpConnection {
  idpEntityId: string;
  idpSsoUrl: string;
  idpCertificate: string;
}

export function developmentIdpConnection(publicUrl: string, keys: IdpKeyMaterial): DevelopmentIdpConnection {
  return {
    idpEntityId: DEVELOPMENT_IDP_ENTITY_ID,
    idpSsoUrl: `${publicUrl.replace(/\/+$/, "")}${DEVELOPMENT_IDP_PATH}`,
    idpCertificate: keys.certificatePem.trim(),
  };
}

/** A signed answer to an AuthnRequest, ready to be posted by the browser (HTTP-POST binding). */
export interface DevelopmentIdpAnswer {
  /** The ACS URL's path on this server (the form's action: same origin, as the pages' CSP requires). */
  acsPath: string;
  samlResponse: string;
  relayState: string | null;
}

/**
 * The enterprise whose service provider sent the request: the development IdP answers only this server's own
 * service providers (ACS URL under PUBLIC_URL, issuer its SP entity id), never signs for another site.
 */
export function requestingEnterpriseKey(request: ReceivedAuthnRequest, publicUrl: string): string {
  const prefix = acsUrl(publicUrl, "");
  const consumer = request.assertionConsumerServiceUrl;
  if (consumer === null || !consumer.startsWith(prefix)) {
    throw new AuthnRequestError(`The AuthnRequest's AssertionConsumerServiceURL is not one of this server's (${prefix}<enterprise key>).`);
  }
  const enterpriseKey = decodeURIComponent(consumer.slice(prefix.length));
  if (enterpriseKey === "" || acsUrl(publicUrl, enterpriseKey) !== consumer || spEntityId(publicUrl, enterpriseKey) !== request.issuer) {
    throw new AuthnRequestError("The AuthnRequest's Issuer and AssertionConsumerServiceURL do not name the same service provider of this server.");
  }
  return enterpriseKey;
}

/**
 * Signs the person in: a response to the request (`InResponseTo`, audience = its issuer, destination and
 * recipient = its ACS URL) valid as long as the request is, with the assertion and the response signed
 * RSA-SHA256 / SHA-256 — what the strict service provider requires — and the RelayState sent back unchanged.
 */
export function answerAuthnRequest(
  request: ReceivedAuthnRequest,
  person: DevelopmentIdpPerson,
  { publicUrl, keys, now = new Date() }: { publicUrl: string; keys: IdpKeyMaterial; now?: Date },
): DevelopmentIdpAnswer {
  requestingEnterpriseKey(request, publicUrl);
  const consumer = request.assertionConsumerServiceUrl!;
  const xml = buildSamlResponseXml({
    issuer: DEVELOPMENT_IDP_ENTITY_ID,
    signingKey: keys,
    acsUrl: consumer,
    audience: request.issuer,
    inResponseTo: request.id,
    nameId: person.nameId,
    // No groups: no groups attribute at all, as an IdP without a group claim sends it.
    attributes: { login: person.login, name: person.name, email: person.email, ...(person.groups.length > 0 ? { groups: person.groups } : {}) },
    issuedAt: now,
    notOnOrAfter: new Date(now.getTime() + SAML_REQUEST_LIFETIME_MS),
    signAssertion: true,
    signResponse: true,
  });
  return { acsPath: new URL(consumer).pathname, samlResponse: encodeSamlResponse(xml), relayState: request.relayState };
}

/** The development IdP's SAML metadata (entity id, SSO URL, signing certificate), for configuring a connection. */
export function developmentIdpMetadataXml(publicUrl: string, keys: IdpKeyMaterial): string {
  const connection = developmentIdpConnection(publicUrl, keys);
  const certificate = connection.idpCertificate.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, "");
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${escapeXml(connection.idpEntityId)}">` +
    `<md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
    `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
    `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${escapeXml(connection.idpSsoUrl)}"/>` +
    `</md:IDPSSODescriptor></md:EntityDescriptor>\n`
  );
}
