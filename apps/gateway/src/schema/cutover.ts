import {
  deleteMyAccount,
  MAX_ACCOUNTS_PER_REMOVAL,
  enterpriseMembersAmong,
  readinessPage,
  readinessTotals,
  removeDevopsAccountsFromOrganizations,
  type AccessLoss,
  type AccessLossRecord,
  type CutoverPlan,
  type CutoverViolation,
  type DeletedAccount,
  type MissingSsoMembership,
  type OrganizationLosingAdmin,
  type ReadinessRow,
  type ReadinessTotals,
  type RemovedEnterprisePermission,
  type RemovedMembership,
} from "@sso-cutover/sso";
import { requireEnterpriseAdmin } from "@sso-cutover/enterprise";
import { resolveCursorConnection, type ResolveCursorConnectionArgs } from "@pothos/plugin-relay";
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";
import { builder } from "../builder";
import { membersOfAdministeredEnterprise, organizationsOfAdministeredEnterprise, seenBeforeTheChange } from "../visibility";
import { listLimit } from "../input-limits";
import { AccountRef } from "./account";
import { EnterpriseRef } from "./enterprise";
import { EnterprisePermissionKind, OrgPermissionKind } from "./enums";
import { payloadErrors } from "./error";
import { OrganizationRef } from "./organization";
import { BreakingTokenRef } from "./token-guidance";
import { CutoverStatus as CutoverStatusEnum } from "./cutover-status";
import { InvitationStatus as InvitationStatusEnum } from "./invitation";

export const CutoverViolationCode = builder.enumType("CutoverViolationCode", {
  description:
    "R9: NO_BREAK_GLASS_ADMIN (a) no DOP account would keep Administer Enterprise; BITBUCKET_WITHOUT_DOP_ADMIN (b) a " +
    "Bitbucket Cloud organization would keep no DOP admin; ORGANIZATION_WITHOUT_ADMIN (c) an organization would keep no admin; " +
    "UNACKNOWLEDGED_ACCESS_LOSS (d) a person would lose organizations they cannot reach with SSO and was not acknowledged.",
  values: ["NO_BREAK_GLASS_ADMIN", "BITBUCKET_WITHOUT_DOP_ADMIN", "ORGANIZATION_WITHOUT_ADMIN", "UNACKNOWLEDGED_ACCESS_LOSS"] as const,
});

const CutoverViolationRef = builder.objectRef<CutoverViolation>("CutoverViolation").implement({
  fields: (t) => ({
    code: t.expose("code", { type: CutoverViolationCode }),
    message: t.exposeString("message"),
    organization: t.field({ type: OrganizationRef, nullable: true, resolve: (violation) => violation.organization }),
    account: t.field({
      type: AccountRef,
      nullable: true,
      description: "The DOP account the violation is about (UNACKNOWLEDGED_ACCESS_LOSS).",
      resolve: (violation) => violation.account,
    }),
  }),
});

const AccessLossRef = builder.objectRef<AccessLoss>("AccessLoss").implement({
  description:
    "R9 (d): a person the removal leaves with no way into organizations they are in today (no linked SSO account, or " +
    "one that is not a member there).",
  fields: (t) => ({
    account: t.field({ type: AccountRef, description: "The DOP account removed.", resolve: (loss) => loss.account }),
    ssoAccount: t.field({ type: AccountRef, nullable: true, resolve: (loss) => loss.ssoAccount }),
    organizations: t.field({ type: [OrganizationRef], resolve: (loss) => loss.organizations }),
    acknowledged: t.exposeBoolean("acknowledged", {
      description: "Named in acknowledgeAccessLoss (or acknowledgeAll): this loss does not block the removal.",
    }),
  }),
});

const RemovedMembershipRef = builder.objectRef<RemovedMembership>("RemovedMembership").implement({
  fields: (t) => ({
    account: t.field({ type: AccountRef, resolve: (row) => row.account }),
    organization: t.field({ type: OrganizationRef, resolve: (row) => row.organization }),
    direct: t.exposeBoolean("direct", { description: "A direct membership (else only through groups)." }),
    groups: t.exposeStringList("groups", { description: "Groups of the organization the account leaves." }),
    permissions: t.field({ type: [OrgPermissionKind], resolve: (row) => row.permissions }),
  }),
});

const RemovedEnterprisePermissionRef = builder.objectRef<RemovedEnterprisePermission>("RemovedEnterprisePermission").implement({
  fields: (t) => ({
    account: t.field({ type: AccountRef, resolve: (row) => row.account }),
    permission: t.expose("permission", { type: EnterprisePermissionKind }),
  }),
});

