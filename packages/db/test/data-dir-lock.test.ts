import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { DATA_DIR_LOCK_FILE, DataDirLockedError, lockDataDir, lockDataDirWhenFree, type DataDirHolder } from "@sso-cutover/db";

const dataDirModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "src", "data-dir.ts");
const folders: string[] = [];
const children: ChildProcess[] = [];
function freshFolder(): string {
  const folder = mkdtempSync(path.join(tmpdir(), "sso-cutover-lock-test-"));
  folders.push(folder);
  return folder;
}
afterAll(() => {
  children.forEach((child) => child.kill("SIGKILL"));
  folders.forEach((folder) => rmSync(folder, { recursive: true, force: true }));
});

/** Another process that takes the data directory's lock and keeps running until killed. */
async function processHoldingLock(dataDir: string): Promise<ChildProcess> {
  const script = `const { lockDataDir } = await import(${JSON.stringify(dataDirModule)});
lockDataDir(${JSON.stringify(dataDir)}); console.log("locked"); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk) => String(chunk).includes("locked") && resolve());
    child.on("exit", (code) => reject(new Error(`the lock-holding process exited with ${code}`)));
  });
  return child;
}

function holderIn(dataDir: string): DataDirHolder {
  return JSON.parse(readFileSync(path.join(dataDir, DATA_DIR_LOCK_FILE), "utf8")) as DataDirHolder;
}

describe("data directory lock", () => {
  it("refuses a second process at once, naming the directory and the holder's pid and command", async () => {
    const dataDir = freshFolder();
    const holder = await processHoldingLock(dataDir);
    let refusal: unknown;
    try {
      lockDataDir(dataDir);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(DataDirLockedError);
    const message = (refusal as Error).message;
    expect(message).toContain(`DATA_DIR=${dataDir} is in use by another process: pid ${holder.pid} on ${hostname()}`);
    expect(message).toMatch(/command: \S*node/);
    expect(message).toContain("Stop that process first, or set DATA_DIR to another folder.");
    // The holder keeps its lock.
    expect(holderIn(dataDir).pid).toBe(holder.pid);
  });

  it("refuses a second open inside the same process, and allows it again after release", () => {
    const dataDir = freshFolder();
    const lock = lockDataDir(dataDir);
    expect(() => lockDataDir(dataDir)).toThrow(/This process has it open already/);
    lock.release();
    expect(existsSync(lock.lockFile)).toBe(false);
    lockDataDir(dataDir).release();
  });

  it("takes over the lock of a process that was killed (its pid no longer runs)", async () => {
    const dataDir = freshFolder();
    const killed = await processHoldingLock(dataDir);
    const gone = new Promise((resolve) => killed.on("exit", resolve));
    killed.kill("SIGKILL");
    await gone;
    expect(holderIn(dataDir).pid).toBe(killed.pid);

    const lock = lockDataDir(dataDir);
    try {
      expect(lock.tookOverFrom).toMatchObject({ pid: killed.pid });
      expect(holderIn(dataDir).pid).toBe(process.pid);
    } finally {
      lock.release();
    }
  });

  it("takes over a lock whose pid now belongs to an unrelated process (one started at another time)", () => {
    const dataDir = freshFolder();
    const lockFile = path.join(dataDir, DATA_DIR_LOCK_FILE);
    // The parent process runs; the lock says its pid, but with the start time of the process that wrote it.
    const stat = readFileSync(`/proc/${process.ppid}/stat`, "utf8");
    const parentStart = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]!;
    const holder = { pid: process.ppid, hostname: hostname(), command: "node main.ts", startedAt: "2026-01-01T00:00:00.000Z", id: "old" };

    writeFileSync(lockFile, JSON.stringify({ ...holder, processStart: parentStart }));
    expect(() => lockDataDir(dataDir)).toThrow(`pid ${process.ppid}`);

    writeFileSync(lockFile, JSON.stringify({ ...holder, processStart: String(Number(parentStart) + 1) }));
    const lock = lockDataDir(dataDir);
    try {
      expect(lock.tookOverFrom).toMatchObject({ pid: process.ppid, command: "node main.ts" });
    } finally {
      lock.release();
    }
  });

  it("waits a bounded time for the database process of a holder that died, then refuses naming that process's pid", async () => {
    const dataDir = freshFolder();
    const lockFile = path.join(dataDir, DATA_DIR_LOCK_FILE);
    const killed = await processHoldingLock(dataDir);
    const gone = new Promise((resolve) => killed.on("exit", resolve));
    killed.kill("SIGKILL");
    await gone;
    // Its database process, still running (a process of this test stands in for it).
    const database = await processHoldingLock(freshFolder());
    const stat = readFileSync(`/proc/${database.pid}/stat`, "utf8");
    const databaseStart = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]!;
    const stale = { ...holderIn(dataDir), databasePid: database.pid, databaseProcessStart: databaseStart };
    writeFileSync(lockFile, JSON.stringify(stale));

    const started = performance.now();
    const refusal = await lockDataDirWhenFree(dataDir, 500).catch((error: unknown) => error);
    expect(performance.now() - started).toBeGreaterThanOrEqual(500);
    expect(refusal).toBeInstanceOf(DataDirLockedError);
    expect((refusal as Error).message).toContain(`DATA_DIR=${dataDir} is in use by the database process pid ${database.pid} on ${hostname()}`);
    expect((refusal as Error).message).toContain(`left by a server that ended without closing it (pid ${killed.pid}`);
    expect((refusal as Error).message).toContain(`It did not end within 0.5 s: stop it (kill ${database.pid}), then start again.`);
    expect(holderIn(dataDir)).toMatchObject({ pid: killed.pid, databasePid: database.pid });

    // The same pid, started at another time: an unrelated process that reused it. Taken over at once.
    writeFileSync(lockFile, JSON.stringify({ ...stale, databaseProcessStart: String(Number(databaseStart) + 1) }));
    const lock = await lockDataDirWhenFree(dataDir, 500);
    try {
      expect(lock.tookOverFrom).toMatchObject({ pid: killed.pid, databasePid: database.pid });
      expect(lock.waitedMs).toBeLessThan(500);
    } finally {
      lock.release();
    }
  });

  it("records the database process in the lock file, and leaves the lock in place at release while that process still runs", async () => {
    const dataDir = freshFolder();
    const database = await processHoldingLock(freshFolder());
    const lock = lockDataDir(dataDir);
    lock.recordDatabaseProcess(database.pid!);
    expect(holderIn(dataDir)).toMatchObject({ pid: process.pid, databasePid: database.pid });
    lock.release();
    expect(holderIn(dataDir)).toMatchObject({ pid: process.pid, databasePid: database.pid });
    // Once it has ended, the folder is free again.
    const gone = new Promise((resolve) => database.on("exit", resolve));
    database.kill("SIGKILL");
    await gone;
    const next = await lockDataDirWhenFree(dataDir, 500);
    next.release();
  });

  it("release never removes a lock file that another process wrote meanwhile", () => {
    const dataDir = freshFolder();
    const lock = lockDataDir(dataDir);
    const foreign = { pid: process.ppid, hostname: hostname(), command: "another", startedAt: new Date().toISOString(), id: "x" };
    writeFileSync(lock.lockFile, JSON.stringify(foreign));
    lock.release();
    expect(holderIn(dataDir)).toMatchObject({ command: "another" });
  });
});
