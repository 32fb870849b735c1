import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { DomainError, type PrismaClient } from "@sso-cutover/db";
import { PothosValidationError } from "@pothos/core";
import { GraphQLError } from "graphql";
import { createYoga, maskError, type Plugin, type YogaServerInstance } from "graphql-yoga";
import { carriesCredential, requestAuthentication } from "./authentication";
import type { GatewayConfig } from "./config";
import { useCompiledExecution } from "./compiled-execution";
import { actorOf, type GatewayContext } from "./context";
import { isFault, logClientError, yogaLogging } from "./error-log";
import { useSessionCsrfPrevention } from "./http/csrf";
import { loadDashboardBuild, useDashboard } from "./http/dashboard";
import { useDevelopmentIdpRoutes, type DevelopmentIdp } from "./http/dev-idp-routes";
import { createGraphiQLPage, graphiqlOptions } from "./http/graphiql-page";
import { useOperationalRoutes } from "./http/operational-routes";
import { corsPolicy, useOriginCheck } from "./http/origin";
import { useRateLimit } from "./http/rate-limit";
import { scimAuthentication, useScimRoutes } from "./http/scim-routes";
import { useRecoveryRoutes } from "./http/recovery-routes";
import { useRequestParameterChecks } from "./http/request-parameters";
import { useSecurityHeaders } from "./http/security-headers";
import { useTrustedDocuments } from "./http/trusted-documents";
import { servesOverHttps } from "./http/session-cookie";
import type { Logger } from "./logger";
import { useInputLimits } from "./input-limits";
import { createMetrics } from "./metrics";
import { useRequestObservability } from "./observability/request-log";
import type { Tracing } from "./observability/tracing";
import { schema } from "./schema/index";
import { useSsoRoutes } from "./sso-routes";

export interface GatewayOptions {
  prisma: PrismaClient;
  config: GatewayConfig;
  log: Logger;
  /** Collect Node's process metrics (off in tests, where many gateways share a process). */
  processMetrics?: boolean;
  /** True once the process is shutting down: `/ready` then answers 503 so that load balancers stop sending work. */
  draining?: () => boolean;
  /** SQL statements sent so far, shown in `/metrics` as `sql_statements_total` (METRICS_SQL_STATEMENTS). */
  sqlStatements?: () => number;
  /** Traces requests down to database queries (observability/tracing.ts); absent, tracing costs nothing. */
  tracing?: Pick<Tracing, "gatewayPlugins">;
  /** The development IdP to serve at `/dev-idp` (DEV_IDP); none by default. */
  developmentIdp?: DevelopmentIdp | null;
}

export type Gateway = YogaServerInstance<Record<string, unknown>, GatewayContext>;

const EXAMPLE_QUERY = `# Add your token in the Headers tab below (signed in with SSO, use the dashboard at /):
#   {"Authorization": "Bearer <admin token>"}
query CompleteSsoSetup {
  enterprise(key: "acme") {
    name
    oneClickAccessLink
    setupProgress {
      steps { step status blockers warnings completed total }
      counts { dopAccounts linkedDopAccounts ssoAccounts enterpriseAdministrators breakGlassAccounts }
    }
  }
}
`;

/** Prisma's "required record not found" (P2025), thrown by the `…OrThrow` lookups behind `node` and relations. */
function isRecordNotFound(error: unknown): boolean {
  return (error as { name?: string; code?: string } | null)?.name === "PrismaClientKnownRequestError" && (error as { code?: string }).code === "P2025";
}

/**
 * Refuses a body larger than the limit before it is read (413), per its declared length, and a body without a
 * declared length (chunked, 411): the HTTP parser reads no more than the declared length, so no body can grow past
 * the limit unseen. (Yoga's own limit, which streams every body through a counting transform, is off: it cost more
 * CPU than the rest of the plugins together.)
 */
function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      const length = request.headers.get("content-length");
      if (length === null && request.headers.get("transfer-encoding") !== null) {
        endResponse(
          fetchAPI.Response.json(
            { errors: [{ message: "Send the request body with a Content-Length header.", extensions: { code: "LENGTH_REQUIRED" } }] },
            { status: 411 },
          ),
        );
        return;
      }
      const declared = Number(length ?? "0");
      if (declared > maxBytes) {
        endResponse(
          fetchAPI.Response.json(
            { errors: [{ message: `Request body exceeds ${maxBytes} bytes.`, extensions: { code: "PAYLOAD_TOO_LARGE" } }] },
            { status: 413 },
          ),
        );
      }
    },
  };
}

/**
 * The gateway: one Yoga instance serving GraphQL, the operational routes and the SSO login routes. Plugin order
 * is deliberate: the request log (and tracing) first, so that every response, even one ended early, is logged with its
 * X-Request-Id; security headers (on every response) and body limit next, then the Origin check of cookie
 * requests, rate limits (which authenticate the request once, to count it against its principal), the routes that
 * answer without GraphQL, CSRF protection for cookie-authenticated requests, query limits (armor), then the context
 * (reusing that authentication), execution and metrics. Compiled execution (GRAPHQL_JIT) is registered before all of
 * them: it only replaces the execute function, which the tracing plugin then wraps.
 */
