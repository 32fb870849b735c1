/**
 * The embedded database's folder: created with a clear error when it cannot be, and locked so that only one process
 * at a time opens it. Two PGlite instances on one folder each keep their own in-memory state and overwrite each
 * other's files; a token issued by one is unknown to the other, and the folder can end up corrupt.
 */
import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";

/** The lock file inside the data directory (PostgreSQL ignores files it does not know in its data directory). */
export const DATA_DIR_LOCK_FILE = "sso-cutover.lock";

/** The data directory cannot be created or written; the message names DATA_DIR and what to do. */
export class DataDirUnusableError extends Error {
  constructor(
    readonly dataDir: string,
    reason: string,
  ) {
    super(`DATA_DIR=${dataDir} cannot be used: ${reason}`);
  }
}

/** Who holds a data directory, as written in its lock file. */
export interface DataDirHolder {
  pid: number;
  hostname: string;
  command: string;
  startedAt: string;
  /** Linux: the kernel's boot id and the process's start time in clock ticks, to tell a reused pid from the holder. */
  bootId?: string;
  processStart?: string;
  /** Distinguishes two locks of the same process (and a lock file from one written by another process). */
  id: string;
  /**
   * The embedded database's process (a child of the holder) and, on Linux, its start time. It writes to the folder
   * until it has closed PGlite, which it does by itself when the holder dies: until then the folder stays locked.
   */
  databasePid?: number;
  databaseProcessStart?: string;
}

/** How long a new server waits for the database process of one that was killed to close the folder. */
export const DATABASE_CLOSE_WAIT_MS = 10_000;

/**
 * Another live process holds the data directory. `databaseClosing`: the holder has ended, but the database process
 * it started (`holder.databasePid`) still runs, closing the database.
 */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: DataDirHolder,
    remedy: string,
    readonly databaseClosing = false,
  ) {
    super(
      databaseClosing
        ? `DATA_DIR=${dataDir} is in use by the database process pid ${holder.databasePid} on ${holder.hostname}, ` +
            `left by a server that ended without closing it (pid ${holder.pid}, command: ${holder.command}). ${remedy}`
        : holder.pid === process.pid && holder.hostname === hostname()
          ? `DATA_DIR=${dataDir} is in use: ${remedy}`
          : `DATA_DIR=${dataDir} is in use by another process: pid ${holder.pid} on ${holder.hostname}, ` +
            `started ${holder.startedAt}, command: ${holder.command}. ${remedy}`,
    );
  }
}

export interface DataDirLock {
  lockFile: string;
  /** The holder whose lock was left behind by a process that no longer runs, when this lock replaced it. */
  tookOverFrom: DataDirHolder | null;
  /** Milliseconds `lockDataDirWhenFree` waited for the database process of `tookOverFrom` to end (0: none ran). */
  waitedMs: number;
  /** Writes the embedded database's process into the lock file, as soon as it is started. */
  recordDatabaseProcess(pid: number): void;
  /**
   * Removes the lock file (only if it is still this lock's, and unless the database process it records still runs:
   * the next process then waits for it).
   */
  release(): void;
}

/**
 * Creates the data directory (and its parents) when missing. Each level is created on its own: Node's recursive
 * mkdir loops forever under a folder that refuses new entries with ENOENT (such as /proc), so it is not used.
 */
export function ensureDataDir(dataDir: string): void {
  const missing: string[] = [];
  for (let folder = dataDir; ; folder = path.dirname(folder)) {
    const found = kindOf(folder);
    if (found === "directory") break;
    if (found === "other") {
      throw new DataDirUnusableError(
        dataDir,
        folder === dataDir
          ? "it is a file, not a folder. Set DATA_DIR to a folder (it is created if missing)."
          : `${folder} is a file, not a folder. Set DATA_DIR to a folder (it is created if missing).`,
      );
    }
    missing.unshift(folder);
    if (path.dirname(folder) === folder) break;
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST" && kindOf(folder) === "directory") continue;
      throw new DataDirUnusableError(dataDir, `cannot create ${folder} (${describe(error)}). ${WRITABLE_REMEDY}`);
    }
  }
}

const WRITABLE_REMEDY = "Set DATA_DIR to a folder this user can write, or create it with write access for this user.";

function kindOf(entry: string): "directory" | "other" | "missing" {
  try {
    return statSync(entry).isDirectory() ? "directory" : "other";
  } catch {
    return "missing";
  }
}

function describe(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EROFS") return "read-only file system";
  if (code === "ENOSPC") return "no space left on the device";
  if (code === "ENOENT") return "the file system does not allow it";
  return code ?? message;
}

