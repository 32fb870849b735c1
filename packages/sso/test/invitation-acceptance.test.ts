import type { Account, InvitationStatus } from "@sso-cutover/db";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { completeSsoLogin } from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  TEST_PUBLIC_URL,
  createEnterpriseAdmin,
  createSsoEnterprise,
  idpResponse,
  startLogin,
  uniqueKey,
  type SsoEnterpriseFixture,
} from "../../../tests/kit/sso-fixtures";

const DAY_MS = 24 * 3600_000;

let db: TestDatabase;
let acme: SsoEnterpriseFixture;
let other: SsoEnterpriseFixture;
let admin: Account;

beforeAll(async () => {
  db = await createTestDatabase();
  acme = await createSsoEnterprise(db.prisma);
  other = await createSsoEnterprise(db.prisma);
  admin = await createEnterpriseAdmin(db.prisma, acme.enterprise.id);
});

afterAll(async () => {
  await db.close();
});

async function invite(
  email: string,
  { enterpriseId = acme.enterprise.id, expiresInDays = 14, status = "PENDING" }: { enterpriseId?: string; expiresInDays?: number; status?: InvitationStatus } = {},
) {
  return db.prisma.invitation.create({
    data: {
      enterpriseId,
      email,
      emailNormalized: email.toLowerCase(),
      invitedById: admin.id,
      expiresAt: new Date(Date.now() + expiresInDays * DAY_MS),
      status,
    },
  });
}

async function login(email: string, nameId = uniqueKey("subject"), fixture = acme) {
  const key = fixture.enterprise.key;
  const { requestId } = await startLogin(db.prisma, key);
  const samlResponse = idpResponse(key, requestId, { nameId, login: email, email, name: email });
  return completeSsoLogin(db.prisma, { publicUrl: TEST_PUBLIC_URL, enterpriseKey: key, samlResponse });
}

function reload(id: string) {
  return db.prisma.invitation.findUniqueOrThrow({ where: { id } });
}

describe("invitation acceptance at the first SSO login (R3)", () => {
  it("R3: a first SSO login with the invited email (case-insensitive) accepts the PENDING invitation", async () => {
    const local = uniqueKey("alice");
    const invitation = await invite(`${local}@Acme.test`);
    const { account } = await login(`${local.toUpperCase()}@acme.TEST`);
    const accepted = await reload(invitation.id);
    expect(accepted).toMatchObject({ status: "ACCEPTED", acceptedById: account.id });
    expect(accepted.acceptedAt).toEqual(account.lastLoginAt);

    const event = await db.prisma.auditEvent.findFirstOrThrow({ where: { action: "authentication.user_login", targetId: account.id } });
    expect(event.payload).toMatchObject({ invitationAccepted: invitation.id });
  });

  it("R3: a login with any other email leaves the invitation PENDING", async () => {
    const invitation = await invite(`${uniqueKey("bob")}@acme.test`);
    await login(`${uniqueKey("carol")}@acme.test`);
    expect((await reload(invitation.id)).status).toBe("PENDING");
  });

  it("R3: expired, revoked and other enterprises' invitations are not accepted", async () => {
    const email = `${uniqueKey("dave")}@acme.test`;
    const expired = await invite(email, { expiresInDays: -1 });
    const revoked = await invite(email, { status: "REVOKED" });
    const foreign = await invite(email, { enterpriseId: other.enterprise.id });
    const { account } = await login(email);
    expect((await reload(expired.id)).status).toBe("PENDING");
    expect((await reload(revoked.id)).status).toBe("REVOKED");
    expect((await reload(foreign.id)).status).toBe("PENDING");
    const event = await db.prisma.auditEvent.findFirstOrThrow({ where: { action: "authentication.user_login", targetId: account.id } });
    expect(event.payload).toMatchObject({ invitationAccepted: null });
  });

  it("R3: only a first SSO login accepts: an invitation sent after the account's first login stays PENDING", async () => {
    const email = `${uniqueKey("erin")}@acme.test`;
    const nameId = uniqueKey("erin-subject");
    await login(email, nameId);
    const invitation = await invite(email);
    await login(email, nameId);
    expect((await reload(invitation.id)).status).toBe("PENDING");
  });
});
