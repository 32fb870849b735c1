import { computeSetupProgress } from "@sso-cutover/sso";
import { heldEnterprisePermissionsOn, oneClickAccessLink, visibleEnterpriseByKey, visibleEnterpriseWhere } from "@sso-cutover/enterprise";
import { enterpriseMembers } from "@sso-cutover/membership";
import { enterpriseMemberPageWith } from "@sso-cutover/tokens";
import { createContextCache } from "@pothos/core";
import { invalidInput, type EnterprisePermissionKind as EnterprisePermission } from "@sso-cutover/db";
import type { GatewayContext } from "../context";
import { builder } from "../builder";
import {
  enterpriseWithFirstMemberPage,
  firstMemberPageRead,
  MEMBERS_PAGE,
  memberPageCompanions,
  recordMemberPageCompanions,
} from "../member-page-companions";
import { selectsOnlyColumns } from "../prisma-selection";
import { readThroughVisibility, visibilityWhere } from "../visibility";
import { OrganizationRef } from "./organization";
import { CutoverStatus } from "./cutover-status";
import { AccountKind, EnterprisePermissionKind } from "./enums";
import { SetupProgressRef } from "./setup-progress";

/**
 * Per request: the viewer's permissions on enterprises, when a domain read already answered them with what it read
 * (an access review reads them with its enterprise), so that `viewerPermissions` asks only about the others.
 */
const viewerPermissionsKnown = createContextCache(() => new Map<string, EnterprisePermission[]>());

/** Records the viewer's permissions on an enterprise, read this request by the statement that read the enterprise. */
export function viewerPermissionsReadWith(context: GatewayContext, enterpriseId: string, permissions: EnterprisePermission[]): void {
  viewerPermissionsKnown(context).set(enterpriseId, permissions);
}

/** Organizations one `Enterprise.organizations(first:)` page may hold. */
const MAX_ORGANIZATIONS_PAGE = 100;

export const EnterpriseRef = builder.prismaNode("Enterprise", {
  id: { field: "id" },
  // node(id) answers null, not an error, for an id the viewer may not see.
  nullable: true,
  findUnique: (id, context) => ({ id, AND: [visibleEnterpriseWhere(context.viewer?.accountId ?? "")] }),
  fields: (t) => ({
    key: t.exposeString("key"),
    name: t.exposeString("name"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    organizations: t.field({
      type: [OrganizationRef],
      description: "The enterprise's organizations, by key.",
      args: { first: t.arg.int({ required: false, description: "At most 100; every organization when omitted." }) },
      // Read with the parent enterprise, in its statement, and filtered there (R15).
      select: (args, context, nestedSelection) => ({
        organizations: nestedSelection({
          where: visibilityWhere(context, "Organization"),
          orderBy: { key: "asc" },
          ...(typeof args.first === "number" ? { take: Math.min(Math.max(args.first, 0), MAX_ORGANIZATIONS_PAGE) } : {}),
        }),
      }),
      resolve: (enterprise, args, context) => {
        if (typeof args.first === "number" && (args.first < 0 || args.first > MAX_ORGANIZATIONS_PAGE)) {
          throw invalidInput("first", `first must be between 0 and ${MAX_ORGANIZATIONS_PAGE}.`);
        }
        return readThroughVisibility(context, "Organization", enterprise.organizations);
      },
    }),
    members: t.prismaConnection({
      type: "Account",
      cursor: "login",
      ...MEMBERS_PAGE,
      description:
        "Accounts of the enterprise, by login: DOP accounts in its organizations (directly or through a group), its " +
        "SSO accounts, and DOP accounts linked to them (kept as DOP_REMOVED once they leave).",
      args: {
        kind: t.arg({ type: AccountKind, required: false }),
        cutoverStatus: t.arg({ type: CutoverStatus, required: false }),
      },
      // R15: every member of an enterprise the viewer sees is an account the viewer sees (`visibleAccountWhere`
      // includes the members of visible enterprises), and this enterprise was read through its filter: the page is
      // cut by its keyed statement, with the accounts' rows; only a selection needing more of them (a relation)
      // reads exactly those accounts again, with what it needs.
      // What the rows ask of their accounts that the page's statement can read (their organizations, their tokens that
      // break) is read in it, and the fields answer it from there (member-page-companions.ts).
      resolve: async (query, enterprise, args, context, info) => {
        const { cursor, take, skip: _skip, ...selection } = query as typeof query & { cursor?: { login: string }; take: number; skip?: number };
        const filter = { kind: args.kind, cutoverStatus: args.cutoverStatus };
        const page = { take, cursorLogin: cursor?.login };
        const companions = memberPageCompanions(info, context.viewer?.accountId ?? "");
        const read =
          firstMemberPageRead(context, enterprise.id, filter, page, companions) ??
          (companions ? await enterpriseMemberPageWith(context.prisma, enterprise.id, filter, page, companions, context.now) : null);
        if (read && companions) recordMemberPageCompanions(context, read, companions);
        const members = read?.accounts ?? (await enterpriseMembers(context.prisma, enterprise.id, filter, page, context.now));
        if (selectsOnlyColumns(selection)) return readThroughVisibility(context, "Account", members);
        const ids = members.map((account) => account.id);
        const accounts = ids.length === 0 ? [] : await context.prisma.account.findMany({ ...selection, where: { id: { in: ids } } });
        const byId = new Map(accounts.map((account) => [account.id, account]));
        return readThroughVisibility(context, "Account", ids.flatMap((id) => byId.get(id) ?? []));
      },
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
    viewerPermissions: t.withAuth({ account: true }).loadableList({
      type: EnterprisePermissionKind,
      description:
        "The enterprise permissions you hold on this enterprise; empty for anyone else. The dashboard shows its " +
        "enterprise screens to holders of ADMINISTER_ENTERPRISE.",
      // Every enterprise of the response in one statement.
      load: async (enterpriseIds: string[], context) => {
        const known = viewerPermissionsKnown(context);
        const unknown = enterpriseIds.filter((id) => !known.has(id));
        const held = unknown.length > 0 ? await heldEnterprisePermissionsOn(context.prisma, context.viewer?.accountId ?? "", unknown) : new Map();
        return enterpriseIds.map((id) => known.get(id) ?? held.get(id) ?? []);
      },
      resolve: (enterprise) => enterprise.id,
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
    resolve: async (query, _root, args, context, info) => {
      // A selection of the enterprise's own columns is one hand-written statement, which also reads the first page
      // of its members when the selection asks for it; relations read with it (e.g. `organizations`) need Prisma's query.
      const columnsOnly = selectsOnlyColumns(query);
      const withMembers = columnsOnly ? await enterpriseWithFirstMemberPage(context, info, args.key) : undefined;
      const enterprise =
        withMembers !== undefined
          ? withMembers
          : columnsOnly
            ? await visibleEnterpriseByKey(context.prisma, context.viewer.accountId, args.key)
            : await context.prisma.enterprise.findFirst({ ...query, where: { key: args.key, ...visibleEnterpriseWhere(context.viewer.accountId) } });
      return enterprise && readThroughVisibility(context, "Enterprise", [enterprise])[0]!;
    },
  }),
);
