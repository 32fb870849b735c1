import { serializable } from "@sso-cutover/db";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { completeSsoLogin, provisionSsoAccount, subjectKey, type IdpIdentity } from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  TEST_PUBLIC_URL,
  createSsoEnterprise,
  idpResponse,
  startLogin,
  uniqueKey,
  type IdpUser,
  type SsoEnterpriseFixture,
} from "../../../tests/kit/sso-fixtures";

let db: TestDatabase;
let acme: SsoEnterpriseFixture;
let webKey: string;

beforeAll(async () => {
  db = await createTestDatabase();
  webKey = uniqueKey("web");
  acme = await createSsoEnterprise(db.prisma, { organizations: { [webKey]: ["Developers"] } });
});
afterAll(() => db.close());

/** One complete SP-initiated login of `who` at the test IdP. */
async function login(who: IdpUser, enterpriseKey = acme.enterprise.key) {
  const { requestId } = await startLogin(db.prisma, enterpriseKey);
  return completeSsoLogin(db.prisma, { publicUrl: TEST_PUBLIC_URL, enterpriseKey, samlResponse: idpResponse(enterpriseKey, requestId, who) });
}

/** An SSO account as the demo seed or SCIM provisioning creates it: no subject, never signed in through SAML yet. */
async function subjectlessSsoAccount(email: string, enterpriseId = acme.enterprise.id) {
  const login = uniqueKey(email.split("@")[0]!.toLowerCase());
  return db.prisma.account.create({
    data: { login, name: login, kind: "SSO", enterpriseId, email, emailNormalized: email.toLowerCase(), emailVerified: true },
  });
}

function ssoAccountsWithEmail(email: string) {
  return db.prisma.account.count({ where: { enterpriseId: acme.enterprise.id, kind: "SSO", emailNormalized: email.toLowerCase() } });
}

