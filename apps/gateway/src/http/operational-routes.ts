import { createHash, timingSafeEqual } from "node:crypto";
import type { PrismaClient } from "@sso-cutover/db";
import type { Plugin } from "graphql-yoga";
import type { Registry } from "prom-client";

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/**
 * Whether the request presents `Authorization: Bearer <metrics token>`. Both sides are hashed first so the
 * comparison takes the same time whatever the length or content of the guess.
 */
function presentsMetricsToken(request: Request, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
  return timingSafeEqual(digest(match?.[1] ?? ""), expected) && match !== null;
}

/**
 * `GET /health` (the process answers), `GET /ready` (the database answers), `GET /metrics` (Prometheus). `/metrics`
 * requires `Authorization: Bearer <metricsToken>` when a token is configured; without one it is open, which is meant
 * for scraping over loopback or a private network only.
 */
export function useOperationalRoutes(
  prisma: PrismaClient,
  registry: Registry,
  metricsToken?: string,
  draining: () => boolean = () => false,
): Plugin {
  const expectedMetricsToken = metricsToken === undefined ? null : digest(metricsToken);
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== "GET") return;
      if (url.pathname === "/health") {
        endResponse(fetchAPI.Response.json({ status: "ok" }));
      } else if (url.pathname === "/ready") {
        // Shutting down: load balancers must stop sending work here.
        if (draining()) {
          endResponse(fetchAPI.Response.json({ status: "not ready", reason: "shutting down" }, { status: 503 }));
          return;
        }
        try {
          await prisma.$queryRaw`SELECT 1`;
          endResponse(fetchAPI.Response.json({ status: "ready", database: "ok" }));
        } catch {
          endResponse(fetchAPI.Response.json({ status: "not ready", database: "unreachable" }, { status: 503 }));
        }
      } else if (url.pathname === "/metrics") {
        if (expectedMetricsToken !== null && !presentsMetricsToken(request, expectedMetricsToken)) {
          endResponse(
            new fetchAPI.Response("Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.\n", {
              status: 401,
              headers: { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Bearer realm="metrics"' },
            }),
          );
          return;
        }
        endResponse(
          new fetchAPI.Response(await registry.metrics(), { headers: { "content-type": registry.contentType } }),
        );
      }
    },
  };
}
