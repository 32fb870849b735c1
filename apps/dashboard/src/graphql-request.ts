/**
 * How the dashboard sends a GraphQL operation, shared by its client (client.ts) and the requests the page starts before
 * the client has loaded (first-requests.ts), so that both are the same request: a POST of the operation's persisted
 * hash, never its text (with the session cookie the gateway runs only persisted operations, TRUSTED_DOCUMENTS=cookie),
 * same origin (the browser adds the session cookie), with the header the gateway requires on session-cookie requests
 * (CSRF prevention; any value) and the media types urql accepts.
 */
export const GRAPHQL_URL = "/graphql";
export const CREDENTIALS: RequestCredentials = "same-origin";
export const REQUEST_HEADERS: Readonly<Record<string, string>> = {
  accept: "application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed",
  "x-graphql-yoga-csrf": "dashboard",
};

/** The body of a persisted operation, as urql's persisted exchange writes it. */
export function persistedOperationBody(operationName: string, hash: string, variables: Record<string, unknown>): string {
  return JSON.stringify({ operationName, variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
}
