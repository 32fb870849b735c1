export {
  TOKEN_PREFIX,
  generateTokenSecret,
  hashTokenSecret,
  looksLikeTokenSecret,
  tokenKindOfSecret,
  digestsEqual,
  lastFour,
} from "./secrets";
export type { Principal, AccountPrincipal, OrganizationTokenPrincipal } from "./principal";
export { authenticateToken, LAST_USED_RESOLUTION_MS } from "./authenticate";

export { tokenStatus, tokenDisplay, ABOUT_TO_EXPIRE_WINDOW_MS } from "./status";
export type { TokenStatus } from "./status";
export { validTokenName, validExpiry, TOKEN_NAME_MAX_LENGTH } from "./token-input";
export { createPersonalAccessToken } from "./personal-tokens";
export type { CreatePersonalAccessTokenInput, CreatedToken } from "./personal-tokens";
export {
  createScopedOrganizationToken,
  planAllowsScopedTokens,
  SCOPED_TOKEN_PERMISSIONS,
  PLANS_WITH_SCOPED_TOKENS,
  MAX_PROJECT_KEYS,
} from "./scoped-tokens";
export type { CreateScopedOrganizationTokenInput, ScopedTokenPermission } from "./scoped-tokens";
export { revokeToken } from "./revoke";
export type { RevokeTokenInput } from "./revoke";
export { tokenInfo, canAnalyze, analysisOrganizationsOf, ANALYSIS_PERMISSIONS } from "./token-info";
export type { TokenInfo, AnalysisOrganization } from "./token-info";
export {
  personalAccessTokensOf,
  personalAccessTokensVisibleTo,
  ownPersonalAccessTokensWhere,
  personalAccessTokensListedFor,
  PERSONAL_ACCESS_TOKEN_ORDER,
  scopedTokensVisibleTo, visibleTokensByIds, visibleTokenWhere, projectKeysOf } from "./listing";
export type { ScopedToken, TokenRecord } from "./listing";
export {
  removeUnusedTokens,
  startTokenCleanup,
  UNUSED_TOKEN_RETENTION_MS,
  CLEANUP_BATCH_SIZE,
  TOKEN_CLEANUP_ACTION,
} from "./cleanup";
export type { TokenCleanupOptions } from "./cleanup";
export {
  recommendedTokenKind,
  tokensBreakingWith,
  tokensBreakingFrom,
  breakingTokensOf,
  plainAccount,
  accountAccessInclude,
  readPeople,
  tokenGuidanceForOrganization,
  accountTokenGuidance,
  accountTokenGuidances,
  accountTokenGuidanceForViewer,
  breakingTokensForViewer,
  breakingTokensRead,
  organizationTokenGuidanceForViewer,
  requireOrganizationTokenGuidanceAccess,
  requireAccountTokenGuidanceAccess,
} from "./guidance";
export type {
  AccountAccess,
  PersonGraph,
  AccountWithAccess,
  TokenRecommendation,
  TokenReplacement,
  BreakingToken,
  OrganizationTokenGuidance,
  SsoTokenAccess,
  AccountTokenGuidance,
  EnterpriseAccountTokenGuidance,
  BreakingTokensGuidance,
  ListedBreakingToken,
  BreakingTokenSummary,
} from "./guidance";
export { organizationsOfAccounts } from "./memberships";
export { linkDevopsAccountWithToken, type LinkDevopsAccountWithTokenInput } from "./link-with-token";
export { enterpriseMemberPageWith, visibleEnterpriseWithMemberPage } from "./member-page";
export type { MemberPageCompanions, MemberPageWithCompanions } from "./member-page";
