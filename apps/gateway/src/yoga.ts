import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { DomainError, type PrismaClient } from "@sso-cutover/db";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { GraphQLError } from "graphql";
import { createYoga, maskError, type Plugin, type YogaServerInstance } from "graphql-yoga";
import { authenticateRequest } from "./authentication";
import type { GatewayConfig } from "./config";
import { actorOf, type GatewayContext } from "./context";
import { useSessionCsrfPrevention } from "./csrf";
import type { Logger } from "./logger";
import { createMetrics } from "./metrics";
import { useOperationalRoutes } from "./operational-routes";
import { useRateLimit } from "./rate-limit";
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
}

export type Gateway = YogaServerInstance<Record<string, unknown>, GatewayContext>;

const EXAMPLE_QUERY = `# Send your token as a header (Headers tab below):  {"Authorization": "Bearer <admin token>"}
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

/** Refuses a body larger than the limit before it is read (413), per its declared length. */
function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      const declared = Number(request.headers.get("content-length") ?? "0");
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
 * is deliberate: body limit first, then the routes that answer without GraphQL, CSRF protection for
 * cookie-authenticated requests, query limits (armor), then authentication in the context, execution and metrics.
 */
export function createGateway({ prisma, config, log, processMetrics = false, draining }: GatewayOptions): Gateway {
  const metrics = createMetrics(processMetrics);
  return createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    graphqlEndpoint: "/graphql",
    // Yoga's own empty health answer would shadow ours, which says what was checked.
    healthCheckEndpoint: "/.well-known/yoga-health",
    landingPage: false,
    logging: {
      debug: (...args) => log.debug(args.map(String).join(" ")),
      info: (...args) => log.info(args.map(String).join(" ")),
      warn: (...args) => log.warn(args.map(String).join(" ")),
      error: (...args) => log.error(args.map(String).join(" ")),
    },
    graphiql: { title: "sso-cutover", defaultQuery: EXAMPLE_QUERY, headers: JSON.stringify({ Authorization: "Bearer " }) },
    renderGraphiQL,
    maskedErrors: {
      maskError(error, message, isDev) {
        // Domain errors thrown outside a mutation payload (e.g. a query refused) keep their code and message.
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (original instanceof DomainError) {
          const http = original.code === "UNAUTHENTICATED" ? 401 : original.code === "FORBIDDEN" ? 403 : 200;
          return new GraphQLError(original.message, {
            ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
            extensions: { code: original.code, field: original.field, http: { status: http } },
          });
        }
        if (!(error instanceof GraphQLError && error.originalError === undefined)) {
          log.error({ err: original }, "unexpected error while executing an operation");
        }
        return maskError(error, message, isDev);
      },
    },
    plugins: [
      useBodyLimit(config.MAX_BODY_BYTES),
      metrics.plugin,
      useRateLimit({ perMinute: config.RATE_LIMIT_PER_MINUTE, redisUrl: config.REDIS_URL, log }),
      useOperationalRoutes(prisma, metrics.registry, draining),
      useSsoRoutes({ prisma, config, log }),
      useSessionCsrfPrevention(),
      EnvelopArmorPlugin({
        maxDepth: { n: 12 },
        maxAliases: { n: 20 },
        maxTokens: { n: 20_000 },
        maxDirectives: { n: 20 },
        costLimit: { maxCost: 100_000 },
      }),
    ],
    context: async ({ request }): Promise<GatewayContext> => {
      const now = new Date();
      const principal = await authenticateRequest(prisma, request, now);
      return { prisma, config, log, principal, viewer: actorOf(principal), now };
    },
  });
}
