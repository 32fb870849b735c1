export {
  configureSsoConnection,
  parseIdpSsoUrl,
  parseAttributeMapping,
  parseIdpCertificate,
  parseIdpCertificates,
  describeIdpCertificate,
  newestCertificate,
  certificateWarnings,
  MAX_IDP_CERTIFICATES,
  CERTIFICATE_EXPIRY_WARNING_MS,
} from "./sso-connection";
export type { ConfigureSsoConnectionInput, AttributeMappingInput, IdpCertificateInfo } from "./sso-connection";
export { DEFAULT_ATTRIBUTE_NAMES, attributeNamesOf } from "./attribute-mapping";
export type { AttributeNames, MappedAttribute } from "./attribute-mapping";
export {
  computeSetupProgress,
  setupProgressFrom,
  enterpriseDopAccountsWhere,
  breakGlassWhere,
  NO_GROUPS_RECEIVED,
} from "./setup-progress";
export { readCutoverFacts } from "./cutover-facts";
export type { CutoverFacts } from "./cutover-facts";
export type { SetupProgress, SetupStep, SetupCounts, SetupStepName, SetupStepStatus } from "./setup-progress";
export {
  ACCEPTED_CLOCK_SKEW_MS,
  spEntityId,
  acsUrl,
  metadataUrl,
  serviceProviderFor,
  requireActiveConnection,
  spMetadataXml,
} from "./saml/service-provider";
export type { ServiceProviderOptions } from "./saml/service-provider";
export { SsoLoginRefused, REFUSAL_MESSAGES, idpInitiatedMessage } from "./saml/login-refusal";
export type { SsoLoginRefusalReason } from "./saml/login-refusal";
export {
  MAX_ACS_FORM_BYTES,
  MAX_SAML_RESPONSE_BYTES,
  MAX_SAML_RESPONSE_DEPTH,
  MAX_SAML_RESPONSE_ELEMENTS,
  ACCEPTED_SIGNATURE_ALGORITHMS,
  ACCEPTED_DIGEST_ALGORITHMS,
} from "./saml/response-envelope";
export {
  startSsoLogin,
  completeSsoLogin,
  refuseOversizedSsoResponse,
  sameOriginPath,
  clientAddressHash,
  SAML_REQUEST_LIFETIME_MS,
  SAML_REQUEST_RETENTION_MS,
  MAX_SAML_REQUESTS_PER_ADDRESS,
} from "./sso-login";
export type { StartSsoLoginInput, StartedSsoLogin, CompleteSsoLoginInput, CompletedSsoLogin } from "./sso-login";
export { provisionSsoAccount, loginBase, subjectKey, MEMBERS_GROUP } from "./sso-accounts";
export type { IdpIdentity, ProvisionedAccount } from "./sso-accounts";
export { syncGroupMemberships, carriesAdmin, OWNERS_GROUP } from "./group-sync";
export type { GroupSyncResult } from "./group-sync";
export { setSsoGroupMappings, MAX_SSO_GROUP_MAPPINGS } from "./group-mappings";
export type { SsoGroupMappingInput, SetSsoGroupMappingsInput } from "./group-mappings";
export {
  signInWithRecoveryPassword,
  RecoverySignInRefused,
  RECOVERY_REFUSED_MESSAGE,
} from "./recovery-sign-in";
export type { RecoverySignIn, RecoverySignInInput, RecoverySignInRefusalReason } from "./recovery-sign-in";
export {
  SESSION_COOKIE,
  SESSION_LIFETIME_MS,
  RECOVERY_SESSION_LIFETIME_MS,
  authenticateSession,
  endSession,
  createSession,
  hashSessionSecret,
} from "./sessions";
export type { NewSession } from "./sessions";
export {
  planDevopsAccountRemoval,
  removeDevopsAccountsFromOrganizations,
  MAX_ACCOUNTS_PER_REMOVAL,
} from "./cutover/removal-plan";
export type {
  AccessLoss,
  AccessLossAcknowledgementInput,
  CutoverPlan,
  CutoverViolation,
  CutoverViolationCode,
  RemovedMembership,
  RemovedEnterprisePermission,
  OrganizationLosingAdmin,
  MissingSsoMembership,
  RemoveDevopsAccountsInput,
} from "./cutover/removal-plan";
export { deleteMyAccount } from "./cutover/delete-account";
export type { DeletedAccount } from "./cutover/delete-account";
export { enterpriseMembersAmong, readinessPage, readinessTotals } from "./cutover/readiness";
export type { ReadinessRow, ReadinessFilter, ReadinessPageRequest, ReadinessTotals, AccessLossRecord } from "./cutover/readiness";
export * as scim from "./scim/index";