/** Data directories this process holds: a second open inside one process is refused like one from another. */
const heldHere = new Set<string>();

/**
 * Takes the exclusive lock of a data directory: a lock file with the holder's pid, host, command and start time,
 * created atomically (a complete file is hard-linked into place, which fails when one exists). A lock whose process
 * no longer runs on this host is taken over; any other is refused with a `DataDirLockedError` naming its holder.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const lockFile = path.join(dataDir, DATA_DIR_LOCK_FILE);
  const self = currentHolder();
  let selfText = JSON.stringify(self, null, 2) + "\n";
  let tookOverFrom: DataDirHolder | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (heldHere.has(lockFile)) {
      throw new DataDirLockedError(dataDir, self, "This process has it open already: close that database first (PGlite cannot share a folder).");
    }
    if (createExclusively(dataDir, lockFile, selfText)) {
      heldHere.add(lockFile);
      const recordDatabaseProcess = (pid: number) => {
        // Never rewrite a lock file that is not ours; the new text replaces the old one whole (a rename).
        if (readText(lockFile) !== selfText) return;
        const start = linuxProcessStart(pid);
        const text = JSON.stringify({ ...self, databasePid: pid, ...(start ? { databaseProcessStart: start } : {}) }, null, 2) + "\n";
        const draft = `${lockFile}.${process.pid}.${randomBytes(4).toString("hex")}`;
        try {
          writeFileSync(draft, text, { flag: "wx" });
          renameSync(draft, lockFile);
          selfText = text;
        } catch (error) {
          removeQuietly(draft);
          throw new DataDirUnusableError(dataDir, `cannot write ${lockFile} (${describe(error)}). ${WRITABLE_REMEDY}`);
        }
      };
      const release = () => {
        process.off("exit", release);
        if (!heldHere.delete(lockFile)) return;
        const current = readText(lockFile);
        // Never remove a lock file that is not ours (e.g. one that replaced ours after someone deleted it by hand).
        if (current !== selfText) return;
        // This process ends without having closed its database (an uncaught error, process.exit): the database
        // process closes it by itself, and keeps the folder locked until it has.
        const recorded = parseHolder(current);
        if (recorded && databaseIsRunning(recorded)) return;
        removeQuietly(lockFile);
      };
      // A process that ends without closing its database (an uncaught error, process.exit) still releases it.
      process.on("exit", release);
      return { lockFile, tookOverFrom, waitedMs: 0, recordDatabaseProcess, release };
    }
    const text = readText(lockFile);
    if (text === null) continue; // released meanwhile: try again
    const holder = parseHolder(text);
    if (holder && holderIsRunning(holder) !== false) throw lockedBy(dataDir, lockFile, holder);
    if (holder && databaseIsRunning(holder)) {
      throw new DataDirLockedError(dataDir, holder, "It is closing the database: try again in a few seconds, or stop that process.", true);
    }
    if (replaceStaleLock(dataDir, lockFile, text, selfText) && holder) tookOverFrom = holder;
  }
  throw new DataDirUnusableError(dataDir, `its lock file ${lockFile} keeps changing: another process is starting on it.`);
}

/**
 * `lockDataDir`, waiting up to `waitMs` for the database process of a server that ended without closing its database
 * (a SIGKILL, a crash): that process closes PGlite by itself on seeing its server gone, and the folder is not opened
 * before it has. Still running after `waitMs`: `DataDirLockedError` naming its pid.
 */