describe("one person, one SSO account (R16)", () => {
  it("R16: a person's first login reuses the seeded SSO account with the same email (case-insensitive) and stores the subject", async () => {
    const email = `${uniqueKey("bob")}@acme.test`;
    const seeded = await subjectlessSsoAccount(email);
    const nameId = uniqueKey("00u-okta-bob");

    const first = await login({ nameId, login: email, name: "Bob Builder", email: email.toUpperCase(), groups: ["Developers"] });
    expect(first.account.id).toBe(seeded.id);
    expect(first.account.login).toBe(seeded.login);
    expect(first.accountCreated).toBe(false);
    expect(first.account.ssoSubject).toBe(nameId);
    expect(await ssoAccountsWithEmail(email)).toBe(1);
    // The reused account gets the IdP's groups like any login (R2).
    expect(await db.prisma.orgMembership.count({ where: { accountId: seeded.id, organization: { key: webKey } } })).toBe(1);

    const again = await login({ nameId, login: email, email });
    expect(again.account.id).toBe(seeded.id);
    expect(await ssoAccountsWithEmail(email)).toBe(1);
  });

  it("R16: without an email attribute, an email-shaped NameID finds the seeded account", async () => {
    const email = `${uniqueKey("nina")}@acme.test`;
    const seeded = await subjectlessSsoAccount(email);
    const signedIn = await login({ nameId: email.replace(/^n/, "N") });
    expect(signedIn.account.id).toBe(seeded.id);
    expect(signedIn.account.ssoSubject).toBe(email);
  });

  it("R16: NameID case variants (`Bob@…` / `bob@…`) are one person: one account, subject stored lower-cased", async () => {
    const local = uniqueKey("carol");
    const first = await login({ nameId: `${local.replace(/^c/, "C")}@Acme.Test`, login: `${local}@acme.test` });
    expect(first.accountCreated).toBe(true);
    expect(first.account.ssoSubject).toBe(`${local}@acme.test`);
    const second = await login({ nameId: `${local}@acme.test`, login: `${local}@acme.test` });
    const third = await login({ nameId: `${local.toUpperCase()}@ACME.TEST`, login: `${local}@acme.test` });
    expect(second.account.id).toBe(first.account.id);
    expect(third.account.id).toBe(first.account.id);
    expect(second.accountCreated).toBe(false);
    expect(await db.prisma.account.count({ where: { enterpriseId: acme.enterprise.id, login: { startsWith: `${local}-` } } })).toBe(1);
  });

  it("R16: opaque (not email-shaped) NameIDs compare exactly, as SAML defines them", () => {
    expect(subjectKey(" 00uAbC123 ")).toBe("00uAbC123");
    expect(subjectKey("Bob@Acme.Example")).toBe("bob@acme.example");
  });

  it("R16: the stored subject keeps finding the account after the email changes at the IdP; the old email does not hand it to someone else", async () => {
    const email = `${uniqueKey("dave")}@acme.test`;
    const seeded = await subjectlessSsoAccount(email);
    const nameId = uniqueKey("00u-dave");
    await login({ nameId, email });

    const renamed = `${uniqueKey("david")}@acme.test`;
    const afterRename = await login({ nameId, email: renamed, name: "David" });
    expect(afterRename.account.id).toBe(seeded.id);
    expect(afterRename.account).toMatchObject({ email: renamed, emailNormalized: renamed, name: "David", ssoSubject: nameId });

    // Someone else whom the IdP now gives dave's old email: another subject, so another person, never dave's account.
    const newcomer = await login({ nameId: uniqueKey("00u-other"), email });
    expect(newcomer.account.id).not.toBe(seeded.id);
    expect(newcomer.accountCreated).toBe(true);
  });

  it("R16: DOP accounts, deleted accounts and SSO accounts of another enterprise are never matched by email", async () => {
    const email = `${uniqueKey("erin")}@acme.test`;
    const dop = await db.prisma.account.create({
      data: { login: uniqueKey("erin-gh"), name: "Erin", kind: "DEVOPS", devopsPlatform: "GITHUB", email, emailNormalized: email, emailVerified: true },
    });
    const other = await createSsoEnterprise(db.prisma);
    const elsewhere = await subjectlessSsoAccount(email, other.enterprise.id);
    const deleted = await subjectlessSsoAccount(email);
    await db.prisma.account.update({ where: { id: deleted.id }, data: { deletedAt: new Date() } });

    const signedIn = await login({ nameId: uniqueKey("00u-erin"), email });
    expect(signedIn.accountCreated).toBe(true);
    expect([dop.id, elsewhere.id, deleted.id]).not.toContain(signedIn.account.id);
    expect((await db.prisma.account.findUniqueOrThrow({ where: { id: elsewhere.id } })).ssoSubject).toBeNull();
  });

  it("R16: LIKE wildcards in a NameID match only themselves (`a_b@…` is not `axb@…`)", async () => {
    const suffix = uniqueKey("w");
    const holder = await login({ nameId: `axb-${suffix}@acme.test` });
    const other = await login({ nameId: `a_b-${suffix}@acme.test` });
    const percent = await login({ nameId: `%-${suffix}@acme.test` });
    expect(new Set([holder.account.id, other.account.id, percent.account.id]).size).toBe(3);
  });

  it("R16: two simultaneous first logins of one person create one account (same NameID, and case variants)", async () => {
    const local = uniqueKey("frank");
    const [one, two] = await Promise.all([
      login({ nameId: `${local}@acme.test`, email: `${local}@acme.test` }),
      login({ nameId: `${local.toUpperCase()}@acme.test`, email: `${local}@acme.test` }),
    ]);
    expect(one.account.id).toBe(two.account.id);
    expect([one.accountCreated, two.accountCreated].sort()).toEqual([false, true]);
    expect(await ssoAccountsWithEmail(`${local}@acme.test`)).toBe(1);
  });

  it("R16: two simultaneous first logins of one person with a seeded account both land on it", async () => {
    const email = `${uniqueKey("grace")}@acme.test`;
    const seeded = await subjectlessSsoAccount(email);
    const nameId = uniqueKey("00u-grace");
    const logins = await Promise.all([login({ nameId, email }), login({ nameId, email }), login({ nameId, email })]);
    expect(logins.map((signedIn) => signedIn.account.id)).toEqual([seeded.id, seeded.id, seeded.id]);
    expect(await ssoAccountsWithEmail(email)).toBe(1);
    expect((await db.prisma.account.findUniqueOrThrow({ where: { id: seeded.id } })).ssoSubject).toBe(nameId);
  });

  it("R16: two first logins whose transactions both read before either writes still make one account (the loser is retried)", async () => {
    const local = uniqueKey("heidi");
    const identity = (subject: string): IdpIdentity => ({ subject, idpLogin: subject, name: "Heidi", email: `${local}@acme.test`, groups: [] });
    // Both transactions take their snapshot, then meet, then provision: a real race on PostgreSQL. A single-session
    // database (PGlite) cannot run them side by side, so the first one stops waiting after a moment.
    let arrived = 0;
    let release: () => void = () => undefined;
    const bothArrived = new Promise<void>((resolve) => (release = resolve));
    const attempts: number[] = [0, 0];
    const race = (index: number, subject: string) =>
      serializable(db.prisma, async (tx) => {
        attempts[index]! += 1;
        await tx.account.count({ where: { enterpriseId: acme.enterprise.id } });
        if (attempts[index] === 1) {
          arrived += 1;
          if (arrived === 2) release();
          await Promise.race([bothArrived, new Promise((resolve) => setTimeout(resolve, 1500))]);
        }
        return provisionSsoAccount(tx, { enterpriseId: acme.enterprise.id, identity: identity(subject), now: new Date() });
      });
    const [one, two] = await Promise.all([race(0, `${local}@acme.test`), race(1, `${local.toUpperCase()}@Acme.Test`)]);
    expect(one.account.id).toBe(two.account.id);
    expect(await ssoAccountsWithEmail(`${local}@acme.test`)).toBe(1);
    if (process.env.TEST_DATABASE_URL) expect(attempts[0]! + attempts[1]!).toBeGreaterThan(2);
  });
});
