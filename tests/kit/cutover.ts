/**
 * Helpers for cutover tests (R9, R10): a snapshot of everything a removal or a deletion may change, and the
 * rows a cutover plan says the real run removes — so a test can check that the database changed exactly as
 * the plan said, and that a refused run changed nothing.
 */
import type { PrismaClient } from "@sso-cutover/db";
import type { CutoverPlan } from "@sso-cutover/sso";

/** Each row as one stable string, so that two snapshots compare as sets. */
export interface AccessSnapshot {
  memberships: string[];
  groupMemberships: string[];
  organizationPermissions: string[];
  enterprisePermissions: string[];
  /** `<id>|<revokedAt or "active">` */
  tokens: string[];
  /** `<id>|<deletedAt or "active">` */
  accounts: string[];
  sessions: string[];
  auditEvents: string[];
}

export const membershipRow = (accountId: string, organizationId: string) => `${accountId}|${organizationId}`;
export const groupMembershipRow = (accountId: string, organizationId: string, group: string) => `${accountId}|${organizationId}|${group}`;
export const organizationPermissionRow = (accountId: string, organizationId: string, permission: string) =>
  `${accountId}|${organizationId}|${permission}`;
export const enterprisePermissionRow = (accountId: string, enterpriseId: string, permission: string) =>
  `${accountId}|${enterpriseId}|${permission}`;

const sorted = (rows: string[]) => rows.sort();

/** The whole database's access rows, tokens, accounts, sessions and audit events. */
export async function snapshotAccess(prisma: PrismaClient): Promise<AccessSnapshot> {
  const [memberships, groupMemberships, organizationPermissions, enterprisePermissions, tokens, accounts, sessions, auditEvents] =
    await Promise.all([
      prisma.orgMembership.findMany({ select: { accountId: true, organizationId: true } }),
      prisma.groupMembership.findMany({ select: { accountId: true, group: { select: { organizationId: true, name: true } } } }),
      prisma.orgPermission.findMany({ select: { accountId: true, organizationId: true, permission: true } }),
      prisma.enterprisePermission.findMany({ select: { accountId: true, enterpriseId: true, permission: true } }),
      prisma.token.findMany({ select: { id: true, revokedAt: true } }),
      prisma.account.findMany({ select: { id: true, deletedAt: true } }),
      prisma.session.findMany({ select: { id: true, revokedAt: true } }),
      prisma.auditEvent.findMany({ select: { id: true } }),
    ]);
  return {
    memberships: sorted(memberships.map((row) => membershipRow(row.accountId, row.organizationId))),
    groupMemberships: sorted(groupMemberships.map((row) => groupMembershipRow(row.accountId, row.group.organizationId, row.group.name))),
    organizationPermissions: sorted(
      organizationPermissions.map((row) => organizationPermissionRow(row.accountId, row.organizationId, row.permission)),
    ),
    enterprisePermissions: sorted(enterprisePermissions.map((row) => enterprisePermissionRow(row.accountId, row.enterpriseId, row.permission))),
    tokens: sorted(tokens.map((row) => `${row.id}|${row.revokedAt?.toISOString() ?? "active"}`)),
    accounts: sorted(accounts.map((row) => `${row.id}|${row.deletedAt?.toISOString() ?? "active"}`)),
    sessions: sorted(sessions.map((row) => `${row.id}|${row.revokedAt?.toISOString() ?? "active"}`)),
    auditEvents: sorted(auditEvents.map((row) => row.id)),
  };
}

/** The access rows a plan says the real run removes. */
export function rowsRemovedByPlan(plan: Pick<CutoverPlan, "enterpriseId" | "memberships" | "enterprisePermissions">) {
  return {
    memberships: plan.memberships.filter((entry) => entry.direct).map((entry) => membershipRow(entry.account.id, entry.organization.id)),
    groupMemberships: plan.memberships.flatMap((entry) =>
      entry.groups.map((group) => groupMembershipRow(entry.account.id, entry.organization.id, group)),
    ),
    organizationPermissions: plan.memberships.flatMap((entry) =>
      entry.permissions.map((permission) => organizationPermissionRow(entry.account.id, entry.organization.id, permission)),
    ),
    enterprisePermissions: plan.enterprisePermissions.map((grant) =>
      enterprisePermissionRow(grant.account.id, plan.enterpriseId, grant.permission),
    ),
  };
}

/** What the snapshot should look like after the real run: the plan's rows gone, everything else as it was. */
export function expectedAfterRemoval(before: AccessSnapshot, plan: Parameters<typeof rowsRemovedByPlan>[0]) {
  const removed = rowsRemovedByPlan(plan);
  const without = (rows: string[], gone: string[]) => {
    const set = new Set(gone);
    return rows.filter((row) => !set.has(row));
  };
  return {
    memberships: without(before.memberships, removed.memberships),
    groupMemberships: without(before.groupMemberships, removed.groupMemberships),
    organizationPermissions: without(before.organizationPermissions, removed.organizationPermissions),
    enterprisePermissions: without(before.enterprisePermissions, removed.enterprisePermissions),
    tokens: before.tokens,
    accounts: before.accounts,
    sessions: before.sessions,
  };
}

/** A plan without the two fields that tell the dry run from the real run, for comparing them. */
export function comparablePlan(plan: CutoverPlan): Omit<CutoverPlan, "dryRun" | "applied"> {
  const { dryRun: _dryRun, applied: _applied, ...rest } = plan;
  return rest;
}
