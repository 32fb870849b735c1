import { persistedExchange } from "@urql/exchange-persisted";
import { cacheExchange, Client, fetchExchange } from "urql";

/** The header the gateway requires on session-cookie requests (CSRF prevention); any value. */
const CSRF_HEADER = "x-graphql-yoga-csrf";

/**
 * The dashboard's GraphQL client. It sends every operation by the SHA-256 hash that the build persisted
 * (src/gql/persisted-documents.json), never its text: with the session cookie the gateway runs only persisted
 * operations (TRUSTED_DOCUMENTS=cookie). Same origin, so the browser adds the session cookie.
 */
export const client = new Client({
  url: "/graphql",
  fetchOptions: { credentials: "same-origin", headers: { [CSRF_HEADER]: "dashboard" } },
  preferGetMethod: false,
  requestPolicy: "cache-and-network",
  exchanges: [
    cacheExchange,
    persistedExchange({
      enforcePersistedQueries: true,
      enableForMutation: true,
      preferGetForPersistedQueries: false,
      generateHash: async (_query, document) => {
        const hash = (document as { __meta__?: { hash?: string } }).__meta__?.hash;
        if (!hash) throw new Error("This operation was not persisted by the build: write it with graphql() in src/.");
        return hash;
      },
    }),
    fetchExchange,
  ],
});
