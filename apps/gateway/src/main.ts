import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Database } from "@sso-cutover/db";
import { ConfigError, loadConfig, type GatewayConfig } from "./config";
import type { DevelopmentIdpConnection } from "@sso-cutover/sso/identity-provider";
import type { DevelopmentIdp } from "./http/dev-idp-routes";
import { createLogger } from "./logger";
import { REQUEST_ID_HEADER, requestIdFrom } from "./observability/request-id";
import type { Tracing } from "./observability/tracing";
import type { Gateway } from "./yoga";

// The database package, the schema and the seed are imported only once the port is bound: loading them takes
// seconds, and a start that cannot work (bad variable, port in use) should say so at once.

/** Prints why the process cannot start and exits non-zero; every message names the variable or resource to fix. */
function fail(message: string, exitCode = 1): never {
  console.error(message);
  process.exit(exitCode);
}

function readConfig(): GatewayConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, 2);
    throw error;
  }
}

const config = readConfig();
const log = createLogger(config.LOG_LEVEL);

let gateway: Gateway | null = null;
/** SQL statements sent so far (counted only with METRICS_SQL_STATEMENTS=true). */
let sqlStatements = 0;
let database: Database | null = null;
let stopTokenCleanup: () => Promise<void> = async () => {};
let tracing: Tracing | null = null;
/** Set by SIGTERM/SIGINT: `/ready` answers 503 and every response closes its connection. */
let draining = false;
const inFlight = new Set<ServerResponse>();

/**
 * The body limit is enforced on the declared Content-Length (in the gateway, 413); a body without one (chunked)
 * is refused with 411, so that no request body can grow past the limit unseen.
 */
function handle(request: IncomingMessage, response: ServerResponse): void {
  inFlight.add(response);
  response.once("close", () => inFlight.delete(response));
  if (draining) response.setHeader("connection", "close");
  if (!gateway) {
    // The port is bound before the database is open (migrations, seeding): say so rather than keep callers waiting.
    const health = request.method === "GET" && request.url === "/health";
    response.writeHead(health ? 200 : 503, {
      "content-type": "application/json",
      "retry-after": "1",
      [REQUEST_ID_HEADER]: requestIdFrom(request.headers[REQUEST_ID_HEADER]),
    });
    response.end(JSON.stringify({ status: "starting" }));
    request.resume();
    return;
  }
  const chunked = request.headers["transfer-encoding"] !== undefined && request.headers["content-length"] === undefined;
  if (chunked) {
    response.writeHead(411, {
      "content-type": "application/json",
      connection: "close",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "cache-control": "no-store",
      [REQUEST_ID_HEADER]: requestIdFrom(request.headers[REQUEST_ID_HEADER]),
    });
    response.end(JSON.stringify({ errors: [{ message: "Send the request body with a Content-Length header." }] }));
    request.resume();
    return;
  }
  void gateway(request, response);
}

const server = createServer(handle);

function listenFailure(error: NodeJS.ErrnoException): string {
  const where = `${config.HOST ?? "all interfaces"}, port ${config.PORT}`;
  switch (error.code) {
    case "EADDRINUSE":
      return `Port ${config.PORT} is in use (PORT, on ${config.HOST ?? "all interfaces"}): stop the process that uses it, or start with PORT=<another port> (PORT=0: any free port).`;
    case "EACCES":
      return `Listening on ${where} needs privileges this user lacks: set PORT to 1024 or above, or put a reverse proxy on port ${config.PORT}.`;
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `HOST=${config.HOST} is not an address of this machine: set HOST to one of its addresses, or leave it unset to listen on all.`;
    default:
      return `Cannot listen on ${where} (HOST, PORT): ${error.message}`;
  }
}

