import { defaultExtractPersistedOperationId, usePersistedOperations } from "@graphql-yoga/plugin-persisted-operations";
import { createGraphQLError, type Plugin } from "graphql-yoga";
import { sessionCookieOf } from "../authentication";

export type TrustedDocumentsMode = "cookie" | "off";

export const NOT_PERSISTED_MESSAGE =
  "Requests signed in with the session cookie may run only the dashboard's persisted operations (TRUSTED_DOCUMENTS=cookie). " +
  "To send your own documents, use a personal access token: Authorization: Bearer <token>.";

export const UNKNOWN_PERSISTED_MESSAGE =
  "No persisted operation has this hash: reload the dashboard (the server may have been updated since the page was loaded).";

/**
 * Trusted documents. With the session cookie (a browser), only the operations the dashboard's build persisted run:
 * the request names one by its SHA-256 hash (`extensions.persistedQuery.sha256Hash`, without `query`) and the
 * server executes its own copy of the text. A page that gets to act with someone's session — an injected script, a
 * compromised dependency, a page on a CORS_ORIGINS origin — can then only do what the dashboard itself does.
 * Requests with `Authorization: Bearer` (GraphiQL, scripts) and anonymous ones send any document, and may name a
 * persisted one too. `off`: the session cookie may send any document as well.
 */
export function useTrustedDocuments({
  mode,
  persistedDocuments,
  secure,
}: {
  mode: TrustedDocumentsMode;
  persistedDocuments: ReadonlyMap<string, string>;
  secure: boolean;
}): Plugin {
  const persisted = usePersistedOperations({
    getPersistedOperation: (key) => persistedDocuments.get(key) ?? persistedDocuments.get(`sha256:${key}`) ?? null,
    allowArbitraryOperations: true,
    customErrors: {
      notFound: { message: UNKNOWN_PERSISTED_MESSAGE, extensions: { code: "PERSISTED_QUERY_NOT_FOUND", http: { status: 400 } } },
    },
  }) as Plugin & Required<Pick<Plugin, "onParams">>;
  return {
    ...persisted,
    onParams(payload) {
      if (payload.params.query) {
        if (mode === "cookie" && sessionCookieOf(payload.request, secure) !== null) {
          throw createGraphQLError(NOT_PERSISTED_MESSAGE, { extensions: { code: "PERSISTED_QUERY_ONLY", http: { status: 403 } } });
        }
        return;
      }
      // Neither a document nor a hash: Yoga's own answer ("Must provide query string.").
      if (defaultExtractPersistedOperationId(payload.params, payload.request, payload.context) === null) return;
      return persisted.onParams(payload);
    },
  };
}
