import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { Plugin } from "graphql-yoga";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Principal } from "@sso-cutover/tokens";
import { isAuthenticationRefusal } from "../authentication";
import type { Logger } from "../logger";
import { clientAddress } from "./client-address";

/** Routes a load balancer or a monitor calls: never limited. */
const UNLIMITED = new Set(["/health", "/ready", "/metrics"]);

/** The anonymous sign-in routes: a tighter budget per client address, against credential stuffing and floods. */
function isSignInRoute(method: string, pathname: string): boolean {
  return (
    (method === "GET" && pathname === "/login/sso") ||
    // The development IdP signs a response per person at each page view.
    (method === "GET" && pathname === "/dev-idp") ||
    (method === "POST" && pathname === "/login/recovery") ||
    (method === "POST" && pathname.startsWith("/saml/acs/"))
  );
}

export interface RateLimitOptions {
  /** Requests per minute per caller (principal once authenticated, else client address); 0: off. */
  perMinute: number;
  /** Failed authentications per minute per client address; beyond, credentials from it are refused unchecked. 0: off. */
  authFailuresPerMinute: number;
  /** Requests per minute per client address to the sign-in routes; 0: off. */
  loginPerMinute: number;
  /** How many reverse proxies' X-Forwarded-For entries to believe (TRUST_PROXY). */
  trustProxy: number;
  /** Shared counters for all gateway instances; unset: counters in this process. */
  redisUrl?: string | undefined;
  /** The request's principal, authenticated once per request (shared with the GraphQL context). */
  authenticate(request: Request): Promise<Principal | null>;
  /** Whether the request presents a credential at all. */
  carriesCredential(request: Request): boolean;
  /**
   * The SCIM token of a request to the SCIM endpoint (R20), authenticated once per request and shared with its route;
   * null for any other path. Such requests count against the token.
   */
  authenticateScim?(request: Request, pathname: string): Promise<{ tokenId: string }> | null;
  log: Logger;
}

/** One counter the budget of a caller is kept in, and the figures its RateLimit-* headers show. */
interface Budget {
  name: string;
  points: number;
  limiter: RateLimiterAbstract;
}

/** Which budget a request was counted against, and where it stands. */
interface Standing {
  budget: Budget;
  state: RateLimiterRes;
}

/**
 * The key a request counts against once it is authenticated: the account (whatever credential it used — a PAT,
 * another PAT, the session) or the scoped organization token. Never the raw header text, so `bearer`, extra
 * spaces or a second token of the same account do not open a fresh budget.
 */
function principalKey(principal: Principal): string {
  return principal.kind === "ACCOUNT" ? `account:${principal.account.id}` : `organization-token:${principal.token.id}`;
}

function secondsUntil(state: RateLimiterRes): number {
  return Math.max(1, Math.ceil(state.msBeforeNext / 1000));
}

/**
 * Rate limits that a caller cannot step around:
 * - every request counts against its principal once authenticated (else its client address), RATE_LIMIT_PER_MINUTE;
 * - failed authentications count against the client address (AUTH_FAILURES_PER_MINUTE); once that budget is spent,
 *   any request presenting a credential from that address is refused before the credential is looked up, so
 *   guessing tokens or session ids costs the database nothing and gains nothing;
 * - the anonymous sign-in routes have their own, tighter budget per address (LOGIN_RATE_LIMIT_PER_MINUTE).
 * The client address is the socket's peer unless TRUST_PROXY says how many proxies' X-Forwarded-For to believe.
 * Limited responses carry RateLimit-Limit/-Remaining/-Reset; a 429 also carries Retry-After.
 * With REDIS_URL the counters are shared by every gateway instance; if Redis is unreachable the limiter falls back
 * to per-process counters, so an outage of Redis never refuses requests.
 */
