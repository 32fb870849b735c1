import type { OrgPermissionKind, Tx } from "@sso-cutover/db";

export const ORG_PERMISSIONS: readonly OrgPermissionKind[] = ["ADMIN", "SCAN", "GATEADMIN", "PROFILEADMIN", "PROVISIONING"];

/** `${accountId}:${organizationId}` → permissions held directly or through a group of that organization. */
export type EffectivePermissions = Map<string, Set<OrgPermissionKind>>;

export function permissionKey(accountId: string, organizationId: string): string {
  return `${accountId}:${organizationId}`;
}

/**
 * Effective organization permissions of many accounts in many organizations, in two queries whatever the
 * sizes: direct grants plus grants to the groups the accounts belong to.
 */
export async function effectiveOrgPermissions(
  tx: Tx,
  accountIds: readonly string[],
  organizationIds?: readonly string[],
): Promise<EffectivePermissions> {
  const result: EffectivePermissions = new Map();
  if (accountIds.length === 0) return result;
  const add = (accountId: string, organizationId: string, permission: OrgPermissionKind) => {
    const key = permissionKey(accountId, organizationId);
    let set = result.get(key);
    if (!set) result.set(key, (set = new Set()));
    set.add(permission);
  };
  const organizationFilter = organizationIds ? { in: [...organizationIds] } : undefined;
  const [direct, viaGroups] = await Promise.all([
    tx.orgPermission.findMany({
      where: { accountId: { in: [...accountIds] }, organizationId: organizationFilter },
      select: { accountId: true, organizationId: true, permission: true },
    }),
    tx.groupMembership.findMany({
      where: { accountId: { in: [...accountIds] }, group: { organizationId: organizationFilter } },
      select: { accountId: true, group: { select: { organizationId: true, permissions: { select: { permission: true } } } } },
    }),
  ]);
  for (const row of direct) add(row.accountId, row.organizationId, row.permission);
  for (const row of viaGroups) {
    for (const { permission } of row.group.permissions) add(row.accountId, row.group.organizationId, permission);
  }
  return result;
}

/** Whether the account holds ADMIN on the organization, directly or through a group. */
export async function isOrganizationAdmin(tx: Tx, accountId: string, organizationId: string): Promise<boolean> {
  const permissions = await effectiveOrgPermissions(tx, [accountId], [organizationId]);
  return permissions.get(permissionKey(accountId, organizationId))?.has("ADMIN") ?? false;
}
