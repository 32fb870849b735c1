import type { Account, Organization, Project, Token } from "@sso-cutover/db";

/** An account acting for itself: through a personal access token or an SSO session. */
export interface AccountPrincipal {
  kind: "ACCOUNT";
  account: Account;
  via: "PAT" | "SESSION";
  /** The PAT or session row that authenticated the request. */
  credentialId: string;
}

/** A scoped organization token (SOT): may only ask what analysis it may run (R6). */
export interface OrganizationTokenPrincipal {
  kind: "ORGANIZATION_TOKEN";
  token: Token & { organization: Organization; projects: { project: Project }[] };
}

export type Principal = AccountPrincipal | OrganizationTokenPrincipal;
