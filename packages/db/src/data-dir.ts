/**
 * The embedded database's folder: created with a clear error when it cannot be, and locked so that only one process
 * at a time opens it. Two PGlite instances on one folder each keep their own in-memory state and overwrite each
 * other's files; a token issued by one is unknown to the other, and the folder can end up corrupt.
 */
import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
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
}

/** Another live process holds the data directory. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: DataDirHolder,
    remedy: string,
  ) {
    super(
      holder.pid === process.pid && holder.hostname === hostname()
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
  /** Removes the lock file (only if it is still this lock's). */
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
  const selfText = JSON.stringify(self, null, 2) + "\n";
  let tookOverFrom: DataDirHolder | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (heldHere.has(lockFile)) {
      throw new DataDirLockedError(dataDir, self, "This process has it open already: close that database first (PGlite cannot share a folder).");
    }
    if (createExclusively(dataDir, lockFile, selfText)) {
      heldHere.add(lockFile);
      const release = () => {
        process.off("exit", release);
        if (!heldHere.delete(lockFile)) return;
        // Never remove a lock file that is not ours (e.g. one that replaced ours after someone deleted it by hand).
        if (readText(lockFile) === selfText) removeQuietly(lockFile);
      };
      // A process that ends without closing its database (an uncaught error, process.exit) still releases it.
      process.on("exit", release);
      return { lockFile, tookOverFrom, release };
    }
    const text = readText(lockFile);
    if (text === null) continue; // released meanwhile: try again
    const holder = parseHolder(text);
    if (holder && holderIsRunning(holder) !== false) throw lockedBy(dataDir, lockFile, holder);
    if (replaceStaleLock(dataDir, lockFile, text, selfText) && holder) tookOverFrom = holder;
  }
  throw new DataDirUnusableError(dataDir, `its lock file ${lockFile} keeps changing: another process is starting on it.`);
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
  // After a reboot every pid is a different process.
  if (holder.bootId && linuxBootId() && holder.bootId !== linuxBootId()) return false;
  // Our own pid on a lock this process does not hold: a previous process with the same pid (a restarted container).
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // The pid runs, but it may have been reused by an unrelated process since the holder died.
  const start = linuxProcessStart(holder.pid);
  return !(holder.processStart && start && start !== holder.processStart);
}

function linuxBootId(): string | undefined {
  return readText("/proc/sys/kernel/random/boot_id")?.trim() || undefined;
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks after boot. */
function linuxProcessStart(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
}
