import type { Tx } from "@sso-cutover/db";
import { recordAuditEvent } from "@sso-cutover/enterprise";
import { MEMBERS_GROUP } from "./sso-accounts";

/** The built-in group that makes its members admins of the organization. */
export const OWNERS_GROUP = "Owners";

export interface GroupSyncResult {
  /** Names of the groups the account is in after the login, in the enterprise's organizations. */
  groups: string[];
  organizationsJoined: string[];
  organizationsLeft: string[];
  groupsJoined: number;
  groupsLeft: number;
  /** R14: `<organization key>/<group>` the IdP named but that carry ADMIN and are not mapped: not joined. */
  privilegedGroupsIgnored: string[];
  /** R9 (c): organizations where the account stays admin only because it is their last admin. */
  organizationsKeptAsLastAdmin: string[];
}

interface GroupRow {
  id: string;
  name: string;
  builtIn: boolean;
  organizationId: string;
  organization: { key: string };
  permissions: { permission: string }[];
}

const groupSelect = {
  id: true,
  name: true,
  builtIn: true,
  organizationId: true,
  organization: { select: { key: true } },
  permissions: { where: { permission: "ADMIN" as const }, select: { permission: true } },
};

/** R14: a group that makes its members admins: the built-in Owners, or any group holding ADMIN. */
export function carriesAdmin(group: Pick<GroupRow, "name" | "builtIn" | "permissions">): boolean {
  return (group.builtIn && group.name === OWNERS_GROUP) || group.permissions.some((row) => row.permission === "ADMIN");
}

/**
 * R2 with R14 and R9 (c): an SSO account is in exactly the groups its IdP groups give it, reset at each login:
 * - by name: groups of the enterprise's organizations whose names equal an IdP group (case-sensitive), except
 *   `Members` and except groups that carry ADMIN — an IdP group never makes admins by name;
 * - by mapping: the organization groups an enterprise admin mapped the IdP group to (`SsoGroupMapping`), the only
 *   way into a group that carries ADMIN.
 * It is a member of an organization exactly when it is in at least one of that organization's groups. Sync never
 * removes an organization's last admin: there the account keeps its admin groups, membership and permissions,
 * the retention is recorded (warning in setup progress and readiness) and audited. A fixed number of statements
 * whatever the group count.
 */
