import type { Prisma, Tx } from "@sso-cutover/db";
import { administratorWarnings, enterpriseAccountsWhere } from "@sso-cutover/enterprise";
import { readCutoverFacts, type CutoverFacts } from "./cutover-facts";
import { certificateWarnings } from "./sso-connection";

export type SetupStepName = "CONFIGURE_ONE_CLICK_ACCESS" | "INVITE_USERS" | "TERMINATE";
export type SetupStepStatus = "TODO" | "IN_PROGRESS" | "DONE" | "BLOCKED";

export interface SetupStep {
  step: SetupStepName;
  status: SetupStepStatus;
  blockers: string[];
  warnings: string[];
  /** Units of this step done, out of `total` (e.g. DOP accounts linked out of DOP accounts). */
  completed: number;
  total: number;
}

export interface SetupCounts {
  organizations: number;
  /** DOP accounts (not deleted) that are members of an organization of the enterprise. */
  dopAccounts: number;
  /** Of those, the ones linked to an SSO account. */
  linkedDopAccounts: number;
  ssoAccounts: number;
  pendingInvitations: number;
  acceptedInvitations: number;
  enterpriseAdministrators: number;
  ssoEnterpriseAdministrators: number;
  /** DOP accounts kept on purpose: they hold Administer Enterprise, or ADMIN on a Bitbucket Cloud organization. */
  breakGlassAccounts: number;
  /** DOP accounts that the cutover still has to remove (every DOP member that is not break-glass). */
  dopAccountsToRemove: number;
  /** R9 (d): people removed with an acknowledged loss of access and still without an SSO account. */
  removedWithoutSso: number;
  /** R14 / R9 (c): organizations whose last admin group sync kept although the IdP no longer grants it. */
  organizationsKeepingLastAdmin: number;
  /** R20: SSO accounts SCIM provisioned (not deleted), of them deprovisioned, and groups SCIM pushed. */
  scimUsers: number;
  scimDeactivatedUsers: number;
  scimGroups: number;
}

export interface SetupProgress {
  steps: SetupStep[];
  counts: SetupCounts;
  /** R20: the IdP's last request to the SCIM endpoint (to the minute); null: never. */
  lastScimRequestAt: Date | null;
}

/** DOP accounts that belong to the enterprise: members of one of its organizations, directly or through a group. */
export function enterpriseDopAccountsWhere(enterpriseId: string): Prisma.AccountWhereInput {
  return { AND: [{ kind: "DEVOPS" }, enterpriseAccountsWhere(enterpriseId)] };
}

/**
 * Break-glass DOP accounts: the ones the cutover keeps, because only a DOP account can administer the enterprise
 * when SSO is down, and only a DOP account can link a Bitbucket Cloud workspace.
 */
export function breakGlassWhere(enterpriseId: string): Prisma.AccountWhereInput {
  return {
    AND: [
      enterpriseDopAccountsWhere(enterpriseId),
      {
        OR: [
          { enterprisePermissions: { some: { enterpriseId, permission: "ADMINISTER_ENTERPRISE" } } },
          {
            orgPermissions: {
              some: { permission: "ADMIN", organization: { enterpriseId, devopsPlatform: "BITBUCKET_CLOUD" } },
            },
          },
        ],
      },
    ],
  };
}

/**
 * Where the enterprise stands in "Complete SSO setup", computed from the data on every read (one statement, see
 * `readCutoverFacts`): configure the one-click access, invite users and let them link their DOP accounts, terminate.
 */
export async function computeSetupProgress(tx: Tx, enterpriseId: string, now = new Date()): Promise<SetupProgress> {
  return setupProgressFrom(await readCutoverFacts(tx, enterpriseId, now), now);
}

