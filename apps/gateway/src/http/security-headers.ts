import type { Plugin } from "graphql-yoga";
import { pathnameOf } from "./pathname";

/**
 * Headers every response carries, set last so no route can forget them:
 * - `X-Content-Type-Options: nosniff` (a response is never run as something other than its declared type);
 * - `Referrer-Policy: no-referrer` (no URL of this server — GraphiQL links carry queries — leaks to another site);
 * - on `/graphql`, `Cache-Control: no-store` (responses can carry token secrets and recovery passwords, which no
 *   browser or proxy cache may keep) and `Vary: Origin` (the CORS answer depends on it);
 * - on GraphiQL (the HTML answer of `GET /graphql`), its Content-Security-Policy and `X-Frame-Options: DENY`.
 */
export function useSecurityHeaders({ graphiqlPolicy }: { graphiqlPolicy: () => string }): Plugin {
  return {
    onResponse({ request, response }) {
      const headers = response.headers;
      headers.set("x-content-type-options", "nosniff");
      if (!headers.has("referrer-policy")) headers.set("referrer-policy", "no-referrer");
      if (pathnameOf(request.url) !== "/graphql") return;
      headers.set("cache-control", "no-store");
      const vary = (headers.get("vary") ?? "").toLowerCase().split(",").map((part) => part.trim());
      if (!vary.includes("origin")) headers.append("vary", "Origin");
      if (request.method === "GET" && (headers.get("content-type") ?? "").startsWith("text/html")) {
        headers.set("content-security-policy", graphiqlPolicy());
        headers.set("x-frame-options", "DENY");
      }
    },
  };
}
