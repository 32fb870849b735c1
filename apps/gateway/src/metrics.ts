import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { Kind, type DocumentNode, type OperationDefinitionNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import { pathnameOf } from "./http/pathname";

export interface GatewayMetrics {
  registry: Registry;
  plugin: Plugin;
}

/** Request counts and durations by route and status, GraphQL operations by outcome, and Node's own metrics. */
export function createMetrics(collectProcessMetrics = true, sqlStatements?: () => number): GatewayMetrics {
  const registry = new Registry();
  if (collectProcessMetrics) collectDefaultMetrics({ register: registry });
  if (sqlStatements) {
    // A gauge that only grows: the count is kept by the database client, and read when scraped.
    new Gauge({
      name: "sql_statements_total",
      help: "SQL statements sent to the database since the start (BEGIN and COMMIT included)",
      registers: [registry],
      collect() {
        this.set(sqlStatements());
      },
    });
  }
  const requests = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP requests by route and status",
    labelNames: ["route", "method", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const operations = new Counter({
    name: "graphql_operations_total",
    help: "GraphQL operations by type and outcome",
    labelNames: ["operation", "outcome"] as const,
    registers: [registry],
  });
  const started = new WeakMap<Request, number>();
  const plugin: Plugin = {
    onRequest({ request }) {
      started.set(request, performance.now());
    },
    onResponse({ request, response }) {
      const begin = started.get(request);
      if (begin === undefined) return;
      const route = routeLabel(pathnameOf(request.url));
      requests.observe({ route, method: request.method, status: String(response.status) }, (performance.now() - begin) / 1000);
    },
    onExecute({ args }) {
      const document = args.document as DocumentNode;
      const definition = document.definitions.find(
        (node): node is OperationDefinitionNode => node.kind === Kind.OPERATION_DEFINITION,
      );
      const operation = definition?.operation ?? "unknown";
      return {
        onExecuteDone({ result }) {
          const failed = "errors" in result && Array.isArray(result.errors) && result.errors.length > 0;
          operations.inc({ operation, outcome: failed ? "error" : "ok" });
        },
      };
    },
  };
  return { registry, plugin };
}

const FIXED_ROUTES = new Set(["/graphql", "/health", "/ready", "/metrics", "/login/sso", "/logout", "/"]);

/** A bounded label set: per-enterprise paths are folded, unknown paths count as "other". */
function routeLabel(path: string): string {
  if (FIXED_ROUTES.has(path)) return path;
  const saml = /^\/saml\/(acs|metadata)\/[^/]+$/.exec(path);
  return saml ? `/saml/${saml[1]}/:enterpriseKey` : "other";
}
