import {
  addOrganizationGroupMember,
  grantOrganizationPermission,
  removeOrganizationGroupMember,
  revokeOrganizationPermission,
  visibleAccountWhere,
  visibleOrganizationPermissionWhere,
  type OrganizationAccessChange,
} from "@sso-cutover/membership";
import { builder } from "../builder";
import { AccountRef } from "./account";
import { OrgPermissionKind } from "./enums";
import { payloadErrors } from "./error";
import { OrganizationRef } from "./organization";
import { OrganizationGroupRef } from "./sso-group-mapping";

const OrganizationPermissionGrantRef = builder.prismaObject("OrgPermission", {
  name: "OrganizationPermissionGrant",
  description: "An organization permission held directly by an account (permissions held through groups are on the groups).",
  fields: (t) => ({
    permission: t.expose("permission", { type: OrgPermissionKind }),
    account: t.relation("account"),
    organization: t.relation("organization"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.prismaObjectField(OrganizationRef, "permissions", (t) =>
  t.prismaConnection({
    type: OrganizationPermissionGrantRef,
    cursor: "id",
    defaultSize: 20,
    maxSize: 100,
    description: "Permissions held directly by accounts on the organization (by permission, then account).",
    resolve: (query, organization, _args, context) =>
      context.prisma.orgPermission.findMany({
        ...query,
        where: { organizationId: organization.id, ...visibleOrganizationPermissionWhere(context.viewer?.accountId ?? "") },
        orderBy: [{ permission: "asc" }, { id: "asc" }],
      }),
  }),
);

builder.prismaObjectField(OrganizationRef, "groups", (t) =>
  t.relation("groups", { type: OrganizationGroupRef, description: "The organization's groups, by name.", query: { orderBy: { name: "asc" } } }),
);

builder.prismaObjectField(OrganizationGroupRef, "members", (t) =>
  t.prismaConnection({
    type: AccountRef,
    cursor: "login",
    defaultSize: 20,
    maxSize: 100,
    description: "Accounts in the group, by login.",
    resolve: (query, group, _args, context) =>
      context.prisma.account.findMany({
        ...query,
        where: { groupMemberships: { some: { groupId: group.id } }, ...visibleAccountWhere(context.viewer?.accountId ?? "") },
        orderBy: { login: "asc" },
      }),
  }),
);

const OrganizationPermissionInput = builder.inputType("OrganizationPermissionInput", {
  description: "A permission on an organization, for exactly one of an account and a group of the organization.",
  fields: (t) => ({
    organizationKey: t.string({ required: true }),
    permission: t.field({ type: OrgPermissionKind, required: true }),
    accountId: t.globalID({ required: false, for: AccountRef, description: "The account's global id (or give group)." }),
    group: t.string({ required: false, description: "The name of one of the organization's groups (or give accountId); not a built-in group." }),
  }),
});

const OrganizationGroupMemberInput = builder.inputType("OrganizationGroupMemberInput", {
  fields: (t) => ({
    organizationKey: t.string({ required: true }),
    group: t.string({ required: true, description: "The name of one of the organization's groups." }),
    accountId: t.globalID({ required: true, for: AccountRef, description: "An account of the organization's enterprise." }),
  }),
});

const OrganizationAccessChangeRef = builder.objectRef<OrganizationAccessChange>("OrganizationAccessChange").implement({
  description: "The result of an organization permission or group change.",
  fields: (t) => ({
    organization: t.prismaField({
      type: OrganizationRef,
      resolve: (query, change, _args, context) => context.prisma.organization.findUniqueOrThrow({ ...query, where: { id: change.organizationId } }),
    }),
    permission: t.field({ type: OrgPermissionKind, nullable: true, resolve: (change) => change.permission }),
    account: t.prismaField({
      type: AccountRef,
      nullable: true,
      resolve: (query, change, _args, context) =>
        change.accountId ? context.prisma.account.findUnique({ ...query, where: { id: change.accountId } }) : null,
    }),
    group: t.prismaField({
      type: OrganizationGroupRef,
      nullable: true,
      resolve: (query, change, _args, context) => (change.groupId ? context.prisma.group.findUnique({ ...query, where: { id: change.groupId } }) : null),
    }),
    membershipCreated: t.exposeBoolean("membershipCreated", {
      description: "The grant made an account of the enterprise a direct member of the organization.",
    }),
    administrators: t.exposeInt("administrators", { description: "Accounts holding ADMIN on the organization now, directly or through a group." }),
    warnings: t.exposeStringList("warnings"),
  }),
});

builder.mutationField("grantOrganizationPermission", (t) =>
  t.withAuth({ account: true }).field({
    type: OrganizationAccessChangeRef,
    errors: payloadErrors("grantOrganizationPermission"),
    description:
      "Grants a permission on an organization to an account of its enterprise (made a member if it is not one) or to " +
      "one of its groups. Organization admins and enterprise admins.",
    args: { input: t.arg({ type: OrganizationPermissionInput, required: true }) },
    resolve: (_root, { input }, context) =>
      grantOrganizationPermission(context.prisma, context.viewer, { ...input, accountId: input.accountId?.id ?? null }),
  }),
);

builder.mutationField("revokeOrganizationPermission", (t) =>
  t.withAuth({ account: true }).field({
    type: OrganizationAccessChangeRef,
    errors: payloadErrors("revokeOrganizationPermission"),
    description:
      "Revokes a permission on an organization from an account or a group. R9 (b)/(c): refused (RULE_VIOLATION) when the " +
      "organization would keep no admin, or a Bitbucket Cloud organization no DOP admin.",
    args: { input: t.arg({ type: OrganizationPermissionInput, required: true }) },
    resolve: (_root, { input }, context) =>
      revokeOrganizationPermission(context.prisma, context.viewer, { ...input, accountId: input.accountId?.id ?? null }),
  }),
);

builder.mutationField("addOrganizationGroupMember", (t) =>
  t.withAuth({ account: true }).field({
    type: OrganizationAccessChangeRef,
    errors: payloadErrors("addOrganizationGroupMember"),
    description: "Adds an account of the organization's enterprise to one of its groups. Organization admins and enterprise admins.",
    args: { input: t.arg({ type: OrganizationGroupMemberInput, required: true }) },
    resolve: (_root, { input }, context) =>
      addOrganizationGroupMember(context.prisma, context.viewer, { ...input, accountId: input.accountId.id }),
  }),
);

builder.mutationField("removeOrganizationGroupMember", (t) =>
  t.withAuth({ account: true }).field({
    type: OrganizationAccessChangeRef,
    errors: payloadErrors("removeOrganizationGroupMember"),
    description: "Removes an account from one of the organization's groups; R9 (b)/(c) as for revokeOrganizationPermission.",
    args: { input: t.arg({ type: OrganizationGroupMemberInput, required: true }) },
    resolve: (_root, { input }, context) =>
      removeOrganizationGroupMember(context.prisma, context.viewer, { ...input, accountId: input.accountId.id }),
  }),
);