/** The steps and counts of setup progress from the enterprise's facts. */
export function setupProgressFrom(facts: CutoverFacts, now: Date): SetupProgress {
  const {
    connection,
    organizations,
    dopAccounts,
    linkedDopAccounts,
    ssoAccounts,
    pendingInvitations,
    acceptedInvitations,
    enterpriseAdministrators,
    ssoEnterpriseAdministrators,
    dopEnterpriseAdministrators,
    breakGlassAccounts,
    removedWithoutSso,
    removedWithoutSsoExamples,
    lastAdminRetentionExamples,
    lastAdminRetentions: retentionCount,
    scimUsers,
    scimDeactivatedUsers,
    scimGroups,
  } = facts;
  const counts: SetupCounts = {
    organizations,
    dopAccounts,
    linkedDopAccounts,
    ssoAccounts,
    pendingInvitations,
    acceptedInvitations,
    enterpriseAdministrators,
    ssoEnterpriseAdministrators,
    breakGlassAccounts,
    dopAccountsToRemove: dopAccounts - breakGlassAccounts,
    removedWithoutSso,
    organizationsKeepingLastAdmin: retentionCount,
    scimUsers,
    scimDeactivatedUsers,
    scimGroups,
  };

  const active = connection?.status === "ACTIVE";
  const configure: SetupStep = {
    step: "CONFIGURE_ONE_CLICK_ACCESS",
    status: active ? "DONE" : connection ? "IN_PROGRESS" : "TODO",
    blockers: [],
    warnings: [
      ...(connection && !active ? ["The SSO connection is a draft: activate it to enable the one-click access link."] : []),
      // Rotation: the IdP's next certificate must be added before it switches keys, or sign-ins stop.
      ...(connection ? certificateWarnings(connection.idpCertificates, now) : []),
      ...(connection ? groupsWarnings(connection) : []),
    ],
    completed: active ? 1 : 0,
    total: 1,
  };

  const notConfigured = "Configure and activate the SSO connection first (step CONFIGURE_ONE_CLICK_ACCESS).";
  const unlinked = dopAccounts - linkedDopAccounts;
  const inviteWarnings: string[] = [];
  // R20: under SCIM, the IdP owns accounts and groups; until it has provisioned someone, nothing says it works.
  if (connection?.provisioning === "SCIM" && scimUsers === 0) {
    inviteWarnings.push(
      "Provisioning is SCIM but SCIM has provisioned nobody yet: verify user groups first. Create a SCIM token " +
        "(createScimToken), point the IdP at ssoConnection.scimBaseUrl and assign the application to people; until " +
        "then nobody can sign in. SCIM groups join organization groups only through group mappings (setSsoGroupMappings).",
    );
  }
  if (connection?.provisioning === "JIT") {
    inviteWarnings.push(
      "Provisioning is JIT: verify user groups first. SSO accounts join an organization only through groups whose " +
        "name equals an IdP group name (case-sensitive, Members excluded), and memberships are reset at each login. " +
        "Groups that carry ADMIN (such as Owners) are joined only through a group mapping (setSsoGroupMappings).",
    );
  }
  const started = ssoAccounts > 0 || pendingInvitations > 0 || acceptedInvitations > 0 || linkedDopAccounts > 0;
  const invite: SetupStep = {
    step: "INVITE_USERS",
    status: !active ? "BLOCKED" : unlinked === 0 && dopAccounts > 0 ? "DONE" : started ? "IN_PROGRESS" : "TODO",
    blockers: active ? [] : [notConfigured],
    warnings: inviteWarnings,
    completed: linkedDopAccounts,
    total: dopAccounts,
  };
  if (active && unlinked > 0 && started) {
    invite.warnings.push(`${unlinked} DOP account(s) have no linked SSO account yet.`);
  }

  const terminateWarnings = administratorWarnings(enterpriseAdministrators, dopEnterpriseAdministrators);
  if (removedWithoutSso > 0) {
    // Everyone in this state was acknowledged by an enterprise admin at the removal (R9 d refuses it otherwise),
    // which is why the step can still be DONE; the warning keeps them from being forgotten.
    const names = removedWithoutSsoExamples.join(", ");
    terminateWarnings.push(
      `${removedWithoutSso} person(s) were removed without an SSO account and can no longer reach organizations they ` +
        `were in (${names}${removedWithoutSso > 5 ? ", …" : ""}); all ${removedWithoutSso} were acknowledged at the removal. ` +
        "They stay in readiness with the status REMOVED_WITHOUT_SSO until they sign in with SSO and link their accounts.",
    );
  }
  if (retentionCount > 0) {
    const kept = lastAdminRetentionExamples.map((row) => `${row.login} in "${row.organizationKey}"`).join(", ");
    terminateWarnings.push(
      `${retentionCount} organization(s) keep an SSO account as their last admin although the IdP no longer grants it ` +
        `(${kept}${retentionCount > 5 ? ", …" : ""}): group sync never removes an organization's last admin (R9 c). ` +
        "Grant ADMIN there to another account; the next sign-in then applies the IdP's groups.",
    );
  }
  const terminateBlockers = active ? [] : [notConfigured];
  if (active && ssoEnterpriseAdministrators === 0) {
    terminateBlockers.push("No SSO account holds Administer Enterprise yet: grant it before removing DOP accounts.");
  }
  const terminateDone = active && ssoEnterpriseAdministrators > 0 && counts.dopAccountsToRemove === 0;
  const terminate: SetupStep = {
    step: "TERMINATE",
    status: !active ? "BLOCKED" : terminateDone ? "DONE" : ssoEnterpriseAdministrators > 0 ? "IN_PROGRESS" : "TODO",
    blockers: terminateDone ? [] : terminateBlockers,
    warnings: terminateWarnings,
    // DOP accounts settled (kept as break-glass) out of all DOP accounts; removed ones no longer count.
    completed: dopAccounts - counts.dopAccountsToRemove,
    total: dopAccounts,
  };

  return { steps: [configure, invite, terminate], counts, lastScimRequestAt: connection?.lastScimRequestAt ?? null };
}

/** Starts the SSO step's warning when sign-ins happen but none carried a groups attribute (a code tools can match). */
export const NO_GROUPS_RECEIVED = "NO_GROUPS_RECEIVED";

/**
 * R2 needs the IdP to send groups: without them every SSO account joins no organization, silently. Once someone
 * has signed in since the groups names were set, and no sign-in has carried any of them, say so — with the names
 * accepted, and what to change at the IdP or in the mapping. Group sync turned off (no names) is a choice: no warning.
 */
function groupsWarnings(connection: { groupsAttributes: readonly string[]; firstLoginAt: Date | null; groupsReceivedAt: Date | null }): string[] {
  if (connection.groupsAttributes.length === 0 || connection.firstLoginAt === null || connection.groupsReceivedAt !== null) return [];
  const shown = connection.groupsAttributes.slice(0, 3).join(", ");
  return [
    `${NO_GROUPS_RECEIVED}: no sign-in since ${connection.firstLoginAt.toISOString()} carried a groups attribute ` +
      `(accepted: ${shown}${connection.groupsAttributes.length > 3 ? ", …" : ""}), so SSO accounts join no organization (R2). ` +
      "Add a groups attribute (group claim) to the IdP's SAML app, or name the one it sends in attributeMapping.groups.",
  ];
}