const OrganizationLosingAdminRef = builder.objectRef<OrganizationLosingAdmin>("OrganizationLosingAdmin").implement({
  fields: (t) => ({
    organization: t.field({ type: OrganizationRef, resolve: (row) => row.organization }),
    adminsBefore: t.exposeInt("adminsBefore"),
  }),
});

const MissingSsoMembershipRef = builder.objectRef<MissingSsoMembership>("MissingSsoMembership").implement({
  description: "R4 applied to the removal: what the person's SSO account lacks where its DOP account is removed.",
  fields: (t) => ({
    devopsAccount: t.field({ type: AccountRef, resolve: (row) => row.devopsAccount }),
    ssoAccount: t.field({ type: AccountRef, nullable: true, resolve: (row) => row.ssoAccount }),
    organization: t.field({ type: OrganizationRef, resolve: (row) => row.organization }),
    missing: t.exposeStringList("missing", { description: "MEMBERSHIP and/or the permissions missing." }),
  }),
});

const CutoverPlanRef = builder.objectRef<CutoverPlan>("CutoverPlan").implement({
  description:
    "R9: exactly what removing the DOP accounts does. The dry run and the real run return the same plan; a real run " +
    "with violations changes nothing (applied: false).",
  fields: (t) => ({
    dryRun: t.exposeBoolean("dryRun"),
    applied: t.exposeBoolean("applied"),
    accounts: t.field({ type: [AccountRef], resolve: (plan) => plan.accounts }),
    memberships: t.field({ type: [RemovedMembershipRef], resolve: (plan) => plan.memberships }),
    enterprisePermissions: t.field({ type: [RemovedEnterprisePermissionRef], resolve: (plan) => plan.enterprisePermissions }),
    tokensThatBreak: t.field({ type: [BreakingTokenRef], resolve: (plan) => plan.tokensThatBreak }),
    organizationsLosingLastAdmin: t.field({ type: [OrganizationLosingAdminRef], resolve: (plan) => plan.organizationsLosingLastAdmin }),
    missingSsoMemberships: t.field({ type: [MissingSsoMembershipRef], resolve: (plan) => plan.missingSsoMemberships }),
    accessLoss: t.field({
      type: [AccessLossRef],
      description: "R9 (d): each person left with no way into organizations they are in today, and whether it was acknowledged.",
      resolve: (plan) => plan.accessLoss,
    }),
    violations: t.field({ type: [CutoverViolationRef], resolve: (plan) => plan.violations }),
    warnings: t.exposeStringList("warnings"),
    enterprise: t.prismaField({
      type: "Enterprise",
      resolve: (query, plan, _args, context) =>
        context.prisma.enterprise.findUniqueOrThrow({ ...query, where: { id: plan.enterpriseId } }),
    }),
  }),
});

const RemoveDevopsAccountsInput = builder.inputType("RemoveDevopsAccountsFromOrganizationsInput", {
  fields: (t) => ({
    enterpriseKey: t.string({ required: true }),
    accountIds: t.globalIDList({ required: true, for: AccountRef, ...listLimit(MAX_ACCOUNTS_PER_REMOVAL, "Global ids of DOP accounts.") }),
    dryRun: t.boolean({ required: true, description: "true: compute the plan only." }),
    acknowledgeAccessLoss: t.globalIDList({
      required: false,
      for: AccountRef,
      ...listLimit(
        MAX_ACCOUNTS_PER_REMOVAL,
        "R9 (d): DOP accounts (among accountIds) whose people may lose organizations they cannot reach with SSO. " +
          "An unacknowledged loss is the violation UNACKNOWLEDGED_ACCESS_LOSS.",
      ),
    }),
    acknowledgeAll: t.boolean({ required: false, description: "R9 (d): accept the access loss of every person in the batch." }),
  }),
});

