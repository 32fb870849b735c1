export {
  ORG_PERMISSIONS,
  effectiveOrgPermissions,
  isOrganizationAdmin,
  permissionKey,
} from "./org-permissions";
export type { EffectivePermissions } from "./org-permissions";
export {
  MAX_INVITATIONS_PER_CALL,
  DEFAULT_INVITATION_EXPIRY_DAYS,
  MAX_INVITATION_EXPIRY_DAYS,
  normalizeEmail,
  isValidEmail,
  invitationStatus,
  invitationWhereForStatus,
  enterpriseInvitationsWhere,
  visibleInvitationWhere,
  invitationMessage,
  inviteUsers,
  revokeInvitation,
  resendInvitation,
} from "./invitations";
export type {
  SentInvitation,
  InviteUsersInput,
  InvitationContext,
  InvitationRefusalCode,
  InvitationRefusal,
  InviteUserResult,
  InviteUsersOutcome,
  InvitationIdInput,
  ResendInvitationInput,
} from "./invitations";
export { requireLinkableAccounts, linkAccounts, linkDevopsAccountAsAdmin } from "./links";
export type { LinkAccountsInput, LinkProof, LinkAccountsOptions, AccountLink, LinkDevopsAccountAsAdminInput } from "./links";
export { accessReviews, accessReview, compareAccess, reviewableAccountIds, requireCanReviewAccess, accessReviewsForViewer } from "./access-review";
export type {
  AccessRequirement,
  AccessReviewStatus,
  OrganizationAccess,
  AccessReviewRow,
  AccessReview,
  EnterpriseAccessReview,
} from "./access-review";
export {
  CUTOVER_STATUSES,
  enterpriseCutoverMembersWhere,
  enterpriseMembersWhere,
  cutoverStatuses,
  cutoverStatus,
  visibleAccountWhere,
  visibleIdentityLinkWhere,
  requireVisibleAccountIds,
  cutoverEnterprises,
  cutoverStatusesForViewer,
  removedWithoutSsoWhere,
} from "./members";
export type { CutoverStatus, EnterpriseMembersFilter, EnterpriseScopedRequest } from "./members";
export { ORGANIZATION_LISTING_COLUMNS, visibleOrganizationsOfAccounts, visibleOrganizationsRead } from "./account-organizations";
export type { OrganizationWithEnterprise } from "./account-organizations";
export { enterpriseMembers, enterpriseMemberPageRead } from "./enterprise-member-page";
export type { EnterpriseMemberPage } from "./enterprise-member-page";
export { acceptInvitationForLogin } from "./invitation-acceptance";
export {
  DEFAULT_ORGANIZATION_MEMBERS_PAGE,
  MAX_ORGANIZATION_MEMBERS_PAGE,
  checkOrganizationMembersPage,
  organizationMemberPages,
} from "./organization-members";
export type { OrganizationMemberPage, OrganizationMembersPage } from "./organization-members";
export {
  adminState,
  adminRuleViolations,
  accessLossAfterChange,
  accessLossViolations,
  recordAcknowledgedAccessLoss,
} from "./access-rules";
export type { AccessRuleCode, AccessRuleViolation, AdminState, AccessLossAfterChange } from "./access-rules";
export {
  BUILT_IN_GROUP_PERMISSIONS,
  grantOrganizationPermission,
  revokeOrganizationPermission,
  addOrganizationGroupMember,
  removeOrganizationGroupMember,
  visibleOrganizationPermissionWhere,
} from "./organization-permissions";
export type { OrganizationPermissionInput, OrganizationGroupMemberInput, OrganizationAccessChange } from "./organization-permissions";
