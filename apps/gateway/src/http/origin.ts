import type { CORSOptions, Plugin } from "graphql-yoga";
import { sessionCookieOf } from "../authentication";
import type { GatewayConfig } from "../config";
import { CSRF_HEADER } from "./csrf";
import { servesOverHttps } from "./session-cookie";

/** The origins whose pages may use the session cookie: the server's own (PUBLIC_URL) and CORS_ORIGINS. */
export function trustedOrigins(config: Pick<GatewayConfig, "PUBLIC_URL" | "CORS_ORIGINS">): ReadonlySet<string> {
  return new Set([new URL(config.PUBLIC_URL).origin, ...config.CORS_ORIGINS]);
}

/**
 * Yoga's CORS answer. Only the origins of CORS_ORIGINS get CORS headers (with credentials, so a dashboard there can
 * use the session cookie); any other origin — `null` included — gets none, so its page can neither pass a
 * preflight nor read a response. The server's own pages are same-origin and need no CORS at all.
 */
export function corsPolicy(config: Pick<GatewayConfig, "CORS_ORIGINS">): (request: Request) => CORSOptions | false {
  const allowed = new Set(config.CORS_ORIGINS);
  return (request) => {
    const origin = request.headers.get("origin");
    if (origin === null || !allowed.has(origin)) return false;
    return {
      origin,
      credentials: true,
      methods: ["GET", "POST"],
      allowedHeaders: ["content-type", "authorization", CSRF_HEADER],
      exposedHeaders: ["retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"],
      maxAge: 600,
    };
  };
}

/** The IdP posts its SAML response cross-site by design; that route authenticates by the signed response, not the cookie. */
const ASSERTION_CONSUMER_PREFIX = "/saml/acs/";

/**
 * Refuses (403) a request that carries the session cookie from a page of another origin, on every route: the
 * cookie is sent by the browser whatever page makes the request, so an Origin that is neither PUBLIC_URL's nor in
 * CORS_ORIGINS means a foreign page is acting with the user's session (including another port of the same host,
 * which SameSite does not stop). `Origin: null` (sandboxed frames, `data:` pages) is refused too — except when the
 * browser itself vouches that the request comes from this origin (`Sec-Fetch-Site: same-origin`): it sends
 * `Origin: null` on form posts from our own pages because they are served with `Referrer-Policy: no-referrer`.
 * Requests without an Origin header are not from a script or form of another page (browsers send Origin on every
 * cross-origin request and every POST), and requests authenticated by an Authorization header carry no ambient
 * credential.
 */
export function useOriginCheck(config: Pick<GatewayConfig, "PUBLIC_URL" | "CORS_ORIGINS">): Plugin {
  const trusted = trustedOrigins(config);
  const secure = servesOverHttps(config.PUBLIC_URL);
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      const origin = request.headers.get("origin");
      if (origin === null || trusted.has(origin)) return;
      if (sessionCookieOf(request, secure) === null) return;
      if (url.pathname.startsWith(ASSERTION_CONSUMER_PREFIX)) return;
      if (origin === "null" && request.headers.get("sec-fetch-site") === "same-origin") return;
      const message =
        `Refused: this request carries the session cookie but comes from a page of another origin (${origin}). ` +
        "Only pages of this server, or of an origin listed in CORS_ORIGINS, may use the session.";
      endResponse(
        url.pathname === "/graphql"
          ? fetchAPI.Response.json({ errors: [{ message, extensions: { code: "FORBIDDEN" } }] }, { status: 403 })
          : new fetchAPI.Response(message, { status: 403, headers: { "content-type": "text/plain; charset=utf-8" } }),
      );
    },
  };
}
