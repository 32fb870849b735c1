import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CriticalityLevel, diff, type Change } from "@graphql-inspector/core";
import { buildSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType, type GraphQLSchema } from "graphql";
import { describe, expect, it } from "vitest";

// The GraphQL contract only grows (docs/graphql-contract.md): `schema.graphql` is compared with the last release's
// (`schema.previous.graphql`, a committed copy, so the check needs no git history). Additions pass; a breaking change
// fails unless `schema-breaking-changes.json` lists it with a reason, and a field, argument, input field or enum value
// may only be removed once the previous release marked it @deprecated.

const GATEWAY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../apps/gateway");

export interface IntendedChange {
  /** graphql-inspector's change type, e.g. FIELD_REMOVED. */
  type: string;
  /** The schema coordinate it names, e.g. `Enterprise.inviteLink`. */
  path: string;
  reason: string;
}

const REMOVALS_NEEDING_DEPRECATION = new Set(["FIELD_REMOVED", "FIELD_ARGUMENT_REMOVED", "INPUT_FIELD_REMOVED", "ENUM_VALUE_REMOVED"]);

/** The deprecation reason the previous schema gave the element at `coordinate` (Type.field, Type.field.arg, Enum.VALUE, Input.field). */
function deprecationOf(schema: GraphQLSchema, coordinate: string): string | null | undefined {
  const [typeName, member, argument] = coordinate.split(".");
  const type = schema.getType(typeName ?? "");
  if (!type || !member) return undefined;
  if (isEnumType(type)) return type.getValue(member)?.deprecationReason;
  if (isInputObjectType(type)) return type.getFields()[member]?.deprecationReason;
  if (isObjectType(type) || isInterfaceType(type)) {
    const field = type.getFields()[member];
    return argument ? field?.args.find((arg) => arg.name === argument)?.deprecationReason : field?.deprecationReason;
  }
  return undefined;
}

/** What stops a release: breaking changes not listed as intended, removals without a deprecation, and stale entries. */
export async function contractProblems(previous: GraphQLSchema, current: GraphQLSchema, intended: IntendedChange[]): Promise<string[]> {
  const changes: Change[] = await diff(previous, current);
  const breaking = changes.filter((change) => change.criticality.level === CriticalityLevel.Breaking);
  const problems: string[] = [];
  const isIntended = (change: Change) => intended.some((entry) => entry.type === change.type && entry.path === change.path);
  for (const change of breaking) {
    if (!isIntended(change)) {
      problems.push(`${change.type} ${change.path ?? ""}: ${change.message} — breaking for clients; add instead of changing, or list it with a reason in schema-breaking-changes.json`);
      continue;
    }
    if (REMOVALS_NEEDING_DEPRECATION.has(change.type) && !deprecationOf(previous, change.path ?? "")) {
      problems.push(`${change.type} ${change.path}: ${change.message} — it was not @deprecated in the previous release; deprecate it in one release, remove it in a later one`);
    }
  }
  for (const entry of intended) {
    if (!entry.reason?.trim()) problems.push(`schema-breaking-changes.json: ${entry.type} ${entry.path} gives no reason`);
    if (!breaking.some((change) => change.type === entry.type && change.path === entry.path)) {
      problems.push(`schema-breaking-changes.json: ${entry.type} ${entry.path} matches no breaking change between the previous and the current schema (remove the entry)`);
    }
  }
  return problems;
}

const readSchema = (file: string) => buildSchema(readFileSync(path.join(GATEWAY, file), "utf8"));

describe("schema evolution", () => {
  it("schema.graphql keeps every name and type of the previous release's contract, except intended breaking changes", async () => {
    const intended = JSON.parse(readFileSync(path.join(GATEWAY, "schema-breaking-changes.json"), "utf8")) as IntendedChange[];
    expect(await contractProblems(readSchema("schema.previous.graphql"), readSchema("schema.graphql"), intended)).toEqual([]);
  });
});

describe("the evolution check itself", () => {
  const previous = buildSchema(`
    type Query { enterprise(key: String!): Enterprise, legacy: String @deprecated(reason: "use enterprise") }
    type Enterprise { key: String!, name: String }
    enum Status { TODO DONE }
  `);

  it("accepts additions: fields, arguments with defaults, types and enum values", async () => {
    const grown = buildSchema(`
      type Query { enterprise(key: String!, first: Int = 10): Enterprise, legacy: String @deprecated(reason: "use enterprise"), viewer: String }
      type Enterprise { key: String!, name: String, inviteLink: String }
      enum Status { TODO DONE BLOCKED }
      type Extra { id: ID! }
    `);
    expect(await contractProblems(previous, grown, [])).toEqual([]);
  });

  it("refuses a removed field, a narrowed type and a new required argument unless listed; a removal needs a prior deprecation", async () => {
    const broken = buildSchema(`
      type Query { enterprise(key: String!, region: String!): Enterprise }
      type Enterprise { key: String! }
      enum Status { TODO DONE }
    `);
    const unlisted = await contractProblems(previous, broken, []);
    expect(unlisted.map((problem) => problem.split(":")[0])).toEqual(
      expect.arrayContaining(["FIELD_REMOVED Enterprise.name", "FIELD_REMOVED Query.legacy", "FIELD_ARGUMENT_ADDED Query.enterprise.region"]),
    );

    const listed = await contractProblems(previous, broken, [
      { type: "FIELD_REMOVED", path: "Query.legacy", reason: "deprecated two releases ago" },
      { type: "FIELD_REMOVED", path: "Enterprise.name", reason: "renamed" },
      { type: "FIELD_ARGUMENT_ADDED", path: "Query.enterprise.region", reason: "regions are mandatory now" },
    ]);
    // Query.legacy was deprecated: its listed removal passes. Enterprise.name was not: listing it is not enough.
    expect(listed).toEqual([expect.stringMatching(/^FIELD_REMOVED Enterprise\.name: .*not @deprecated/)]);
  });

  it("reports an intended change that no longer matches anything", async () => {
    expect(await contractProblems(previous, previous, [{ type: "FIELD_REMOVED", path: "Query.legacy", reason: "gone" }])).toEqual([
      expect.stringMatching(/matches no breaking change/),
    ]);
  });
});
