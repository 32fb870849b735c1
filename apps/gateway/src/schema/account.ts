import { visibleAccountWhere } from "@sso-cutover/membership";
import { builder } from "../builder";
import { AccountKind, DevopsPlatform } from "./enums";
import { OrganizationRef } from "./organization";

export const AccountRef = builder.prismaNode("Account", {
  id: { field: "id" },
  // node(id) answers null, not an error, for an id the viewer may not see.
  nullable: true,
  description: "A DOP account (signs in through a DevOps platform) or an SSO account (created by the enterprise's IdP).",
  findUnique: (id, context) => ({ id, AND: [visibleAccountWhere(context.viewer?.accountId ?? "")] }),
  fields: (t) => ({
    login: t.exposeString("login"),
    name: t.exposeString("name"),
    email: t.exposeString("email", { nullable: true }),
    kind: t.expose("kind", { type: AccountKind }),
    devopsPlatform: t.expose("devopsPlatform", { type: DevopsPlatform, nullable: true }),
    lastLoginAt: t.expose("lastLoginAt", { type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    deletedAt: t.expose("deletedAt", { type: "DateTime", nullable: true }),
    organizations: t.field({
      type: [OrganizationRef],
      description: "Organizations the account is a member of, directly.",
      select: { memberships: { select: { organization: true }, orderBy: { organization: { key: "asc" } } } },
      resolve: (account) => account.memberships.map((membership) => membership.organization),
    }),
  }),
});

builder.queryField("viewer", (t) =>
  t.withAuth({ account: true }).prismaField({
    type: AccountRef,
    nullable: true,
    description: "The account making the request.",
    resolve: (query, _root, _args, context) =>
      context.prisma.account.findUnique({ ...query, where: { id: context.viewer.accountId } }),
  }),
);
