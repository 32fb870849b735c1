import { visibleOrganizationWhere } from "@sso-cutover/enterprise";
import type { OrganizationWithEnterprise } from "@sso-cutover/membership";
import { builder } from "../builder";
import { selectsOnlyColumns } from "../prisma-selection";
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
    enterprise: t.relation("enterprise", {
      nullable: true,
      // Asked only when the organization was not read with it by the query that planned this field: an organization
      // a domain statement read with its enterprise (an account's organizations) answers as it is.
      resolve: (query, organization, _args, context) => {
        const read = (organization as OrganizationWithEnterprise).enterprise;
        if (read !== undefined && selectsOnlyColumns(query)) return read;
        if (organization.enterpriseId === null) return null;
        return context.prisma.enterprise.findUnique({ ...query, where: { id: organization.enterpriseId } });
      },
    }),
  }),
});
