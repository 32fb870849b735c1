import { getConnectionPageSize, validateConnectionArguments } from "@pothos/core";
import type { Enterprise } from "@sso-cutover/db";
import type { EnterpriseMemberPage, EnterpriseMembersFilter, OrganizationWithEnterprise } from "@sso-cutover/membership";
import {
  visibleEnterpriseWithMemberPage,
  type BreakingTokensGuidance,
  type MemberPageCompanions,
  type MemberPageWithCompanions,
} from "@sso-cutover/tokens";
import { getArgumentValues, GraphQLString, isObjectType, valueFromAST, type FieldNode, type GraphQLResolveInfo } from "graphql";
import type { GatewayContext } from "./context";
import { fieldsSelected, selectsOnly } from "./selection";
import { readThroughVisibility } from "./visibility";

// What a member list's rows ask of their accounts (`Account.organizations`, `Account.tokenGuidance` read leanly) is
// read with the page, in its statement (`enterpriseMemberPageWith`); the fields then answer it from here, without a
// promise per row, and read through their loaders only what is not here.

/** What the lean read answers of a person's guidance, and of each of its breaking tokens. */
const LEAN_GUIDANCE_FIELDS = new Set(["__typename", "enterprise", "willBreak"]);
const LEAN_BREAKING_TOKEN_FIELDS = new Set(["__typename", "display", "status", "lastUsedAt"]);
/** The `Organization` fields answered by the columns a list of organizations shows (`ORGANIZATION_LISTING_COLUMNS`). */
const LISTING_ORGANIZATION_FIELDS = new Set(["__typename", "id", "key", "name"]);

const leanSelections = new WeakMap<readonly FieldNode[], boolean>();

/**
 * Whether `tokenGuidance` fields (the nodes of one response key, or every one on a row) ask only for the tokens that
 * break, by their display, status and last use (the member list's `willBreak { display lastUsedAt }`):
 * `breakingTokensForViewer` then answers them from a statement that reads a fraction of what the full guidance reads.
 */
export function leanGuidanceSelection(fieldNodes: readonly FieldNode[], fragments: GraphQLResolveInfo["fragments"]): boolean {
  // The same field of every item of a list shares its nodes: decided once per list.
  let lean = leanSelections.get(fieldNodes);
  if (lean === undefined) {
    const fields = fieldsSelected(fieldNodes.map((node) => node.selectionSet), fragments);
    lean =
      selectsOnly(fields, LEAN_GUIDANCE_FIELDS) &&
      selectsOnly(fieldsSelected(fields.get("willBreak")?.map((node) => node.selectionSet) ?? [], fragments), LEAN_BREAKING_TOKEN_FIELDS);
    leanSelections.set(fieldNodes, lean);
  }
  return lean;
}

/** A person's guidance as a dataloader key: the request, and whether the lean read answers it. */
export interface GuidanceRequest {
  accountId: string;
  enterpriseKey: string | null;
  lean: boolean;
}

export function guidanceKey(request: GuidanceRequest): string {
  return JSON.stringify([request.accountId, request.enterpriseKey, request.lean]);
}

export function parseGuidanceKey(key: string): GuidanceRequest {
  const [accountId, enterpriseKey, lean] = JSON.parse(key) as [string, string | null, boolean];
  return { accountId, enterpriseKey, lean };
}

/**
 * What the rows of a member list (the `members` connection whose field nodes and variables are given) ask of their
 * accounts that its statement can read: `organizations` (only the columns a list of them shows when they ask for no
 * other field), and `tokenGuidance` when every one of its nodes is lean and names the same enterprise (else the
 * fields' loaders read it as usual).
 */