export async function lockDataDirWhenFree(dataDir: string, waitMs = DATABASE_CLOSE_WAIT_MS): Promise<DataDirLock> {
  const started = performance.now();
  for (;;) {
    try {
      const lock = lockDataDir(dataDir);
      lock.waitedMs = Math.round(performance.now() - started);
      return lock;
    } catch (error) {
      if (!(error instanceof DataDirLockedError) || !error.databaseClosing) throw error;
      if (performance.now() - started >= waitMs) {
        throw new DataDirLockedError(
          dataDir,
          error.holder,
          `It did not end within ${waitMs / 1000} s: stop it (kill ${error.holder.databasePid}), then start again.`,
          true,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * Refuses (`DataDirLockedError`) when another running process holds the data directory, without taking the lock:
 * a quick check before the slower work of opening the database (`lockDataDir` decides for real).
 */
export function checkDataDirAvailable(dataDir: string): void {
  const lockFile = path.join(dataDir, DATA_DIR_LOCK_FILE);
  if (heldHere.has(lockFile)) {
    throw new DataDirLockedError(dataDir, currentHolder(), "This process has it open already: close that database first (PGlite cannot share a folder).");
  }
  const text = readText(lockFile);
  const holder = text === null ? null : parseHolder(text);
  if (holder && holderIsRunning(holder) !== false) throw lockedBy(dataDir, lockFile, holder);
}

function lockedBy(dataDir: string, lockFile: string, holder: DataDirHolder): DataDirLockedError {
  return new DataDirLockedError(
    dataDir,
    holder,
    holder.hostname === hostname()
      ? "Stop that process first, or set DATA_DIR to another folder."
      : `That host shares this folder, so whether the process still runs cannot be checked from here: stop it, or if it is gone, delete ${lockFile}.`,
  );
}

/**
 * Removes a lock file left behind, under a short-lived guard file so that two processes taking over the same stale
 * lock at once cannot both succeed (the second finds the first one's lock and is refused).
 */
function replaceStaleLock(dataDir: string, lockFile: string, staleText: string, selfText: string): boolean {
  const guard = `${lockFile}.takeover`;
  if (!createExclusively(dataDir, guard, selfText)) {
    const guardText = readText(guard);
    const guardHolder = guardText === null ? null : parseHolder(guardText);
    // Left by a process that died while taking over: remove it; otherwise let the live one finish.
    if (!guardHolder || holderIsRunning(guardHolder) === false) removeQuietly(guard);
    return false;
  }
  try {
    if (readText(lockFile) !== staleText) return false;
    removeQuietly(lockFile);
    return true;
  } finally {
    removeQuietly(guard);
  }
}

/** Writes `text` to `target` only if `target` does not exist; false when it does. */
function createExclusively(dataDir: string, target: string, text: string): boolean {
  const draft = `${target}.${process.pid}.${randomBytes(4).toString("hex")}`;
  try {
    writeFileSync(draft, text, { flag: "wx" });
    linkSync(draft, target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new DataDirUnusableError(dataDir, `cannot write ${target} (${describe(error)}). ${WRITABLE_REMEDY}`);
  } finally {
    removeQuietly(draft);
  }
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function parseHolder(text: string): DataDirHolder | null {
  try {
    const holder = JSON.parse(text) as DataDirHolder;
    return Number.isInteger(holder.pid) && typeof holder.hostname === "string" ? holder : null;
  } catch {
    // Lock files are written whole before they appear, so an unreadable one was not written by this code.
    return null;
  }
}

function currentHolder(): DataDirHolder {
  const bootId = linuxBootId();
  const processStart = linuxProcessStart(process.pid);
  return {
    pid: process.pid,
    hostname: hostname(),
    command: [process.argv0, ...process.argv.slice(1)].join(" ").slice(0, 300),
    startedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(),
    ...(bootId ? { bootId } : {}),
    ...(processStart ? { processStart } : {}),
    id: randomBytes(8).toString("hex"),
  };
}

/** true: runs; false: certainly gone; undefined: cannot be checked (another host). */
function holderIsRunning(holder: DataDirHolder): boolean | undefined {
  if (holder.hostname !== hostname()) return undefined;
  // Our own pid on a lock this process does not hold: a previous process with the same pid (a restarted container).
  if (holder.pid === process.pid) return false;
  return isRunning(holder, holder.pid, holder.processStart);
}

/** The holder's database process still runs (on this host: another host's lock is refused before this is asked). */
function databaseIsRunning(holder: DataDirHolder): boolean {
  if (holder.databasePid === undefined || holder.hostname !== hostname()) return false;
  return isRunning(holder, holder.databasePid, holder.databaseProcessStart);
}

/** Whether `pid`, started at `processStart` (clock ticks after boot) in the boot the holder wrote, still runs here. */
function isRunning(holder: DataDirHolder, pid: number, processStart: string | undefined): boolean {
  // After a reboot every pid is a different process.
  if (holder.bootId && linuxBootId() && holder.bootId !== linuxBootId()) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const stat = linuxProcessStat(pid);
  // Ended, but not yet reaped by its parent (an orphan's new parent may never reap it).
  if (stat?.state === "Z") return false;
  // The pid runs, but it may have been reused by an unrelated process since the holder died.
  return !(processStart && stat && stat.start !== processStart);
}

function linuxBootId(): string | undefined {
  return readText("/proc/sys/kernel/random/boot_id")?.trim() || undefined;
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks after boot. */
function linuxProcessStart(pid: number): string | undefined {
  return linuxProcessStat(pid)?.start;
}

/** Fields 3 (state: R, S, Z…) and 22 (start time) of /proc/<pid>/stat. */
function linuxProcessStat(pid: number): { state: string; start: string | undefined } | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0]!, start: fields[19] };
}
