import { computeSetupProgress } from "@sso-cutover/sso";
import { oneClickAccessLink, visibleEnterpriseWhere } from "@sso-cutover/enterprise";
import { enterpriseMembersWhere } from "@sso-cutover/membership";
import { builder } from "../builder";
import { CutoverStatus } from "./cutover-status";
import { AccountKind } from "./enums";
import { SetupProgressRef } from "./setup-progress";

export const EnterpriseRef = builder.prismaNode("Enterprise", {
  id: { field: "id" },
  // node(id) answers null, not an error, for an id the viewer may not see.
  nullable: true,
  findUnique: (id, context) => ({ id, AND: [visibleEnterpriseWhere(context.viewer?.accountId ?? "")] }),
  fields: (t) => ({
    key: t.exposeString("key"),
    name: t.exposeString("name"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    organizations: t.relation("organizations", { query: { orderBy: { key: "asc" } } }),
    members: t.prismaConnection({
      type: "Account",
      cursor: "login",
      defaultSize: 20,
      maxSize: 100,
      description:
        "Accounts of the enterprise, by login: DOP accounts in its organizations (directly or through a group), its " +
        "SSO accounts, and DOP accounts linked to them (kept as DOP_REMOVED once they leave).",
      args: {
        kind: t.arg({ type: AccountKind, required: false }),
        cutoverStatus: t.arg({ type: CutoverStatus, required: false }),
      },
      resolve: async (query, enterprise, args, context) =>
        context.prisma.account.findMany({
          ...query,
          where: await enterpriseMembersWhere(
            context.prisma,
            enterprise.id,
            { kind: args.kind, cutoverStatus: args.cutoverStatus },
            context.now,
          ),
          orderBy: { login: "asc" },
        }),
    }),
    ssoConnection: t.relation("ssoConnection", { nullable: true }),
    oneClickAccessLink: t.string({
      nullable: true,
      description: "R1: `<PUBLIC_URL>/login/sso?enterprise_key=<key>`; null while the SSO connection is not ACTIVE.",
      select: { ssoConnection: { select: { status: true } } },
      resolve: (enterprise, _args, context) =>
        oneClickAccessLink(context.config.PUBLIC_URL, enterprise.key, enterprise.ssoConnection),
    }),
    inviteLink: t.string({
      nullable: true,
      description: "The link to hand to invited users (\"Invite users to sign in\"): the enterprise login URL.",
      select: { ssoConnection: { select: { status: true } } },
      resolve: (enterprise, _args, context) =>
        oneClickAccessLink(context.config.PUBLIC_URL, enterprise.key, enterprise.ssoConnection),
    }),
    setupProgress: t.field({
      type: SetupProgressRef,
      description: "Where the enterprise stands in completing its SSO setup, computed from live data.",
      resolve: (enterprise, _args, context) => computeSetupProgress(context.prisma, enterprise.id, context.now),
    }),
  }),
});

builder.queryField("enterprise", (t) =>
  t.withAuth({ account: true }).prismaField({
    type: EnterpriseRef,
    nullable: true,
    description: "The enterprise with this key, or null when it does not exist or is not visible to you.",
    args: { key: t.arg.string({ required: true }) },
    resolve: (query, _root, args, context) =>
      context.prisma.enterprise.findFirst({
        ...query,
        where: { key: args.key, ...visibleEnterpriseWhere(context.viewer.accountId) },
      }),
  }),
);
