import { persistedExchange } from "@urql/exchange-persisted";
import { cacheExchange, Client, fetchExchange } from "urql";
import { takeFirstResponse } from "./first-requests";
import { CREDENTIALS, GRAPHQL_URL, REQUEST_HEADERS } from "./graphql-request";

/**
 * The dashboard's GraphQL client. It sends every operation by the SHA-256 hash that the build persisted
 * (src/gql/persisted-documents.json), never its text: with the session cookie the gateway runs only persisted
 * operations (TRUSTED_DOCUMENTS=cookie). Same origin, so the browser adds the session cookie. The first screen's
 * requests were started by the page before this script loaded: the first identical request takes that response.
 */
export const client = new Client({
  url: GRAPHQL_URL,
  fetchOptions: { credentials: CREDENTIALS, headers: { ...REQUEST_HEADERS } },
  fetch: (input, init) => takeFirstResponse(init?.body, init?.signal) ?? fetch(input, init),
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