async function start(): Promise<void> {
  await new Promise<void>((resolve) => {
    server.once("error", (error: NodeJS.ErrnoException) => fail(listenFailure(error)));
    server.listen(config.PORT, config.HOST, resolve);
  });
  server.on("error", (error) => log.error({ err: error }, "HTTP server error"));

  // OpenTelemetry is loaded only when a collector is configured: without one, tracing costs nothing.
  if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    tracing = await (await import("./observability/tracing")).startOtlpTracing();
  }

  // The demo's development IdP, when it has no key pair yet, makes one while the database opens; it is written to
  // DATA_DIR only once the data directory is locked (demoDevelopmentIdp below).
  const demoLoading = import("../../../prisma/seed/demo");
  demoLoading.catch(() => {}); // awaited below, where a failure is reported
  const generatedIdpKeys = config.DEV_IDP ? demoLoading.then((demo) => demo.startDemoIdpKeyGeneration(config.DATA_DIR)) : null;
  generatedIdpKeys?.catch(() => {});

  const checks = await import("@sso-cutover/db/startup-checks");
  // Errors whose message already names the variable and the remedy are shown as they are.
  const explained: (abstract new (...args: never[]) => Error)[] = [
    checks.DatabaseUnreachableError,
    checks.DataDirUnusableError,
    checks.DataDirLockedError,
  ];
  const failure = (error: unknown): string => {
    const known = explained.some((kind) => error instanceof kind);
    const source = config.DATABASE_URL ? "DATABASE_URL" : `DATA_DIR=${config.DATA_DIR}`;
    return known ? (error as Error).message : `Cannot open the database (${source}): ${(error as Error).message}`;
  };
  const target = {
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_SECONDS * 1000,
  };
  await checks.checkDatabaseCanOpen(target).catch((error: unknown) => fail(failure(error)));

  // The embedded database opens in a process of its own: the server's modules load meanwhile, in this one.
  const modules = Promise.all([import("@sso-cutover/tokens"), import("./yoga"), import("@sso-cutover/sso/identity-provider")]);
  modules.catch(() => {}); // awaited below, where a failure is reported
  const { MigrationsPendingError, openDatabase } = await import("@sso-cutover/db");
  explained.push(MigrationsPendingError);
  let opened: Database;
  try {
    opened = await openDatabase({
      ...target,
      poolSize: config.DATABASE_POOL_SIZE,
      migrateOnStart: config.MIGRATE_ON_START,
      log: (message) => log.info(message),
      ...(config.METRICS_SQL_STATEMENTS ? { onStatement: () => void sqlStatements++ } : {}),
    });
  } catch (error) {
    fail(failure(error));
  }
  database = opened;
  if (stopping) return;

  const [demo, [{ startTokenCleanup }, { createGateway }, { IdpKeyMaterialError }]] = await Promise.all([demoLoading, modules]);
  // The development IdP's key pair, made once and kept in the data directory: the demo connection trusts it.
  let developmentIdp: DevelopmentIdp | null = null;
  let demoIdp: DevelopmentIdpConnection | null = null;
  if (config.DEV_IDP) {
    const { keys, connection } = await demo.demoDevelopmentIdp(config.DATA_DIR, config.PUBLIC_URL, generatedIdpKeys).catch((error: unknown) =>
      fail(
        error instanceof IdpKeyMaterialError
          ? `The development IdP (DEV_IDP) cannot start: ${error.message}`
          : `The development IdP (DEV_IDP) cannot keep its key in DATA_DIR=${config.DATA_DIR}: ${(error as Error).message}`,
      ),
    );
    developmentIdp = { keys, people: demo.DEMO_IDP_PEOPLE, groups: demo.DEMO_IDP_GROUPS, enterpriseKey: demo.DEMO_ENTERPRISE_KEY };
    demoIdp = connection;
  }
  let adminToken: string | null = null;
  if (config.SEED_DEMO) {
    if (!(await demo.demoIsSeeded(opened.prisma))) {
      await demo.seedDemo(opened.prisma, new Date(), demoIdp);
      log.info("seeded the demo enterprise `acme`");
    } else if (demoIdp && (await demo.pointDemoAtDevelopmentIdp(opened.prisma, demoIdp))) {
      log.info({ idpSsoUrl: demoIdp.idpSsoUrl }, "pointed the demo's SSO connection at the development IdP");
    }
    adminToken = await demo.issueDemoAdminToken(opened.prisma);
  }
  const noEnterprise = !config.SEED_DEMO && (await opened.prisma.enterprise.count()) === 0;
  if (stopping) return;

  gateway = createGateway({
    prisma: opened.prisma,
    config,
    log,
    processMetrics: true,
    draining: () => draining,
    ...(config.METRICS_SQL_STATEMENTS ? { sqlStatements: () => sqlStatements } : {}),
    tracing: tracing ?? undefined,
    developmentIdp,
  });
  // R5: tokens unused for 60 days are removed a minute after the start (not competing with the first requests) and
  // then every interval (0 minutes: only by `pnpm tokens:cleanup`).
  if (config.TOKEN_CLEANUP_INTERVAL_MINUTES > 0) {
    stopTokenCleanup = startTokenCleanup(opened.prisma, {
      intervalMs: config.TOKEN_CLEANUP_INTERVAL_MINUTES * 60_000,
      firstRunAfterMs: Math.min(60_000, config.TOKEN_CLEANUP_INTERVAL_MINUTES * 60_000),
      log: (message) => log.info(message),
    });
  }

  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  log.info({ port }, "sso-cutover listening");
  console.log(`\nGraphiQL:    ${config.PUBLIC_URL}/graphql`);
  if (noEnterprise) console.log(bootstrapHint(config));
  if (adminToken) {
    console.log(`enterprise:  acme (demo data; admin is alice)`);
    console.log(`admin token: ${adminToken}`);
    console.log(`             send it as the header  Authorization: Bearer ${adminToken.slice(0, 8)}…\n`);
  }
  if (developmentIdp) {
    console.log(`sign in:     ${config.PUBLIC_URL}/login/sso?enterprise_key=${developmentIdp.enterpriseKey}  (development IdP: pick bob)\n`);
  }
}

