import { Buffer } from "node:buffer";
import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  isAbstractType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  isScalarType,
  Kind,
  type ASTNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLArgument,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from "graphql";
import { getComplexity, type ComplexityEstimator } from "graphql-query-complexity";
import type { Plugin } from "graphql-yoga";

/**
 * Limits on what one GraphQL request may ask for, checked once for the whole operation before any resolver runs,
 * so that no resolver sees text the database cannot store and no request makes unbounded work:
 * - every string (literal or variable) free of NUL characters (PostgreSQL refuses 0x00) and of unpaired UTF-16
 *   surrogates (not Unicode: they cannot be encoded as UTF-8);
 * - every global id well formed and of a type the argument accepts, every connection cursor free of what the
 *   database cannot compare (a cursor is decoded to a key such as a login before any statement uses it);
 * - every list at most as long as its argument's `maxItems` (declared beside the argument with {@link listLimit});
 * - the whole operation at most {@link MAX_REQUEST_COST}, where list arguments count one per item.
 */

/** Items a list argument takes when its declaration names no maximum. */
export const DEFAULT_MAX_LIST_ITEMS = 100;

/**
 * Cost of the largest request allowed. A field costs 1, plus one per item of its list arguments, plus its
 * selection times the number of items it is asked for: `first`/`last` of a connection (20 when neither is given),
 * or for a field returning a list the length of its longest list argument (`nodes` with 100 ids resolves its
 * selection 100 times).
 */
export const MAX_REQUEST_COST = 15_000;

/** Page size of a connection asked for without `first` or `last` (the connections' default). */
const DEFAULT_PAGE_SIZE = 20;

/** Longest database id inside a global id (ids are cuids, 25 characters). */
const MAX_RAW_ID_LENGTH = 64;

/**
 * Declares a list argument's (or input field's) maximum: enforced by {@link useInputLimits} as INVALID_INPUT,
 * and said in its description so clients know it.
 */
export function listLimit(maxItems: number, description: string) {
  return {
    description: `${description} At most ${maxItems.toLocaleString("en-US")}.`,
    extensions: { maxItems },
  };
}

