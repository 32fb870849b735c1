/**
 * The embedded database runs in a process of its own, a child of the server. Whatever ends the server, the database
 * process closes PGlite (which flushes the data directory) before it ends, and nobody opens the folder meanwhile.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { DATA_DIR_LOCK_FILE, openDatabase, openEmbedded, type DataDirHolder } from "@sso-cutover/db";

const dbModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "src", "index.ts");
const folders: string[] = [];
const children: ChildProcess[] = [];
const stopped: number[] = [];
function freshFolder(): string {
  const folder = mkdtempSync(path.join(tmpdir(), "sso-cutover-embedded-test-"));
  folders.push(folder);
  return folder;
}
afterAll(() => {
  for (const pid of stopped) signal(pid, "SIGCONT");
  children.forEach((child) => child.kill("SIGKILL"));
  folders.forEach((folder) => rmSync(folder, { recursive: true, force: true }));
});

const ON_DISK_TIMEOUT_MS = 180_000;

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** Running, and not a zombie waiting to be reaped. */
function runs(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]![0] !== "Z";
  } catch {
    return false;
  }
}

async function answers(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ one: number }>("SELECT 1 AS one")).rows[0]!.one;
  } finally {
    await client.end();
  }
}

/** A server's stand-in: opens the database in `dataDir`, commits `rows` enterprises, says so and keeps running. */
async function serverThatWrote(dataDir: string, rows: number): Promise<ChildProcess> {
  const script = `const { openDatabase } = await import(${JSON.stringify(dbModule)});
const db = await openDatabase({ dataDir: ${JSON.stringify(dataDir)} });
for (let index = 0; index < ${rows}; index++) await db.prisma.enterprise.create({ data: { key: "kept-" + index, name: "Kept" } });
console.log("written"); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk) => String(chunk).includes("written") && resolve());
    child.on("exit", (code) => reject(new Error(`the server's stand-in exited with ${code}`)));
  });
  return child;
}

describe("the embedded database's own process", () => {
  it("after a SIGKILL of its server, it closes the database by itself, and the next open of the folder waits for it and finds every committed row", async () => {
    const dataDir = freshFolder();
    const server = await serverThatWrote(dataDir, 20);
    const holder = JSON.parse(readFileSync(path.join(dataDir, DATA_DIR_LOCK_FILE), "utf8")) as DataDirHolder;
    expect(holder.pid).toBe(server.pid);
    const orphan = holder.databasePid!;
    expect(runs(orphan)).toBe(true);
    // Held still for a while, so that the next open certainly finds it running, whatever the machine's speed.
    signal(orphan, "SIGSTOP");
    stopped.push(orphan);
    const killed = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGKILL");
    await killed;

    const messages: string[] = [];
    let opened = false;
    const opening = openDatabase({ dataDir, log: (message) => messages.push(message) }).then((db) => {
      opened = true;
      return db;
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(opened).toBe(false);
    signal(orphan, "SIGCONT");
    const db = await opening;
    try {
      expect(runs(orphan)).toBe(false);
      expect(messages.join("\n")).toMatch(new RegExp(`left by pid ${server.pid} .*waited \\d+ ms for its database process, pid ${orphan}`));
      expect(await db.prisma.enterprise.count({ where: { key: { startsWith: "kept-" } } })).toBe(20);
    } finally {
      await db.close();
    }
  }, ON_DISK_TIMEOUT_MS);

  it("ignores a terminal's Ctrl-C (the server closes it in order), closes cleanly on its own SIGTERM, and close() then returns at once", async () => {
    const dataDir = freshFolder();
    const ends: string[] = [];
    const server = await openEmbedded(dataDir, (reason) => ends.push(reason));
    signal(server.pid, "SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await answers(server.url)).toBe(1);
    signal(server.pid, "SIGTERM");
    for (let waited = 0; ends.length === 0 && waited < 30_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ends).toEqual(["the embedded database's process ended (exit code 0)"]);
    await server.close();
    // Closed cleanly: it opens again.
    const again = await openEmbedded(dataDir);
    try {
      expect(await answers(again.url)).toBe(1);
    } finally {
      await again.close();
    }
    expect(runs(again.pid)).toBe(false);
  }, ON_DISK_TIMEOUT_MS);

  it("serves the in-memory databases of one process from one database process, each on its own port and closed on its own", async () => {
    const first = await openEmbedded();
    const second = await openEmbedded();
    try {
      expect(second.pid).toBe(first.pid);
      expect(second.url).not.toBe(first.url);
      const client = new pg.Client({ connectionString: first.url });
      await client.connect();
      await client.query("CREATE TABLE only_in_first (id int)");
      await client.end();
      await first.close();
      expect(runs(first.pid)).toBe(true);
      const other = new pg.Client({ connectionString: second.url });
      await other.connect();
      try {
        expect((await other.query("SELECT to_regclass('only_in_first') AS found")).rows).toEqual([{ found: null }]);
      } finally {
        await other.end();
      }
    } finally {
      await first.close();
      await second.close();
    }
  }, ON_DISK_TIMEOUT_MS);

  it("a program that closes its database goes on after the close, and one that forgets to close it still ends", async () => {
    const dataDir = freshFolder();
    const script = `const { openEmbedded } = await import(${JSON.stringify(dbModule)});
const closed = await openEmbedded(${JSON.stringify(dataDir)});
await closed.close();
console.log("after close");
const forgotten = await openEmbedded();
console.log("forgotten " + forgotten.pid);`;
    const program = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(program);
    let output = "";
    program.stdout!.on("data", (chunk) => (output += chunk));
    const code = await new Promise((resolve) => program.on("exit", resolve));
    expect(code).toBe(0);
    expect(output).toContain("after close");
    // The forgotten database's process saw its parent go and ended too.
    const forgotten = Number(/forgotten (\d+)/.exec(output)![1]);
    for (let waited = 0; runs(forgotten) && waited < 30_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(runs(forgotten)).toBe(false);
  }, ON_DISK_TIMEOUT_MS);

  it("reports a failure to open with the database process's own message", async () => {
    const dataDir = freshFolder();
    // A data directory of another PostgreSQL major version.
    writeFileSync(path.join(dataDir, "PG_VERSION"), "9\n");
    await expect(openEmbedded(dataDir)).rejects.toThrow("PGlite failed to initialize properly");
  }, ON_DISK_TIMEOUT_MS);
});
