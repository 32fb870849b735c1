import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import {
  MAX_SAML_RESPONSE_DEPTH,
  MAX_SAML_RESPONSE_ELEMENTS,
  SsoLoginRefused,
  acsUrl,
  completeSsoLogin,
  sameOriginPath,
  type CompletedSsoLogin,
} from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_PUBLIC_URL, createSsoEnterprise, idpResponse, startLogin, uniqueKey, type IdpUser } from "../../../tests/kit/sso-fixtures";
import { encodeSamlResponse } from "../../../tests/kit/test-idp";

let db: TestDatabase;
let enterpriseKey: string;
let enterpriseId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const fixture = await createSsoEnterprise(db.prisma);
  enterpriseKey = fixture.enterprise.key;
  enterpriseId = fixture.enterprise.id;
});
afterAll(() => db.close());

function person(): IdpUser {
  const login = uniqueKey("atomic");
  return { nameId: `subject-${login}`, login, name: login, email: `${login}@acme.test` };
}

async function refusal(samlResponse: string): Promise<SsoLoginRefused> {
  const error = await completeSsoLogin(db.prisma, { publicUrl: TEST_PUBLIC_URL, enterpriseKey, samlResponse }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SsoLoginRefused);
  return error as SsoLoginRefused;
}

/** An unsigned Response envelope with `body` inside, answering a request of ours so that only the shape decides. */
function envelope(body: string, inResponseTo: string): string {
  return encodeSamlResponse(
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_e" Version="2.0" IssueInstant="${new Date().toISOString()}" ` +
      `InResponseTo="${inResponseTo}" Destination="${acsUrl(TEST_PUBLIC_URL, enterpriseKey)}">` +
      `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>${body}</samlp:Response>`,
  );
}

describe("issue rule: strict SP — a login that cannot send its response changes nothing (R1)", () => {
  it("R1 strict SP: when building the response fails, the request, the account and the session are rolled back; the login can then complete", async () => {
    const who = person();
    const { requestId } = await startLogin(db.prisma, enterpriseKey);
    const samlResponse = idpResponse(enterpriseKey, requestId, who);
    const before = { sessions: await db.prisma.session.count(), events: await db.prisma.auditEvent.count() };

    const failure = await completeSsoLogin(db.prisma, { publicUrl: TEST_PUBLIC_URL, enterpriseKey, samlResponse }, () => {
      throw new TypeError("Cannot convert argument to a ByteString");
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TypeError);
    expect((await db.prisma.samlRequest.findUniqueOrThrow({ where: { id: requestId } })).consumedAt).toBeNull();
    expect(await db.prisma.account.findFirst({ where: { ssoSubject: who.nameId } })).toBeNull();
    expect(await db.prisma.session.count()).toBe(before.sessions);
    expect(await db.prisma.auditEvent.count()).toBe(before.events);

    const sent: CompletedSsoLogin[] = [];
    const login = await completeSsoLogin(db.prisma, { publicUrl: TEST_PUBLIC_URL, enterpriseKey, samlResponse }, (completed) => {
      sent.push(completed);
      return completed.account.login;
    });
    expect(login).toBe(sent[0]!.account.login);
    expect((await db.prisma.samlRequest.findUniqueOrThrow({ where: { id: requestId } })).consumedAt).not.toBeNull();
    expect(await db.prisma.session.count()).toBe(before.sessions + 1);
  });

  it("R1 strict SP: every RelayState kept is ASCII, percent-encoded as a URL parser does it", () => {
    expect(sameOriginPath("/\u3002x")).toBe("/%E3%80%82x");
    expect(sameOriginPath("/a b?c d#e f")).toBe("/a%20b?c%20d#e%20f");
    expect(sameOriginPath("/\u3002/evil.test")).toBe("/%E3%80%82/evil.test");
    expect(sameOriginPath("//evil.test")).toBeNull();
    for (const value of ["/\u00e9", "/\u{1F600}?\u00fc", "/x#\u3002"]) expect(sameOriginPath(value)).toMatch(/^[\x21-\x7e]+$/);
  });
});

describe("issue rule: cheap refusals — limits before any signature work (R1)", () => {
  it(`R1 cheap refusals: nesting deeper than ${MAX_SAML_RESPONSE_DEPTH} or more than ${MAX_SAML_RESPONSE_ELEMENTS} elements is refused (TOO_COMPLEX), the limits themselves pass`, async () => {
    const nested = (depth: number) => `${"<x>".repeat(depth)}${"</x>".repeat(depth)}`;
    const flat = (count: number) => "<x/>".repeat(count);
    // Response and Status/StatusCode already take three levels and three elements.
    const { requestId } = await startLogin(db.prisma, enterpriseKey);
    expect((await refusal(envelope(nested(MAX_SAML_RESPONSE_DEPTH), requestId))).reason).toBe("TOO_COMPLEX");
    expect((await refusal(envelope(flat(MAX_SAML_RESPONSE_ELEMENTS), requestId))).reason).toBe("TOO_COMPLEX");
    // Within the limits the shape passes, and the response is refused later for what it lacks (a signed assertion).
    expect((await refusal(envelope(nested(MAX_SAML_RESPONSE_DEPTH - 1), requestId))).reason).toBe("INVALID_SIGNATURE");
  });

  it("R1 strict SP: a signature anywhere but on the response or its assertion is refused", async () => {
    const { requestId } = await startLogin(db.prisma, enterpriseKey);
    const stray = `<samlp:Extensions><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/></samlp:Extensions>`;
    expect((await refusal(envelope(stray, requestId))).reason).toBe("INVALID_SIGNATURE");
    const events = await db.prisma.auditEvent.findMany({ where: { enterpriseId, action: "authentication.login_refused" }, orderBy: { createdAt: "desc" }, take: 1 });
    expect(events[0]?.payload).toEqual({ reason: "INVALID_SIGNATURE", method: "SAML" });
  });

  it("R1 cheap refusals: a refusal answering an outstanding request uses it up, so each request yields at most one audit event", async () => {
    const { requestId } = await startLogin(db.prisma, enterpriseKey);
    const unsigned = idpResponse(enterpriseKey, requestId, person(), { signAssertion: false });
    const individual = () => db.prisma.auditEvent.count({ where: { enterpriseId, action: "authentication.login_refused", aggregationKey: null } });
    const before = await individual();
    expect((await refusal(unsigned)).reason).toBe("INVALID_SIGNATURE");
    for (let attempt = 0; attempt < 5; attempt++) expect((await refusal(unsigned)).reason).toBe("REPLAYED");
    expect(await individual()).toBe(before + 1);
  });
});