export function memberPageCompanions(
  info: Pick<GraphQLResolveInfo, "fieldNodes" | "fragments" | "variableValues">,
  viewerAccountId: string,
): MemberPageCompanions | null {
  const edges = fieldsSelected(info.fieldNodes.map((node) => node.selectionSet), info.fragments).get("edges") ?? [];
  const node = fieldsSelected(edges.map((edge) => edge.selectionSet), info.fragments).get("node") ?? [];
  const row = fieldsSelected(node.map((field) => field.selectionSet), info.fragments);
  const organizationNodes = row.get("organizations");
  const organizations = !organizationNodes
    ? null
    : selectsOnly(fieldsSelected(organizationNodes.map((field) => field.selectionSet), info.fragments), LISTING_ORGANIZATION_FIELDS)
      ? "listing"
      : "all";
  const guidance = row.get("tokenGuidance") ?? [];
  let breakingTokens: MemberPageCompanions["breakingTokens"] = null;
  if (guidance.length > 0 && leanGuidanceSelection(guidance, info.fragments)) {
    const keys = new Set(guidance.map((field) => enterpriseKeyArgument(field, info.variableValues)));
    const [key] = keys;
    if (keys.size === 1 && key !== undefined) breakingTokens = { enterpriseKey: key };
  }
  return organizations || breakingTokens ? { viewerAccountId, organizations, breakingTokens } : null;
}

/** A `tokenGuidance` field's `enterpriseKey` (null when absent or null); undefined when it cannot be told. */
function enterpriseKeyArgument(field: FieldNode, variables: Record<string, unknown>): string | null | undefined {
  const argument = field.arguments?.find((candidate) => candidate.name.value === "enterpriseKey");
  if (!argument) return null;
  const value = valueFromAST(argument.value, GraphQLString, variables);
  return value === undefined ? undefined : (value as string | null);
}

/** Per request, what member pages read of their accounts' organizations: every column, or only the listing ones. */
const organizationsRead = new WeakMap<GatewayContext, { all: Map<string, OrganizationWithEnterprise[]>; listing: Map<string, OrganizationWithEnterprise[]> }>();
const guidanceRead = new WeakMap<GatewayContext, Map<string, BreakingTokensGuidance | null>>();

/** Records what a member page's statement read of its accounts, for the fields of this request. */
export function recordMemberPageCompanions(context: GatewayContext, read: MemberPageWithCompanions, companions: MemberPageCompanions): void {
  if (read.organizations && companions.organizations) {
    let recorded = organizationsRead.get(context);
    if (!recorded) organizationsRead.set(context, (recorded = { all: new Map(), listing: new Map() }));
    // Organizations read by their listing columns answer only the fields those columns answer (see below).
    const known = recorded[companions.organizations];
    // The page's people share their organizations: each is recorded once, as the statement read it.
    const organizations = new Set<OrganizationWithEnterprise>();
    for (const [accountId, ofAccount] of read.organizations) {
      for (const organization of ofAccount) organizations.add(organization);
      known.set(accountId, ofAccount);
    }
    // Each organization's enterprise was read with it, and shown visible there, as the organizations were (R15).
    const enterprises = new Set<Enterprise>();
    for (const organization of organizations) if (organization.enterprise) enterprises.add(organization.enterprise);
    readThroughVisibility(context, "Organization", [...organizations]);
    readThroughVisibility(context, "Enterprise", [...enterprises]);
  }
  if (read.breakingTokens && companions.breakingTokens) {
    const known = guidanceRead.get(context) ?? new Map<string, BreakingTokensGuidance | null>();
    const enterpriseKey = companions.breakingTokens.enterpriseKey;
    for (const [accountId, guidance] of read.breakingTokens) known.set(guidanceKey({ accountId, enterpriseKey, lean: true }), guidance);
    guidanceRead.set(context, known);
  }
}

/**
 * The organizations a member page's statement read for this account, if it did, and if they answer this
 * `organizations` field: those read by their listing columns answer only a field that asks for no other (another
 * field of the request on the same account, asking for more, reads them again).
 */
export function organizationsReadWithPage(
  context: GatewayContext,
  accountId: string,
  info: Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">,
): OrganizationWithEnterprise[] | undefined {
  const recorded = organizationsRead.get(context);
  if (!recorded) return undefined;
  return recorded.all.get(accountId) ?? (recorded.listing.size > 0 && listingSelection(info) ? recorded.listing.get(accountId) : undefined);
}

const listingSelections = new WeakMap<readonly FieldNode[], boolean>();

/** Whether `organizations` fields ask for no field but those the listing columns answer; decided once per list. */
function listingSelection(info: Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">): boolean {
  let listing = listingSelections.get(info.fieldNodes);
  if (listing === undefined) {
    listing = selectsOnly(fieldsSelected(info.fieldNodes.map((node) => node.selectionSet), info.fragments), LISTING_ORGANIZATION_FIELDS);
    listingSelections.set(info.fieldNodes, listing);
  }
  return listing;
}

