export {
  configureSsoConnection,
  parseIdpSsoUrl,
  parseIdpCertificate,
} from "./sso-connection";
export type { ConfigureSsoConnectionInput, AttributeMappingInput, ParsedCertificate } from "./sso-connection";
export { computeSetupProgress, enterpriseDopAccountsWhere, breakGlassWhere } from "./setup-progress";
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
export { MAX_SAML_RESPONSE_BYTES } from "./saml/response-envelope";
export { startSsoLogin, completeSsoLogin, sameOriginPath, SAML_REQUEST_LIFETIME_MS } from "./sso-login";
export type { StartSsoLoginInput, StartedSsoLogin, CompleteSsoLoginInput, CompletedSsoLogin } from "./sso-login";
export { provisionSsoAccount, loginBase, MEMBERS_GROUP } from "./sso-accounts";
export type { IdpIdentity, ProvisionedAccount } from "./sso-accounts";
export { syncGroupMemberships, carriesAdmin, OWNERS_GROUP } from "./group-sync";
export type { GroupSyncResult } from "./group-sync";
export { setSsoGroupMappings, MAX_SSO_GROUP_MAPPINGS } from "./group-mappings";
export type { SsoGroupMappingInput, SetSsoGroupMappingsInput } from "./group-mappings";
export {
  SESSION_COOKIE,
  SESSION_LIFETIME_MS,
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
export { readinessPage, readinessTotals } from "./cutover/readiness";
export type { ReadinessRow, ReadinessFilter, ReadinessPageRequest, ReadinessTotals, AccessLossRecord } from "./cutover/readiness";