export interface InputProblem {
  /** The argument path, e.g. `input.emails[3]`. */
  field: string;
  message: string;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Any surrogate: most strings have none, and this test is several times cheaper than the one above (run per id of a 1,000-id list). */
const SURROGATE = /[\uD800-\uDFFF]/;

/** Why a string cannot be accepted, or null. */
export function unstorableText(text: string): string | null {
  if (text.includes("\u0000")) return "contains a NUL character (U+0000), which cannot be stored";
  if (SURROGATE.test(text) && LONE_SURROGATE.test(text)) return "contains an unpaired UTF-16 surrogate, which is not valid Unicode";
  return null;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The text inside a global id (empty when it is not base64). */
function decodedId(value: string): string {
  return BASE64.test(value) ? Buffer.from(value, "base64").toString("utf8") : "";
}

/** Why a global id cannot be accepted for an argument, or null. */
function globalIdProblem(schema: GraphQLSchema, value: string, accepted: { typename: string }[] | null): string | null {
  const decoded = BASE64.test(value) ? Buffer.from(value, "base64").toString("utf8") : "";
  const separator = decoded.indexOf(":");
  const typename = separator > 0 ? decoded.slice(0, separator) : "";
  const rawId = separator > 0 ? decoded.slice(separator + 1) : "";
  const type = typename ? schema.getType(typename) : undefined;
  const isNode = isObjectType(type) && type.getInterfaces().some((i) => i.name === "Node");
  if (!isNode || rawId === "" || rawId.length > MAX_RAW_ID_LENGTH || unstorableText(rawId) !== null) {
    return "is not an id given out by this API";
  }
  if (accepted && !accepted.some((entry) => entry.typename === typename)) {
    const article = (name: string) => (/^[AEIOU]/.test(name) ? `an ${name}` : `a ${name}`);
    return `must be the id of ${accepted.map((entry) => article(entry.typename)).join(" or ")}, not of ${article(typename)}`;
  }
  return null;
}

interface ArgumentExtensions {
  maxItems?: number;
  /** `node`/`nodes`: an id that names nothing is answered null, not refused; only unstorable text is refused. */
  lookup?: boolean;
  isRelayGlobalID?: boolean;
  relayGlobalIDFor?: { typename: string }[] | null;
  /** `after`/`before` of a connection: an opaque cursor, which the connection decodes and sends to the database. */
  cursor?: boolean;
}

/** Checks one argument value against its type, appending what is wrong to `problems`. */
function checkValue(
  schema: GraphQLSchema,
  value: unknown,
  type: GraphQLInputType,
  field: string,
  extensions: ArgumentExtensions,
  problems: InputProblem[],
): void {
  if (value === null || value === undefined) return;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const items = Array.isArray(value) ? value : [value];
    const maxItems = extensions.maxItems ?? DEFAULT_MAX_LIST_ITEMS;
    if (items.length > maxItems) {
      problems.push({
        field,
        message: `\`${field}\` has ${items.length.toLocaleString("en-US")} items; at most ${maxItems.toLocaleString("en-US")} are allowed.`,
      });
      return;
    }
    items.forEach((item, index) => checkValue(schema, item, nullable.ofType, `${field}[${index}]`, extensions, problems));
    return;
  }
  if (isInputObjectType(nullable)) {
    const fields = nullable.getFields();
    for (const [name, inputField] of Object.entries(fields)) {
      checkValue(schema, (value as Record<string, unknown>)[name], inputField.type, `${field}.${name}`, fieldExtensions(inputField), problems);
    }
    return;
  }
  if (isScalarType(nullable)) {
    if (typeof value === "string" && extensions.cursor) {
      const problem = unstorableText(value) ?? (unstorableText(decodedId(value)) ? "is not a cursor given out by this API" : null);
      if (problem) problems.push({ field, message: `\`${field}\` ${problem}.` });
      return;
    }
    if (typeof value === "string" && extensions.isRelayGlobalID) {
      const problem =
        unstorableText(value) ??
        (extensions.lookup ? unstorableText(decodedId(value)) : globalIdProblem(schema, value, extensions.relayGlobalIDFor ?? null));
      if (problem) problems.push({ field, message: `\`${field}\` ${problem}.` });
      return;
    }
    checkText(value, field, problems);
  }
}

/** Strings anywhere inside a scalar's value (custom scalars such as JSON may carry objects). */
function checkText(value: unknown, field: string, problems: InputProblem[]): void {
  if (typeof value === "string") {
    const problem = unstorableText(value);
    if (problem) problems.push({ field, message: `\`${field}\` ${problem}.` });
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => checkText(item, `${field}[${index}]`, problems));
  } else if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) {
      checkText(key, field, problems);
      checkText(item, `${field}.${key}`, problems);
    }
  }
}

function fieldExtensions(definition: GraphQLArgument | GraphQLInputField): ArgumentExtensions {
  return (definition.extensions ?? {}) as ArgumentExtensions;
}

interface FieldUse {
  field: GraphQLField<unknown, unknown>;
  node: ASTNode & { kind: Kind.FIELD };
  /** Response path of the field, e.g. `enterprise.members`. */
  path: string;
}

/** Every field the operation selects, through fragments, with the type it is selected on. */
function fieldsOf(
  schema: GraphQLSchema,
  selectionSet: SelectionSetNode,
  parentType: GraphQLCompositeType,
  fragments: Map<string, FragmentDefinitionNode>,
  prefix: string,
  seenFragments: Set<string>,
  out: FieldUse[],
): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith("__")) continue; // introspection reads the schema, never the database
      const fields = isObjectType(parentType) || isInterfaceType(parentType) ? parentType.getFields() : {};
      const field = fields[selection.name.value];
      if (!field) continue; // refused by validation
      const path = prefix ? `${prefix}.${selection.alias?.value ?? selection.name.value}` : (selection.alias?.value ?? selection.name.value);
      out.push({ field, node: selection, path });
      const fieldType = getNamedType(field.type);
      if (selection.selectionSet && (isObjectType(fieldType) || isInterfaceType(fieldType) || isAbstractType(fieldType))) {
        fieldsOf(schema, selection.selectionSet, fieldType, fragments, path, seenFragments, out);
      }
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
      if (isObjectType(type) || isInterfaceType(type) || isAbstractType(type)) {
        fieldsOf(schema, selection.selectionSet, type, fragments, prefix, seenFragments, out);
      }
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      const key = `${prefix}/${name}`;
      if (!fragment || seenFragments.has(key)) continue;
      seenFragments.add(key);
      const type = schema.getType(fragment.typeCondition.name.value);
      if (isObjectType(type) || isInterfaceType(type) || isAbstractType(type)) {
        fieldsOf(schema, fragment.selectionSet, type, fragments, prefix, seenFragments, out);
      }
    }
  }
}

