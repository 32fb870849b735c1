import type { Account, Organization, OrgPermissionKind, TokenKind, Tx } from "@sso-cutover/db";
import { effectiveOrgPermissions, permissionKey } from "@sso-cutover/membership";
import { projectKeysOf } from "./listing";
import type { Principal } from "./principal";
import { SCOPED_TOKEN_PERMISSIONS, type ScopedTokenPermission } from "./scoped-tokens";
import { tokenDisplay, tokenStatus, type TokenStatus } from "./status";

/** Organization permissions that allow running analysis. */
export const ANALYSIS_PERMISSIONS: readonly OrgPermissionKind[] = ["SCAN", "ADMIN"];

export interface AnalysisOrganization {
  organization: Organization;
  /** The analysis permissions (SCAN, ADMIN) the owner holds there, directly or through a group. */
  permissions: OrgPermissionKind[];
}

/** What the presenting token may do: the check an analysis scanner makes before it runs. */
export interface TokenInfo {
  kind: TokenKind;
  tokenId: string;
  name: string;
  /** `prefix…last4`, never the secret. */
  display: string;
  status: TokenStatus;
  expiresAt: Date | null;
  /** SOT: always EXECUTE_ANALYSIS (R6). PAT: EXECUTE_ANALYSIS when the owner may analyze somewhere, else none. */
  permissions: ScopedTokenPermission[];
  /** SOT: the organization the token belongs to. */
  organization: Organization | null;
  /** SOT: every project of its organization, or only `projectKeys`. */
  allProjects: boolean;
  projectKeys: string[];
  /** PAT: the account it acts for, and the organizations where that account may run analysis. */
  owner: Account | null;
  analysisOrganizations: AnalysisOrganization[];
  /** Whether the token may analyze the project asked about; null when no project was named. */
  canAnalyze: boolean | null;
}

/**
 * Describes the token a request presented (SOT or PAT). A request authenticated by a session has no token to
 * describe: null.
 */
export async function tokenInfo(
  tx: Tx,
  principal: Principal,
  projectKey?: string | null,
  now: Date = new Date(),
): Promise<TokenInfo | null> {
  if (principal.kind === "ORGANIZATION_TOKEN") {
    const { token } = principal;
    return {
      kind: "SOT",
      tokenId: token.id,
      name: token.name,
      display: tokenDisplay(token),
      status: tokenStatus(token, now),
      expiresAt: token.expiresAt,
      permissions: [...SCOPED_TOKEN_PERMISSIONS],
      organization: token.organization,
      allProjects: token.allProjects,
      projectKeys: projectKeysOf(token),
      owner: null,
      analysisOrganizations: [],
      canAnalyze: projectKey == null ? null : await canAnalyze(tx, principal, projectKey),
    };
  }
  if (principal.via !== "PAT") return null;
  const token = await tx.token.findUnique({ where: { id: principal.credentialId } });
  if (!token) return null;
  const analysisOrganizations = await analysisOrganizationsOf(tx, principal.account.id);
  return {
    kind: "PAT",
    tokenId: token.id,
    name: token.name,
    display: tokenDisplay(token),
    status: tokenStatus(token, now),
    expiresAt: token.expiresAt,
    permissions: analysisOrganizations.length > 0 ? [...SCOPED_TOKEN_PERMISSIONS] : [],
    organization: null,
    allProjects: false,
    projectKeys: [],
    owner: principal.account,
    analysisOrganizations,
    canAnalyze:
      projectKey == null
        ? null
        : await projectExistsIn(tx, projectKey, analysisOrganizations.map(({ organization }) => organization.id)),
  };
}

/**
 * Whether the principal may run analysis on the project with this key: an SOT on the projects of its scope in its
 * organization; an account (PAT or session) on projects of organizations where it holds SCAN or ADMIN. Project keys
 * are unique per organization, so `organizationKey` narrows the question for an account.
 */
export async function canAnalyze(
  tx: Tx,
  principal: Principal,
  projectKey: string,
  organizationKey?: string | null,
): Promise<boolean> {
  if (principal.kind === "ORGANIZATION_TOKEN") {
    const { token } = principal;
    if (organizationKey != null && organizationKey !== token.organization.key) return false;
    if (!token.allProjects) return token.projects.some(({ project }) => project.key === projectKey);
    return projectExistsIn(tx, projectKey, [token.organization.id]);
  }
  const organizations = await analysisOrganizationsOf(tx, principal.account.id);
  const ids = organizations
    .filter(({ organization }) => organizationKey == null || organization.key === organizationKey)
    .map(({ organization }) => organization.id);
  return projectExistsIn(tx, projectKey, ids);
}

/** Organizations where the account holds SCAN or ADMIN (directly or through a group), by key. */
export async function analysisOrganizationsOf(tx: Tx, accountId: string): Promise<AnalysisOrganization[]> {
  const permissions = await effectiveOrgPermissions(tx, [accountId]);
  const held = new Map<string, OrgPermissionKind[]>();
  for (const [key, set] of permissions) {
    const organizationId = key.slice(accountId.length + 1);
    if (permissionKey(accountId, organizationId) !== key) continue;
    const analysis = ANALYSIS_PERMISSIONS.filter((permission) => set.has(permission));
    if (analysis.length > 0) held.set(organizationId, analysis);
  }
  if (held.size === 0) return [];
  const organizations = await tx.organization.findMany({ where: { id: { in: [...held.keys()] } }, orderBy: { key: "asc" } });
  return organizations.map((organization) => ({ organization, permissions: held.get(organization.id) ?? [] }));
}

async function projectExistsIn(tx: Tx, projectKey: string, organizationIds: string[]): Promise<boolean> {
  if (organizationIds.length === 0) return false;
  const project = await tx.project.findFirst({
    where: { key: projectKey, organizationId: { in: organizationIds } },
    select: { id: true },
  });
  return project !== null;
}
