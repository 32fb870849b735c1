/**
 * What a member list's statement read of its rows' organizations answers, field by field: organizations read by their
 * listing columns (id, key, name, enterprise) must never answer a field of the same request that asks for more.
 */
import { Kind, parse, type FieldNode, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import type { GatewayContext } from "../../apps/gateway/src/context";
import { organizationsReadWithPage, recordMemberPageCompanions } from "../../apps/gateway/src/member-page-companions";

/** The `organizations` field nodes of a document, by response key. */
function organizationFields(document: string): Record<string, FieldNode[]> {
  const operation = parse(document).definitions[0] as OperationDefinitionNode;
  const fields: Record<string, FieldNode[]> = {};
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind === Kind.FIELD) fields[selection.alias?.value ?? selection.name.value] = [selection];
  }
  return fields;
}

describe("a member page's organizations, recorded for the request", () => {
  it("R15: read by their listing columns, they answer a field asking for key and name only; a field asking for more gets none, until a full read is recorded", () => {
    const context = {} as GatewayContext;
    const { listing, full } = organizationFields(`{ listing: organizations { __typename id key name } full: organizations { key plan } }`);
    const listed = { id: "o1", key: "web", name: "Web", enterpriseId: "e1" } as never;
    const read = (organizations: unknown[]) => ({ accounts: [], organizations: new Map([["a1", organizations as never]]), breakingTokens: null });

    recordMemberPageCompanions(context, read([listed]), { viewerAccountId: "v", organizations: "listing", breakingTokens: null });
    expect(organizationsReadWithPage(context, "a1", { fieldNodes: listing!, fragments: {} })).toEqual([listed]);
    expect(organizationsReadWithPage(context, "a1", { fieldNodes: full!, fragments: {} })).toBeUndefined();
    expect(organizationsReadWithPage(context, "a2", { fieldNodes: listing!, fragments: {} })).toBeUndefined();

    const complete = { ...(listed as object), plan: "ENTERPRISE", devopsPlatform: "GITHUB", createdAt: new Date(0) };
    recordMemberPageCompanions(context, read([complete]), { viewerAccountId: "v", organizations: "all", breakingTokens: null });
    expect(organizationsReadWithPage(context, "a1", { fieldNodes: full!, fragments: {} })).toEqual([complete]);
    expect(organizationsReadWithPage(context, "a1", { fieldNodes: listing!, fragments: {} })).toEqual([complete]);
  });
});
