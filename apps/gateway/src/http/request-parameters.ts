import { createGraphQLError, type Plugin } from "graphql-yoga";

/** As Yoga answers other malformed requests: 400, or 200 to a client that accepts only `application/json` (spec). */
function badRequest(message: string, extensions: Record<string, unknown> = {}) {
  return createGraphQLError(message, { extensions: { ...extensions, code: "BAD_REQUEST", http: { spec: true, status: 400 } } });
}

/** Why a JSON-encoded request parameter cannot be used, or null. */
function jsonParameterProblem(name: string, text: string | null): string | null {
  if (text === null || text === "") return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `The "${name}" parameter is not valid JSON.`;
  }
  if (value !== null && (typeof value !== "object" || Array.isArray(value))) {
    return `The "${name}" parameter must be a JSON object.`;
  }
  return null;
}

/**
 * Malformed request parameters are the client's mistake: answered 400 naming the parameter, never 500.
 * Yoga parses `variables` and `extensions` of a GET (or form-encoded POST) with a bare `JSON.parse`, whose
 * SyntaxError would reach the client as an unexpected error; and its JSON-body error carries the parser's own
 * message (with a piece of the body), which is left out.
 */
export function useRequestParameterChecks(): Plugin {
  return {
    onRequestParse({ request, url, requestParser, setRequestParser }) {
      if (!requestParser) return;
      const parse = requestParser;
      setRequestParser(async (incoming) => {
        const query = request.method === "GET" ? url.searchParams : null;
        for (const name of ["variables", "extensions"]) {
          const problem = query ? jsonParameterProblem(name, query.get(name)) : null;
          // Always 400: Yoga's own parser would have failed here, before any GraphQL request existed.
          if (problem) throw createGraphQLError(problem, { extensions: { code: "BAD_REQUEST", http: { status: 400 } } });
        }
        try {
          return await parse(incoming);
        } catch (error) {
          if (error instanceof SyntaxError) throw badRequest("The request's parameters are not valid JSON.");
          const extensions = (error as { extensions?: Record<string, unknown> }).extensions;
          if (extensions && "originalError" in extensions) {
            const { originalError: _parserMessage, ...rest } = extensions;
            throw badRequest("The request body is not valid JSON.", rest);
          }
          throw error;
        }
      });
    },
  };
}
