/**
 * Graceful shutdown of the real server process (`pnpm start`): a rolling deploy's SIGTERM must not lose requests.
 * Requests are held in flight by their own clients: each sends its headers with `Expect: 100-continue`, which the
 * server acknowledges once it has started handling the request, and sends the body only after the signal.
 */
import { request as httpRequest, type ClientRequest } from "node:http";
import { createConnection } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "@sso-cutover/db";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { loadConfig } from "../../apps/gateway/src/config";
import { createLogger } from "../../apps/gateway/src/logger";
import { createGateway } from "../../apps/gateway/src/yoga";
import { migratedDataDir, removeTemporaryFolders, startGatewayProcess, type RunningProcess } from "../kit/process";

const PROCESS_TEST_TIMEOUT_MS = 240_000;
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const running: RunningProcess[] = [];
const databases: TestDatabase[] = [];

afterAll(async () => {
  running.forEach((server) => server.kill());
  await Promise.all(databases.map((database) => database.close()));
  removeTemporaryFolders();
});

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

interface HeldRequest {
  /** Resolves once the server has acknowledged the headers (100 Continue): the request is in its hands. */
  accepted: Promise<void>;
  /** Sends the body; the server then answers. */
  finish(): void;
  answer: Promise<Answer>;
}

function heldGraphQLRequest(baseUrl: string, token: string, query: string): HeldRequest {
  const body = JSON.stringify({ query });
  let sendBody!: () => void;
  let request!: ClientRequest;
  const accepted = new Promise<void>((resolve) => (sendBody = resolve));
  const answer = new Promise<Answer>((resolve, reject) => {
    request = httpRequest(`${baseUrl}/graphql`, {
      method: "POST",
      agent: false,
      headers: {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        authorization: `Bearer ${token}`,
        expect: "100-continue",
      },
    });
    request.on("continue", () => sendBody());
    request.on("response", (response) => {
      let text = "";
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode!, connection: response.headers.connection, body: text }));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.flushHeaders();
  });
  return { accepted, finish: () => request.end(body), answer };
}

/** Resolves once a new TCP connection to the server is refused (the listener is closed). */
async function listenerClosed(baseUrl: string, timeoutMs = 10_000): Promise<void> {
  const { hostname, port } = new URL(baseUrl);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: hostname, port: Number(port) });
      socket.once("connect", () => {
        socket.destroy();
        resolve(false);
      });
      socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
    });
    if (refused) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the server still accepts new connections after SIGTERM");
}

/** The server's database: the embedded one in a temporary DATA_DIR, or a fresh PostgreSQL database on that pass. */
async function serverDatabase(): Promise<{ environment: Record<string, string>; postgres?: TestDatabase }> {
  if (!onPostgres) return { environment: { DATA_DIR: await migratedDataDir() } };
  const postgres = await createTestDatabase();
  databases.push(postgres);
  // The demo is seeded there too; the development IdP is not what these tests are about.
  return { environment: { DATABASE_URL: postgres.url, DEV_IDP: "false" }, postgres };
}

async function adminTokenOf(server: RunningProcess): Promise<string> {
  return (await server.printed(/admin token: (\S+)/, 10_000))[1]!;
}

