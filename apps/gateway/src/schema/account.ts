import { visibleAccountWhere } from "@sso-cutover/membership";
import { builder } from "../builder";
import { readThroughVisibility, visibilityWhere } from "../visibility";
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
      // Read with the account, in its statement, and filtered there (R15).
      select: (_args, context) => ({
        memberships: {
          where: { organization: visibilityWhere(context, "Organization") },
          select: { organization: true },
          orderBy: { organization: { key: "asc" } },
        },
      }),
      resolve: (account, _args, context) =>
        readThroughVisibility(context, "Organization", account.memberships.map((membership) => membership.organization)),
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
