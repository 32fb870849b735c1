import {
  accountTokenGuidanceForViewer,
  breakingTokensForViewer,
  organizationTokenGuidanceForViewer,
  type BreakingToken,
  type BreakingTokensGuidance,
  type EnterpriseAccountTokenGuidance,
  type ListedBreakingToken,
  type OrganizationTokenGuidance,
  type SsoTokenAccess,
  type TokenRecommendation,
  type TokenReplacement,
} from "@sso-cutover/tokens";
import { createContextCache } from "@pothos/core";
import DataLoader from "dataloader";
import type { GatewayContext } from "../context";
import { builder } from "../builder";
import { AccountRef } from "./account";
import { EnterpriseRef } from "./enterprise";
import { guidanceKey, guidanceReadWithPage, leanGuidanceSelection, parseGuidanceKey } from "../member-page-companions";
import { OrganizationRef } from "./organization";
import { TokenKind, TokenRef, TokenStatus } from "./token";

const TokenRecommendationRef = builder.objectRef<TokenRecommendation>("TokenRecommendation").implement({
  description: "R7: the token kind to run analysis with on an organization's plan, and why.",
  fields: (t) => ({
    kind: t.field({ type: TokenKind, resolve: (recommendation) => recommendation.kind }),
    reason: t.exposeString("reason"),
  }),
});

const TokenReplacementRef = builder.objectRef<TokenReplacement>("TokenReplacement").implement({
  description: "R7: the token to create instead of one that breaks, in one organization.",
  fields: (t) => ({
    kind: t.field({
      type: TokenKind,
      description: "SOT where the plan allows it; otherwise a PAT created by the person's SSO account.",
      resolve: (replacement) => replacement.kind,
    }),
    organization: t.field({ type: OrganizationRef, resolve: (replacement) => replacement.organization }),
    allProjects: t.exposeBoolean("allProjects"),
    projectKeys: t.exposeStringList("projectKeys"),
    reason: t.exposeString("reason"),
  }),
});

/**
 * The parts of a breaking token only the full guidance reads (the lean read, `breakingTokensForViewer`, answers a
 * selection without them: see `leanGuidanceSelection`).
 */
function fullRow(row: BreakingToken | ListedBreakingToken): BreakingToken {
  if (!("owner" in row)) throw new Error("a breaking token read for a list (display, status, last use) was asked for more");
  return row;
}

/** R7: a DOP-owned token that stops working when its owner is removed; the cutover plan shows these too. */
export const BreakingTokenRef = builder.objectRef<BreakingToken | ListedBreakingToken>("BreakingToken").implement({
  fields: (t) => ({
    token: t.field({ type: TokenRef, resolve: (row) => fullRow(row).token }),
    display: t.exposeString("display"),
    status: t.field({ type: TokenStatus, resolve: (row) => row.status }),
    lastUsedAt: t.field({ type: "DateTime", nullable: true, resolve: (row) => row.token.lastUsedAt }),
    owner: t.field({ type: AccountRef, description: "The DOP account that owns it.", resolve: (row) => fullRow(row).owner }),
    affectedOrganizations: t.field({
      type: [OrganizationRef],
      description: "Organizations the owner belongs to, where the token loses its access.",
      resolve: (row) => fullRow(row).affectedOrganizations,
    }),
    replacements: t.field({
      type: [TokenReplacementRef],
      description: "One per affected organization where the owner may analyze; empty when it could analyze nowhere there.",
      resolve: (row) => fullRow(row).replacements,
    }),
  }),
});

const OrganizationTokenGuidanceRef = builder.objectRef<OrganizationTokenGuidance>("OrganizationTokenGuidance").implement({
  fields: (t) => ({
    organization: t.field({ type: OrganizationRef, resolve: (guidance) => guidance.organization }),
    recommendation: t.field({ type: TokenRecommendationRef, resolve: (guidance) => guidance.recommendation }),
    scopedTokensAvailable: t.exposeBoolean("scopedTokensAvailable"),
    willBreak: t.field({
      type: [BreakingTokenRef],
      description: "Every token (not revoked) of a DOP member of the organization: the cutover removes those accounts.",
      resolve: (guidance) => guidance.willBreak,
    }),
  }),
});

builder.objectField(EnterpriseRef, "tokenGuidance", (t) =>
  t.field({
    type: OrganizationTokenGuidanceRef,
    nullable: true,
    description:
      "R7 for one organization of the enterprise: the token kind to use, and which DOP-owned tokens will break with " +
      "the SOT that replaces each. For admins of the organization or of the enterprise.",
    args: { organizationKey: t.arg.string({ required: true }) },
    resolve: (enterprise, args, context) =>
      organizationTokenGuidanceForViewer(
        context.prisma,
        context.viewer?.accountId ?? "",
        enterprise.id,
        args.organizationKey,
        context.now,
      ),
  }),
);

