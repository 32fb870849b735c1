/**
 * Process-level tests: the real entry points (`pnpm start`, the CLI scripts) run as child processes, exactly as an
 * operator starts them, with their output captured.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { ensureEmbeddedTemplate } from "@sso-cutover/db/testing";

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
/** What `pnpm start` runs: the compiled server (tests/kit/global-setup.ts compiles it again when a source changed). */
export const GATEWAY_ENTRY = path.join(repositoryRoot, "dist", "apps", "gateway", "src", "main.js");
/** `pnpm cli <command>`: run it with `runEntryPoint(CLI_ENTRY, environment, [command, ...options])`. */
export const CLI_ENTRY = path.join(repositoryRoot, "dist", "apps", "cli", "src", "main.js");

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Milliseconds from spawn to exit. */
  elapsedMs: number;
}

export interface RunningProcess {
  child: ChildProcess;
  pid: number;
  /** Everything written so far to stdout and stderr. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  /** Waits for the gateway's "listening" log line and returns its base URL. */
  listening(timeoutMs?: number): Promise<string>;
  /** Waits until stdout matches the pattern and returns the match. */
  printed(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Kills the process (SIGKILL) if it still runs. */
  kill(): void;
}

export interface ProcessOptions {
  /**
   * Starts it as the leader of a process group of its own (as a shell does with a command), so that a signal can
   * be sent to the group (`process.kill(-pid, …)`: a terminal's Ctrl-C) without reaching the test runner.
   */
  ownProcessGroup?: boolean;
}

/**
 * Runs a compiled entry point the way `pnpm start` and `pnpm cli` do (plain Node), with the test's variables on top of a minimal
 * environment: nothing of the developer's own DATABASE_URL, PORT or DATA_DIR leaks in.
 */
export function runEntryPoint(
  entry: string,
  environment: Record<string, string>,
  args: readonly string[] = [],
  options: ProcessOptions = {},
): RunningProcess {
  const started = Date.now();
  const child = spawn(process.execPath, [entry, ...args], {
    cwd: repositoryRoot,
    detached: options.ownProcessGroup ?? false,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), LOG_LEVEL: "info", ...environment },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<Exit>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, elapsedMs: Date.now() - started })),
  );
  const printed = async (pattern: RegExp, timeoutMs = 120_000): Promise<RegExpExecArray> => {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void exited.then(() => (ended = true));
    for (;;) {
      // Checked once more after the exit, for output written just before it.
      const match = pattern.exec(stdout);
      if (match) return match;
      if (ended || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the process did not print ${pattern}.\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  };
  return {
    child,
    pid: child.pid!,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    printed,
    async listening(timeoutMs = 120_000) {
      const line = await printed(/^.*"sso-cutover listening".*$/m, timeoutMs);
      return `http://127.0.0.1:${(JSON.parse(line[0]) as { port: number }).port}`;
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

/** The gateway as `pnpm start` runs it, on a loopback port chosen by the system. */
export function startGatewayProcess(environment: Record<string, string>, options: ProcessOptions = {}): RunningProcess {
  return runEntryPoint(GATEWAY_ENTRY, { HOST: "127.0.0.1", PORT: "0", ...environment }, [], options);
}

const folders: string[] = [];

/** A new empty temporary folder, removed by `removeTemporaryFolders()`. */
export function temporaryFolder(prefix = "sso-cutover-process-"): string {
  const folder = mkdtempSync(path.join(tmpdir(), prefix));
  folders.push(folder);
  return folder;
}

export function removeTemporaryFolders(): void {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
}

/**
 * A data directory holding the already migrated template database, so that a test's server starts without
 * creating a database and running every migration (which takes many seconds on disk).
 */
export async function migratedDataDir(): Promise<string> {
  const dataDir = temporaryFolder("sso-cutover-data-");
  const db = await PGlite.create(dataDir, { loadDataDir: new Blob([readFileSync(await ensureEmbeddedTemplate())]) });
  await db.close();
  return dataDir;
}
