import { grantEnterprisePermission, revokeEnterprisePermission, type EnterprisePermissionChange } from "@sso-cutover/enterprise";
import { builder } from "../builder";
import { AccountRef } from "./account";
import { EnterprisePermissionKind } from "./enums";
import { payloadErrors } from "./error";

const EnterprisePermissionInput = builder.inputType("EnterprisePermissionInput", {
  fields: (t) => ({
    enterpriseKey: t.string({ required: true }),
    accountId: t.globalID({ required: true, for: AccountRef, description: "The account's global id." }),
    permission: t.field({ type: EnterprisePermissionKind, required: true }),
  }),
});

const EnterprisePermissionChangeRef = builder.objectRef<EnterprisePermissionChange>("EnterprisePermissionChange").implement({
  description: "The result of a grant or revocation: who holds Administer Enterprise now, and R8 warnings.",
  fields: (t) => ({
    account: t.prismaField({
      type: "Account",
      resolve: (query, change, _args, context) =>
        context.prisma.account.findUniqueOrThrow({ ...query, where: { id: change.accountId } }),
    }),
    enterprise: t.prismaField({
      type: "Enterprise",
      resolve: (query, change, _args, context) =>
        context.prisma.enterprise.findUniqueOrThrow({ ...query, where: { id: change.enterpriseId } }),
    }),
    permission: t.expose("permission", { type: EnterprisePermissionKind }),
    administrators: t.exposeInt("administrators", { description: "Accounts holding Administer Enterprise now." }),
    dopAdministrators: t.exposeInt("dopAdministrators", { description: "Of those, DOP accounts (break-glass)." }),
    warnings: t.exposeStringList("warnings"),
  }),
});

builder.mutationField("grantEnterprisePermission", (t) =>
  t.withAuth({ account: true }).field({
    type: EnterprisePermissionChangeRef,
    errors: payloadErrors("grantEnterprisePermission"),
    description: "R8: holders of Administer Enterprise grant an enterprise permission to an account of the enterprise.",
    args: { input: t.arg({ type: EnterprisePermissionInput, required: true }) },
    resolve: (_root, { input }, context) =>
      grantEnterprisePermission(context.prisma, context.viewer, { ...input, accountId: input.accountId.id }),
  }),
);

builder.mutationField("revokeEnterprisePermission", (t) =>
  t.withAuth({ account: true }).field({
    type: EnterprisePermissionChangeRef,
    errors: payloadErrors("revokeEnterprisePermission"),
    description: "R8: refused for the last holder of Administer Enterprise; warns when fewer than 2 remain.",
    args: { input: t.arg({ type: EnterprisePermissionInput, required: true }) },
    resolve: (_root, { input }, context) =>
      revokeEnterprisePermission(context.prisma, context.viewer, { ...input, accountId: input.accountId.id }),
  }),
);
