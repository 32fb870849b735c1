import { requireEnterpriseAdmin } from "@sso-cutover/enterprise";
import { builder } from "../builder";
import { EnterpriseRef } from "./enterprise";

export const AuditEventRef = builder.prismaNode("AuditEvent", {
  id: { field: "id" },
  nullable: true,
  description: "An append-only record of a change (R13), readable by the enterprise's admins.",
  findUnique: (id, context) => ({
    id,
    enterprise: { permissions: { some: { accountId: context.viewer?.accountId ?? "", permission: "ADMINISTER_ENTERPRISE" } } },
  }),
  fields: (t) => ({
    action: t.exposeString("action", { description: "`<domain>.<verb>`, e.g. `enterprise_permission.granted`." }),
    actor: t.relation("actor", { nullable: true, description: "Null for system actions (e.g. the token cleanup)." }),
    actorLogin: t.exposeString("actorLogin", { nullable: true, description: "Kept when the actor is later deleted." }),
    targetType: t.exposeString("targetType", { nullable: true }),
    targetId: t.exposeString("targetId", { nullable: true }),
    payload: t.expose("payload", { type: "JSON" }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.prismaObjectField(EnterpriseRef, "auditEvents", (t) =>
  t.prismaConnection({
    type: AuditEventRef,
    cursor: "id",
    defaultSize: 20,
    maxSize: 100,
    description: "Newest first. Enterprise admins only.",
    args: { action: t.arg.string({ required: false, description: "Only events with this action." }) },
    resolve: async (query, enterprise, args, context) => {
      await requireEnterpriseAdmin(context.prisma, context.viewer?.accountId ?? "", enterprise.id);
      return context.prisma.auditEvent.findMany({
        ...query,
        where: { enterpriseId: enterprise.id, ...(args.action ? { action: args.action } : {}) },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      });
    },
  }),
);