builder.mutationField("removeDevopsAccountsFromOrganizations", (t) =>
  t.withAuth({ account: true }).field({
    type: CutoverPlanRef,
    errors: payloadErrors("removeDevopsAccountsFromOrganizations"),
    description: "R9: removes DOP accounts from the enterprise's organizations; dry-runnable; refuses a batch with violations.",
    args: { input: t.arg({ type: RemoveDevopsAccountsInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const plan = await removeDevopsAccountsFromOrganizations(
        context.prisma,
        context.viewer,
        {
          enterpriseKey: input.enterpriseKey,
          accountIds: input.accountIds.map((id) => id.id),
          dryRun: input.dryRun,
          acknowledgeAccessLoss: input.acknowledgeAccessLoss?.map((id) => id.id) ?? null,
          acknowledgeAll: input.acknowledgeAll ?? null,
        },
        context.now,
      );
      // The plan names accounts (and their tokens) the admin saw before they left the enterprise.
      seenBeforeTheChange(context, "Account", plan.accounts.map((account) => account.id));
      seenBeforeTheChange(context, "Token", plan.tokensThatBreak.map((breaking) => breaking.token.id));
      // Its organizations are the enterprise's, which the admin sees (the plan checked the enterprise first).
      seenBeforeTheChange(context, "Organization", [...new Set(plan.memberships.map((entry) => entry.organization.id))]);
      return plan;
    },
  }),
);

const DeleteMyAccountInput = builder.inputType("DeleteMyAccountInput", {
  fields: (t) => ({
    confirmLogin: t.string({ required: true, description: "Your login, to confirm." }),
  }),
});

const DeletedAccountRef = builder.objectRef<DeletedAccount>("DeletedAccount").implement({
  fields: (t) => ({
    account: t.field({ type: AccountRef, resolve: (result) => result.account }),
    revokedTokens: t.exposeInt("revokedTokens"),
    removedMemberships: t.exposeInt("removedMemberships"),
    tokensThatBroke: t.field({ type: [BreakingTokenRef], resolve: (result) => result.tokensThatBroke }),
  }),
});

builder.mutationField("deleteMyAccount", (t) =>
  t.withAuth({ account: true }).field({
    type: DeletedAccountRef,
    errors: payloadErrors("deleteMyAccount"),
    description: "R10: deletes the viewer's own DOP account (soft delete); refused while it is the sole ADMIN of an organization.",
    args: { input: t.arg({ type: DeleteMyAccountInput, required: true }) },
    resolve: (_root, { input }, context) => deleteMyAccount(context.prisma, context.viewer, input, context.now),
  }),
);

const InvitationSummaryRef = builder
  .objectRef<NonNullable<ReadinessRow["invitation"]>>("ReadinessInvitation")
  .implement({
    fields: (t) => ({
      status: t.expose("status", { type: InvitationStatusEnum }),
      email: t.exposeString("email"),
      expiresAt: t.expose("expiresAt", { type: "DateTime" }),
    }),
  });

const AccessLossRecordRef = builder.objectRef<AccessLossRecord>("AccessLossRecord").implement({
  description: "R9 (d): an organization the person was removed from with no way back in, acknowledged by an enterprise admin.",
  fields: (t) => ({
    organization: t.field({ type: OrganizationRef, resolve: (row) => row.organization }),
    acknowledgedBy: t.field({ type: AccountRef, nullable: true, resolve: (row) => row.acknowledgedBy }),
    acknowledgedAt: t.expose("acknowledgedAt", { type: "DateTime" }),
    regained: t.exposeBoolean("regained", { description: "The person's SSO account is a member there now." }),
  }),
});

const ReadinessRowRef = builder.objectRef<ReadinessRow>("ReadinessRow").implement({
  description: "One person in the cutover: the DOP account and/or the SSO account that supersedes it.",
  fields: (t) => ({
    account: t.field({ type: AccountRef, resolve: (row) => row.account }),
    devopsAccount: t.field({ type: AccountRef, nullable: true, resolve: (row) => row.devopsAccount }),
    ssoAccount: t.field({ type: AccountRef, nullable: true, resolve: (row) => row.ssoAccount }),
    cutoverStatus: t.expose("cutoverStatus", { type: CutoverStatusEnum }),
    lastSsoLoginAt: t.expose("lastSsoLoginAt", { type: "DateTime", nullable: true }),
    organizationsOnlyThroughDop: t.field({
      type: [OrganizationRef],
      description: "Organizations reachable through the DOP account but not through the SSO account.",
      resolve: (row) => row.organizationsOnlyThroughDop,
    }),
    tokensThatWouldBreak: t.field({ type: [BreakingTokenRef], resolve: (row) => row.tokensThatWouldBreak }),
    invitation: t.field({ type: InvitationSummaryRef, nullable: true, resolve: (row) => row.invitation }),
    accessLoss: t.field({
      type: [AccessLossRecordRef],
      description: "R9 (d): organizations lost at a removal, with who acknowledged it and when.",
      resolve: (row) => row.accessLoss,
    }),
    warnings: t.exposeStringList("warnings", {
      description: "R14 / R9 (c): e.g. group sync kept this person as an organization's last admin.",
    }),
  }),
});

const ReadinessTotalsRef = builder.objectRef<ReadinessTotals>("ReadinessTotals").implement({
  fields: (t) => ({
    people: t.exposeInt("people"),
    removedWithoutSso: t.exposeInt("removedWithoutSso", {
      description: "R9 (d): people in REMOVED_WITHOUT_SSO (counted in people too).",
    }),
    dopAccounts: t.exposeInt("dopAccounts"),
    linkedDopAccounts: t.exposeInt("linkedDopAccounts"),
    ssoOnlyAccounts: t.exposeInt("ssoOnlyAccounts"),
    pendingInvitations: t.exposeInt("pendingInvitations"),
    dopOwnedTokens: t.int({
      resolve: (totals) => {
        // Counted whenever the field is in the document (see `selects`): null here would be a wiring error.
        if (totals.dopOwnedTokens === null) throw new Error("ReadinessTotals.dopOwnedTokens was not counted although it was asked for.");
        return totals.dopOwnedTokens;
      },
    }),
    breakGlassAccounts: t.exposeInt("breakGlassAccounts"),
    blockers: t.exposeStringList("blockers"),
    warnings: t.exposeStringList("warnings"),
  }),
});

const ReadinessFilter = builder.inputType("ReadinessFilter", {
  fields: (t) => ({
    cutoverStatus: t.field({ type: CutoverStatusEnum, required: false }),
    notReadyOnly: t.boolean({ required: false, description: "Only people who would lose organizations or tokens today." }),
    loginStartsWith: t.string({ required: false }),
  }),
});

/**
 * Whether the field being resolved selects `name` among its subfields (through fragments too; whatever their
 * directives say, so that a field that may be asked for is always computed).
 */
function selects(info: GraphQLResolveInfo, name: string): boolean {
  const seen = new Set<string>();
  const within = (selectionSet: SelectionSetNode | undefined): boolean =>
    (selectionSet?.selections ?? []).some((selection) => {
      if (selection.kind === Kind.FIELD) return selection.name.value === name;
      if (selection.kind === Kind.INLINE_FRAGMENT) return within(selection.selectionSet);
      if (seen.has(selection.name.value)) return false;
      seen.add(selection.name.value);
      return within(info.fragments[selection.name.value]?.selectionSet);
    });
  return info.fieldNodes.some((node) => within(node.selectionSet));
}

interface ReadinessConnectionParent {
  enterpriseId: string;
}

builder.prismaObjectField(EnterpriseRef, "readiness", (t) =>
  t.connection(
    {
      type: ReadinessRowRef,
      description: "One row per person, by login. Enterprise admins only. A fixed number of SQL statements per page.",
      args: { filter: t.arg({ type: ReadinessFilter, required: false }) },
      resolve: async (enterprise, args, context) => {
        await requireEnterpriseAdmin(context.prisma, context.viewer?.accountId ?? "", enterprise.id);
        const connection = await resolveCursorConnection(
          { args, toCursor: (row) => row.account.login, defaultSize: 20, maxSize: 100 },
          async ({ before, after, limit, inverted }: ResolveCursorConnectionArgs) => {
            const rows = await readinessPage(context.prisma, enterprise.id, { before, after, limit, inverted, filter: args.filter }, context.now);
            organizationsOfAdministeredEnterprise(context, enterprise.id, [
              ...rows.flatMap((row) => row.organizationsOnlyThroughDop),
              ...rows.flatMap((row) => row.accessLoss.map((loss) => loss.organization)),
            ]);
            membersOfAdministeredEnterprise(context, enterpriseMembersAmong(rows, enterprise.id));
            return rows;
          },
        );
        // The totals field reads which enterprise the page belongs to from its parent, the connection.
        return { ...connection, enterpriseId: enterprise.id } satisfies ReadinessConnectionParent;
      },
    },
    {
      name: "ReadinessConnection",
      fields: (connection) => ({
        totals: connection.field({
          type: ReadinessTotalsRef,
          resolve: (parent, _args, context, info) =>
            readinessTotals(context.prisma, (parent as unknown as ReadinessConnectionParent).enterpriseId, context.now, {
              dopOwnedTokens: selects(info, "dopOwnedTokens"),
            }),
        }),
      }),
    },
  ),
);
