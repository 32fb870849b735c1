import { createHash, randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { Plugin } from "graphql-yoga";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { SESSION_COOKIE } from "@sso-cutover/sso";
import { readCookie } from "../authentication";
import type { Logger } from "../logger";

/** Routes a load balancer or a monitor calls: never limited. */
const UNLIMITED = new Set(["/health", "/ready", "/metrics"]);

export interface RateLimitOptions {
  /** Requests per minute per caller; 0 turns limiting off. */
  perMinute: number;
  /** Shared counters for all gateway instances; unset: counters in this process. */
  redisUrl?: string | undefined;
  log: Logger;
}

/**
 * The caller a request counts against: its credential (a hash of the bearer token or session cookie, never the
 * secret itself), else its network address.
 */
function callerKey(request: Request, serverContext: unknown): string {
  const credential = request.headers.get("authorization") ?? readCookie(request, SESSION_COOKIE);
  if (credential) return `credential:${createHash("sha256").update(credential).digest("hex").slice(0, 32)}`;
  const socket = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req?.socket;
  return `address:${socket?.remoteAddress ?? "unknown"}`;
}

/**
 * 429 with Retry-After once a caller exceeds its requests per minute. With REDIS_URL the counters are shared by
 * every gateway instance; if Redis is unreachable the limiter falls back to per-process counters, so an outage of
 * Redis never refuses requests.
 */
export function useRateLimit({ perMinute, redisUrl, log }: RateLimitOptions): Plugin {
  if (perMinute <= 0) return {};
  const keyPrefix = `sso-cutover-rate-${redisUrl ? "shared" : randomBytes(4).toString("hex")}`;
  const memory = new RateLimiterMemory({ keyPrefix, points: perMinute, duration: 60 });
  let redis: Redis | null = null;
  let limiter: RateLimiterAbstract = memory;
  if (redisUrl) {
    redis = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    redis.on("error", (error: Error) => log.warn({ err: error.message }, "rate limit store (Redis) unavailable: counting in this process"));
    limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix, points: perMinute, duration: 60, insuranceLimiter: memory });
  }
  return {
    async onRequest({ request, url, serverContext, endResponse, fetchAPI }) {
      if (UNLIMITED.has(url.pathname)) return;
      try {
        await limiter.consume(callerKey(request, serverContext));
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        const seconds = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
        endResponse(
          fetchAPI.Response.json(
            {
              errors: [
                {
                  message: `Too many requests: at most ${perMinute} a minute. Retry in ${seconds} s.`,
                  extensions: { code: "RATE_LIMITED" },
                },
              ],
            },
            { status: 429, headers: { "retry-after": String(seconds) } },
          ),
        );
      }
    },
    async onDispose() {
      await redis?.quit().catch(() => undefined);
    },
  };
}
