import { DomainError } from "@sso-cutover/db";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { SESSION_COOKIE, SESSION_LIFETIME_MS, authenticateSession, completeSsoLogin, endSession } from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_PUBLIC_URL, createSsoEnterprise, idpResponse, startLogin, uniqueKey } from "../../../tests/kit/sso-fixtures";

let db: TestDatabase;
let enterpriseKey: string;

beforeAll(async () => {
  db = await createTestDatabase();
  enterpriseKey = (await createSsoEnterprise(db.prisma)).enterprise.key;
});

afterAll(async () => {
  await db.close();
});

async function signIn(now = new Date()) {
  const id = uniqueKey("session-user");
  const { requestId } = await startLogin(db.prisma, enterpriseKey, { now });
  const samlResponse = idpResponse(enterpriseKey, requestId, { nameId: id, login: id, email: `${id}@acme.test` }, { issuedAt: now });
  return completeSsoLogin(db.prisma, { publicUrl: TEST_PUBLIC_URL, enterpriseKey, samlResponse, now });
}

async function expectUnauthenticated(cookieValue: string, now?: Date) {
  const error = await authenticateSession(db.prisma, cookieValue, now).catch((thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe("UNAUTHENTICATED");
}

describe("SSO sessions (R1)", () => {
  it("R1: the session cookie authenticates its account until the session expires after 8 hours", async () => {
    const now = new Date();
    const login = await signIn(now);
    expect(SESSION_COOKIE).toMatch(/^[a-z_]+$/);
    expect(login.sessionExpiresAt.getTime() - now.getTime()).toBe(SESSION_LIFETIME_MS);
    const justBefore = new Date(login.sessionExpiresAt.getTime() - 1);
    expect((await authenticateSession(db.prisma, login.sessionSecret, justBefore)).account.id).toBe(login.account.id);
    await expectUnauthenticated(login.sessionSecret, login.sessionExpiresAt);
  });

  it("R1: endSession (logout) ends the session; other sessions of the account keep working", async () => {
    const first = await signIn();
    const second = await signIn();
    await endSession(db.prisma, first.sessionSecret);
    await expectUnauthenticated(first.sessionSecret);
    expect((await authenticateSession(db.prisma, second.sessionSecret)).account.id).toBe(second.account.id);
    await endSession(db.prisma, first.sessionSecret); // ending twice is harmless
    await endSession(db.prisma, "not-a-session");
  });

  it("R1: unknown, malformed and deleted-account sessions do not authenticate", async () => {
    await expectUnauthenticated("");
    await expectUnauthenticated("x".repeat(43));
    await expectUnauthenticated("not a cookie value at all");
    const login = await signIn();
    await db.prisma.account.update({ where: { id: login.account.id }, data: { deletedAt: new Date() } });
    await expectUnauthenticated(login.sessionSecret);
  });
});