describe("graceful shutdown", () => {
  it("SIGTERM with 20 requests in flight: the listener closes, all 20 get complete answers, the process exits 0 and the data dir reopens", async () => {
    const { environment, postgres } = await serverDatabase();
    // A grace period long enough that a busy machine's slow answers are not cut (the cut is the next test's subject).
    const server = startGatewayProcess({ ...environment, SEED_DEMO: "true", SHUTDOWN_GRACE_SECONDS: "120" });
    running.push(server);
    const baseUrl = await server.listening();
    const token = await adminTokenOf(server);

    const held = Array.from({ length: 20 }, (_, index) =>
      heldGraphQLRequest(baseUrl, token, `query Held${index} { enterprise(key: "acme") { key name } }`),
    );
    await Promise.all(held.map((request) => request.accepted));

    server.child.kill("SIGTERM");
    await listenerClosed(baseUrl);
    held.forEach((request) => request.finish());
    const answers = await Promise.all(held.map((request) => request.answer)).catch((error: Error) => {
      throw new Error(`${error.message}\nserver stdout:\n${server.stdout}\nserver stderr:\n${server.stderr}`);
    });

    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ data: { enterprise: { key: "acme", name: expect.any(String) } } });
      // Each answer ends its keep-alive connection, so that clients reconnect to another instance.
      expect(answer.connection).toBe("close");
    }
    const exit = await server.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(server.stderr).not.toMatch(/Cannot use a pool|Error/);
    expect(server.stdout).not.toMatch(/"level":50/);

    // The database was closed cleanly and its lock released: the next process opens it and finds the seeded data.
    if (!postgres) {
      const reopened = await openDatabase({ dataDir: environment.DATA_DIR! });
      try {
        expect(await reopened.prisma.enterprise.findUnique({ where: { key: "acme" }, select: { key: true } })).toEqual({ key: "acme" });
      } finally {
        await reopened.close();
      }
    } else {
      expect(await postgres.prisma.enterprise.count({ where: { key: "acme" } })).toBe(1);
    }
  }, PROCESS_TEST_TIMEOUT_MS);

  it("Ctrl-C in a terminal (SIGINT to the whole process group) with a request in flight: it is answered, the database closes after it, the process exits 0 and the data dir reopens", async () => {
    const { environment, postgres } = await serverDatabase();
    const server = startGatewayProcess({ ...environment, SEED_DEMO: "true", SHUTDOWN_GRACE_SECONDS: "120" }, { ownProcessGroup: true });
    running.push(server);
    const baseUrl = await server.listening();
    const held = heldGraphQLRequest(baseUrl, await adminTokenOf(server), `mutation { createPersonalAccessToken(input: { name: "after-ctrl-c" }) { __typename } }`);
    await held.accepted;

    // The embedded database's process is in the group too: the signal must not end it before the server is done.
    process.kill(-server.pid, "SIGINT");
    await listenerClosed(baseUrl);
    held.finish();
    const answer = await held.answer;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ data: { createPersonalAccessToken: { __typename: "CreatePersonalAccessTokenSuccess" } } });
    expect(await server.exited).toMatchObject({ code: 0, signal: null });
    expect(server.stdout).not.toMatch(/"level":50|database's process ended/);

    if (!postgres) {
      const reopened = await openDatabase({ dataDir: environment.DATA_DIR! });
      try {
        expect(await reopened.prisma.token.count({ where: { name: "after-ctrl-c" } })).toBe(1);
      } finally {
        await reopened.close();
      }
    } else {
      expect(await postgres.prisma.token.count({ where: { name: "after-ctrl-c" } })).toBe(1);
    }
  }, PROCESS_TEST_TIMEOUT_MS);

  it("a request that does not finish within SHUTDOWN_GRACE_SECONDS has its connection closed, and the process still exits 0", async () => {
    const { environment } = await serverDatabase();
    const server = startGatewayProcess({ ...environment, SEED_DEMO: "true", SHUTDOWN_GRACE_SECONDS: "1" });
    running.push(server);
    const baseUrl = await server.listening();
    const stuck = heldGraphQLRequest(baseUrl, await adminTokenOf(server), "{ enterprise(key: \"acme\") { key } }");
    await stuck.accepted;

    server.child.kill("SIGTERM");
    // The client never sends its body: the server cuts the connection once the grace period is over.
    await expect(stuck.answer).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(await server.exited).toMatchObject({ code: 0, signal: null });
    expect(server.stdout).toContain("shutdown grace period over");
  }, PROCESS_TEST_TIMEOUT_MS);
});

describe("readiness while shutting down", () => {
  it("/ready answers 503 once the gateway is draining, while /health still answers 200", async () => {
    const database = await createTestDatabase();
    databases.push(database);
    let draining = false;
    const gateway = createGateway({
      prisma: database.prisma,
      config: loadConfig({ LOG_LEVEL: "silent" }),
      log: createLogger("silent"),
      draining: () => draining,
    });
    try {
      expect((await gateway.fetch("http://gateway.test/ready")).status).toBe(200);
      draining = true;
      const ready = await gateway.fetch("http://gateway.test/ready");
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: "not ready", reason: "shutting down" });
      expect((await gateway.fetch("http://gateway.test/health")).status).toBe(200);
    } finally {
      await gateway.dispose();
    }
  });
});
