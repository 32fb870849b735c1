export type { Actor } from "./actor";
export { recordAuditEvent } from "./audit";
export type { AuditEventInput } from "./audit";
export { holdsEnterprisePermission, heldEnterprisePermissions, heldEnterprisePermissionsOn, requireEnterpriseAdmin, enterpriseAdministrators } from "./permissions";
export { ENTERPRISE_KEY, findVisibleEnterprise, requireVisibleEnterprise, enterpriseLoginUrl, oneClickAccessLink } from "./enterprises";
export {
  administeredEnterpriseWhere,
  enterpriseAccountsWhere,
  visibleAuditEventWhere,
  visibleEnterpriseByKey,
  visibleEnterpriseSql,
  visibleEnterpriseWhere,
  visibleOrganizationWhere,
  visibleGroupWhere,
  visibleSsoConnectionWhere,
  visibleSsoGroupMappingWhere,
} from "./visibility";
export { grantEnterprisePermission, revokeEnterprisePermission, administratorWarnings } from "./enterprise-permissions";
export type { EnterprisePermissionInput, EnterprisePermissionChange } from "./enterprise-permissions";
export {
  generateRecoveryPassword,
  generateRecoveryPasswordText,
  hashRecoveryPassword,
  verifyRecoveryPassword,
  decoyRecoveryPasswordHash,
  recoveryLockedUntil,
  recoveryFailureCounted,
  RECOVERY_MAX_FAILED_ATTEMPTS,
  RECOVERY_FAILURE_WINDOW_MS,
  recoveryAccess,
  recoveryAccesses,
} from "./recovery";
export type { GeneratedRecoveryPassword, RecoveryAccess, RecoveryFailureState } from "./recovery";
