/**
 * The identity-provider side of SAML, for the development IdP (`/dev-idp`) and the test suite: key material, the
 * AuthnRequest an SP sends, and signed responses. Nothing here is used to accept a login.
 */
export { generateIdpKeyMaterial, loadOrCreateIdpKeyMaterial, startIdpKeyGeneration, IdpKeyMaterialError } from "./key-material";
export type { IdpKeyMaterial } from "./key-material";
export { readAuthnRequest, AuthnRequestError } from "./authn-request";
export type { ReceivedAuthnRequest } from "./authn-request";
export { buildSamlResponseXml, encodeSamlResponse, escapeXml, samlId } from "./saml-response";
export type { SamlResponseOptions, SamlHash, SamlStatusName, SamlSecondLevelStatusName } from "./saml-response";
export {
  DEVELOPMENT_IDP_ENTITY_ID,
  DEVELOPMENT_IDP_PATH,
  answerAuthnRequest,
  developmentIdpConnection,
  developmentIdpMetadataXml,
  requestingEnterpriseKey,
} from "./development-idp";
export type { DevelopmentIdpAnswer, DevelopmentIdpConnection, DevelopmentIdpPerson } from "./development-idp";
