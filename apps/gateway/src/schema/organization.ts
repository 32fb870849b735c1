import { visibleOrganizationWhere } from "@sso-cutover/enterprise";
import { builder } from "../builder";
import { DevopsPlatform, Plan } from "./enums";

export const OrganizationRef = builder.prismaNode("Organization", {
  id: { field: "id" },
  // node(id) answers null, not an error, for an id the viewer may not see.
  nullable: true,
  findUnique: (id, context) => ({ id, AND: [visibleOrganizationWhere(context.viewer?.accountId ?? "")] }),
  fields: (t) => ({
    key: t.exposeString("key"),
    name: t.exposeString("name"),
    plan: t.expose("plan", { type: Plan }),
    devopsPlatform: t.expose("devopsPlatform", {
      type: DevopsPlatform,
      nullable: true,
      description: "The DevOps platform the organization is bound to; null when unbound.",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    enterprise: t.relation("enterprise", { nullable: true }),
  }),
});
