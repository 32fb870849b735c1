import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { openDatabase } from "@sso-cutover/db";
import { startTokenCleanup } from "@sso-cutover/tokens";
import { demoIsSeeded, issueDemoAdminToken, seedDemo } from "../../../prisma/seed/demo";
import { ConfigError, loadConfig, type GatewayConfig } from "./config";
import { createLogger } from "./logger";
import { createGateway } from "./yoga";

function readConfig(): GatewayConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

const config = readConfig();
const log = createLogger(config.LOG_LEVEL);
const database = await openDatabase({
  databaseUrl: config.DATABASE_URL,
  dataDir: config.DATA_DIR,
  poolSize: config.DATABASE_POOL_SIZE,
  migrateOnStart: config.MIGRATE_ON_START,
  log: (message) => log.info(message),
}).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});

let adminToken: string | null = null;
if (config.SEED_DEMO) {
  if (!(await demoIsSeeded(database.prisma))) {
    await seedDemo(database.prisma);
    log.info("seeded the demo enterprise `acme`");
  }
  adminToken = await issueDemoAdminToken(database.prisma);
}

const gateway = createGateway({ prisma: database.prisma, config, log, processMetrics: true });

// R5: tokens unused for 60 days are removed now and then every interval (0 minutes: only by `pnpm tokens:cleanup`).
const stopTokenCleanup =
  config.TOKEN_CLEANUP_INTERVAL_MINUTES > 0
    ? startTokenCleanup(database.prisma, {
        intervalMs: config.TOKEN_CLEANUP_INTERVAL_MINUTES * 60_000,
        log: (message) => log.info(message),
      })
    : async () => {};

/**
 * The body limit is enforced on the declared Content-Length (in the gateway, 413); a body without one (chunked)
 * is refused with 411, so that no request body can grow past the limit unseen.
 */
function handle(request: IncomingMessage, response: ServerResponse): void {
  const chunked = request.headers["transfer-encoding"] !== undefined && request.headers["content-length"] === undefined;
  if (chunked) {
    response.writeHead(411, {
      "content-type": "application/json",
      connection: "close",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "cache-control": "no-store",
    });
    response.end(JSON.stringify({ errors: [{ message: "Send the request body with a Content-Length header." }] }));
    request.resume();
    return;
  }
  void gateway(request, response);
}

const server = createServer(handle);
server.on("error", async (error: NodeJS.ErrnoException) => {
  console.error(
    error.code === "EADDRINUSE"
      ? `Port ${config.PORT} is in use: stop the other process or start with PORT=<another port>.`
      : `Cannot listen: ${error.message}`,
  );
  await stopTokenCleanup();
  await database.close();
  process.exit(1);
});
server.listen(config.PORT, config.HOST, () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  log.info({ port }, "sso-cutover listening");
  console.log(`\nGraphiQL:    ${config.PUBLIC_URL}/graphql`);
  if (adminToken) {
    console.log(`enterprise:  acme (demo data; admin is alice)`);
    console.log(`admin token: ${adminToken}`);
    console.log(`             send it as the header  Authorization: Bearer ${adminToken.slice(0, 8)}…\n`);
  }
});

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "shutting down");
  server.close();
  server.closeIdleConnections();
  await gateway.dispose();
  await stopTokenCleanup();
  await database.close();
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
