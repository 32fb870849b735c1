/**
 * The test kit every integration test uses: a gateway on its own fresh database, driven in-process through
 * `yoga.fetch` (no port) or over real HTTP when a test needs one (`listen()`).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import type { PrismaClient } from "@sso-cutover/db";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { generateTokenSecret, hashTokenSecret, lastFour, TOKEN_PREFIX } from "@sso-cutover/tokens";
import { loadConfig, type GatewayConfig } from "../../apps/gateway/src/config";
import { createLogger, type Logger } from "../../apps/gateway/src/logger";
import { createGateway, type Gateway, type GatewayOptions } from "../../apps/gateway/src/yoga";

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

export interface RequestOptions {
  variables?: Record<string, unknown>;
  /** A token secret sent as `Authorization: Bearer …`. */
  token?: string | null;
  headers?: Record<string, string>;
}

export interface TestGateway {
  db: TestDatabase;
  prisma: PrismaClient;
  config: GatewayConfig;
  gateway: Gateway;
  /** Every line the gateway logged (JSON), to check that no secret is ever logged. */
  logLines: string[];
  graphql<T = Record<string, any>>(document: string, options?: RequestOptions): Promise<GraphQLResponse<T>>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** A new personal access token for the account; returns the secret. */
  tokenFor(accountId: string, options?: { name?: string; expiresAt?: Date }): Promise<string>;
  /** Serves the gateway on a loopback port; returns its base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function startTestGateway(
  environment: Record<string, string> = {},
  gatewayOptions: Pick<GatewayOptions, "tracing" | "developmentIdp"> = {},
): Promise<TestGateway> {
  const db = await createTestDatabase();
  // Rate limits are off unless a test turns them on: a test file may send many requests with one token, many
  // refused credentials, or many sign-ins, all from the one in-process "address". Trusted documents too: tests send
  // their own documents with session cookies; the tests of trusted documents and of the dashboard turn them on.
  const config = loadConfig({
    PUBLIC_URL: "http://sso-cutover.test",
    LOG_LEVEL: "debug",
    RATE_LIMIT_PER_MINUTE: "0",
    AUTH_FAILURES_PER_MINUTE: "0",
    LOGIN_RATE_LIMIT_PER_MINUTE: "0",
    TRUSTED_DOCUMENTS: "off",
    ...environment,
  });
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const log: Logger = createLogger(config.LOG_LEVEL, sink);
  const gateway = createGateway({ prisma: db.prisma, config, log, ...gatewayOptions });
  let server: Server | null = null;

  const fetchPath = async (path: string, init: RequestInit = {}): Promise<Response> =>
    gateway.fetch(new Request(new URL(path, config.PUBLIC_URL), init));

  return {
    db,
    prisma: db.prisma,
    config,
    gateway,
    logLines,
    fetch: fetchPath,
    async graphql(document, options = {}) {
      const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      const response = await fetchPath("/graphql", {
        method: "POST",
        headers,
        body: JSON.stringify({ query: document, variables: options.variables ?? {} }),
      });
      const body = (await response.json()) as Omit<GraphQLResponse, "status">;
      return { status: response.status, ...body } as GraphQLResponse<any>;
    },
    async tokenFor(accountId, options = {}) {
      const secret = generateTokenSecret("PAT");
      await db.prisma.token.create({
        data: {
          kind: "PAT",
          name: options.name ?? `test-${secret.slice(-8)}`,
          prefix: TOKEN_PREFIX.PAT,
          lastFour: lastFour(secret),
          hash: hashTokenSecret(secret),
          ownerAccountId: accountId,
          createdById: accountId,
          expiresAt: options.expiresAt ?? null,
        },
      });
      return secret;
    },
    async listen() {
      if (!server) {
        server = createServer(gateway);
        await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
      }
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async close() {
      if (server) {
        server.closeAllConnections();
        await new Promise((resolve) => server!.close(resolve));
      }
      await gateway.dispose();
      await db.close();
    },
  };
}

/** The first error's code (extensions.code), for concise assertions. */
export function errorCode(response: GraphQLResponse): string | undefined {
  return response.errors?.[0]?.extensions?.code;
}
