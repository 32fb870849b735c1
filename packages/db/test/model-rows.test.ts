import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACCOUNT_COLUMNS,
  ACCOUNT_TIMESTAMPS,
  columnsFromJson,
  modelColumnsJson,
  modelsFromColumns,
  modelsFromTuples,
  modelTupleJson,
  Prisma,
  textArray,
  type Account,
  type Database,
} from "@sso-cutover/db";
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

  it("R9: accounts read as JSON columns are the accounts Prisma reads, every date to the millisecond, before 1970 and far ahead included", async () => {
    const instants = ["2026-01-02T03:04:05.678Z", "2026-01-02T03:04:05.999Z", "1969-12-31T23:59:59.999Z", "1900-01-01T00:00:00.001Z", "9999-12-31T23:59:59.999Z", "1970-01-01T00:00:00.000Z"];
    const stamp = Date.now();
    const ids: string[] = [];
    for (const [index, instant] of instants.entries()) {
      const account = await db.prisma.account.create({
        data: { login: `columns-${stamp}-${index}`, name: "Columns", kind: "DEVOPS", lastLoginAt: new Date(instant), deletedAt: index % 2 ? new Date(instant) : null },
      });
      ids.push(account.id);
    }
    const [row] = await db.prisma.$queryRaw<{ accounts: unknown; tuples: unknown; none: unknown }[]>(Prisma.sql`
      SELECT (SELECT ${modelColumnsJson("a", ACCOUNT_COLUMNS, ACCOUNT_TIMESTAMPS)} FROM "Account" a WHERE a."id" = ANY(${textArray(ids)}))::text AS "accounts",
             (SELECT json_agg(${modelTupleJson("a", ACCOUNT_COLUMNS, ACCOUNT_TIMESTAMPS)}) FROM "Account" a WHERE a."id" = ANY(${textArray(ids)}))::text AS "tuples",
             (SELECT ${modelColumnsJson("a", ACCOUNT_COLUMNS, ACCOUNT_TIMESTAMPS)} FROM "Account" a WHERE FALSE)::text AS "none"`);
    const expected = await db.prisma.account.findMany({ where: { id: { in: ids } } });
    const byLogin = (accounts: Account[]) => [...accounts].sort((a, b) => (a.login < b.login ? -1 : 1));
    const columns = modelsFromColumns<Account>(columnsFromJson(row!.accounts, ACCOUNT_COLUMNS.length), ACCOUNT_COLUMNS, ACCOUNT_TIMESTAMPS);
    expect(byLogin(columns)).toEqual(byLogin(expected));
    expect(byLogin(columns).map((account) => account.lastLoginAt!.toISOString())).toEqual(instants);
    expect(byLogin(modelsFromTuples<Account>(row!.tuples, ACCOUNT_COLUMNS, ACCOUNT_TIMESTAMPS))).toEqual(byLogin(expected));
    expect(modelsFromColumns<Account>(columnsFromJson(row!.none, ACCOUNT_COLUMNS.length), ACCOUNT_COLUMNS, ACCOUNT_TIMESTAMPS)).toEqual([]);
  });
});
