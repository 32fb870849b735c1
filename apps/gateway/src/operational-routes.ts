import type { PrismaClient } from "@sso-cutover/db";
import type { Plugin } from "graphql-yoga";
import type { Registry } from "prom-client";

/**
 * `GET /health` (the process answers), `GET /ready` (the database answers and the process is not shutting down),
 * `GET /metrics` (Prometheus).
 */
export function useOperationalRoutes(prisma: PrismaClient, registry: Registry, draining = () => false): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== "GET") return;
      if (url.pathname === "/health") {
        endResponse(fetchAPI.Response.json({ status: "ok" }));
      } else if (url.pathname === "/ready") {
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
        endResponse(
          new fetchAPI.Response(await registry.metrics(), { headers: { "content-type": registry.contentType } }),
        );
      }
    },
  };
}