/** The lean guidance a member page's statement read for this key, if it did (null: read, and none to show). */
export function guidanceReadWithPage(context: GatewayContext, key: string): BreakingTokensGuidance | null | undefined {
  return guidanceRead.get(context)?.get(key);
}

/** `Enterprise.members`' page sizes: by default, and at most. */
export const MEMBERS_PAGE = { defaultSize: 20, maxSize: 100 } as const;

const membersPrefetched = new WeakMap<GatewayContext, Map<string, MemberPageWithCompanions>>();

/** What identifies a member page and what its statement read with it. */
function memberPageKey(enterpriseId: string, filter: EnterpriseMembersFilter, page: EnterpriseMemberPage, companions: MemberPageCompanions): string {
  return JSON.stringify([enterpriseId, filter.kind ?? null, filter.cutoverStatus ?? null, page.take, page.cursorLogin ?? null, companions]);
}

/** What `members` reads with its page when its selection asks for nothing of the accounts' but their columns. */
const noCompanions = (viewerAccountId: string): MemberPageCompanions => ({ viewerAccountId, organizations: null, breakingTokens: null });

/**
 * `enterprise(key)` when its selection asks for its members once (one field, no alias repeated), from the first page
 * forward (no cursor, no `last`, no cutover status): the enterprise and that page, with what its rows ask, in one
 * statement (`visibleEnterpriseWithMemberPage`); `members` then answers from it. Undefined when that does not apply (the enterprise is then read alone, and the page by `members`).
 * The page is read for the arguments as `members` will see them; should they ever differ, `members` reads its own.
 */
export async function enterpriseWithFirstMemberPage(context: GatewayContext, info: GraphQLResolveInfo, key: string): Promise<Enterprise | null | undefined> {
  const viewerAccountId = context.viewer?.accountId;
  const nodes = fieldsSelected(info.fieldNodes.map((node) => node.selectionSet), info.fragments).get("members");
  const enterpriseType = info.schema.getType("Enterprise");
  const field = isObjectType(enterpriseType) ? enterpriseType.getFields().members : undefined;
  if (!viewerAccountId || nodes?.length !== 1 || !field) return undefined;
  let args: Record<string, unknown>;
  try {
    args = getArgumentValues(field, nodes[0]!, info.variableValues);
    validateConnectionArguments(args);
  } catch {
    return undefined; // `members` reports it
  }
  if (args.after != null || args.before != null || args.last != null || args.cutoverStatus != null) return undefined;
  const filter: EnterpriseMembersFilter = { kind: (args.kind as EnterpriseMembersFilter["kind"]) ?? undefined };
  const page: EnterpriseMemberPage = { take: getConnectionPageSize({ args: { first: args.first as number | null | undefined }, ...MEMBERS_PAGE }).limit };
  const companions =
    memberPageCompanions({ fieldNodes: nodes, fragments: info.fragments, variableValues: info.variableValues }, viewerAccountId) ?? noCompanions(viewerAccountId);
  const read = await visibleEnterpriseWithMemberPage(context.prisma, viewerAccountId, key, filter, page, companions, context.now);
  if (!read) return undefined;
  if (read.enterprise && read.members) {
    const known = membersPrefetched.get(context) ?? new Map<string, MemberPageWithCompanions>();
    known.set(memberPageKey(read.enterprise.id, filter, page, companions), read.members);
    membersPrefetched.set(context, known);
  }
  return read.enterprise;
}

/** The member page `enterprise(key)` read with the enterprise for these arguments, if it did. */
export function firstMemberPageRead(
  context: GatewayContext,
  enterpriseId: string,
  filter: EnterpriseMembersFilter,
  page: EnterpriseMemberPage,
  companions: MemberPageCompanions | null,
): MemberPageWithCompanions | undefined {
  const viewerAccountId = context.viewer?.accountId;
  if (!viewerAccountId) return undefined;
  return membersPrefetched.get(context)?.get(memberPageKey(enterpriseId, filter, page, companions ?? noCompanions(viewerAccountId)));
}
