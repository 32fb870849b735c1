/**
 * Start-up failures of the real entry points: each names the variable or resource and what to do, and the process
 * exits non-zero promptly instead of hanging. PostgreSQL cases use the local server at 127.0.0.1:5432.
 */
import { writeFileSync } from "node:fs";
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lockDataDir } from "@sso-cutover/db";
import { CLI_ENTRY, removeTemporaryFolders, repositoryRoot, runEntryPoint, startGatewayProcess, temporaryFolder, type Exit, type RunningProcess } from "../kit/process";

/**
 * A process still running after this long has hung: it is killed and the test fails. Unloaded, each of these
 * failures ends within a few seconds (well under the 10 s target); the margin is for test files running in
 * parallel on a busy machine, since this detects hangs rather than measuring speed.
 */
const HANG_LIMIT_MS = 20_000;
const LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432";

const tcpServers: TcpServer[] = [];
const tcpSockets: Socket[] = [];
afterAll(async () => {
  tcpSockets.forEach((socket) => socket.destroy());
  await Promise.all(tcpServers.map((server) => new Promise((resolve) => server.close(resolve))));
  removeTemporaryFolders();
});

async function failsPromptly(started: RunningProcess): Promise<Exit & { stderr: string }> {
  const timer = setTimeout(() => started.kill(), HANG_LIMIT_MS);
  const exit = await started.exited;
  clearTimeout(timer);
  expect(exit.signal, `killed after ${HANG_LIMIT_MS} ms: it hung.\nstdout: ${started.stdout}\nstderr: ${started.stderr}`).toBeNull();
  expect(exit.code).not.toBe(0);
  return { ...exit, stderr: started.stderr };
}

/** The gateway on a temporary embedded data directory unless the case says otherwise. */
function startGateway(environment: Record<string, string>): RunningProcess {
  return startGatewayProcess({ DATA_DIR: path.join(temporaryFolder(), "data"), ...environment });
}

