import { createRequire } from "node:module";
import { isDeepStrictEqual } from "node:util";
import {
  getOperationAST,
  getVariableValues,
  Kind,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import type { CoercedVariableValues } from "graphql-jit/dist/variables";
import type { Plugin } from "graphql-yoga";

// graphql-jit's coercion of variables, which its compiled queries run. Its ES module build of this file imports its
// neighbours without their extension, which Node refuses: loaded as CommonJS, as graphql-jit's main entry itself
// loads its compiler (one graphql module for both, the one Node loads for `import "graphql"`).
const { compileVariableParsing, failToParseVariables } = createRequire(import.meta.url)(
  "graphql-jit/dist/variables",
) as typeof import("graphql-jit/dist/variables");

/**
 * What compiled execution did since the process started: the test of byte-identical answers reads it to know that
 * the compiled path was taken, and an operator can read it when comparing GRAPHQL_JIT on and off.
 */
export const compiledExecutionCounts = {
  /** Operations compiled (one per document and operation, when a document is seen the second time). */
  compiled: 0,
  /** Operations whose compilation failed: executed by graphql-js, and not compiled again. */
  notCompilable: 0,
  /** Requests answered by a compiled operation. */
  answered: 0,
  /** Requests whose compiled answer carried an error, executed again by graphql-js, whose answer was sent. */
  reExecuted: 0,
};

/** One operation of a document, compiled. */
interface CompiledOperation {
  query: CompiledQuery["query"];
  /** graphql-jit's own coercion of the variables: the values its resolvers will see. */
  coerceVariables: (input: Record<string, unknown>) => CoercedVariableValues;
  /** Compiled answers in a row that carried an error (each executed again by graphql-js); see `MAX_ERRORED_IN_A_ROW`. */
  erroredInARow: number;
}

/**
 * A compiled operation whose answers carried an error this many times in a row runs on graphql-js from then on: each
 * such answer is executed twice (compiled, then by graphql-js), and a caller repeating a refused query must not cost
 * the server double.
 */
export const MAX_ERRORED_IN_A_ROW = 3;

interface DocumentEntry {
  schema: GraphQLSchema;
  /** Executions seen: a document is compiled on its second execution, so that a one-off document costs no compilation. */
  seen: number;
  /** False when the document carries a directive, or a variable inside a list or object argument (see `compilable`). */
  compilable: boolean;
  /** Compiled operations by operation node; null: its compilation failed. */
  operations: Map<OperationDefinitionNode, CompiledOperation | null>;
}

export interface CompiledExecutionOptions {
  /** Documents remembered (their compiled operations with them), least recently used dropped first. */
  maxDocuments?: number;
  /** Executions of a document before it is compiled (1: the first one is compiled already). */
  compileOnExecution?: number;
}

/**
 * Compiled execution (graphql-jit) of the queries whose answer is known to be byte for byte graphql-js's: each
 * operation of a document is compiled once into a function, which allocates much less than graphql-js's walk of the
 * document. What graphql-jit answers differently stays on graphql-js (the normal executor):
 *
 * - mutations and subscriptions (only `query` operations are compiled, so that nothing is ever executed twice);
 * - documents with any directive (graphql-jit puts the fields selected with `@include`/`@skip` first in the answer);
 * - documents with a variable inside a list or object argument value, when that variable is not given (graphql-js
 *   leaves the field out, graphql-jit sets it to null);
 * - variables graphql-js refuses (it answers 400 naming the variable), and variables graphql-jit would coerce to
 *   other values than graphql-js does;
 * - documents graphql-jit cannot compile;
 * - any answer with an error: graphql-jit's errors carry no AST nodes (Yoga's answer would lose their `locations`)
 *   and its null propagation may differ, so the request is executed again by graphql-js, with the same context (its
 *   dataloaders' caches are reused), and graphql-js's answer is sent.
 *
 * Compiled operations are kept per parsed document (Yoga hands the same document object to every request with the
 * same query text, from its parser cache) and per operation node, so that each operation of a document runs its own
 * function. Registered first among the plugins that replace the execute function: the tracing plugin then wraps it,
 * and the execution hooks (metrics, logging, masked errors) see its result like graphql-js's.
 */
export function useCompiledExecution({ maxDocuments = 300, compileOnExecution = 2 }: CompiledExecutionOptions = {}): Plugin {
  // A Map iterates in insertion order: re-inserting on each use makes its first key the least recently used.
  const documents = new Map<DocumentNode, DocumentEntry>();

  function entryOf(schema: GraphQLSchema, document: DocumentNode): DocumentEntry {
    let entry = documents.get(document);
    if (entry && entry.schema === schema) {
      documents.delete(document);
    } else {
      entry = { schema, seen: 0, compilable: compilable(document), operations: new Map() };
    }
    documents.set(document, entry);
    if (documents.size > maxDocuments) documents.delete(documents.keys().next().value!);
    entry.seen++;
    return entry;
  }

  function compiledOperation(entry: DocumentEntry, document: DocumentNode, operation: OperationDefinitionNode): CompiledOperation | null {
    if (entry.operations.has(operation)) return entry.operations.get(operation)!;
    let compiled: CompiledOperation | null = null;
    try {
      const result = compileQuery(entry.schema, document, operation.name?.value, { disablingCapturingStackErrors: true });
      if (isCompiledQuery(result)) {
        compiled = {
          query: result.query,
          coerceVariables: compileVariableParsing(entry.schema, operation.variableDefinitions ?? []),
          erroredInARow: 0,
        };
      }
    } catch {
      compiled = null;
    }
    if (compiled) compiledExecutionCounts.compiled++;
    else compiledExecutionCounts.notCompilable++;
    entry.operations.set(operation, compiled);
    return compiled;
  }

  /** The compiled operation to run for these arguments; null: graphql-js runs them. */
  function compiledFor(args: ExecutionArgs): CompiledOperation | null {
    const operationName = args.operationName ?? undefined;
    const operation = getOperationAST(args.document, operationName);
    if (!operation || operation.operation !== "query") return null;
    const entry = entryOf(args.schema, args.document);
    if (!entry.compilable || entry.seen < compileOnExecution) return null;
    const compiled = compiledOperation(entry, args.document, operation);
    if (!compiled || compiled.erroredInARow >= MAX_ERRORED_IN_A_ROW) return null;
    const input = (args.variableValues ?? {}) as Record<string, unknown>;
    // graphql-js refuses these variables (a 400 naming the variable): its answer, not graphql-jit's.
    const expected = getVariableValues(args.schema, operation.variableDefinitions ?? [], input, { maxErrors: 50 });
    if (expected.errors) return null;
    const actual = compiled.coerceVariables(input);
    if (failToParseVariables(actual) || !sameValue(expected.coerced, actual.coerced)) return null;
    return compiled;
  }

  return {
    onExecute({ executeFn, setExecuteFn }) {
      const normal = executeFn;
      setExecuteFn(function compiledExecute(executionArgs: ExecutionArgs) {
        const compiled = compiledFor(executionArgs);
        if (!compiled) return normal(executionArgs);
        // Should the compiled code itself throw (not a resolver: their errors are in the result), graphql-js answers.
        const failed = () => {
          compiled.erroredInARow++;
          compiledExecutionCounts.reExecuted++;
          return normal(executionArgs);
        };
        const answer = (result: ExecutionResult) => {
          if (result.errors && result.errors.length > 0) return failed();
          compiled.erroredInARow = 0;
          compiledExecutionCounts.answered++;
          return result;
        };
        let result: ReturnType<typeof compiled.query>;
        try {
          result = compiled.query(executionArgs.rootValue, executionArgs.contextValue, (executionArgs.variableValues ?? {}) as Record<string, unknown>);
        } catch {
          return failed();
        }
        return result instanceof Promise ? result.then(answer, failed) : answer(result);
      } as typeof executeFn);
    },
  };
}

/**
 * False when graphql-jit's answer could differ from graphql-js's for a reason the document shows: a directive
 * anywhere (graphql-jit moves the fields selected with `@include`/`@skip` to the front of their object; other
 * directives are refused alike, to be safe), or a variable inside a list or object argument value (graphql-jit makes
 * an absent one null, where graphql-js leaves its field out).
 */
function compilable(document: DocumentNode): boolean {
  let found = false;
  let nested = 0;
  visit(document, {
    Directive() {
      found = true;
      return false;
    },
    ListValue: { enter: () => void nested++, leave: () => void nested-- },
    ObjectValue: { enter: () => void nested++, leave: () => void nested-- },
    Variable(_node, _key, parent) {
      if (nested > 0 && (parent as { kind?: string } | undefined)?.kind !== Kind.VARIABLE_DEFINITION) found = true;
    },
  });
  return !found;
}

/**
 * The same values, as graphql-js's and graphql-jit's coercions build them: plain objects compared by their own keys
 * (a key set to undefined counts), arrays by their items, anything else as Node's deep strict equality does.
 */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => sameValue(item, b[index]));
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return isDeepStrictEqual(a, b);
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === null || prototype === Object.prototype;
}
