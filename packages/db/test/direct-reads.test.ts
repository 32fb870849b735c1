import { createServer, connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientFor, openEmbedded, Prisma, readRows } from "@sso-cutover/db";
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

describe("prepared reads and the pool's connections", () => {
  it("a read prepared on a connection the pool closed when idle runs again on the next one (the embedded database keeps one session across connections)", async () => {
    // A database of its own when embedded: its socket serves one connection at a time, and the file's is open.
    const embedded = db.kind === "pglite" ? await openEmbedded() : null;
    const client = clientFor(embedded?.url ?? db.url, 1, undefined, 100);
    try {
      const read = () => readRows<{ value: number }>(client, Prisma.sql`SELECT ${41}::int + 1 AS "value"`);
      expect(await read()).toEqual([{ value: 42 }]);
      // The pool closes the idle connection; the next read opens another.
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await read()).toEqual([{ value: 42 }]);
      expect(await read()).toEqual([{ value: 42 }]);
    } finally {
      await client.$disconnect();
      await embedded?.close();
    }
  });
});

/** A TCP proxy to `target` whose connections can be cut (a network failure between the server and its database). */
async function cuttableProxy(target: URL): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(Number(target.port), target.hostname);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => undefined);
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(target);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as { port: number }).port);
  return {
    url: url.toString(),
    cut: () => sockets.forEach((socket) => socket.destroy()),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("a connection that breaks", () => {
  it("while a read runs fails that read with the connection's error, the process keeps running, and the next read opens another", async () => {
    const embedded = db.kind === "pglite" ? await openEmbedded() : null;
    const proxy = await cuttableProxy(new URL(embedded?.url ?? db.url));
    const client = clientFor(proxy.url, 1);
    try {
      expect(await readRows(client, Prisma.sql`SELECT 1 AS "one"`)).toEqual([{ one: 1 }]);
      const running = readRows(client, Prisma.sql`SELECT pg_sleep(0.3) IS NULL AS "slept"`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      proxy.cut();
      await expect(running).rejects.toThrow(/terminated|ECONNRESET|closed/i);
      // The broken connection was not handed back as if healthy: the next read gets a new one.
      expect(await readRows(client, Prisma.sql`SELECT 2 AS "two"`)).toEqual([{ two: 2 }]);
    } finally {
      await client.$disconnect();
      await proxy.close();
      await embedded?.close();
    }
  });
});
