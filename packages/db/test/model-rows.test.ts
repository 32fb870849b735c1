import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_COLUMNS, ACCOUNT_TIMESTAMPS, modelsFromTuples, modelTupleJson, Prisma, textArray, type Account, type Database } from "@sso-cutover/db";
import { createTestDatabase } from "@sso-cutover/db/testing";

let db: Database;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});

describe("statements written by hand", () => {
  it("R9: an id list sent as one array literal reaches the database unchanged, whatever its characters", async () => {
    // The cutover plan sends the ids it is given this way: a separator, quote, brace or the word NULL inside an id
    // must not split, merge or null an element.
    const values = ["a,b", "NULL", "null", "", 'x"y', "back\\slash", "{}", "a}b", " spaced ", "é ü", "tab\there", "new\nline", "cl_9f2-x.y:z"];
    const [row] = await db.prisma.$queryRaw<{ values: string[] }[]>(Prisma.sql`SELECT ${textArray(values)} AS "values"`);
    expect(row!.values).toEqual(values);
  });

  it("R9: accounts read as JSON tuples are the accounts Prisma reads, dates included", async () => {
    const created = await db.prisma.account.create({
      data: { login: `tuple-${Date.now()}`, name: "Tuple", kind: "DEVOPS", email: "tuple@example.com", lastLoginAt: new Date("2026-01-02T03:04:05.678Z") },
    });
    const [row] = await db.prisma.$queryRaw<{ accounts: unknown }[]>(Prisma.sql`
      SELECT json_agg(${modelTupleJson("a", ACCOUNT_COLUMNS, ACCOUNT_TIMESTAMPS)}) AS "accounts" FROM "Account" a WHERE a."id" = ${created.id}`);
    expect(modelsFromTuples<Account>(row!.accounts, ACCOUNT_COLUMNS, ACCOUNT_TIMESTAMPS)).toEqual([await db.prisma.account.findUniqueOrThrow({ where: { id: created.id } })]);
  });
});
