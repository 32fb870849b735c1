export {
  ORG_PERMISSIONS,
  effectiveOrgPermissions,
  isOrganizationAdmin,
  permissionKey,
} from "./org-permissions";
export type { EffectivePermissions } from "./org-permissions";
export { acceptInvitationForLogin } from "./invitation-acceptance";
