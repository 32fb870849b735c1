export {
  configureSsoConnection,
  parseIdpSsoUrl,
  parseIdpCertificate,
} from "./sso-connection";
export type { ConfigureSsoConnectionInput, AttributeMappingInput, ParsedCertificate } from "./sso-connection";
export { computeSetupProgress, enterpriseDopAccountsWhere, breakGlassWhere } from "./setup-progress";
export type { SetupProgress, SetupStep, SetupCounts, SetupStepName, SetupStepStatus } from "./setup-progress";
