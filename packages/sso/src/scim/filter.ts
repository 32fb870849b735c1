import type { Prisma } from "@sso-cutover/db";
import { parse, type Filter } from "scim2-parse-filter";
import { ScimError } from "./errors";

/** Longest `filter` accepted: IdPs send short equality filters; anything longer is refused before parsing. */
export const MAX_FILTER_LENGTH = 1000;

const invalidFilter = (detail: string) => new ScimError(400, detail, "invalidFilter");

/** The filter's syntax tree (scim2-parse-filter), or invalidFilter naming the problem. */
export function parseFilter(text: string): Filter {
  if (text.length > MAX_FILTER_LENGTH) throw invalidFilter(`The filter is longer than ${MAX_FILTER_LENGTH} characters.`);
  try {
    return parse(text);
  } catch (error) {
    throw invalidFilter(`The filter is not valid SCIM filter syntax (RFC 7644 §3.4.2.2): ${(error as Error).message}`);
  }
}

type Column = "text" | "textCaseExact" | "date" | "active" | "id";
interface Attribute {
  column: string;
  type: Column;
}

/**
 * Prisma sends `contains` / `startsWith` / `endsWith` as LIKE patterns without escaping them: `%` and `_` in a
 * filter value must match themselves, not any text.
 */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** Translates one comparison on a column into a where-clause: the whole filter runs in SQL, paged there. */
function compare(attribute: Attribute, op: string, value: unknown, path: string): Record<string, unknown> {
  const { column, type } = attribute;
  if (op === "pr") return type === "active" || type === "id" ? {} : { [column]: { not: null } };
  if (type === "active") {
    const wanted = value === true || value === "true" || value === "True" ? true : value === false || value === "false" || value === "False" ? false : null;
    if (wanted === null || (op !== "eq" && op !== "ne")) throw invalidFilter(`"${path}" is a boolean: only eq, ne and pr apply, with true or false.`);
    const active = op === "eq" ? wanted : !wanted;
    return { deactivatedAt: active ? null : { not: null } };
  }
  if (type === "date") {
    const date = typeof value === "string" ? new Date(value) : null;
    if (!date || Number.isNaN(date.getTime())) throw invalidFilter(`"${path}" is a date-time: compare it with an RFC 3339 date, e.g. "2026-01-31T00:00:00Z".`);
    const operators: Record<string, unknown> = { eq: date, ne: { not: date }, gt: { gt: date }, ge: { gte: date }, lt: { lt: date }, le: { lte: date } };
    if (!(op in operators)) throw invalidFilter(`"${op}" does not apply to the date-time "${path}".`);
    return op === "eq" ? { [column]: date } : { [column]: operators[op] };
  }
  if (typeof value !== "string") throw invalidFilter(`"${path}" is a string: compare it with a quoted string.`);
  const text = type === "text" ? value.toLowerCase() : value;
  switch (op) {
    case "eq":
      return { [column]: text };
    case "ne":
      return { NOT: { [column]: text } };
    case "co":
      return { [column]: { contains: likeLiteral(text) } };
    case "sw":
      return { [column]: { startsWith: likeLiteral(text) } };
    case "ew":
      return { [column]: { endsWith: likeLiteral(text) } };
    case "gt":
      return { [column]: { gt: text } };
    case "ge":
      return { [column]: { gte: text } };
    case "lt":
      return { [column]: { lt: text } };
    case "le":
      return { [column]: { lte: text } };
    default:
      throw invalidFilter(`Unknown operator "${op}".`);
  }
}

/**
 * A SCIM filter as a Prisma where-clause over the given attributes (names compared case-insensitively, as SCIM
 * says): `and`, `or`, `not`, and eq/ne/co/sw/ew/gt/ge/lt/le/pr. An attribute not listed is invalidFilter.
 */
