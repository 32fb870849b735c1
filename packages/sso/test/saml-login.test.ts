import { createHash } from "node:crypto";
import { DomainError } from "@sso-cutover/db";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { enterpriseLoginUrl } from "@sso-cutover/enterprise";
import {
  MAX_SAML_RESPONSE_BYTES,
  SsoLoginRefused,
  acsUrl,
  authenticateSession,
  completeSsoLogin,
  metadataUrl,
  spEntityId,
  spMetadataXml,
  startSsoLogin,
  type SsoLoginRefusalReason,
} from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  TEST_CLIENT_ADDRESS,
  TEST_PUBLIC_URL,
  createSsoEnterprise,
  idpResponse,
  startLogin,
  uniqueKey,
  type IdpUser,
  type ResponseOverrides,
} from "../../../tests/kit/sso-fixtures";
import {
  TEST_IDP_SSO_URL,
  buildSamlResponseXml,
  encodeSamlResponse,
  injectForgedAssertion,
  replaceAttributeValue,
  strangerCertificatePem,
} from "../../../tests/kit/test-idp";

let db: TestDatabase;
let enterpriseKey: string;
let enterpriseId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const fixture = await createSsoEnterprise(db.prisma);
  enterpriseKey = fixture.enterprise.key;
  enterpriseId = fixture.enterprise.id;
});

afterAll(async () => {
  await db.close();
});

function user(name: string): IdpUser {
  return { nameId: `idp-subject-${name}-${uniqueKey("u")}`, login: `${name}@acme.test`, name: `User ${name}`, email: `${name}@Acme.Test` };
}

function complete(samlResponse: string, extra: { relayState?: string | null; now?: Date; key?: string } = {}) {
  return completeSsoLogin(db.prisma, {
    publicUrl: TEST_PUBLIC_URL,
    enterpriseKey: extra.key ?? enterpriseKey,
    samlResponse,
    relayState: extra.relayState ?? null,
    ...(extra.now ? { now: extra.now } : {}),
  });
}

async function refusalEvents(key = enterpriseId) {
  return db.prisma.auditEvent.findMany({
    where: { enterpriseId: key, action: "authentication.login_refused" },
    orderBy: { createdAt: "asc" },
  });
}

/** Refusals no outstanding request stands behind: counted per reason, enterprise and hour (see refusal-audit). */
const ANONYMOUS: ReadonlySet<SsoLoginRefusalReason> = new Set([
  "OVERSIZED",
  "TOO_COMPLEX",
  "MALFORMED",
  "IDP_INITIATED",
  "UNKNOWN_REQUEST",
  "REQUEST_EXPIRED",
  "REPLAYED",
]);

/** Refusals recorded for `reason`, aggregated events counting for their `count`. */
function refusalsCounted(events: Awaited<ReturnType<typeof refusalEvents>>, reason: SsoLoginRefusalReason): number {
  return events
    .map((event) => event.payload as { reason?: string; count?: number })
    .filter((payload) => payload.reason === reason)
    .reduce((total, payload) => total + (payload.count ?? 1), 0);
}

/**
 * Posts the response, expects a refusal for `reason`, and checks what every refusal must do: throw an
 * UNAUTHENTICATED SsoLoginRefused, be audited with the reason and nothing of the response — its own event when it
 * answers an outstanding request, one more in the hour's counted event of its reason otherwise — and create no
 * account and no session.
 */
