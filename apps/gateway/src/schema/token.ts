import {
  createPersonalAccessToken,
  createScopedOrganizationToken,
  ownPersonalAccessTokensWhere,
  personalAccessTokensListedFor,
  PERSONAL_ACCESS_TOKEN_ORDER,
  projectKeysOf,
  revokeToken,
  scopedTokensVisibleTo,
  tokenDisplay,
  tokenStatus,
  visibleTokensByIds,
  type TokenRecord,
  MAX_PROJECT_KEYS,
} from "@sso-cutover/tokens";
import { builder } from "../builder";
import { readThroughVisibility, visibilityWhere } from "../visibility";
import { idOfType } from "../global-ids";
import { listLimit } from "../input-limits";
import { AccountRef } from "./account";
import { payloadErrors } from "./error";
import { OrganizationRef } from "./organization";

export const TokenKind = builder.enumType("TokenKind", {
  description: "PAT: personal access token (`sqp_`), acts as its owner. SOT: scoped organization token (`sqco_`), R6.",
  values: ["PAT", "SOT"] as const,
});

export const TokenStatus = builder.enumType("TokenStatus", {
  description: "R5, derived at the time of the request: ABOUT_TO_EXPIRE when less than 7 days are left.",
  values: ["ACTIVE", "ABOUT_TO_EXPIRE", "EXPIRED", "REVOKED"] as const,
});

export const TokenPermission = builder.enumType("TokenPermission", {
  description: "What a scoped organization token may do (R6): only execute analysis.",
  values: ["EXECUTE_ANALYSIS"] as const,
});

/**
 * A token as its owner (PAT) or its organization's admins (SOT) see it: never the secret nor its hash, only the
 * prefix and last four characters. `node(id)` answers null for anyone else.
 */
export const TokenRef = builder.loadableNodeRef("Token", {
  id: { resolve: (token: TokenRecord) => token.id },
  load: (ids: string[], context): Promise<TokenRecord[]> =>
    visibleTokensByIds(context.prisma, context.viewer?.accountId ?? "", ids),
  sort: (token) => token.id,
});

TokenRef.implement({
  description:
    "A personal access token (seen by its owner) or a scoped organization token (seen by its organization's admins). " +
    "Only the prefix and the last four characters of the secret are ever shown.",
  fields: (t) => ({
    kind: t.field({ type: TokenKind, resolve: (token) => token.kind }),
    name: t.exposeString("name"),
    prefix: t.exposeString("prefix"),
    lastFour: t.exposeString("lastFour"),
    display: t.string({ description: "`prefix…last4`, e.g. `sqco_…9f2a`.", resolve: (token) => tokenDisplay(token) }),
    status: t.field({ type: TokenStatus, resolve: (token, _args, context) => tokenStatus(token, context.now) }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true }),
    lastUsedAt: t.expose("lastUsedAt", {
      type: "DateTime",
      nullable: true,
      description: "Updated at most once a minute. A token unused for 60 days is removed (R5).",
    }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true }),
    allProjects: t.exposeBoolean("allProjects", { description: "SOT: may analyze every project of its organization." }),
    projectKeys: t.stringList({
      description: "SOT: the projects it may analyze, when not all projects; empty otherwise.",
      resolve: (token) => projectKeysOf(token),
    }),
    organization: t.loadable({
      type: OrganizationRef,
      nullable: true,
      description: "SOT: the organization it belongs to.",
      load: (ids: string[], context) => context.prisma.organization.findMany({ where: { id: { in: ids } } }),
      sort: (organization) => organization.id,
      resolve: (token) => token.organizationId,
    }),
    owner: t.loadable({
      type: AccountRef,
      nullable: true,
      description: "PAT: the account it acts for.",
      load: (ids: string[], context) => context.prisma.account.findMany({ where: { id: { in: ids } } }),
      sort: (account) => account.id,
      resolve: (token) => token.ownerAccountId,
    }),
  }),
});

builder.prismaObjectField(AccountRef, "tokens", (t) =>
  t.field({
    type: [TokenRef],
    nullable: true,
    description: "The account's personal access tokens that are not revoked, newest first; null for anyone but the account.",
    // Read with the account, in its statement, and filtered there (R15).
    select: (_args, context) => ({
      tokens: {
        where: { AND: [ownPersonalAccessTokensWhere(context.viewer?.accountId ?? ""), visibilityWhere(context, "Token")] },
        orderBy: PERSONAL_ACCESS_TOKEN_ORDER,
      },
    }),
    resolve: (account, _args, context) => {
      const tokens = personalAccessTokensListedFor(context.viewer?.accountId ?? "", account.id, account.tokens);
      return tokens && readThroughVisibility(context, "Token", tokens);
    },
  }),
);

