import {
  DomainError,
  forbidden,
  invalidInput,
  notFound,
  serializable,
  type Account,
  type Group,
  type OrgPermissionKind,
  type Organization,
  type Prisma,
  type PrismaClient,
  type Tx,
} from "@sso-cutover/db";
import {
  enterpriseAccountsWhere,
  holdsEnterprisePermission,
  recordAuditEvent,
  visibleOrganizationWhere,
  type Actor,
} from "@sso-cutover/enterprise";
import { adminRuleViolations, adminState } from "./access-rules";
import { visibleAccountWhere } from "./members";
import { isOrganizationAdmin } from "./org-permissions";

/** Built-in groups exist in every organization; their permissions are fixed (Owners: ADMIN, Members: none). */
export const BUILT_IN_GROUP_PERMISSIONS: Readonly<Record<string, readonly OrgPermissionKind[]>> = { Members: [], Owners: ["ADMIN"] };

export interface OrganizationPermissionInput {
  organizationKey: string;
  permission: OrgPermissionKind;
  /** Exactly one of: the account's id, or the name of one of the organization's groups. */
  accountId?: string | null;
  group?: string | null;
}

export interface OrganizationGroupMemberInput {
  organizationKey: string;
  group: string;
  accountId: string;
}

/** The result of a permission or group change: what the organization looks like now, and its admin count. */
export interface OrganizationAccessChange {
  organizationId: string;
  permission: OrgPermissionKind | null;
  accountId: string | null;
  groupId: string | null;
  /** True when granting to an account of the enterprise that was not a member made it a (direct) member. */
  membershipCreated: boolean;
  /** Accounts (not deleted) holding ADMIN on the organization now, directly or through a group. */
  administrators: number;
  warnings: string[];
}

/**
 * The organization named, for its admins and the enterprise's admins; NOT_FOUND (R15) for a caller who cannot see
 * it, FORBIDDEN for one who sees it but administers neither.
 */
async function requireAdministeredOrganization(tx: Tx, actor: Actor, key: string): Promise<Organization> {
  const organization = await tx.organization.findFirst({ where: { key, ...visibleOrganizationWhere(actor.accountId) } });
  if (!organization) throw notFound("No organization with this key.", "input.organizationKey");
  const enterpriseAdmin = organization.enterpriseId !== null && (await holdsEnterprisePermission(tx, actor.accountId, organization.enterpriseId));
  if (!enterpriseAdmin && !(await isOrganizationAdmin(tx, actor.accountId, organization.id))) {
    throw forbidden("Only the organization's admins and its enterprise's admins may change its permissions and groups.");
  }
  return organization;
}

/** An account the caller may see and that belongs to the organization's enterprise (or, outside one, to it). */
async function requireAccountFor(tx: Tx, actor: Actor, organization: Organization, accountId: string): Promise<Account> {
  const belongs = organization.enterpriseId
    ? enterpriseAccountsWhere(organization.enterpriseId)
    : { OR: [{ memberships: { some: { organizationId: organization.id } } }, { groupMemberships: { some: { group: { organizationId: organization.id } } } }] };
  const account = await tx.account.findFirst({ where: { AND: [{ id: accountId, deletedAt: null }, visibleAccountWhere(actor.accountId), belongs] } });
  if (!account) throw notFound("No account with this id belongs to the organization's enterprise.", "input.accountId");
  return account;
}

async function requireGroup(tx: Tx, organization: Organization, name: string): Promise<Group> {
  const group = await tx.group.findUnique({ where: { organizationId_name: { organizationId: organization.id, name } } });
  if (!group) throw notFound(`The organization "${organization.key}" has no group with this name.`, "input.group");
  return group;
}

function requireOneTarget(input: OrganizationPermissionInput): { accountId: string } | { group: string } {
  const hasAccount = Boolean(input.accountId);
  const hasGroup = Boolean(input.group);
  if (hasAccount === hasGroup) {
    throw invalidInput(hasAccount ? "input.group" : "input.accountId", "Name exactly one of accountId and group.");
  }
  return hasAccount ? { accountId: input.accountId! } : { group: input.group! };
}

/**
 * R9 (b), (c) for one organization: what the change did to its admins is compared with before, in the caller's
 * SERIALIZABLE transaction (R11), so that two concurrent revocations cannot together remove the last admin.
 */
async function requireAdminRulesKept(tx: Tx, organization: Organization, change: () => Promise<void>): Promise<number> {
  const before = await adminState(tx, organization.enterpriseId, [organization.id]);
  await change();
  const after = await adminState(tx, organization.enterpriseId, [organization.id]);
  const violation = adminRuleViolations(before, after, { breakGlass: false })[0];
  if (violation) {
    throw new DomainError("RULE_VIOLATION", violation.message, "input", { rule: "R9", violation: violation.code });
  }
  return after.organizations.get(organization.id)?.admins.size ?? 0;
}

