import { forbidden, type EnterprisePermissionKind, type Tx } from "@sso-cutover/db";

export async function holdsEnterprisePermission(
  tx: Tx,
  accountId: string,
  enterpriseId: string,
  permission: EnterprisePermissionKind = "ADMINISTER_ENTERPRISE",
): Promise<boolean> {
  // Hand-written: on the path of every admin request, where Prisma compiled the query at each call.
  const found = await tx.$queryRaw<unknown[]>`
    SELECT 1 FROM "EnterprisePermission" p JOIN "Account" a ON a."id" = p."accountId"
    WHERE p."accountId" = ${accountId} AND p."enterpriseId" = ${enterpriseId}
      AND p."permission" = ${permission}::"EnterprisePermissionKind" AND a."deletedAt" IS NULL`;
  return found.length > 0;
}

/**
 * The enterprise permissions the account holds on the enterprise, in a fixed order; none for anyone else (and for a
 * deleted account). One statement.
 */
export async function heldEnterprisePermissions(tx: Tx, accountId: string, enterpriseId: string): Promise<EnterprisePermissionKind[]> {
  const rows = await tx.enterprisePermission.findMany({
    where: { accountId, enterpriseId, account: { deletedAt: null } },
    select: { permission: true },
    orderBy: { permission: "asc" },
  });
  return rows.map((row) => row.permission);
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