export function createGateway({ prisma, config, log, processMetrics = false, draining, sqlStatements, tracing, developmentIdp = null }: GatewayOptions): Gateway {
  const metrics = createMetrics(processMetrics, sqlStatements);
  const secure = servesOverHttps(config.PUBLIC_URL);
  const authenticate = requestAuthentication(prisma, secure);
  const authenticateScim = scimAuthentication(prisma);
  const graphiql = createGraphiQLPage();
  const dashboard = loadDashboardBuild();
  return createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    graphqlEndpoint: "/graphql",
    // Yoga's own empty health answer would shadow ours, which says what was checked.
    healthCheckEndpoint: "/.well-known/yoga-health",
    landingPage: false,
    // No operation takes a file: multipart bodies are refused (415) rather than parsed.
    multipart: false,
    // The body limit is useBodyLimit's (declared length only).
    maxRequestBodySize: false,
    logging: yogaLogging(log),
    // GraphiQL runs with the token the caller adds (the session cookie runs only the dashboard's operations).
    graphiql: graphiqlOptions({ title: "sso-cutover", defaultQuery: EXAMPLE_QUERY }),
    renderGraphiQL: graphiql.render,
    // Same origin only, unless CORS_ORIGINS lists a dashboard's origin.
    cors: corsPolicy(config),
    maskedErrors: {
      maskError(error, message, isDev) {
        // Domain errors thrown outside a mutation payload (e.g. a query refused) keep their code and message.
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (original instanceof DomainError) {
          const http = original.code === "UNAUTHENTICATED" ? 401 : original.code === "FORBIDDEN" ? 403 : 200;
          const mapped = new GraphQLError(original.message, {
            ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
            extensions: { code: original.code, field: original.field, http: { status: http } },
          });
          logClientError(log, mapped);
          return mapped;
        }
        // A record looked up by an id that names nothing the caller may see (e.g. `node` with another
        // enterprise's invitation): indistinguishable from one that does not exist, and not a fault.
        // A malformed cursor or page size, or an id of the wrong type, found while the arguments are read: bad input.
        const clientMistake = isRecordNotFound(original)
          ? { message: "No such object, or it is not visible to you.", code: "NOT_FOUND" }
          : original instanceof PothosValidationError
            ? { message: original.message, code: "INVALID_INPUT" }
            : null;
        if (clientMistake) {
          const mapped = new GraphQLError(clientMistake.message, {
            ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
            extensions: { code: clientMistake.code },
          });
          logClientError(log, mapped);
          return mapped;
        }
        // Refused fields, parse and validation errors: answers to the caller, not faults.
        if (error instanceof GraphQLError && !isFault(error)) logClientError(log, error);
        // A fault is masked here and logged once, with its stack, by Yoga's logger (`yogaLogging`).
        return maskError(error, message, isDev);
      },
    },
    plugins: [
      // First of the plugins that replace the execute function: the tracing plugin wraps the compiled execution.
      ...(config.GRAPHQL_JIT ? [useCompiledExecution()] : []),
      ...useRequestObservability({ log, tracing }),
      useSecurityHeaders({ graphiqlPolicy: graphiql.contentSecurityPolicy }),
      useBodyLimit(config.MAX_BODY_BYTES),
      metrics.plugin,
      useOriginCheck(config),
      useRateLimit({
        perMinute: config.RATE_LIMIT_PER_MINUTE,
        authFailuresPerMinute: config.AUTH_FAILURES_PER_MINUTE,
        loginPerMinute: config.LOGIN_RATE_LIMIT_PER_MINUTE,
        trustProxy: config.TRUST_PROXY,
        redisUrl: config.REDIS_URL,
        authenticate,
        carriesCredential: (request) => carriesCredential(request, secure),
        authenticateScim,
        log,
      }),
      useOperationalRoutes(prisma, metrics.registry, config.METRICS_TOKEN, draining),
      ...(developmentIdp ? [useDevelopmentIdpRoutes({ config, log, idp: developmentIdp })] : []),
      useScimRoutes({ prisma, config, log, authenticate: authenticateScim }),
      useSsoRoutes({ prisma, config, log }),
      useDashboard(dashboard),
      useRecoveryRoutes({ prisma, config, log }),
      useRequestParameterChecks(),
      useSessionCsrfPrevention({ secure }),
      useTrustedDocuments({ mode: config.TRUSTED_DOCUMENTS, persistedDocuments: dashboard?.persistedDocuments ?? new Map(), secure }),
      EnvelopArmorPlugin({
        maxDepth: { n: 12 },
        maxAliases: { n: 20 },
        maxTokens: { n: 20_000 },
        maxDirectives: { n: 20 },
        // Cost is judged by useInputLimits (MAX_REQUEST_COST), which counts page sizes and list arguments; armor's
        // static cost grows with depth alone and refused a dashboard's enterprise → organizations → members walk.
        costLimit: { enabled: false },
      }),
      // After armor's static limits: what the arguments and variables carry (text, ids, list sizes, cost).
      useInputLimits(config.MAX_REQUEST_COST),
    ],
    context: async ({ request }): Promise<GatewayContext> => {
      const now = new Date();
      const principal = await authenticate(request);
      return { prisma, config, log, principal, viewer: actorOf(principal), now };
    },
  });
}