async function expectRefused(
  samlResponse: string,
  reason: SsoLoginRefusalReason,
  { who, now, key }: { who?: IdpUser; now?: Date; key?: string } = {},
): Promise<SsoLoginRefused> {
  const before = await refusalEvents();
  const [accounts, sessions] = await Promise.all([db.prisma.account.count(), db.prisma.session.count()]);
  const error = await complete(samlResponse, { ...(now ? { now } : {}), ...(key ? { key } : {}) }).then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error, `expected a refusal for ${reason}`).toBeInstanceOf(SsoLoginRefused);
  const refusal = error as SsoLoginRefused;
  expect(refusal.reason).toBe(reason);
  expect(refusal.code).toBe("UNAUTHENTICATED");

  const after = await refusalEvents();
  expect(refusalsCounted(after, reason)).toBe(refusalsCounted(before, reason) + 1);
  const event = ANONYMOUS.has(reason)
    ? after.find((candidate) => (candidate.payload as { reason?: string; aggregated?: boolean }).reason === reason)!
    : after.at(-1)!;
  if (ANONYMOUS.has(reason)) {
    expect(after).toHaveLength(before.length + (refusalsCounted(before, reason) === 0 ? 1 : 0));
    expect(event.payload).toMatchObject({ reason, method: "SAML", aggregated: true });
  } else {
    expect(after).toHaveLength(before.length + 1);
    expect(event.payload).toMatchObject({ reason, method: "SAML" });
    expect(event.payload).not.toHaveProperty("aggregated");
  }
  expect(event.actorId).toBeNull();
  const recorded = JSON.stringify(event);
  for (const secretish of [samlResponse.slice(0, 40), "Assertion", "saml:", who?.nameId, who?.email, who?.login]) {
    if (secretish) {
      expect(recorded).not.toContain(secretish);
      expect(refusal.message).not.toContain(secretish);
    }
  }
  expect(await db.prisma.account.count()).toBe(accounts);
  expect(await db.prisma.session.count()).toBe(sessions);
  return refusal;
}

async function refusedResponse(reason: SsoLoginRefusalReason, overrides: ResponseOverrides, now?: Date) {
  const who = user("refused");
  const { requestId } = await startLogin(db.prisma, enterpriseKey, now ? { now } : {});
  return expectRefused(idpResponse(enterpriseKey, requestId, who, overrides), reason, { who, ...(now ? { now } : {}) });
}