async function listeningTcpServer(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createTcpServer((socket) => {
    tcpSockets.push(socket);
    onConnection(socket);
  });
  tcpServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

describe("start-up failures name what to fix and exit promptly", () => {
  it("PostgreSQL unreachable: names DATABASE_URL and the server, says to start it or fix host and port", async () => {
    const { code, stderr } = await failsPromptly(startGateway({ DATABASE_URL: "postgresql://127.0.0.1:1/x" }));
    expect(code).toBe(1);
    expect(stderr).toContain(
      "PostgreSQL at 127.0.0.1:1 (DATABASE_URL) refused the connection: no server listens there. Start PostgreSQL, or fix the host and port in DATABASE_URL.",
    );
  });

  it("PostgreSQL that accepts the connection but never answers: gives up after DATABASE_CONNECT_TIMEOUT_SECONDS", async () => {
    const silentPort = await listeningTcpServer(() => {});
    const { code, stderr } = await failsPromptly(
      startGateway({ DATABASE_URL: `postgresql://postgres@127.0.0.1:${silentPort}/app`, DATABASE_CONNECT_TIMEOUT_SECONDS: "1" }),
    );
    expect(code).toBe(1);
    expect(stderr).toContain(`PostgreSQL at 127.0.0.1:${silentPort} (DATABASE_URL) did not answer within 1 s.`);
    expect(stderr).toContain("DATABASE_CONNECT_TIMEOUT_SECONDS");
  });

  it("authentication refused: names the user and DATABASE_URL, never the password", async () => {
    const { code, stderr } = await failsPromptly(
      startGateway({ DATABASE_URL: "postgresql://nobody_of_ours:s3cret-pass@127.0.0.1:5432/postgres" }),
    );
    expect(code).toBe(1);
    expect(stderr).toContain('PostgreSQL at 127.0.0.1:5432 (DATABASE_URL) refused to let user "nobody_of_ours" in');
    expect(stderr).toContain("Fix the user name or password in DATABASE_URL");
    expect(stderr).not.toContain("s3cret-pass");
  });

  it("database missing: names it and says how to create it", async () => {
    const { code, stderr } = await failsPromptly(startGateway({ DATABASE_URL: `${LOCAL_POSTGRES}/does_not_exist` }));
    expect(code).toBe(1);
    expect(stderr).toContain(
      'PostgreSQL at 127.0.0.1:5432 (DATABASE_URL) has no database "does_not_exist". Create it (CREATE DATABASE "does_not_exist";), or fix the database name in DATABASE_URL.',
    );
  });

  it("DATA_DIR pointing at a file: says it must be a folder", async () => {
    const file = path.join(temporaryFolder(), "not-a-folder");
    writeFileSync(file, "");
    const { code, stderr } = await failsPromptly(startGateway({ DATA_DIR: file }));
    expect(code).toBe(1);
    expect(stderr).toContain(`DATA_DIR=${file} cannot be used: it is a file, not a folder.`);
  });

  it("DATA_DIR that cannot be created (/proc/nope): says so instead of hanging", async () => {
    const { code, stderr } = await failsPromptly(startGateway({ DATA_DIR: "/proc/nope" }));
    expect(code).toBe(1);
    expect(stderr).toContain("DATA_DIR=/proc/nope cannot be used: cannot create /proc/nope");
    expect(stderr).toContain("Set DATA_DIR to a folder this user can write");
  });

  it("DATA_DIR in use: the server and every CLI command (seed, tokens-cleanup, bootstrap, import) are each refused, naming the holding process", async () => {
    const dataDir = temporaryFolder();
    const lock = lockDataDir(dataDir);
    try {
      const refusal = `DATA_DIR=${dataDir} is in use by another process: pid ${process.pid}`;
      const server = await failsPromptly(startGateway({ DATA_DIR: dataDir }));
      expect(server.stderr).toContain(refusal);
      expect(server.stderr).toMatch(/command: \S*node/);
      for (const command of ["seed", "tokens-cleanup", "bootstrap", "import"]) {
        const options = command === "bootstrap"
          ? ["--enterprise", "initech", "--name", "Initech", "--admin-login", "ada", "--admin-email", "ada@initech.example"]
          : command === "import" ? [path.join(repositoryRoot, "docs", "examples", "directory.example.json"), "--enterprise", "initech"] : [];
        const cli = await failsPromptly(runEntryPoint(CLI_ENTRY, { DATA_DIR: dataDir }, [command, ...options]));
        expect(cli.stderr).toContain(refusal);
      }
    } finally {
      lock.release();
    }
  }, 90_000); // five processes

  it("port in use: names PORT and says to stop the other process or pick another port", async () => {
    const busyPort = await listeningTcpServer((socket) => socket.destroy());
    const { code, stderr } = await failsPromptly(startGateway({ PORT: String(busyPort) }));
    expect(code).toBe(1);
    expect(stderr).toContain(`Port ${busyPort} is in use (PORT, on 127.0.0.1): stop the process that uses it, or start with PORT=<another port>`);
  });

  it("demo data on DATABASE_URL without DEV_IDP: names DEV_IDP and both choices, before touching the database", async () => {
    const { code, stderr } = await failsPromptly(startGateway({ DATABASE_URL: `${LOCAL_POSTGRES}/postgres`, SEED_DEMO: "true" }));
    expect(code).toBe(2);
    expect(stderr).toContain("DEV_IDP: demo data on DATABASE_URL (SEED_DEMO=true) would serve the development IdP at /dev-idp");
    expect(stderr).toContain("Set DEV_IDP=true to serve it on this database, or DEV_IDP=false to seed the demo without it.");
  });

  it("PORT out of range: names the allowed range", async () => {
    const { code, stderr } = await failsPromptly(startGateway({ PORT: "70000" }));
    expect(code).toBe(2);
    expect(stderr).toContain('PORT="70000": expected a port number from 0 to 65535');
  });
});
