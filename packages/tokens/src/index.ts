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
export { linkDevopsAccountWithToken, type LinkDevopsAccountWithTokenInput } from "./link-with-token";