export function useRateLimit(options: RateLimitOptions): Plugin {
  const { perMinute, authFailuresPerMinute, loginPerMinute, trustProxy, redisUrl, log } = options;
  if (perMinute <= 0 && authFailuresPerMinute <= 0 && loginPerMinute <= 0) return {};
  const instance = redisUrl ? "shared" : randomBytes(4).toString("hex");
  let redis: Redis | null = null;
  // Until the first connection is up (or given up on after a second), requests wait: otherwise the first counts
  // of a new instance land in its process counters and are missing from Redis once it connects.
  let storeReady: Promise<void> = Promise.resolve();
  if (redisUrl) {
    const client = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    client.on("error", (error: Error) => log.warn({ err: error.message }, "rate limit store (Redis) unavailable: counting in this process"));
    storeReady = new Promise((resolve) => {
      client.once("ready", () => resolve());
      setTimeout(resolve, 1000).unref();
    });
    redis = client;
  }
  function budget(name: string, points: number): Budget | null {
    if (points <= 0) return null;
    const keyPrefix = `sso-cutover-${name}-${instance}`;
    const memory = new RateLimiterMemory({ keyPrefix, points, duration: 60 });
    const limiter = redis ? new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration: 60, insuranceLimiter: memory }) : memory;
    return { name, points, limiter };
  }
  // "rate" keeps the prefix the counters had before the other budgets existed.
  const requests = budget("rate", perMinute);
  const failures = budget("auth-failures", authFailuresPerMinute);
  const signIns = budget("sign-in", loginPerMinute);
  const standings = new WeakMap<Request, Standing>();

  /** Counts one request against the budget; the refusal (a 429) when it is spent. */
  async function consume(request: Request, spent: Budget, key: string): Promise<Response | null> {
    try {
      standings.set(request, { budget: spent, state: await spent.limiter.consume(key) });
      return null;
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      standings.set(request, { budget: spent, state: refusal });
      return tooMany(`Too many requests: at most ${spent.points} a minute.`, refusal);
    }
  }

  function tooMany(reason: string, state: RateLimiterRes): Response {
    const seconds = secondsUntil(state);
    return Response.json(
      { errors: [{ message: `${reason} Retry in ${seconds} s.`, extensions: { code: "RATE_LIMITED" } }] },
      { status: 429, headers: { "retry-after": String(seconds) } },
    );
  }

  return {
    async onRequest({ request, url, serverContext, endResponse }) {
      if (UNLIMITED.has(url.pathname)) return;
      await storeReady;
      const address = clientAddress(request, serverContext, trustProxy);
      if (isSignInRoute(request.method, url.pathname)) {
        const refusal = signIns ? await consume(request, signIns, `address:${address}`) : null;
        if (refusal) endResponse(refusal);
        return;
      }
      let key = `address:${address}`;
      if (options.carriesCredential(request)) {
        if (failures) {
          const spent = await failures.limiter.get(key);
          if (spent !== null && spent.consumedPoints >= failures.points) {
            standings.set(request, { budget: failures, state: spent });
            endResponse(tooMany(`Too many failed authentications from this address: at most ${failures.points} a minute.`, spent));
            return;
          }
        }
        try {
          const scimCaller = options.authenticateScim?.(request, url.pathname) ?? null;
          if (scimCaller !== null) key = `scim-token:${(await scimCaller).tokenId}`;
          else {
            const principal = await options.authenticate(request);
            if (principal) key = principalKey(principal);
          }
        } catch (error) {
          // The request goes on to be answered 401 (or its route's own answer); here it only costs the address.
          if (failures && isAuthenticationRefusal(error)) await failures.limiter.consume(key).catch(() => undefined);
        }
      }
      if (!requests) return;
      const refusal = await consume(request, requests, key);
      if (refusal) endResponse(refusal);
    },
    onResponse({ request, response }) {
      const standing = standings.get(request);
      if (!standing) return;
      response.headers.set("ratelimit-limit", String(standing.budget.points));
      response.headers.set("ratelimit-remaining", String(Math.max(0, standing.state.remainingPoints)));
      response.headers.set("ratelimit-reset", String(secondsUntil(standing.state)));
    },
    async onDispose() {
      await redis?.quit().catch(() => undefined);
    },
  };
}
