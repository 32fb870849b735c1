import type { SessionQuery } from "./gql/graphql";
import { FIRST_SCREEN_OPERATIONS, SESSION_OPERATION } from "./first-operations";
import { CREDENTIALS, GRAPHQL_URL, persistedOperationBody, REQUEST_HEADERS } from "./graphql-request";
import { administers, viewerEnterprise } from "./viewer-enterprise";

/**
 * The first screen's requests, started by a small script inline in index.html (first-requests.page.ts) while the
 * application's script is still downloading and compiling: the session, and the query of the screen at the page's
 * path. The client (client.ts) then answers its first identical requests with these responses instead of sending
 * them again (`takeFirstResponse`), so what each screen shows, and which requests the server sees, are unchanged; they
 * only start sooner. They are persisted operations sent by hash, as every request of the dashboard.
 */

/** A response as the page received it (read whole), until the client takes it. */
export interface ReceivedResponse {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
}

interface FirstRequest {
  /** The operation's hash and variables (`requestKey`). */
  key: string;
  response: Promise<ReceivedResponse>;
  /** Whether the client took the response already: each answers one request. */
  taken: boolean;
}

declare global {
  interface Window {
    __dashboardFirstRequests?: FirstRequest[];
  }
}

/**
 * The variables of a screen's first query that needs the session's answer (null: the screen will not send it): the
 * Overview's enterprise, when the viewer administers the enterprise of their access review (as App and AdminOnly
 * decide). The other first queries have no variables.
 */
const VARIABLES_FROM_SESSION: Readonly<Record<string, (session: SessionQuery) => Record<string, unknown> | null>> = {
  Overview: (session) => {
    const { enterprise, permissions } = viewerEnterprise(session.viewer);
    return enterprise && permissions && administers(permissions) ? { enterpriseKey: enterprise.key } : null;
  },
};

/** JSON with object keys sorted, so that equal variables give equal keys. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, each]) => each !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, each]) => `${JSON.stringify(name)}:${canonicalJson(each)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function requestKey(hash: string, variables: Record<string, unknown> | undefined): string {
  return `${hash} ${canonicalJson(variables ?? {})}`;
}

async function receive(response: Response): Promise<ReceivedResponse> {
  return { status: response.status, statusText: response.statusText, headers: [...response.headers], body: await response.text() };
}

/**
 * Sends the session query and the first query of the screen at `pathname` (`hashes`: persisted hash by operation
 * name), and leaves them for the client. A query that needs the session's answer is sent as soon as that answer is
 * read, before the client gets it.
 */
export function startFirstRequests(pathname: string, hashes: Readonly<Record<string, string>>): void {
  const started: FirstRequest[] = [];
  window.__dashboardFirstRequests = started;
  const send = (operation: string, variables: Record<string, unknown>): FirstRequest | null => {
    const hash = hashes[operation];
    if (!hash) return null;
    const response = fetch(GRAPHQL_URL, {
      method: "POST",
      credentials: CREDENTIALS,
      headers: { ...REQUEST_HEADERS, "content-type": "application/json" },
      body: persistedOperationBody(operation, hash, variables),
    }).then(receive);
    // A failure belongs to the client's request that takes the response; unclaimed, it is nobody's error.
    response.catch(() => undefined);
    const request = { key: requestKey(hash, variables), response, taken: false };
    started.push(request);
    return request;
  };
  const session = send(SESSION_OPERATION, {});
  const first = FIRST_SCREEN_OPERATIONS[pathname];
  if (!session || !first) return;
  const variablesOf = VARIABLES_FROM_SESSION[first];
  if (!variablesOf) {
    send(first, {});
  } else {
    session.response = session.response.then((received) => {
      try {
        const data = (JSON.parse(received.body) as { data?: SessionQuery | null }).data;
        const variables = data ? variablesOf(data) : null;
        if (variables) send(first, variables);
      } catch {
        // Not an answer with data: the screen asks for itself once it has loaded.
      }
      return received;
    });
    session.response.catch(() => undefined);
  }
}

/**
 * The response the page started for this request (the body of a persisted operation), if any is left: each answers
 * the first identical request only. Null: send the request.
 */
export function takeFirstResponse(body: unknown, signal?: AbortSignal | null): Promise<Response> | null {
  const started = typeof window === "undefined" ? undefined : window.__dashboardFirstRequests;
  if (!started?.length || typeof body !== "string") return null;
  let key: string;
  try {
    const sent = JSON.parse(body) as { variables?: Record<string, unknown>; extensions?: { persistedQuery?: { sha256Hash?: string } } };
    const hash = sent.extensions?.persistedQuery?.sha256Hash;
    if (!hash) return null;
    key = requestKey(hash, sent.variables);
  } catch {
    return null;
  }
  const request = started.find((each) => !each.taken && each.key === key);
  if (!request) return null;
  request.taken = true;
  return request.response.then((received) => {
    if (signal?.aborted) {
      // The client gave this request up before its answer came: the next identical one takes it.
      request.taken = false;
      throw new DOMException("The operation was aborted.", "AbortError");
    }
    return new Response(received.body, { status: received.status, statusText: received.statusText, headers: received.headers });
  });
}