async function administratorCount(tx: Tx, organization: Organization): Promise<number> {
  return (await adminState(tx, organization.enterpriseId, [organization.id])).organizations.get(organization.id)?.admins.size ?? 0;
}

function adminWarnings(organization: Organization, administrators: number): string[] {
  return administrators === 1
    ? [`Only one account administers "${organization.key}": grant ADMIN to a second one so that losing one does not lock it.`]
    : [];
}

async function isMember(tx: Tx, accountId: string, organizationId: string): Promise<boolean> {
  const [direct, viaGroup] = await Promise.all([
    tx.orgMembership.count({ where: { accountId, organizationId } }),
    tx.groupMembership.count({ where: { accountId, group: { organizationId } } }),
  ]);
  return direct + viaGroup > 0;
}

/**
 * Grants an organization permission to an account or to one of the organization's groups. Organization admins and
 * enterprise admins. An account of the enterprise that is not a member yet becomes a direct member. Built-in groups'
 * permissions are fixed.
 */
export async function grantOrganizationPermission(
  prisma: PrismaClient,
  actor: Actor,
  input: OrganizationPermissionInput,
): Promise<OrganizationAccessChange> {
  const target = requireOneTarget(input);
  return serializable(prisma, async (tx) => {
    const organization = await requireAdministeredOrganization(tx, actor, input.organizationKey);
    let membershipCreated = false;
    let accountId: string | null = null;
    let groupId: string | null = null;
    let targetName: string;
    if ("accountId" in target) {
      const account = await requireAccountFor(tx, actor, organization, target.accountId);
      accountId = account.id;
      targetName = account.login;
      const existing = await tx.orgPermission.findUnique({
        where: { accountId_organizationId_permission: { accountId: account.id, organizationId: organization.id, permission: input.permission } },
      });
      if (existing) throw new DomainError("CONFLICT", `${account.login} already holds ${input.permission} on "${organization.key}".`, "input.permission");
      if (!(await isMember(tx, account.id, organization.id))) {
        await tx.orgMembership.create({ data: { accountId: account.id, organizationId: organization.id } });
        membershipCreated = true;
      }
      await tx.orgPermission.create({ data: { accountId: account.id, organizationId: organization.id, permission: input.permission } });
    } else {
      const group = await requireGroup(tx, organization, target.group);
      groupId = group.id;
      targetName = group.name;
      if (group.builtIn) throw builtInGroupRefusal(group);
      const existing = await tx.groupPermission.findUnique({ where: { groupId_permission: { groupId: group.id, permission: input.permission } } });
      if (existing) throw new DomainError("CONFLICT", `The group ${group.name} already holds ${input.permission}.`, "input.permission");
      await tx.groupPermission.create({ data: { groupId: group.id, permission: input.permission } });
    }
    const administrators = await administratorCount(tx, organization);
    await recordAuditEvent(tx, {
      enterpriseId: organization.enterpriseId,
      actor,
      action: "organization_permission.granted",
      target: accountId ? { type: "Account", id: accountId } : { type: "Group", id: groupId! },
      payload: { organization: organization.key, permission: input.permission, grantee: targetName, granteeKind: accountId ? "ACCOUNT" : "GROUP", membershipCreated, administrators },
    });
    return { organizationId: organization.id, permission: input.permission, accountId, groupId, membershipCreated, administrators, warnings: adminWarnings(organization, administrators) };
  });
}

function builtInGroupRefusal(group: Group): DomainError {
  const fixed = BUILT_IN_GROUP_PERMISSIONS[group.name] ?? [];
  return new DomainError(
    "PRECONDITION_FAILED",
    `${group.name} is a built-in group whose permissions are fixed (${fixed.length ? fixed.join(", ") : "none"}): ` +
      "add or remove its members instead, or use another group.",
    "input.group",
  );
}

/**
 * Revokes an organization permission from an account or a group. R9 (b)/(c): refused when the organization would be
 * left without an admin, or a Bitbucket Cloud organization without a DOP admin — also under concurrent requests (R11).
 */
