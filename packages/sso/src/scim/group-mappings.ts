import type { Tx } from "@sso-cutover/db";
import { adminRuleViolations, adminState } from "@sso-cutover/membership";
import { MEMBERS_GROUP } from "../sso-accounts";
import { ScimError } from "./errors";

export interface ScimGroupEffects {
  organizationsJoined: string[];
  organizationsLeft: string[];
  groupsJoined: number;
  groupsLeft: number;
}

/**
 * R20 with R14 and R9: makes the organization-group memberships of these accounts follow their SCIM groups through
 * the SSO connection's explicit group mappings (`SsoGroupMapping.idpGroup` = the SCIM group's displayName), and
 * only them: organization groups no mapping targets are never touched by SCIM. An account joins the organization of
 * a group it joins, and leaves an organization when it is left in none of its groups (its permissions there go with
 * it). The admin rules are checked between the state before and after (`adminRuleViolations`, as every other path
 * that removes memberships): a change that would leave an organization without an admin, or a Bitbucket Cloud
 * organization without its DOP admin, throws a SCIM error naming the rule and the whole request is rolled back.
 */
export async function applyScimGroupMappings(tx: Tx, enterpriseId: string, accountIds: readonly string[], now: Date): Promise<ScimGroupEffects> {
  const none: ScimGroupEffects = { organizationsJoined: [], organizationsLeft: [], groupsJoined: 0, groupsLeft: 0 };
  if (accountIds.length === 0) return none;
  const mappings = await tx.ssoGroupMapping.findMany({
    where: { ssoConnection: { enterpriseId }, group: { organization: { enterpriseId } } },
    select: { idpGroup: true, groupId: true, group: { select: { name: true, organizationId: true, organization: { select: { key: true } } } } },
  });
  const usable = mappings.filter((mapping) => mapping.group.name !== MEMBERS_GROUP);
  if (usable.length === 0) return none;
  const managedGroupIds = [...new Set(usable.map((mapping) => mapping.groupId))];
  const [scimMemberships, current] = await Promise.all([
    tx.scimGroupMember.findMany({ where: { accountId: { in: [...accountIds] } }, select: { accountId: true, group: { select: { displayName: true } } } }),
    tx.groupMembership.findMany({ where: { accountId: { in: [...accountIds] }, groupId: { in: managedGroupIds } }, select: { id: true, accountId: true, groupId: true } }),
  ]);
  const idpGroupsOf = new Map<string, Set<string>>();
  for (const row of scimMemberships) {
    const set = idpGroupsOf.get(row.accountId) ?? new Set<string>();
    set.add(row.group.displayName);
    idpGroupsOf.set(row.accountId, set);
  }
  const groupById = new Map(usable.map((mapping) => [mapping.groupId, mapping.group]));
  const toJoin: { accountId: string; groupId: string }[] = [];
  const toLeave: { id: string; accountId: string; groupId: string }[] = [];
  for (const accountId of accountIds) {
    const idpGroups = idpGroupsOf.get(accountId) ?? new Set<string>();
    const wanted = new Set(usable.filter((mapping) => idpGroups.has(mapping.idpGroup)).map((mapping) => mapping.groupId));
    const have = current.filter((row) => row.accountId === accountId);
    const haveIds = new Set(have.map((row) => row.groupId));
    for (const groupId of wanted) if (!haveIds.has(groupId)) toJoin.push({ accountId, groupId });
    for (const row of have) if (!wanted.has(row.groupId)) toLeave.push(row);
  }
  if (toJoin.length === 0 && toLeave.length === 0) return none;

  const organizationIds = [...new Set([...toJoin, ...toLeave].map((row) => groupById.get(row.groupId)!.organizationId))];
  const before = await adminState(tx, enterpriseId, organizationIds);

  if (toLeave.length > 0) await tx.groupMembership.deleteMany({ where: { id: { in: toLeave.map((row) => row.id) } } });
  if (toJoin.length > 0) await tx.groupMembership.createMany({ data: toJoin.map((row) => ({ ...row, createdAt: now })), skipDuplicates: true });

  // Organization membership follows: joined with a group, left when no group of the organization is left.
  const pairs = [...toJoin, ...toLeave].map((row) => ({ accountId: row.accountId, organizationId: groupById.get(row.groupId)!.organizationId }));
  const [remainingGroups, memberships] = await Promise.all([
    tx.groupMembership.findMany({
      where: { accountId: { in: [...accountIds] }, group: { organizationId: { in: organizationIds } } },
      select: { accountId: true, group: { select: { organizationId: true } } },
    }),
    tx.orgMembership.findMany({
      where: { accountId: { in: [...accountIds] }, organizationId: { in: organizationIds } },
      select: { id: true, accountId: true, organizationId: true, organization: { select: { key: true } } },
    }),
  ]);
  const key = (accountId: string, organizationId: string) => `${accountId}/${organizationId}`;
  const inGroup = new Set(remainingGroups.map((row) => key(row.accountId, row.group.organizationId)));
  const member = new Map(memberships.map((row) => [key(row.accountId, row.organizationId), row]));
  const organizationKey = new Map(usable.map((mapping) => [mapping.group.organizationId, mapping.group.organization.key]));
  const joins = new Map<string, { accountId: string; organizationId: string }>();
  const leaves = new Map<string, { id: string; accountId: string; organizationId: string }>();
  for (const pair of pairs) {
    const pairKey = key(pair.accountId, pair.organizationId);
    const membership = member.get(pairKey);
    if (inGroup.has(pairKey) && !membership) joins.set(pairKey, pair);
    if (!inGroup.has(pairKey) && membership) leaves.set(pairKey, membership);
  }
  if (joins.size > 0) {
    await tx.orgMembership.createMany({ data: [...joins.values()].map((row) => ({ ...row, createdAt: now })), skipDuplicates: true });
  }
  if (leaves.size > 0) {
    await tx.orgMembership.deleteMany({ where: { id: { in: [...leaves.values()].map((row) => row.id) } } });
    await tx.orgPermission.deleteMany({ where: { OR: [...leaves.values()].map(({ accountId, organizationId }) => ({ accountId, organizationId })) } });
  }

  const after = await adminState(tx, enterpriseId, organizationIds);
  const violations = adminRuleViolations(before, after, { breakGlass: false });
  if (violations.length > 0) {
    const rule = (code: string) => (code === "BITBUCKET_WITHOUT_DOP_ADMIN" ? "R9 (b)" : "R9 (c)");
    const detail = violations.map((violation) => `${rule(violation.code)} ${violation.code}: ${violation.message}`).join(" ");
    throw new ScimError(400, `Refused, nothing was changed: ${detail}`, "mutability");
  }
  const keys = (rows: Iterable<{ organizationId: string }>) => [...new Set([...rows].map((row) => organizationKey.get(row.organizationId)!))].sort();
  return { organizationsJoined: keys(joins.values()), organizationsLeft: keys(leaves.values()), groupsJoined: toJoin.length, groupsLeft: toLeave.length };
}
