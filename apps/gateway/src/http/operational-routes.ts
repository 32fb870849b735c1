import type { PrismaClient } from "@sso-cutover/db";
import type { Plugin } from "graphql-yoga";
import type { Registry } from "prom-client";

/** `GET /health` (the process answers), `GET /ready` (the database answers), `GET /metrics` (Prometheus). */
export function useOperationalRoutes(prisma: PrismaClient, registry: Registry): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== "GET") return;
      if (url.pathname === "/health") {
        endResponse(fetchAPI.Response.json({ status: "ok" }));
      } else if (url.pathname === "/ready") {
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
