import { createContextCache } from "@pothos/core";
import { queryFromInfo } from "@pothos/plugin-prisma";
import { invalidInput, type Account } from "@sso-cutover/db";
import {
  checkOrganizationMembersPage,
  DEFAULT_ORGANIZATION_MEMBERS_PAGE,
  MAX_ORGANIZATION_MEMBERS_PAGE,
  organizationMemberPages,
  visibleAccountWhere,
  visibleOrganizationsOfAccounts,
  type OrganizationMembersPage,
  type OrganizationWithEnterprise,
} from "@sso-cutover/membership";
import DataLoader from "dataloader";
import type { GraphQLResolveInfo } from "graphql";
import type { GatewayContext } from "../context";
import { builder } from "../builder";
import { organizationsReadWithPage } from "../member-page-companions";
import { selectsOnlyColumns } from "../prisma-selection";
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
      // What a member list's page statement read already (member-page-companions.ts, recorded as visible there) is
      // answered as it is, without a promise per row; the rest through the loader: a whole page in one statement,
      // filtered there (R15).
      resolve: (account, _args, context, info) => organizationsReadWithPage(context, account.id, info) ?? organizationsLoader(context).load(account.id),
    }),
  }),
});

builder.queryField("viewer", (t) =>
  t.withAuth({ account: true }).prismaField({
    type: AccountRef,
    nullable: true,
    description: "The account making the request.",
    resolve: async (query, _root, _args, context) => {
      // The account's row was read with the credential, this request; R15 shows every account to itself.
      const principal = context.principal;
      if (principal?.kind === "ACCOUNT" && selectsOnlyColumns(query)) return readThroughVisibility(context, "Account", [principal.account])[0]!;
      const viewer = await context.prisma.account.findFirst({
        ...query,
        where: { AND: [{ id: context.viewer.accountId }, visibilityWhere(context, "Account")] },
      });
      return viewer && readThroughVisibility(context, "Account", [viewer])[0]!;
    },
  }),
);

/**
 * Per request, per `members` selection and page: one loader, so that the pages of every organization of a list are
 * read together — the pages, with their accounts' rows, in one statement; the accounts again (with what the selection
 * needs of them, or through their filter) in another only when the rows do not answer the selection or the page
 * could not tell that the viewer sees them all.
 */
/** The request's loader of accounts' organizations as the viewer may see them, each with its enterprise. */
const organizationsLoader = createContextCache(
  (context: GatewayContext) =>
    new DataLoader<string, OrganizationWithEnterprise[]>(async (accountIds) => {
      const organizations = await visibleOrganizationsOfAccounts(context.prisma, context.viewer?.accountId ?? "", accountIds);
      return accountIds.map((id) => {
        const list = organizations.get(id) ?? [];
        // Each organization's enterprise was read with it, and shown visible there (R15).
        readThroughVisibility(context, "Enterprise", list.flatMap((organization) => (organization.enterprise ? [organization.enterprise] : [])));
        return readThroughVisibility(context, "Organization", list);
      });
    }),
);

const organizationMembersLoaders = createContextCache(() => new Map<string, DataLoader<string, OrganizationMembers | null>>());

interface OrganizationMembers {
  accounts: Account[];
  hasNextPage: boolean;
}

function responsePlace(path: GraphQLResolveInfo["path"] | undefined): string {
  if (!path) return "";
  const parent = responsePlace(path.prev);
  return typeof path.key === "number" ? parent : `${parent}.${path.key}`;
}

function organizationMembersLoader(
  context: GatewayContext,
  info: GraphQLResolveInfo,
  page: OrganizationMembersPage,
  query: object,
): DataLoader<string, OrganizationMembers | null> {
  const loaders = organizationMembersLoaders(context);
  // The field at one place of the response (list indices aside) has one selection: one loader per place and page.
  const key = JSON.stringify([responsePlace(info.path), page.first, page.after ?? null, page.kind ?? null]);
  let loader = loaders.get(key);
  if (!loader) {
    loader = new DataLoader(async (organizationIds: readonly string[]) => {
      const pages = await organizationMemberPages(context.prisma, context.viewer?.accountId ?? "", organizationIds, page);
      const rows = new Map([...pages.values()].flatMap((members) => members?.accounts ?? []).map((account) => [account.id, account]));
      const ids = [...rows.keys()];
      // R15: accounts the page showed visible need no filter; the others are read through theirs, in one statement.
      const visible = new Set([...pages.values()].flatMap((members) => members?.visibleAccountIds ?? []));
      const unsure = ids.filter((id) => !visible.has(id));
      const accounts =
        unsure.length === 0 && selectsOnlyColumns(query)
          ? [...rows.values()]
          : ids.length === 0
            ? []
            : await context.prisma.account.findMany({
                ...query,
                where:
                  unsure.length === 0
                    ? { id: { in: ids } }
                    : { OR: [{ id: { in: [...visible] } }, { AND: [{ id: { in: unsure } }, visibilityWhere(context, "Account")] }] },
              });
      const byId = new Map(readThroughVisibility(context, "Account", accounts).map((account) => [account.id, account]));
      return organizationIds.map((id) => {
        const members = pages.get(id);
        if (!members) return null;
        return { accounts: members.accounts.flatMap((account) => byId.get(account.id) ?? []), hasNextPage: members.hasNextPage };
      });
    });
    loaders.set(key, loader);
  }
  return loader;
}

builder.objectField(OrganizationRef, "members", (t) =>
  t.connection({
    type: AccountRef,
    nullable: true,
    description:
      "Accounts in the organization, directly or through a group, not deleted, by login; forward pages only (`first` at " +
      `most ${MAX_ORGANIZATION_MEMBERS_PAGE}, default ${DEFAULT_ORGANIZATION_MEMBERS_PAGE}, and \`after\`). For the ` +
      "organization's admins and the admins of its enterprise; null for anyone else.",
    args: { kind: t.arg({ type: AccountKind, required: false }) },
    resolve: async (organization, args, context, info) => {
      if (args.last != null || args.before != null) {
        throw invalidInput(args.last != null ? "last" : "before", "Organization members are paged forward: use first and after.");
      }
      const page: OrganizationMembersPage = { first: args.first ?? DEFAULT_ORGANIZATION_MEMBERS_PAGE, after: args.after, kind: args.kind };
      checkOrganizationMembersPage(page);
      // Planned for each organization, so that the plugin knows every page's accounts were read with this selection.
      const query = queryFromInfo({ context, info, typeName: "Account", path: ["edges", "node"] });
      const members = await organizationMembersLoader(context, info, page, query).load(organization.id);
      if (!members) return null;
      const edges = members.accounts.map((account) => ({ cursor: account.login, node: account }));
      return {
        edges,
        pageInfo: {
          hasNextPage: members.hasNextPage,
          hasPreviousPage: Boolean(args.after),
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
  }),
);