/** Longest list among a field's argument values (nested lists of input objects included). */
function longestList(value: unknown): number {
  if (Array.isArray(value)) return Math.max(value.length, ...value.map(longestList));
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    return Object.values(value).reduce<number>((longest, item) => Math.max(longest, longestList(item)), 0);
  }
  return 0;
}

/** Items of every list among a field's argument values. */
function listItems(value: unknown): number {
  if (Array.isArray(value)) return value.length + value.reduce<number>((sum, item) => sum + listItems(item), 0);
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    return Object.values(value).reduce<number>((sum, item) => sum + listItems(item), 0);
  }
  return 0;
}

const estimateCost: ComplexityEstimator = ({ field, args, childComplexity }) => {
  const isConnection = getNamedType(field.type).name.endsWith("Connection");
  const pageSize = typeof args.first === "number" ? args.first : typeof args.last === "number" ? args.last : DEFAULT_PAGE_SIZE;
  const returnsList = isListType(getNullableType(field.type));
  // A list field with `first` (Enterprise.organizations) resolves its selection that many times, like a connection.
  const listSize = typeof args.first === "number" ? args.first : longestList(args);
  const times = isConnection ? Math.max(0, pageSize) : returnsList ? Math.max(1, listSize) : 1;
  return 1 + listItems(args) + times * childComplexity;
};

/** The cost of an operation as {@link MAX_REQUEST_COST} counts it; null when its variables do not coerce. */
export function requestCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>, operationName?: string): number {
  return getComplexity({ schema, query: document, variables, operationName, estimators: [estimateCost] });
}

/** What is wrong with the arguments of an operation (empty when nothing, or when execution will refuse it anyway). */
export function inputProblems(
  schema: GraphQLSchema,
  document: DocumentNode,
  rawVariables: Record<string, unknown> | null | undefined,
  operationName?: string | null,
): (InputProblem & { path: string; node: ASTNode })[] {
  const operation = getOperationAST(document, operationName);
  if (!operation) return [];
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (coerced.errors) return []; // execution reports these itself, naming the variable
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return [];
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const uses: FieldUse[] = [];
  fieldsOf(schema, operation.selectionSet, rootType, fragments, "", new Set(), uses);

  const problems: (InputProblem & { path: string; node: ASTNode })[] = [];
  for (const use of uses) {
    if (use.field.args.length === 0) continue;
    let values: Record<string, unknown>;
    try {
      values = getArgumentValues(use.field as GraphQLField<unknown, unknown>, use.node as never, coerced.coerced);
    } catch {
      continue; // execution reports it
    }
    const found: InputProblem[] = [];
    // R15: `node`/`nodes` answer null for an id they cannot resolve (unknown type, malformed, invisible), entry by
    // entry, so only unstorable text is refused there.
    const lookup = use.field.name === "node" || use.field.name === "nodes";
    const connection = getNamedType(use.field.type).name.endsWith("Connection");
    for (const argument of use.field.args) {
      const extensions = fieldExtensions(argument);
      const cursor = connection && (argument.name === "after" || argument.name === "before");
      checkValue(schema, values[argument.name], argument.type, argument.name, lookup ? { ...extensions, lookup } : cursor ? { ...extensions, cursor } : extensions, found);
    }
    problems.push(...found.map((problem) => ({ ...problem, path: use.path, node: use.node })));
  }
  return problems;
}

