import { tokenDisplay, tokenStatus, type BreakingToken, type TokenReplacement } from "@sso-cutover/tokens";
import { builder } from "../builder";
import { AccountRef } from "./account";
import { OrganizationRef } from "./organization";

export const TokenKind = builder.enumType("TokenKind", {
  description: "PAT: personal access token (`sqp_`). SOT: scoped organization token (`sqco_`), analysis only.",
  values: ["PAT", "SOT"] as const,
});

export const TokenStatus = builder.enumType("TokenStatus", {
  description: "ABOUT_TO_EXPIRE: less than 7 days left (R5).",
  values: ["ACTIVE", "ABOUT_TO_EXPIRE", "EXPIRED", "REVOKED"] as const,
});

export const TokenRef = builder.prismaNode("Token", {
  id: { field: "id" },
  nullable: true,
  description: "A token as it may be shown after creation: never the secret, only its prefix and last four characters.",
  findUnique: (id, context) => ({
    id,
    OR: [
      { ownerAccountId: context.viewer?.accountId ?? "" },
      { organization: { permissions: { some: { accountId: context.viewer?.accountId ?? "", permission: "ADMIN" } } } },
    ],
  }),
  fields: (t) => ({
    kind: t.expose("kind", { type: TokenKind }),
    name: t.exposeString("name"),
    prefix: t.exposeString("prefix"),
    lastFour: t.exposeString("lastFour"),
    display: t.string({ description: "`sqp_…a1b2`", resolve: (token) => tokenDisplay(token) }),
    status: t.field({ type: TokenStatus, resolve: (token, _args, context) => tokenStatus(token, context.now) }),
    owner: t.relation("ownerAccount", { nullable: true, description: "The owning account (PATs)." }),
    organization: t.relation("organization", { nullable: true, description: "The owning organization (SOTs)." }),
    allProjects: t.exposeBoolean("allProjects"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true }),
    lastUsedAt: t.expose("lastUsedAt", { type: "DateTime", nullable: true }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true }),
  }),
});

export const TokenReplacementRef = builder.objectRef<TokenReplacement>("TokenReplacement").implement({
  description: "R7: what to create instead of a token that breaks, in one organization.",
  fields: (t) => ({
    kind: t.expose("kind", { type: TokenKind }),
    organization: t.field({ type: OrganizationRef, resolve: (replacement) => replacement.organization }),
    allProjects: t.exposeBoolean("allProjects"),
    projectKeys: t.exposeStringList("projectKeys"),
    reason: t.exposeString("reason"),
  }),
});

export const BreakingTokenRef = builder.objectRef<BreakingToken>("BreakingToken").implement({
  description: "R7: a token owned by a DOP account; it stops working when that account is removed or deleted.",
  fields: (t) => ({
    token: t.field({ type: TokenRef, resolve: (breaking) => breaking.token }),
    status: t.expose("status", { type: TokenStatus }),
    display: t.exposeString("display"),
    owner: t.field({ type: AccountRef, resolve: (breaking) => breaking.owner }),
    lastUsedAt: t.field({ type: "DateTime", nullable: true, resolve: (breaking) => breaking.token.lastUsedAt }),
    affectedOrganizations: t.field({ type: [OrganizationRef], resolve: (breaking) => breaking.affectedOrganizations }),
    replacements: t.field({ type: [TokenReplacementRef], resolve: (breaking) => breaking.replacements }),
  }),
});
