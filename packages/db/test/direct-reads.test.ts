import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prisma, readRows } from "@sso-cutover/db";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});

describe("reads sent straight to the pool (readRows)", () => {
  it("answer what $queryRaw answers, for every type the hand-written reads use and for the parameters they send", async () => {
    const at = new Date("2026-03-04T05:06:07.089Z");
    const account = await db.prisma.account.create({
      data: { login: `direct-${Date.now()}`, name: "Direct", kind: "SSO", email: null, lastLoginAt: at, scimAttributes: { title: "Engineer", tags: ["a", "b"] } },
    });
    // Timestamps stored without time zone, with and without a value; a bigint count, an int, a float, a boolean,
    // JSON (json and jsonb), a text array, an enum; parameters as a date, an array, a number, null.
    const query = Prisma.sql`
      SELECT a."id", a."login", a."email", a."kind", a."lastLoginAt", a."deletedAt", a."createdAt", a."scimAttributes",
             (SELECT count(*) FROM "Account" x WHERE x."id" = ANY(${[account.id, "missing"]}::text[])) AS "found",
             (SELECT count(*) FROM "Account" x WHERE x."id" = ${account.id})::int AS "foundInt",
             (extract(epoch from a."lastLoginAt") * 1000)::float8 AS "lastLoginMs",
             a."lastLoginAt" = ${at} AS "sameInstant",
             a."lastLoginAt" > ${new Date(at.getTime() - 1)} AS "after",
             ${null}::text IS NULL AS "nullParameter",
             json_build_object('n', ${7}::int, 'ids', json_agg(a."id") OVER ()) AS "json",
             ARRAY[a."login", 'x'] AS "logins",
             now() AS "now"
      FROM "Account" a WHERE a."id" = ${account.id}`;
    const viaPrisma = await db.prisma.$queryRaw<Record<string, unknown>[]>(query);
    const direct = await readRows(db.prisma, query);
    const { now: prismaNow, ...prismaRow } = viaPrisma[0]!;
    const { now: directNow, ...directRow } = direct[0]!;
    expect(directRow).toEqual(prismaRow);
    expect(directRow).toMatchObject({ lastLoginAt: at, deletedAt: null, found: 1n, foundInt: 1, sameInstant: true, after: true, nullParameter: true });
    expect(directRow.scimAttributes).toEqual({ title: "Engineer", tags: ["a", "b"] });
    expect(directNow).toBeInstanceOf(Date);
    expect(Math.abs((directNow as Date).getTime() - (prismaNow as Date).getTime())).toBeLessThan(60_000);
  });

  it("are counted as statements, and inside a transaction go through it (they see its own writes)", async () => {
    db.statements.reset();
    await readRows(db.prisma, Prisma.sql`SELECT 1 AS "one"`);
    expect(db.statements.log).toEqual(['SELECT 1 AS "one"']);

    const login = `in-transaction-${Date.now()}`;
    const seen = await db.prisma.$transaction(async (tx) => {
      await tx.account.create({ data: { login, name: "Uncommitted", kind: "DEVOPS" } });
      return readRows<{ login: string }>(tx, Prisma.sql`SELECT a."login" FROM "Account" a WHERE a."login" = ${login}`);
    });
    expect(seen).toEqual([{ login }]);
  });

  it("fail with PostgreSQL's message, and the statement after a failed one runs (on the embedded database too: its one session is kept)", async () => {
    await expect(readRows(db.prisma, Prisma.sql`SELECT * FROM "NoSuchTable"`)).rejects.toThrow(/NoSuchTable/);
    expect(await readRows(db.prisma, Prisma.sql`SELECT 1 AS "one"`)).toEqual([{ one: 1 }]);
    // The same through Prisma (which uses the same pool): the statement after a failed one runs.
    await expect(db.prisma.$queryRaw(Prisma.sql`SELECT * FROM "NoSuchTable"`)).rejects.toThrow(/NoSuchTable/);
    expect(await readRows(db.prisma, Prisma.sql`SELECT 2 AS "two"`)).toEqual([{ two: 2 }]);
  });
});