const SsoTokenAccessRef = builder.objectRef<SsoTokenAccess>("SsoTokenAccess").implement({
  description: "What a person's SSO account can already do about analysis tokens in one organization.",
  fields: (t) => ({
    organization: t.field({ type: OrganizationRef, resolve: (row) => row.organization }),
    recommendation: t.field({ type: TokenRecommendationRef, resolve: (row) => row.recommendation }),
    canAnalyze: t.exposeBoolean("canAnalyze", { description: "Holds SCAN or ADMIN: its own PAT can run analysis." }),
    canCreateScopedTokens: t.exposeBoolean("canCreateScopedTokens", {
      description: "Holds ADMIN on a TEAM or ENTERPRISE plan organization.",
    }),
    canCreateAnalysisTokens: t.exposeBoolean("canCreateAnalysisTokens"),
  }),
});

/** The parts of a person's guidance only the full read answers (see `leanGuidanceSelection`). */
function fullGuidance(guidance: EnterpriseAccountTokenGuidance | BreakingTokensGuidance): EnterpriseAccountTokenGuidance {
  if (!("organizations" in guidance)) throw new Error("token guidance read for its breaking tokens only was asked for more");
  return guidance;
}

const AccountTokenGuidanceRef = builder.objectRef<EnterpriseAccountTokenGuidance | BreakingTokensGuidance>("AccountTokenGuidance").implement({
  fields: (t) => ({
    enterprise: t.field({ type: EnterpriseRef, resolve: (guidance) => guidance.enterprise }),
    devopsAccount: t.field({ type: AccountRef, nullable: true, resolve: (guidance) => fullGuidance(guidance).devopsAccount }),
    ssoAccount: t.field({ type: AccountRef, nullable: true, resolve: (guidance) => fullGuidance(guidance).ssoAccount }),
    willBreak: t.field({
      type: [BreakingTokenRef],
      description: "The DOP account's tokens that break with the cutover, in the enterprise's organizations.",
      resolve: (guidance) => guidance.willBreak,
    }),
    organizations: t.field({
      type: [SsoTokenAccessRef],
      description: "Organizations of the enterprise where either account belongs or the SSO account holds a permission.",
      resolve: (guidance) => fullGuidance(guidance).organizations,
    }),
    ssoAccountCanCreateAnalysisTokens: t.boolean({
      description:
        "The SSO account can create its own analysis token in every organization where a DOP-owned token used for " +
        "analysis will break (in at least one when none will). False without a linked SSO account.",
      resolve: (guidance) => fullGuidance(guidance).ssoAccountCanCreateAnalysisTokens,
    }),
  }),
});

type Guidance = EnterpriseAccountTokenGuidance | BreakingTokensGuidance;

/** The request's loader of people's guidance, by `guidanceKey`: equal requests are answered once; one statement per kind of read. */
const guidanceLoader = createContextCache(
  (context: GatewayContext) =>
    new DataLoader<string, Guidance | null>(async (keys) => {
      const requests = keys.map(parseGuidanceKey);
      const lean = requests.filter((request) => request.lean);
      const full = requests.filter((request) => !request.lean);
      const viewer = context.viewer?.accountId ?? "";
      const [leanAnswers, fullAnswers] = await Promise.all([
        breakingTokensForViewer(context.prisma, viewer, lean, context.now),
        accountTokenGuidanceForViewer(context.prisma, viewer, full, context.now),
      ]);
      const answers = new Map<string, Guidance | null>();
      lean.forEach((request, index) => answers.set(guidanceKey(request), leanAnswers[index]!));
      full.forEach((request, index) => answers.set(guidanceKey(request), fullAnswers[index]!));
      return keys.map((key) => answers.get(key)!);
    }),
);

builder.objectField(AccountRef, "tokenGuidance", (t) =>
  t.field({
    type: AccountTokenGuidanceRef,
    nullable: true,
    description:
      "R7 for this person, in the enterprise named or else their own: their DOP account's tokens that will break and " +
      "whether their SSO account can already create analysis tokens. Null unless you are this person (either linked " +
      "account) or an admin of that enterprise.",
    args: { enterpriseKey: t.arg.string({ required: false }) },
    // What a member list's page statement read already (member-page-companions.ts) is answered as it is, without a
    // promise per row; the rest through the loader.
    resolve: (account, args, context, info) => {
      const key = guidanceKey({ accountId: account.id, enterpriseKey: args.enterpriseKey ?? null, lean: leanGuidanceSelection(info.fieldNodes, info.fragments) });
      const read = guidanceReadWithPage(context, key);
      return read !== undefined ? read : guidanceLoader(context).load(key);
    },
  }),
);