/** Problems reported per request, so that a list of 1,000 bad items does not become a 1,000-error answer. */
const MAX_REPORTED_PROBLEMS = 10;

/** What {@link useInputLimits} found for an operation: its problems, else its cost (null: variables do not coerce). */
interface Verdict {
  problems: (InputProblem & { path: string; node: ASTNode })[];
  cost: number | null;
}

function verdictOf(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>, operationName?: string | null): Verdict {
  const problems = inputProblems(schema, document, variables, operationName);
  if (problems.length > 0) return { problems, cost: null };
  try {
    return { problems, cost: requestCost(schema, document, variables, operationName ?? undefined) };
  } catch {
    return { problems, cost: null }; // variables that do not coerce: execution reports them
  }
}

/** Verdicts kept per document and operation, by their variables' JSON (a dashboard sends the same ones again and again). */
const VERDICTS_PER_OPERATION = 32;
/** Variables longer than this as JSON are judged every time: keeping them would cost more memory than judging them. */
const MAX_REMEMBERED_VARIABLES_JSON = 2048;

/**
 * Refuses, before any resolver runs, an operation whose arguments carry unstorable text, malformed or wrong-type
 * global ids or overlong lists (INVALID_INPUT, naming each argument path), or whose cost exceeds
 * {@link MAX_REQUEST_COST} (COST_LIMIT_EXCEEDED).
 *
 * An operation gets the same verdict every time for the same variables: it is kept per parsed document (Yoga hands
 * the same document object to every request with the same query text, from its parser cache), schema and operation,
 * for the last {@link VERDICTS_PER_OPERATION} sets of variables (short ones only), so that a repeated request is not
 * walked twice (on the member list the walk was a twentieth of the gateway's CPU).
 */
export function useInputLimits(maxCost: number = MAX_REQUEST_COST): Plugin {
  const verdicts = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, Map<string, Verdict>>>>();
  function judged(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown>): Verdict {
    const variablesJson = JSON.stringify(variables);
    if (variablesJson.length > MAX_REMEMBERED_VARIABLES_JSON) return verdictOf(schema, document, variables, operationName);
    let bySchema = verdicts.get(schema);
    if (!bySchema) verdicts.set(schema, (bySchema = new WeakMap()));
    let byOperation = bySchema.get(document);
    if (!byOperation) bySchema.set(document, (byOperation = new Map()));
    const operationKey = operationName ?? "";
    let byVariables = byOperation.get(operationKey);
    if (!byVariables) byOperation.set(operationKey, (byVariables = new Map()));
    let verdict = byVariables.get(variablesJson);
    if (verdict) {
      // Most recently used last: the first entry is the one to forget.
      byVariables.delete(variablesJson);
    } else {
      verdict = verdictOf(schema, document, variables, operationName);
      if (byVariables.size >= VERDICTS_PER_OPERATION) byVariables.delete(byVariables.keys().next().value!);
    }
    byVariables.set(variablesJson, verdict);
    return verdict;
  }
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      const { problems, cost } = judged(args.schema, args.document, args.operationName, variables);
      if (problems.length > 0) {
        setResultAndStopExecution({
          errors: problems.slice(0, MAX_REPORTED_PROBLEMS).map(
            (problem) =>
              new GraphQLError(problem.path.includes(".") ? `${problem.path}: ${problem.message}` : problem.message, {
                nodes: [problem.node],
                extensions: { code: "INVALID_INPUT", field: problem.field, http: { status: 400 } },
              }),
          ),
        });
        return;
      }
      if (cost !== null && cost > maxCost) {
        setResultAndStopExecution({
          errors: [
            new GraphQLError(
              `This request would cost ${cost.toLocaleString("en-US")}; at most ${maxCost.toLocaleString("en-US")} is allowed ` +
                "(each list item counts, and a field's selection counts once per item or requested edge). Ask for fewer items or split the request.",
              { extensions: { code: "COST_LIMIT_EXCEEDED", cost, maxCost, http: { status: 400 } } },
            ),
          ],
        });
      }
    },
  };
}