export function filterToWhere<W>(filter: Filter, attributes: Record<string, Attribute>): W {
  const visit = (node: Filter): Record<string, unknown> => {
    switch (node.op) {
      case "and":
        return { AND: (node as { filters: Filter[] }).filters.map(visit) };
      case "or":
        return { OR: (node as { filters: Filter[] }).filters.map(visit) };
      case "not":
        return { NOT: visit((node as { filter: Filter }).filter) };
      case "[]": {
        // `emails[value eq "x"]`: a value path whose sub-filter only reads the value attribute.
        const { attrPath, valFilter } = node as { attrPath: string; valFilter: Filter };
        const qualify = (inner: Filter): Filter => {
          if (inner.op === "and" || inner.op === "or") return { ...inner, filters: (inner as { filters: Filter[] }).filters.map(qualify) } as Filter;
          if (inner.op === "not") return { ...inner, filter: qualify((inner as { filter: Filter }).filter) } as Filter;
          const attr = (inner as { attrPath: string }).attrPath;
          return { ...inner, attrPath: `${attrPath}.${attr}` } as Filter;
        };
        return visit(qualify(valFilter));
      }
      default: {
        const { attrPath, compValue } = node as { attrPath: string; compValue?: unknown };
        const attribute = attributes[attrPath.toLowerCase().replace(/^urn:ietf:params:scim:schemas:core:2\.0:(user|group):/, "")];
        if (!attribute) {
          throw invalidFilter(`Filtering on "${attrPath}" is not supported: use one of ${Object.keys(attributes).join(", ")}.`);
        }
        return compare(attribute, node.op, compValue, attrPath);
      }
    }
  };
  return visit(filter) as W;
}

export const USER_FILTER_ATTRIBUTES: Record<string, Attribute> = {
  id: { column: "id", type: "textCaseExact" },
  username: { column: "scimUserNameNormalized", type: "text" },
  externalid: { column: "scimExternalId", type: "textCaseExact" },
  emails: { column: "emailNormalized", type: "text" },
  "emails.value": { column: "emailNormalized", type: "text" },
  active: { column: "deactivatedAt", type: "active" },
  "meta.lastmodified": { column: "scimUpdatedAt", type: "date" },
  "meta.created": { column: "scimProvisionedAt", type: "date" },
};

export const GROUP_FILTER_ATTRIBUTES: Record<string, Attribute> = {
  id: { column: "id", type: "textCaseExact" },
  displayname: { column: "displayName", type: "textCaseExact" },
  externalid: { column: "externalId", type: "textCaseExact" },
  "meta.lastmodified": { column: "updatedAt", type: "date" },
  "meta.created": { column: "createdAt", type: "date" },
};

export function userWhere(filter: string | null): Prisma.AccountWhereInput {
  return filter ? filterToWhere<Prisma.AccountWhereInput>(parseFilter(filter), USER_FILTER_ATTRIBUTES) : {};
}

export function groupWhere(filter: string | null): Prisma.ScimGroupWhereInput {
  if (!filter) return {};
  const parsed = parseFilter(filter);
  // `members[value eq "<user id>"]` / `members.value eq "<user id>"`: groups that have that member.
  const membersFilter = memberFilter(parsed);
  if (membersFilter !== null) return { members: { some: { accountId: membersFilter } } };
  return filterToWhere<Prisma.ScimGroupWhereInput>(parsed, GROUP_FILTER_ATTRIBUTES);
}

function memberFilter(filter: Filter): string | null {
  if (filter.op === "eq") {
    const { attrPath, compValue } = filter as { attrPath: string; compValue: unknown };
    if (attrPath.toLowerCase() === "members.value" && typeof compValue === "string") return compValue;
  }
  if (filter.op === "[]") {
    const { attrPath, valFilter } = filter as { attrPath: string; valFilter: Filter };
    if (attrPath.toLowerCase() === "members" && valFilter.op === "eq") {
      const inner = valFilter as { attrPath: string; compValue: unknown };
      if (inner.attrPath.toLowerCase() === "value" && typeof inner.compValue === "string") return inner.compValue;
    }
  }
  return null;
}