export async function syncGroupMemberships(
  tx: Tx,
  { enterpriseId, accountId, idpGroups, now }: { enterpriseId: string; accountId: string; idpGroups: readonly string[]; now: Date },
): Promise<GroupSyncResult> {
  const wantedNames = idpGroups.filter((name) => name !== MEMBERS_GROUP);
  const [named, mapped, currentGroups, currentOrganizations, directAdmin] = await Promise.all([
    wantedNames.length === 0
      ? Promise.resolve([] as GroupRow[])
      : tx.group.findMany({ where: { name: { in: wantedNames }, organization: { enterpriseId } }, select: groupSelect }),
    idpGroups.length === 0
      ? Promise.resolve([] as { group: GroupRow }[])
      : tx.ssoGroupMapping.findMany({
          where: { idpGroup: { in: [...idpGroups] }, ssoConnection: { enterpriseId }, group: { organization: { enterpriseId } } },
          select: { group: { select: groupSelect } },
        }),
    tx.groupMembership.findMany({
      where: { accountId, group: { organization: { enterpriseId } } },
      select: { id: true, groupId: true, group: { select: groupSelect } },
    }),
    tx.orgMembership.findMany({
      where: { accountId, organization: { enterpriseId } },
      select: { id: true, organizationId: true, organization: { select: { key: true } } },
    }),
    tx.orgPermission.findMany({
      where: { accountId, permission: "ADMIN", organization: { enterpriseId } },
      select: { organizationId: true },
    }),
  ]);

  const wanted = new Map<string, GroupRow>();
  for (const group of named) if (!carriesAdmin(group)) wanted.set(group.id, group);
  for (const { group } of mapped) if (group.name !== MEMBERS_GROUP) wanted.set(group.id, group);
  const privilegedGroupsIgnored = named
    .filter((group) => carriesAdmin(group) && !wanted.has(group.id))
    .map((group) => `${group.organization.key}/${group.name}`)
    .sort();

  const wantedOrganizations = new Map([...wanted.values()].map((group) => [group.organizationId, group.organization.key]));

  // R9 (c): organizations where the account is admin now, would not be after the sync, and has no other admin.
  const adminNow = new Set([
    ...currentGroups.filter((membership) => carriesAdmin(membership.group)).map((membership) => membership.group.organizationId),
    ...directAdmin.map((row) => row.organizationId),
  ]);
  const adminAfter = new Set([
    ...[...wanted.values()].filter(carriesAdmin).map((group) => group.organizationId),
    ...directAdmin.filter((row) => wantedOrganizations.has(row.organizationId)).map((row) => row.organizationId),
  ]);
  const losingAdmin = [...adminNow].filter((organizationId) => !adminAfter.has(organizationId));
  const retained = new Set(losingAdmin.length === 0 ? [] : await organizationsWithoutOtherAdmin(tx, accountId, losingAdmin));

  const currentGroupIds = new Set(currentGroups.map((membership) => membership.groupId));
  const groupsToLeave = currentGroups.filter(
    (membership) =>
      !wanted.has(membership.groupId) && !(retained.has(membership.group.organizationId) && carriesAdmin(membership.group)),
  );
  const groupsToJoin = [...wanted.values()].filter((group) => !currentGroupIds.has(group.id));

  const currentOrganizationIds = new Set(currentOrganizations.map((membership) => membership.organizationId));
  const organizationsToLeave = currentOrganizations.filter(
    (membership) => !wantedOrganizations.has(membership.organizationId) && !retained.has(membership.organizationId),
  );
  const organizationsToJoin = [...wantedOrganizations].filter(([organizationId]) => !currentOrganizationIds.has(organizationId));

  if (groupsToLeave.length > 0) {
    await tx.groupMembership.deleteMany({ where: { id: { in: groupsToLeave.map((membership) => membership.id) } } });
  }
  if (groupsToJoin.length > 0) {
    await tx.groupMembership.createMany({
      data: groupsToJoin.map((group) => ({ groupId: group.id, accountId, createdAt: now })),
      skipDuplicates: true,
    });
  }
  if (organizationsToLeave.length > 0) {
    await tx.orgMembership.deleteMany({ where: { id: { in: organizationsToLeave.map((membership) => membership.id) } } });
    // Leaving an organization takes its permissions with it: a direct ADMIN must not outlive the membership.
    await tx.orgPermission.deleteMany({
      where: { accountId, organizationId: { in: organizationsToLeave.map((membership) => membership.organizationId) } },
    });
  }
  if (organizationsToJoin.length > 0) {
    await tx.orgMembership.createMany({
      data: organizationsToJoin.map(([organizationId]) => ({ organizationId, accountId, createdAt: now })),
      skipDuplicates: true,
    });
  }

  // Retentions of this account: exactly the organizations retained by this sync (the earliest date is kept).
  await tx.lastAdminRetention.deleteMany({ where: { accountId, enterpriseId, organizationId: { notIn: [...retained] } } });
  const organizationKeys = new Map([
    ...currentGroups.map((membership) => [membership.group.organizationId, membership.group.organization.key] as const),
    ...currentOrganizations.map((membership) => [membership.organizationId, membership.organization.key] as const),
  ]);
  const organizationsKeptAsLastAdmin = [...retained].map((organizationId) => organizationKeys.get(organizationId)!).sort();
  if (retained.size > 0) {
    await tx.lastAdminRetention.createMany({
      data: [...retained].map((organizationId) => ({ enterpriseId, accountId, organizationId, retainedAt: now })),
      skipDuplicates: true,
    });
    const account = await tx.account.findUniqueOrThrow({ where: { id: accountId }, select: { login: true } });
    await recordAuditEvent(tx, {
      enterpriseId,
      actor: { accountId, login: account.login },
      action: "group_sync.last_admin_kept",
      target: { type: "Account", id: accountId },
      payload: { organizations: organizationsKeptAsLastAdmin, idpGroups: [...idpGroups], rule: "R9 (c)" },
    });
  }

  const groupsAfter = [
    ...[...wanted.values()].map((group) => group.name),
    ...currentGroups
      .filter((membership) => retained.has(membership.group.organizationId) && carriesAdmin(membership.group))
      .map((membership) => membership.group.name),
  ];
  return {
    groups: [...new Set(groupsAfter)].sort(),
    organizationsJoined: organizationsToJoin.map(([, key]) => key).sort(),
    organizationsLeft: organizationsToLeave.map((membership) => membership.organization.key).sort(),
    groupsJoined: groupsToJoin.length,
    groupsLeft: groupsToLeave.length,
    privilegedGroupsIgnored,
    organizationsKeptAsLastAdmin,
  };
}

/** Of the given organizations, those where no account but this one (not deleted) holds ADMIN, directly or through a group. */
async function organizationsWithoutOtherAdmin(tx: Tx, accountId: string, organizationIds: readonly string[]): Promise<string[]> {
  const others = await tx.organization.findMany({
    where: { id: { in: [...organizationIds] } },
    select: {
      id: true,
      permissions: {
        where: { permission: "ADMIN", accountId: { not: accountId }, account: { deletedAt: null } },
        select: { id: true },
        take: 1,
      },
      groups: {
        select: {
          name: true,
          builtIn: true,
          permissions: { where: { permission: "ADMIN" }, select: { permission: true } },
          memberships: { where: { accountId: { not: accountId }, account: { deletedAt: null } }, select: { id: true }, take: 1 },
        },
      },
    },
  });
  return others
    .filter(
      (organization) =>
        organization.permissions.length === 0 &&
        !organization.groups.some((group) => carriesAdmin(group) && group.memberships.length > 0),
    )
    .map((organization) => organization.id);
}
