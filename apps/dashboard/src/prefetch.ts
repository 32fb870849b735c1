import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import type { Client } from "urql";
import { SessionQuery } from "./App";
import { HomeQuery } from "./screens/Home";
import { MyAccessQuery } from "./screens/MyAccess";
import { MyTokensQuery } from "./screens/MyTokens";

/** The screens whose query needs nothing from the session (no variables), by path. */
const SCREEN_QUERIES = new Map<string, TypedDocumentNode<unknown, Record<string, never>>>([
  ["/", HomeQuery],
  ["/me/access", MyAccessQuery],
  ["/me/tokens", MyTokensQuery],
]);

/**
 * Sends the session query, and the query of the screen at `pathname` when it needs nothing from the session, as soon
 * as the script runs, both at once, instead of the screen's after the session's answer. The components' own queries
 * (same operation, same variables) then share these requests, or read their answers from the client's cache: the
 * client sends one request per operation at a time, and what each screen shows is unchanged.
 */
export function prefetchFirstScreen(client: Client, pathname: string): void {
  void client.query(SessionQuery, {}, { requestPolicy: "cache-first" }).toPromise();
  const screenQuery = SCREEN_QUERIES.get(pathname);
  if (screenQuery) void client.query(screenQuery, {}).toPromise();
}
