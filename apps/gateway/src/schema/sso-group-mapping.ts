import { carriesAdmin, MAX_SSO_GROUP_MAPPINGS, setSsoGroupMappings } from "@sso-cutover/sso";
import { builder } from "../builder";
import { listLimit } from "../input-limits";
import { OrgPermissionKind } from "./enums";
import { payloadErrors } from "./error";
import { OrganizationRef } from "./organization";
import { SsoConnectionRef } from "./sso-connection";

export const OrganizationGroupRef = builder.prismaObject("Group", {
  name: "OrganizationGroup",
  description: "A group of an organization (built-in Members and Owners, or custom).",
  fields: (t) => ({
    name: t.exposeString("name"),
    builtIn: t.exposeBoolean("builtIn"),
    permissions: t.field({
      type: [OrgPermissionKind],
      select: { permissions: { select: { permission: true } } },
      resolve: (group) => group.permissions.map((row) => row.permission),
    }),
    grantsAdmin: t.boolean({
      description: "R14: members are admins of the organization (Owners, or a group holding ADMIN); joined from the IdP only through a mapping.",
      select: { builtIn: true, name: true, permissions: { select: { permission: true } } },
      resolve: (group) => carriesAdmin(group),
    }),
    organization: t.relation("organization"),
  }),
});

const SsoGroupMappingRef = builder.prismaObject("SsoGroupMapping", {
  description: "R14: an IdP group that joins an organization group at each sign-in (the only way into a group carrying ADMIN).",
  fields: (t) => ({
    idpGroup: t.exposeString("idpGroup", { description: "The group name as the IdP sends it (case-sensitive)." }),
    organization: t.field({
      type: OrganizationRef,
      select: { group: { select: { organization: true } } },
      resolve: (mapping) => mapping.group.organization,
    }),
    group: t.relation("group"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.prismaObjectField(SsoConnectionRef, "groupMappings", (t) =>
  t.relation("groupMappings", {
    type: SsoGroupMappingRef,
    description: "R14: IdP group → organization group mappings, set by setSsoGroupMappings.",
    query: { orderBy: [{ idpGroup: "asc" }, { createdAt: "asc" }] },
  }),
);

const SsoGroupMappingInput = builder.inputType("SsoGroupMappingInput", {
  fields: (t) => ({
    idpGroup: t.string({ required: true, description: "The group name as the IdP sends it (case-sensitive)." }),
    organizationKey: t.string({ required: true, description: "An organization of the enterprise." }),
    group: t.string({ required: true, description: "The name of one of its groups (not Members)." }),
  }),
});

const SetSsoGroupMappingsInput = builder.inputType("SetSsoGroupMappingsInput", {
  fields: (t) => ({
    enterpriseKey: t.string({ required: true }),
    mappings: t.field({
      type: [SsoGroupMappingInput],
      required: true,
      ...listLimit(MAX_SSO_GROUP_MAPPINGS, "The complete set: replaces the current mappings; an empty list removes them."),
    }),
  }),
});

const SetSsoGroupMappingsSuccess = builder.objectRef<{ ssoConnectionId: string }>("SetSsoGroupMappingsSuccess").implement({
  fields: (t) => ({
    ssoConnection: t.prismaField({
      type: SsoConnectionRef,
      resolve: (query, result, _args, context) =>
        context.prisma.ssoConnection.findUniqueOrThrow({ ...query, where: { id: result.ssoConnectionId } }),
    }),
  }),
});

builder.mutationField("setSsoGroupMappings", (t) =>
  t.withAuth({ account: true }).field({
    type: SetSsoGroupMappingsSuccess,
    errors: payloadErrors("setSsoGroupMappings"),
    description: "R14: sets which IdP groups join which organization groups (enterprise admins only); applied at each sign-in.",
    args: { input: t.arg({ type: SetSsoGroupMappingsInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const connection = await setSsoGroupMappings(context.prisma, context.viewer, input, context.now);
      return { ssoConnectionId: connection.id };
    },
  }),
);
