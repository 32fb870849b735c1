import type { Organization } from "@sso-cutover/db";
import { canAnalyze, tokenInfo, type AnalysisOrganization, type TokenInfo } from "@sso-cutover/tokens";
import { builder } from "../builder";
import { AccountRef } from "./account";
import { OrgPermissionKind, Plan } from "./enums";
import { TokenKind, TokenPermission, TokenStatus } from "./token";

// The types reachable from `tokenInfo` hold plain values, not links to Organization or Enterprise: a scoped
// organization token may call this field and nothing else, so nothing here may lead further into the graph.

const TokenInfoOrganization = builder.objectRef<Organization>("TokenInfoOrganization").implement({
  fields: (t) => ({
    key: t.exposeString("key"),
    name: t.exposeString("name"),
    plan: t.field({ type: Plan, resolve: (organization) => organization.plan }),
  }),
});

const AnalysisOrganizationRef = builder.objectRef<AnalysisOrganization>("AnalysisOrganization").implement({
  description: "An organization where a PAT's owner may run analysis.",
  fields: (t) => ({
    key: t.string({ resolve: (row) => row.organization.key }),
    name: t.string({ resolve: (row) => row.organization.name }),
    plan: t.field({ type: Plan, resolve: (row) => row.organization.plan }),
    permissions: t.field({
      type: [OrgPermissionKind],
      description: "The analysis permissions held there (SCAN, ADMIN), directly or through a group.",
      resolve: (row) => row.permissions,
    }),
  }),
});

const TokenInfoRef = builder.objectRef<TokenInfo>("TokenInfo").implement({
  description: "What the presenting token may do: the check an analysis scanner makes before it runs.",
  fields: (t) => ({
    kind: t.field({ type: TokenKind, resolve: (info) => info.kind }),
    name: t.exposeString("name"),
    display: t.exposeString("display", { description: "`prefix…last4`; never the secret." }),
    status: t.field({ type: TokenStatus, resolve: (info) => info.status }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true }),
    permissions: t.field({
      type: [TokenPermission],
      description: "SOT: EXECUTE_ANALYSIS only (R6). PAT: EXECUTE_ANALYSIS when its owner may analyze somewhere.",
      resolve: (info) => info.permissions,
    }),
    organization: t.field({
      type: TokenInfoOrganization,
      nullable: true,
      description: "SOT: the organization it belongs to.",
      resolve: (info) => info.organization,
    }),
    allProjects: t.exposeBoolean("allProjects", { description: "SOT: may analyze every project of its organization." }),
    projectKeys: t.exposeStringList("projectKeys", { description: "SOT: the projects it may analyze, when not all." }),
    owner: t.field({ type: AccountRef, nullable: true, description: "PAT: the account it acts for.", resolve: (info) => info.owner }),
    analysisOrganizations: t.field({
      type: [AnalysisOrganizationRef],
      description: "PAT: organizations where the owner holds SCAN or ADMIN.",
      resolve: (info) => info.analysisOrganizations,
    }),
    canAnalyze: t.boolean({
      description:
        "Whether this token may run analysis on the project with this key (project keys are unique per " +
        "organization: name the organization to be precise).",
      args: {
        projectKey: t.arg.string({ required: true }),
        organizationKey: t.arg.string({ required: false }),
      },
      resolve: (_info, args, context) =>
        context.principal ? canAnalyze(context.prisma, context.principal, args.projectKey, args.organizationKey) : false,
    }),
  }),
});

builder.queryField("tokenInfo", (t) =>
  t.field({
    type: TokenInfoRef,
    nullable: true,
    // The one field a scoped organization token may call (R6): it opts out of the Query type's account scope.
    skipTypeScopes: true,
    authScopes: { anyPrincipal: true },
    description:
      "What the token in `Authorization: Bearer` may do. Callable with a scoped organization token or a personal " +
      "access token; null for an SSO session, which presents no token.",
    resolve: (_root, _args, context) => (context.principal ? tokenInfo(context.prisma, context.principal, null, context.now) : null),
  }),
);
