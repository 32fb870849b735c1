import type { AccountKind } from "@sso-cutover/db";

/** Who performs a domain operation: the authenticated account, however it authenticated. */
export interface Actor {
  accountId: string;
  login: string;
  kind: AccountKind;
  /** How the account authenticated: a personal access token or an SSO session cookie. */
  via: "PAT" | "SESSION";
}