/**
 * What to run on a database without any enterprise (and without demo data): nobody can sign in until an enterprise
 * and its first admin exist. The embedded database is opened by one process at a time, so the server must stop first.
 */
function bootstrapHint(current: GatewayConfig): string {
  const where = current.DATABASE_URL
    ? "with the same DATABASE_URL (from another shell; the server may keep running):"
    : `stop this server first (the embedded database in DATA_DIR=${current.DATA_DIR} is opened by one process at a time), then:`;
  const environment = current.DATABASE_URL ? "" : `DATA_DIR=${current.DATA_DIR} `;
  return [
    "",
    "The database has no enterprise yet: nobody can sign in. Create your enterprise and its first admin (a DOP account",
    `holding Administer Enterprise) ${where}`,
    `  ${environment}pnpm cli bootstrap --enterprise <key> --name "<name>" --admin-login <login> --admin-email <email>`,
    `then import your organizations and accounts:  ${environment}pnpm cli import <directory.json> --enterprise <key> --dry-run`,
    "(README: \"Use it with your own enterprise\")",
    "",
  ].join("\n");
}

let stopping = false;
// Anything else that fails while starting (seeding, loading the schema) ends the process with its reason.
const starting = start().catch((error: unknown) =>
  fail(`The server could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
);

/**
 * Graceful shutdown: `/ready` turns 503, the listener stops accepting, requests in flight finish (each response
 * closes its connection) for up to SHUTDOWN_GRACE_SECONDS, after which the remaining connections are closed; then
 * the token cleanup stops and the database closes (the embedded one flushes its data directory and unlocks it).
 * A second signal closes the remaining connections at once.
 */
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) {
    log.warn({ signal, inFlight: inFlight.size }, "second signal: closing the remaining connections now");
    server.closeAllConnections();
    return;
  }
  stopping = true;
  draining = true;
  log.info({ signal, inFlight: inFlight.size, graceSeconds: config.SHUTDOWN_GRACE_SECONDS }, "shutting down: finishing requests in flight");
  for (const response of inFlight) if (!response.headersSent) response.setHeader("connection", "close");
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const grace = setTimeout(() => {
    log.warn({ unfinished: inFlight.size }, "shutdown grace period over: closing the remaining connections");
    server.closeAllConnections();
  }, config.SHUTDOWN_GRACE_SECONDS * 1000);
  await closed;
  clearTimeout(grace);
  await starting;
  await gateway?.dispose();
  await stopTokenCleanup();
  await database?.close();
  await tracing?.shutdown().catch((error: unknown) => log.warn({ err: error }, "could not export the last spans"));
  log.info("stopped");
  process.exit(0);
}
process.on("SIGINT", (signal) => void stop(signal));
process.on("SIGTERM", (signal) => void stop(signal));
