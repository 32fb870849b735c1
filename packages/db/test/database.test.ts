import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import {
  committedMigrations,
  DataDirLockedError,
  MigrationsPendingError,
  openDatabase,
  Prisma,
  serializable,
  isSerializationFailure,
} from "@sso-cutover/db";
import { createTestDatabase } from "@sso-cutover/db/testing";

const folders: string[] = [];
function freshFolder(): string {
  const folder = mkdtempSync(path.join(tmpdir(), "sso-cutover-db-test-"));
  folders.push(folder);
  return folder;
}
afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

// On-disk PGlite starts slowly (the WebAssembly PostgreSQL): seconds, not milliseconds.
const ON_DISK_TIMEOUT_MS = 180_000;

describe("embedded database (PGlite)", () => {
  it("creates an empty data directory's database already migrated (from the template), locks it while open and keeps the data across a restart", async () => {
    const dataDir = freshFolder();
    const messages: string[] = [];
    const first = await openDatabase({ dataDir, log: (message) => messages.push(message) });
    expect(first.kind).toBe("pglite");
    expect(messages.join("\n")).toMatch(/from the template migrated to/);
    const applied = await first.prisma.$queryRaw<{ name: string }[]>`SELECT migration_name AS name FROM _prisma_migrations ORDER BY 1`;
    expect(applied.map((row) => row.name)).toEqual(committedMigrations());
    await first.prisma.enterprise.create({ data: { key: "kept", name: "Kept" } });
    // While it is open, no other open of the folder is allowed (it would work on its own copy of the data).
    await expect(openDatabase({ dataDir })).rejects.toBeInstanceOf(DataDirLockedError);
    await first.close();

    const again: string[] = [];
    const second = await openDatabase({ dataDir, log: (message) => again.push(message) });
    try {
      expect(await second.prisma.enterprise.findUnique({ where: { key: "kept" } })).toMatchObject({ name: "Kept" });
      expect(again.join("\n")).not.toMatch(/applied|template/);
    } finally {
      await second.close();
    }
  }, ON_DISK_TIMEOUT_MS);

  it("with migrateOnStart=false refuses to start on a database with pending migrations, naming them", async () => {
    const dataDir = freshFolder();
    await (await PGlite.create(dataDir)).close();
    const opening = openDatabase({ dataDir, migrateOnStart: false });
    await expect(opening).rejects.toBeInstanceOf(MigrationsPendingError);
    await expect(opening).rejects.toThrow(/pending migration.*_init.*MIGRATE_ON_START=false/s);
  }, ON_DISK_TIMEOUT_MS);
});

describe("serializable transactions with retry (R11)", () => {
  it("runs the work again after a serialization failure and returns its result", async () => {
    const db = await createTestDatabase();
    try {
      let attempts = 0;
      const result = await serializable(db.prisma, async (tx) => {
        attempts++;
        await tx.enterprise.create({ data: { key: `retry-${attempts}`, name: "Retry" } });
        if (attempts < 3) {
          throw new Prisma.PrismaClientKnownRequestError("write conflict", { code: "P2034", clientVersion: "6.19.3" });
        }
        return "done";
      });
      expect(result).toBe("done");
      expect(attempts).toBe(3);
      // The failed attempts were rolled back: only the last one's row exists.
      expect(await db.prisma.enterprise.findMany({ where: { key: { startsWith: "retry-" } }, select: { key: true } })).toEqual([
        { key: "retry-3" },
      ]);
    } finally {
      await db.close();
    }
  });

  it("does not retry other errors", async () => {
    const db = await createTestDatabase();
    try {
      let attempts = 0;
      await expect(
        serializable(db.prisma, async () => {
          attempts++;
          throw new Error("not a conflict");
        }),
      ).rejects.toThrow("not a conflict");
      expect(attempts).toBe(1);
    } finally {
      await db.close();
    }
  });

  it("recognises PostgreSQL's serialization failure and deadlock codes", () => {
    expect(isSerializationFailure(new Error("could not serialize access due to read/write dependencies among transactions"))).toBe(true);
    expect(isSerializationFailure(Object.assign(new Error("x"), { meta: { code: "40P01" } }))).toBe(true);
    expect(isSerializationFailure(new Error("unique constraint"))).toBe(false);
  });

  it("R11: recognises a serialization failure reported at COMMIT, which reaches us as the driver adapter's raw error", () => {
    const atCommit = Object.assign(new Error("TransactionWriteConflict"), {
      name: "DriverAdapterError",
      cause: { kind: "TransactionWriteConflict", originalCode: "40001", originalMessage: "could not serialize access" },
    });
    expect(isSerializationFailure(atCommit)).toBe(true);
    const deadlock = Object.assign(new Error("deadlock"), { name: "DriverAdapterError", cause: { kind: "postgres", code: "40P01" } });
    expect(isSerializationFailure(deadlock)).toBe(true);
    const uniqueViolation = Object.assign(new Error("duplicate key"), { name: "DriverAdapterError", cause: { kind: "postgres", code: "23505" } });
    expect(isSerializationFailure(uniqueViolation)).toBe(false);
  });

  it("R11: a transaction whose COMMIT fails hands its connection back to the pool", async () => {
    // The test database's pool has one connection on PGlite: a leaked connection would block everything after it.
    const db = await createTestDatabase();
    try {
      await db.prisma.$executeRawUnsafe(
        "CREATE TABLE commit_probe (id int, CONSTRAINT commit_probe_unique UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)",
      );
      for (let attempt = 0; attempt < 12; attempt++) {
        // The deferred constraint is checked at COMMIT, so it is COMMIT that fails.
        const failing = db.prisma.$transaction(async (tx) => {
          await tx.$executeRawUnsafe("INSERT INTO commit_probe VALUES (1), (1)");
        }, { maxWait: 2_000 });
        await expect(failing).rejects.toThrow(/UniqueConstraintViolation/);
      }
      expect(await db.prisma.$queryRawUnsafe("SELECT count(*)::int AS rows FROM commit_probe")).toEqual([{ rows: 0 }]);
    } finally {
      await db.close();
    }
  });
});