describe("SP-initiated login (R1)", () => {
  it("R1: the one-click start redirects to the IdP with an AuthnRequest for our SP and remembers it for 10 minutes", async () => {
    const now = new Date();
    const started = await startLogin(db.prisma, enterpriseKey, { relayState: "/organizations", now });
    expect(started.redirectUrl.startsWith(`${TEST_IDP_SSO_URL}?`)).toBe(true);
    expect(started.authnRequest.id).toBe(started.requestId);
    expect(started.authnRequest.issuer).toBe(spEntityId(TEST_PUBLIC_URL, enterpriseKey));
    expect(started.authnRequest.assertionConsumerServiceUrl).toBe(acsUrl(TEST_PUBLIC_URL, enterpriseKey));
    expect(started.authnRequest.destination).toBe(TEST_IDP_SSO_URL);
    expect(started.authnRequest.relayState).toBe("/organizations");
    const stored = await db.prisma.samlRequest.findUniqueOrThrow({ where: { id: started.requestId } });
    expect(stored).toMatchObject({ enterpriseId, consumedAt: null, relayState: "/organizations" });
    expect(stored.expiresAt.getTime() - now.getTime()).toBe(10 * 60_000);
  });

  it("R1: a signed response to our request creates the SSO account and a session that authenticates", async () => {
    const alice = user("alice");
    const { requestId } = await startLogin(db.prisma, enterpriseKey, { relayState: "/projects?sort=name" });
    const login = await complete(idpResponse(enterpriseKey, requestId, alice), { relayState: "/projects?sort=name" });

    expect(login.accountCreated).toBe(true);
    expect(login.account).toMatchObject({
      kind: "SSO",
      enterpriseId,
      name: alice.name,
      email: alice.email,
      emailNormalized: alice.email!.toLowerCase(),
      emailVerified: true,
      ssoSubject: alice.nameId,
    });
    expect(login.account.login).toMatch(/^alice-[a-z0-9]{6}$/);
    expect(login.account.lastLoginAt).not.toBeNull();
    expect(login.redirectTo).toBe("/projects?sort=name");

    // The session is stored as the SHA-256 of the cookie value, never the value itself.
    const session = await db.prisma.session.findFirstOrThrow({ where: { accountId: login.account.id } });
    expect(session.tokenHash).toBe(createHash("sha256").update(login.sessionSecret).digest("hex"));
    expect(JSON.stringify(session)).not.toContain(login.sessionSecret);
    expect(session.expiresAt).toEqual(login.sessionExpiresAt);

    const principal = await authenticateSession(db.prisma, login.sessionSecret);
    expect(principal).toMatchObject({ kind: "ACCOUNT", via: "SESSION", credentialId: session.id });
    expect(principal.account.id).toBe(login.account.id);

    const events = await db.prisma.auditEvent.findMany({ where: { action: "authentication.user_login", targetId: login.account.id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ enterpriseId, actorId: login.account.id, actorLogin: login.account.login });
    expect(JSON.stringify(events[0])).not.toContain(login.sessionSecret);
    expect((await db.prisma.samlRequest.findUniqueOrThrow({ where: { id: requestId } })).consumedAt).not.toBeNull();
  });

  it("R1: a returning user (same NameID) keeps its account and login; name and email follow the IdP", async () => {
    const bob = user("bob");
    const first = await startLogin(db.prisma, enterpriseKey);
    const created = await complete(idpResponse(enterpriseKey, first.requestId, bob));
    const second = await startLogin(db.prisma, enterpriseKey);
    const returning = await complete(
      idpResponse(enterpriseKey, second.requestId, { ...bob, name: "Robert", email: "robert@acme.test", login: "robert@acme.test" }),
    );
    expect(returning.accountCreated).toBe(false);
    expect(returning.account.id).toBe(created.account.id);
    expect(returning.account.login).toBe(created.account.login);
    expect(returning.account).toMatchObject({ name: "Robert", email: "robert@acme.test", emailNormalized: "robert@acme.test" });
    expect(returning.sessionSecret).not.toBe(created.sessionSecret);
  });

  it("R1: logins are unique even when two users share the same local part", async () => {
    const first = await startLogin(db.prisma, enterpriseKey);
    const second = await startLogin(db.prisma, enterpriseKey);
    const one = await complete(idpResponse(enterpriseKey, first.requestId, { ...user("x"), login: "Jean.Dupont@acme.test" }));
    const two = await complete(idpResponse(enterpriseKey, second.requestId, { ...user("y"), login: "jean.dupont@other.test" }));
    expect(one.account.login).toMatch(/^jean\.dupont-[a-z0-9]{6}$/);
    expect(two.account.login).toMatch(/^jean\.dupont-[a-z0-9]{6}$/);
    expect(one.account.login).not.toBe(two.account.login);
  });

  it("R1: the response may be signed as a whole as well as in its assertion", async () => {
    const { requestId } = await startLogin(db.prisma, enterpriseKey);
    const login = await complete(idpResponse(enterpriseKey, requestId, user("carol"), { signResponse: true, signAssertion: true }));
    expect(login.account.kind).toBe("SSO");
  });

  it("R1: an unknown enterprise or one without an ACTIVE connection cannot start a login (NOT_FOUND, only its key named)", async () => {
    const draft = await createSsoEnterprise(db.prisma, { status: "DRAFT" });
    for (const key of ["no-such-enterprise", draft.enterprise.key, "Not A Key!"]) {
      const error = await startSsoLogin(db.prisma, { publicUrl: TEST_PUBLIC_URL, enterpriseKey: key, clientAddress: TEST_CLIENT_ADDRESS }).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe("NOT_FOUND");
      expect((error as DomainError).message).toContain(`"${key}"`);
      expect((error as DomainError).message).not.toContain(enterpriseKey);
    }
    const error = await complete(idpResponse(draft.enterprise.key, "_x", user("d")), { key: draft.enterprise.key }).catch((thrown: unknown) => thrown);
    expect((error as DomainError).code).toBe("NOT_FOUND");
  });
});

describe("refusals: each one alone, audited without assertion content (R1)", () => {
  it("R1: refuses a response whose assertion and response are both unsigned", async () => {
    await refusedResponse("INVALID_SIGNATURE", { signAssertion: false, signResponse: false });
  });

  it("R1: refuses a signed response around an unsigned assertion", async () => {
    await refusedResponse("INVALID_SIGNATURE", { signAssertion: false, signResponse: true });
  });

  it("R1: refuses a response signed with a key other than the configured certificate's", async () => {
    await refusedResponse("INVALID_SIGNATURE", { signWithStrangerKey: true, signResponse: true });
  });

  it("R1: refuses a response signed by the IdP when the connection trusts another certificate", async () => {
    const other = await createSsoEnterprise(db.prisma, { certificatePem: strangerCertificatePem });
    const who = user("trusts-other");
    const { requestId } = await startLogin(db.prisma, other.enterprise.key);
    const before = await refusalEvents(other.enterprise.id);
    const error = await complete(idpResponse(other.enterprise.key, requestId, who), { key: other.enterprise.key }).catch((e: unknown) => e);
    expect((error as SsoLoginRefused).reason).toBe("INVALID_SIGNATURE");
    expect(await refusalEvents(other.enterprise.id)).toHaveLength(before.length + 1);
  });

  it("R1: refuses an assertion altered after signing (signature wrapping: changed attribute)", async () => {
    const who = user("wrapped");
    const { requestId } = await startLogin(db.prisma, enterpriseKey);
    const response = idpResponse(enterpriseKey, requestId, who, { alterAfterSigning: replaceAttributeValue(who.email!, "admin@acme.test") });
    await expectRefused(response, "INVALID_SIGNATURE", { who });
  });

  it("R1: refuses an assertion altered after signing inside a signed response", async () => {
    const who = user("wrapped-response");
    const { requestId } = await startLogin(db.prisma, enterpriseKey);
    const response = idpResponse(enterpriseKey, requestId, who, {
      signResponse: true,
      alterAfterSigning: replaceAttributeValue(who.name!, "Administrator"),
    });
    await expectRefused(response, "INVALID_SIGNATURE", { who });
  });

  it("R1: refuses a forged assertion placed next to the genuinely signed one (XSW)", async () => {
    const who = user("xsw");
    const { requestId } = await startLogin(db.prisma, enterpriseKey);
    const response = idpResponse(enterpriseKey, requestId, who, { alterAfterSigning: injectForgedAssertion(who.email!, "admin@acme.test") });
    await expectRefused(response, "INVALID_SIGNATURE", { who });
  });

  it("R1: refuses an assertion meant for another service provider (audience)", async () => {
    await refusedResponse("WRONG_AUDIENCE", { audience: "https://other-sp.test/saml/metadata/acme" });
  });

  it("R1: refuses a response sent to another destination", async () => {
    await refusedResponse("WRONG_DESTINATION", { destination: "https://other-sp.test/saml/acs/acme" });
  });

  it("R1: refuses an assertion whose subject confirmation names another recipient", async () => {
    await refusedResponse("WRONG_DESTINATION", { recipient: "https://other-sp.test/saml/acs/acme" });
  });

  it("R1: refuses an assertion issued by another IdP entity", async () => {
    await refusedResponse("WRONG_ISSUER", { issuer: "https://rogue-idp.test/metadata" });
  });

  it("R1: refuses an assertion expired beyond 2 minutes of clock skew, accepts one expired within it", async () => {
    const now = new Date();
    const issuedAt = new Date(now.getTime() - 6 * 60_000);
    await refusedResponse("EXPIRED", { issuedAt, notOnOrAfter: new Date(now.getTime() - 120_000) }, now);
    const { requestId } = await startLogin(db.prisma, enterpriseKey, { now });
    const login = await complete(
      idpResponse(enterpriseKey, requestId, user("late"), { issuedAt, notOnOrAfter: new Date(now.getTime() - 119_000) }),
      { now },
    );
    expect(login.account.kind).toBe("SSO");
  });

  it("R1: refuses an assertion not valid before more than 2 minutes from now, accepts one within the skew", async () => {
    const now = new Date();
    await refusedResponse("NOT_YET_VALID", { issuedAt: now, notBefore: new Date(now.getTime() + 121_000) }, now);
    const { requestId } = await startLogin(db.prisma, enterpriseKey, { now });
    const login = await complete(
      idpResponse(enterpriseKey, requestId, user("early"), { issuedAt: now, notBefore: new Date(now.getTime() + 119_000) }),
      { now },
    );
    expect(login.account.kind).toBe("SSO");
  });

  it("R1: refuses a replayed response: each request is used once", async () => {
    const who = user("replay");
    const { requestId } = await startLogin(db.prisma, enterpriseKey);
    const response = idpResponse(enterpriseKey, requestId, who);
    await complete(response);
    await expectRefused(response, "REPLAYED", { who });
  });

  it("R1: of two gateway instances receiving the same response at once, exactly one signs the user in", async () => {
    const { requestId } = await startLogin(db.prisma, enterpriseKey);
    const response = idpResponse(enterpriseKey, requestId, user("race"));
    const outcomes = await Promise.allSettled([complete(response), complete(response)]);
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    const rejected = outcomes.find((outcome) => outcome.status === "rejected") as PromiseRejectedResult;
    expect((rejected.reason as SsoLoginRefused).reason).toBe("REPLAYED");
  });

  it("R1: refuses an unsolicited (IdP-initiated) response and names the one-click link", async () => {
    const who = user("unsolicited");
    const refusal = await expectRefused(idpResponse(enterpriseKey, null, who), "IDP_INITIATED", { who });
    const loginUrl = enterpriseLoginUrl(TEST_PUBLIC_URL, enterpriseKey);
    expect(refusal.message).toContain("IdP-initiated SSO is not supported");
    expect(refusal.message).toContain(loginUrl);
    expect(refusal.details.loginUrl).toBe(loginUrl);
  });

  it("R1: refuses a response answering another enterprise's request (and leaves that request usable)", async () => {
    const other = await createSsoEnterprise(db.prisma);
    const theirs = await startLogin(db.prisma, other.enterprise.key);
    await refusedResponseTo(theirs.requestId, "UNKNOWN_REQUEST");
    const login = await complete(idpResponse(other.enterprise.key, theirs.requestId, user("theirs")), { key: other.enterprise.key });
    expect(login.account.enterpriseId).toBe(other.enterprise.id);
  });

  it("R1: refuses a response to a request we never made, or made more than 10 minutes ago", async () => {
    await refusedResponseTo("_0123456789abcdef", "UNKNOWN_REQUEST");
    const startedAt = new Date(Date.now() - 11 * 60_000);
    const { requestId } = await startLogin(db.prisma, enterpriseKey, { now: startedAt });
    await refusedResponseTo(requestId, "REQUEST_EXPIRED");
  });

  it("R1: refuses an assertion whose subject confirmation answers another request", async () => {
    await refusedResponse("REQUEST_MISMATCH", { subjectInResponseTo: "_another-request" });
  });

  it("R1: refuses a response with an error status from the IdP, naming the status", async () => {
    const refusal = await refusedResponse("IDP_ERROR", { statusCode: "Responder" });
    expect(refusal.message).toContain("status Responder");
    const event = (await refusalEvents()).at(-1)!;
    expect(event.payload).toMatchObject({ reason: "IDP_ERROR", status: "Responder", secondLevelStatus: null });
  });

  it("R1: refuses malformed input cleanly: not base64, not XML, not a SAML Response, a DTD", async () => {
    const { requestId } = await startLogin(db.prisma, enterpriseKey);
    const valid = buildSamlResponseXml({
      acsUrl: acsUrl(TEST_PUBLIC_URL, enterpriseKey),
      audience: spEntityId(TEST_PUBLIC_URL, enterpriseKey),
      inResponseTo: requestId,
      nameId: "malformed",
    });
    const inputs = [
      "",
      "%%% not base64 %%%",
      "QUJD=QUJD",
      encodeSamlResponse("just text"),
      encodeSamlResponse("<html><body>login</body></html>"),
      encodeSamlResponse(valid.slice(0, valid.length / 2)),
      encodeSamlResponse(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]>${valid}`),
    ];
    for (const input of inputs) await expectRefused(input, "MALFORMED");
  });

  it("R1: refuses a response larger than 64 KiB without reading it", async () => {
    // Well-formed base64 that decodes to just over 64 KiB, then far larger input.
    await expectRefused("A".repeat(Math.ceil((MAX_SAML_RESPONSE_BYTES + 1) / 3) * 4), "OVERSIZED");
    await expectRefused("A".repeat(4 * MAX_SAML_RESPONSE_BYTES), "OVERSIZED");
  });

  it("R1: refuses an assertion without a NameID and one whose email attribute is not an email", async () => {
    await refusedResponse("MISSING_SUBJECT", { nameId: null });
    const { requestId } = await startLogin(db.prisma, enterpriseKey);
    await expectRefused(idpResponse(enterpriseKey, requestId, { ...user("noemail"), email: "not-an-email" }), "INVALID_ATTRIBUTES");
  });
  it("R1: refuses the login of a user whose SSO account was deleted", async () => {
    const who = user("deleted");
    const first = await startLogin(db.prisma, enterpriseKey);
    const { account } = await complete(idpResponse(enterpriseKey, first.requestId, who));
    await db.prisma.account.update({ where: { id: account.id }, data: { deletedAt: new Date() } });
    const { requestId } = await startLogin(db.prisma, enterpriseKey);
    await expectRefused(idpResponse(enterpriseKey, requestId, who), "ACCOUNT_DELETED", { who });
    const event = (await refusalEvents()).at(-1)!;
    expect(event).toMatchObject({ targetType: "Account", targetId: account.id });
  });
});

async function refusedResponseTo(requestId: string, reason: SsoLoginRefusalReason) {
  const who = user("other-request");
  return expectRefused(idpResponse(enterpriseKey, requestId, who), reason, { who });
}

describe("RelayState (R1)", () => {
  it("R1: a RelayState on another origin is ignored: the login lands on /", async () => {
    for (const relayState of ["https://evil.test/steal", "//evil.test/steal", "/\\evil.test", "javascript:alert(1)", "/ok\nSet-Cookie: x"]) {
      const { requestId } = await startLogin(db.prisma, enterpriseKey, { relayState });
      const stored = await db.prisma.samlRequest.findUniqueOrThrow({ where: { id: requestId } });
      expect(stored.relayState).toBeNull();
      const login = await complete(idpResponse(enterpriseKey, requestId, user("relay")), { relayState });
      expect(login.redirectTo).toBe("/");
    }
  });

  it("R1: the RelayState we sent wins over a different one posted back", async () => {
    const { requestId } = await startLogin(db.prisma, enterpriseKey, { relayState: "/mine" });
    const login = await complete(idpResponse(enterpriseKey, requestId, user("relay-mine")), { relayState: "/theirs" });
    expect(login.redirectTo).toBe("/mine");
  });
});

describe("SP metadata", () => {
  it("R1: publishes our entity id and ACS URL for the IdP admin, also before the connection is active", async () => {
    const draft = await createSsoEnterprise(db.prisma, { status: "DRAFT" });
    const xml = await spMetadataXml(db.prisma, { publicUrl: `${TEST_PUBLIC_URL}/`, enterpriseKey: draft.enterprise.key });
    expect(metadataUrl(TEST_PUBLIC_URL, draft.enterprise.key)).toBe(`${TEST_PUBLIC_URL}/saml/metadata/${draft.enterprise.key}`);
    expect(xml).toContain(`entityID="${spEntityId(TEST_PUBLIC_URL, draft.enterprise.key)}"`);
    expect(xml).toContain(`Location="${acsUrl(TEST_PUBLIC_URL, draft.enterprise.key)}"`);
    expect(xml).toContain('WantAssertionsSigned="true"');
    const error = await spMetadataXml(db.prisma, { publicUrl: TEST_PUBLIC_URL, enterpriseKey: "missing-one" }).catch((e: unknown) => e);
    expect((error as DomainError).code).toBe("NOT_FOUND");
  });
});
