import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSerializationFailure, serializable, type Database } from "@sso-cutover/db";
import { createTestDatabase } from "@sso-cutover/db/testing";

let db: Database;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});

describe("serializable transactions", () => {
  it("R11: recognises the driver adapter's write conflict (SQLSTATE 40001 only in `cause`) as retryable", () => {
    const error = Object.assign(new Error("TransactionWriteConflict"), {
      cause: { originalCode: "40001", kind: "TransactionWriteConflict" },
    });
    expect(isSerializationFailure(error)).toBe(true);
    expect(isSerializationFailure(new Error("unique constraint failed"))).toBe(false);
  });

  it("R11: racing read-then-write transactions all succeed after retries, and no connection is lost", async () => {
    // Each transaction reads the count and writes a row: concurrent ones conflict (on PostgreSQL, often at COMMIT).
    const race = () =>
      Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          serializable(db.prisma, async (tx) => {
            const count = await tx.enterprise.count();
            await new Promise((resolve) => setTimeout(resolve, 5));
            return tx.enterprise.create({
              data: { key: `race-${index}-${Math.random().toString(36).slice(2, 8)}`, name: String(count) },
            });
          }),
        ),
      );
    expect(await race()).toHaveLength(12);
    // A connection kept after a refused COMMIT would make later rounds wait forever on an exhausted pool.
    for (let round = 0; round < 3; round++) expect(await race()).toHaveLength(12);
    expect(await db.prisma.enterprise.count({ where: { key: { startsWith: "race-" } } })).toBe(48);
  });
});