export async function revokeOrganizationPermission(
  prisma: PrismaClient,
  actor: Actor,
  input: OrganizationPermissionInput,
): Promise<OrganizationAccessChange> {
  const target = requireOneTarget(input);
  return serializable(prisma, async (tx) => {
    const organization = await requireAdministeredOrganization(tx, actor, input.organizationKey);
    let accountId: string | null = null;
    let groupId: string | null = null;
    let targetName: string;
    let administrators: number;
    if ("accountId" in target) {
      const held = await tx.orgPermission.findFirst({
        where: { accountId: target.accountId, organizationId: organization.id, permission: input.permission, account: visibleAccountWhere(actor.accountId) },
        include: { account: true },
      });
      if (!held) throw notFound(`This account does not hold ${input.permission} on this organization.`, "input.accountId");
      accountId = held.accountId;
      targetName = held.account.login;
      administrators = await requireAdminRulesKept(tx, organization, async () => {
        await tx.orgPermission.delete({ where: { id: held.id } });
      });
    } else {
      const group = await requireGroup(tx, organization, target.group);
      groupId = group.id;
      targetName = group.name;
      if (group.builtIn) throw builtInGroupRefusal(group);
      const held = await tx.groupPermission.findUnique({ where: { groupId_permission: { groupId: group.id, permission: input.permission } } });
      if (!held) throw notFound(`The group ${group.name} does not hold ${input.permission}.`, "input.permission");
      administrators = await requireAdminRulesKept(tx, organization, async () => {
        await tx.groupPermission.delete({ where: { id: held.id } });
      });
    }
    await recordAuditEvent(tx, {
      enterpriseId: organization.enterpriseId,
      actor,
      action: "organization_permission.revoked",
      target: accountId ? { type: "Account", id: accountId } : { type: "Group", id: groupId! },
      payload: { organization: organization.key, permission: input.permission, grantee: targetName, granteeKind: accountId ? "ACCOUNT" : "GROUP", administrators },
    });
    return { organizationId: organization.id, permission: input.permission, accountId, groupId, membershipCreated: false, administrators, warnings: adminWarnings(organization, administrators) };
  });
}

/** Adds an account of the organization's enterprise to one of its groups (organization and enterprise admins). */
export async function addOrganizationGroupMember(
  prisma: PrismaClient,
  actor: Actor,
  input: OrganizationGroupMemberInput,
): Promise<OrganizationAccessChange> {
  return serializable(prisma, async (tx) => {
    const organization = await requireAdministeredOrganization(tx, actor, input.organizationKey);
    const group = await requireGroup(tx, organization, input.group);
    const account = await requireAccountFor(tx, actor, organization, input.accountId);
    const existing = await tx.groupMembership.findUnique({ where: { groupId_accountId: { groupId: group.id, accountId: account.id } } });
    if (existing) throw new DomainError("CONFLICT", `${account.login} is already a member of ${group.name}.`, "input.accountId");
    await tx.groupMembership.create({ data: { groupId: group.id, accountId: account.id } });
    const administrators = await administratorCount(tx, organization);
    await recordAuditEvent(tx, {
      enterpriseId: organization.enterpriseId,
      actor,
      action: "organization_group.member_added",
      target: { type: "Group", id: group.id },
      payload: { organization: organization.key, group: group.name, member: account.login, memberKind: account.kind, administrators },
    });
    return { organizationId: organization.id, permission: null, accountId: account.id, groupId: group.id, membershipCreated: false, administrators, warnings: adminWarnings(organization, administrators) };
  });
}

/** Removes an account from one of the organization's groups; R9 (b)/(c) as for a revocation. */
export async function removeOrganizationGroupMember(
  prisma: PrismaClient,
  actor: Actor,
  input: OrganizationGroupMemberInput,
): Promise<OrganizationAccessChange> {
  return serializable(prisma, async (tx) => {
    const organization = await requireAdministeredOrganization(tx, actor, input.organizationKey);
    const group = await requireGroup(tx, organization, input.group);
    const membership = await tx.groupMembership.findFirst({
      where: { groupId: group.id, accountId: input.accountId, account: visibleAccountWhere(actor.accountId) },
      include: { account: true },
    });
    if (!membership) throw notFound(`This account is not a member of the group ${group.name}.`, "input.accountId");
    const administrators = await requireAdminRulesKept(tx, organization, async () => {
      await tx.groupMembership.delete({ where: { id: membership.id } });
    });
    await recordAuditEvent(tx, {
      enterpriseId: organization.enterpriseId,
      actor,
      action: "organization_group.member_removed",
      target: { type: "Group", id: group.id },
      payload: { organization: organization.key, group: group.name, member: membership.account.login, memberKind: membership.account.kind, administrators },
    });
    return {
      organizationId: organization.id,
      permission: null,
      accountId: membership.accountId,
      groupId: group.id,
      membershipCreated: false,
      administrators,
      warnings: adminWarnings(organization, administrators),
    };
  });
}

/**
 * R15: a direct organization permission is seen by whoever sees both the organization and the account holding it.
 */
export function visibleOrganizationPermissionWhere(viewerAccountId: string): Prisma.OrgPermissionWhereInput {
  return { organization: visibleOrganizationWhere(viewerAccountId), account: visibleAccountWhere(viewerAccountId) };
}