builder.objectField(OrganizationRef, "scopedTokens", (t) =>
  t.loadableList({
    type: TokenRef,
    nullable: true,
    description:
      "R6: the organization's scoped organization tokens that are not revoked, newest first; null unless you " +
      "administer the organization.",
    load: async (organizationIds: string[], context) => {
      const tokens = await scopedTokensVisibleTo(context.prisma, context.viewer?.accountId ?? "", organizationIds);
      return organizationIds.map((id) => tokens.get(id) ?? null);
    },
    resolve: (organization) => organization.id,
  }),
);

// ------------------------------------------------------------------------------------------ mutations

function createdTokenType(name: string) {
  return builder.objectRef<{ token: TokenRecord; secret: string }>(name).implement({
    fields: (t) => ({
      token: t.field({ type: TokenRef, resolve: (created) => created.token }),
      secret: t.exposeString("secret", {
        description: "Shown this once: copy it now. Only its hash is stored; it cannot be shown again.",
      }),
    }),
  });
}

const CreatePersonalAccessTokenInput = builder.inputType("CreatePersonalAccessTokenInput", {
  fields: (t) => ({
    name: t.string({ required: true, description: "1 to 100 characters, unique among your tokens." }),
    expiresAt: t.field({ type: "DateTime", required: false, description: "In the future; none: no expiry." }),
  }),
});

builder.mutationField("createPersonalAccessToken", (t) =>
  t.withAuth({ account: true }).field({
    type: createdTokenType("CreatePersonalAccessTokenSuccess"),
    errors: payloadErrors("createPersonalAccessToken"),
    description: "R5: a personal access token (`sqp_…`) for your own account. The secret is returned once.",
    args: { input: t.arg({ type: CreatePersonalAccessTokenInput, required: true }) },
    resolve: (_root, { input }, context) => createPersonalAccessToken(context.prisma, context.viewer, input, context.now),
  }),
);

const CreateScopedOrganizationTokenInput = builder.inputType("CreateScopedOrganizationTokenInput", {
  fields: (t) => ({
    organizationKey: t.string({ required: true }),
    name: t.string({ required: true, description: "1 to 100 characters, unique among the organization's tokens." }),
    projectKeys: t.stringList({ required: false, ...listLimit(MAX_PROJECT_KEYS, "The projects it may analyze; or set allProjects.") }),
    allProjects: t.boolean({ required: false, description: "May analyze every project of the organization." }),
    expiresAt: t.field({ type: "DateTime", required: false, description: "In the future; none: no expiry." }),
  }),
});

builder.mutationField("createScopedOrganizationToken", (t) =>
  t.withAuth({ account: true }).field({
    type: createdTokenType("CreateScopedOrganizationTokenSuccess"),
    errors: payloadErrors("createScopedOrganizationToken"),
    description:
      "R6: a scoped organization token (`sqco_…`) allowed only to execute analysis, on the chosen projects or all " +
      "of them. Organization admins only, on the TEAM and ENTERPRISE plans. The secret is returned once.",
    args: { input: t.arg({ type: CreateScopedOrganizationTokenInput, required: true }) },
    resolve: (_root, { input }, context) =>
      createScopedOrganizationToken(context.prisma, context.viewer, input, context.now),
  }),
);

const RevokeTokenInput = builder.inputType("RevokeTokenInput", {
  fields: (t) => ({ tokenId: t.globalID({ required: true }) }),
});

const RevokeTokenSuccess = builder.objectRef<{ token: TokenRecord }>("RevokeTokenSuccess").implement({
  fields: (t) => ({ token: t.field({ type: TokenRef, resolve: (result) => result.token }) }),
});

builder.mutationField("revokeToken", (t) =>
  t.withAuth({ account: true }).field({
    type: RevokeTokenSuccess,
    errors: payloadErrors("revokeToken"),
    description:
      "R5/R6: revokes a token — your own personal access token, or a scoped organization token of an organization " +
      "you administer. It stops authenticating at once.",
    args: { input: t.arg({ type: RevokeTokenInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const tokenId = idOfType(input.tokenId, "Token", "input.tokenId");
      return { token: await revokeToken(context.prisma, context.viewer, { tokenId }, context.now) };
    },
  }),
);
