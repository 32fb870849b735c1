import type { Tx } from "@sso-cutover/db";

/**
 * Organizations each account belongs to — directly or through a group of the organization — in two queries
 * whatever the number of accounts. `organizationIds` narrows the answer to those organizations.
 */
export async function organizationsOfAccounts(
  tx: Tx,
  accountIds: readonly string[],
  organizationIds?: readonly string[],
): Promise<Map<string, Set<string>>> {
  const result = new Map<string, Set<string>>();
  if (accountIds.length === 0 || organizationIds?.length === 0) return result;
  const add = (accountId: string, organizationId: string) => {
    let set = result.get(accountId);
    if (!set) result.set(accountId, (set = new Set()));
    set.add(organizationId);
  };
  const organizationFilter = organizationIds ? { in: [...organizationIds] } : undefined;
  const [direct, viaGroups] = await Promise.all([
    tx.orgMembership.findMany({
      where: { accountId: { in: [...accountIds] }, organizationId: organizationFilter },
      select: { accountId: true, organizationId: true },
    }),
    tx.groupMembership.findMany({
      where: { accountId: { in: [...accountIds] }, group: { organizationId: organizationFilter } },
      select: { accountId: true, group: { select: { organizationId: true } } },
    }),
  ]);
  for (const row of direct) add(row.accountId, row.organizationId);
  for (const row of viaGroups) add(row.accountId, row.group.organizationId);
  return result;
}
