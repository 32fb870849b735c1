import { forbidden, type EnterprisePermissionKind, type Tx, Prisma, readRows } from "@sso-cutover/db";

export async function holdsEnterprisePermission(
  tx: Tx,
  accountId: string,
  enterpriseId: string,
  permission: EnterprisePermissionKind = "ADMINISTER_ENTERPRISE",
): Promise<boolean> {
  // Hand-written: on the path of every admin request, where Prisma compiled the query at each call.
  const found = await readRows<unknown>(tx, Prisma.sql`
    SELECT 1 FROM "EnterprisePermission" p JOIN "Account" a ON a."id" = p."accountId"
    WHERE p."accountId" = ${accountId} AND p."enterpriseId" = ${enterpriseId}
      AND p."permission" = ${permission}::"EnterprisePermissionKind" AND a."deletedAt" IS NULL`);
  return found.length > 0;
}

/**
 * The enterprise permissions the account holds on the enterprise, in a fixed order; none for anyone else (and for a
 * deleted account). One statement.
 */
export async function heldEnterprisePermissions(tx: Tx, accountId: string, enterpriseId: string): Promise<EnterprisePermissionKind[]> {
  return (await heldEnterprisePermissionsOn(tx, accountId, [enterpriseId])).get(enterpriseId) ?? [];
}

/**
 * `heldEnterprisePermissions` for several enterprises at once (a list of enterprises shown with their permissions),
 * in one statement: each enterprise id maps to its permissions, in a fixed order (none: an empty list).
 */
export async function heldEnterprisePermissionsOn(
  tx: Tx,
  accountId: string,
  enterpriseIds: readonly string[],
): Promise<Map<string, EnterprisePermissionKind[]>> {
  const held = new Map<string, EnterprisePermissionKind[]>(enterpriseIds.map((id) => [id, []]));
  const rows = await tx.enterprisePermission.findMany({
    where: { accountId, enterpriseId: { in: [...held.keys()] }, account: { deletedAt: null } },
    select: { enterpriseId: true, permission: true },
    orderBy: { permission: "asc" },
  });
  for (const row of rows) held.get(row.enterpriseId)!.push(row.permission);
  return held;
}

/** Throws FORBIDDEN unless the account holds Administer Enterprise on the enterprise. */
export async function requireEnterpriseAdmin(tx: Tx, accountId: string, enterpriseId: string): Promise<void> {
  if (!(await holdsEnterprisePermission(tx, accountId, enterpriseId))) {
    throw forbidden("Only accounts holding Administer Enterprise on this enterprise may do this.");
  }
}

/** Accounts (not deleted) holding Administer Enterprise on the enterprise. */
export async function enterpriseAdministrators(tx: Tx, enterpriseId: string) {
  const rows = await tx.enterprisePermission.findMany({
    where: { enterpriseId, permission: "ADMINISTER_ENTERPRISE", account: { deletedAt: null } },
    include: { account: true },
    orderBy: { grantedAt: "asc" },
  });
  return rows.map((row) => row.account);
}
