/**
 * The strict SAML service provider, end to end over HTTP with the test IdP: algorithms, every signature, the IdP's
 * status, Unicode RelayState, cheap refusals of hostile input, outstanding requests per address, aggregated
 * anonymous refusals, and IdP certificate rotation.
 */
import { X509Certificate } from "node:crypto";
import { Worker } from "node:worker_threads";
import { MAX_SAML_REQUESTS_PER_ADDRESS, acsUrl, clientAddressHash } from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { certificatePem } from "../kit/certificates";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { followOneClickLink, postToAcs, sessionCookieFrom, viewerLogin } from "../kit/sso-browser";
import { createEnterpriseAdmin, createSsoEnterprise, idpResponse, uniqueKey, type IdpUser, type ResponseOverrides } from "../kit/sso-fixtures";
import {
  TEST_IDP_ENTITY_ID,
  TEST_IDP_SSO_URL,
  encodeSamlResponse,
  nextIdpCertificatePem,
  testIdpCertificatePem,
  type ReceivedAuthnRequest,
} from "../kit/test-idp";

let kit: TestGateway;
let baseUrl: string;
let enterpriseKey: string;
let enterpriseId: string;

beforeAll(async () => {
  // One trusted proxy hop: tests choose the client address with X-Forwarded-For, as a load balancer would set it.
  kit = await startTestGateway({ TRUST_PROXY: "1" });
  baseUrl = await kit.listen();
  const acme = await createSsoEnterprise(kit.prisma);
  enterpriseKey = acme.enterprise.key;
  enterpriseId = acme.enterprise.id;
});
afterAll(() => kit.close());

function person(name: string): IdpUser {
  const login = uniqueKey(name);
  return { nameId: `subject-${login}`, login, name, email: `${login}@acme.test` };
}

/** The test IdP's answer to a login of `key` (defaults: a valid, SHA-256-signed assertion). */
function answer(request: ReceivedAuthnRequest, who: IdpUser, overrides: ResponseOverrides = {}, key = enterpriseKey): string {
  return idpResponse(key, request.id, who, overrides, kit.config.PUBLIC_URL);
}

async function sessionCount(): Promise<number> {
  return kit.prisma.session.count();
}

/** Posts the response and checks the refusal page: status, reason shown, no cookie, no session written. */
async function expectRefusedPage(samlResponse: string, reason: string, status = 401, key = enterpriseKey): Promise<string> {
  const sessions = await sessionCount();
  const response = await postToAcs(baseUrl, key, samlResponse);
  const page = await response.text();
  expect(response.status, page).toBe(status);
  expect(page).toContain("Sign-in refused");
  expect(page).toContain(`<code>${reason}</code>`);
  expect(sessionCookieFrom(response)).toBeNull();
  expect(await sessionCount()).toBe(sessions);
  return page;
}

async function expectSignedIn(response: Response, who: IdpUser): Promise<string> {
  expect(response.status, await response.clone().text()).toBe(302);
  const cookie = sessionCookieFrom(response);
  expect(cookie).not.toBeNull();
  expect(await viewerLogin(baseUrl, cookie!)).toMatch(new RegExp(`^${who.login}`));
  return cookie!;
}

describe("issue rule: strict SP — signature algorithms and every signature (R1)", () => {
  it("R1 strict SP: a response signed with RSA-SHA1 and SHA-1 digests is refused, as is SHA-1 in the digest alone", async () => {
    for (const algorithms of [
      { signatureAlgorithm: "sha1", digestAlgorithm: "sha1" },
      { signatureAlgorithm: "sha256", digestAlgorithm: "sha1" },
      { signatureAlgorithm: "sha1", digestAlgorithm: "sha256", signResponse: true },
    ] as const) {
      const request = await followOneClickLink(baseUrl, enterpriseKey);
      const page = await expectRefusedPage(answer(request, person("sha1"), algorithms), "WEAK_ALGORITHM");
      expect(page).toContain("SHA-1");
      expect(page).toContain("RSA-SHA256");
    }
    const events = await kit.prisma.auditEvent.findMany({
      where: { enterpriseId, action: "authentication.login_refused" },
      orderBy: { createdAt: "desc" },
      take: 3,
    });
    // Each answers a real request: recorded one by one, naming the algorithms refused.
    expect(events.map((event) => event.payload)).toEqual([
      { reason: "WEAK_ALGORITHM", method: "SAML", algorithms: ["RSA-SHA1"] },
      { reason: "WEAK_ALGORITHM", method: "SAML", algorithms: ["SHA-1"] },
      { reason: "WEAK_ALGORITHM", method: "SAML", algorithms: ["RSA-SHA1", "SHA-1"] },
    ]);
  });

  it("R1 strict SP: a present but invalid Response signature is refused even though the assertion's signature is valid", async () => {
    const corrupted = await followOneClickLink(baseUrl, enterpriseKey);
    await expectRefusedPage(answer(corrupted, person("corrupt"), { signResponse: true, corruptSignatureOf: "Response" }), "INVALID_SIGNATURE");

    const foreignKey = await followOneClickLink(baseUrl, enterpriseKey);
    await expectRefusedPage(
      answer(foreignKey, person("foreign"), { signResponse: true, responseSigningKey: "stranger" }),
      "INVALID_SIGNATURE",
    );

    const brokenAssertion = await followOneClickLink(baseUrl, enterpriseKey);
    await expectRefusedPage(
      answer(brokenAssertion, person("broken"), { signResponse: true, corruptSignatureOf: "Assertion" }),
      "INVALID_SIGNATURE",
    );

    // The same IdP signing both correctly signs in: the refusals above are about the broken signature only.
    const who = person("both-signed");
    const valid = await followOneClickLink(baseUrl, enterpriseKey);
    await expectSignedIn(await postToAcs(baseUrl, enterpriseKey, answer(valid, who, { signResponse: true })), who);
  });

  it("R1 strict SP: status Requester with a validly signed assertion is refused, the page naming the IdP's status", async () => {
    const request = await followOneClickLink(baseUrl, enterpriseKey);
    const response = answer(request, person("requester"), {
      statusCode: "Requester",
      secondLevelStatusCode: "RequestDenied",
      assertionDespiteStatus: true,
      signResponse: true,
    });
    const page = await expectRefusedPage(response, "IDP_ERROR");
    expect(page).toContain("status Requester (second-level status: RequestDenied)");

    const event = await kit.prisma.auditEvent.findFirstOrThrow({
      where: { enterpriseId, action: "authentication.login_refused" },
      orderBy: { createdAt: "desc" },
    });
    expect(event.payload).toEqual({ reason: "IDP_ERROR", method: "SAML", status: "Requester", secondLevelStatus: "RequestDenied" });
    // Refused, the request is used up: the same response cannot be tried again.
    await expectRefusedPage(response, "REPLAYED");
  });

  it("R1 strict SP: a status outside SAML 2.0 is shown as unrecognised, never echoed", async () => {
    const request = await followOneClickLink(baseUrl, enterpriseKey);
    const response = answer(request, person("odd-status"), {
      assertionDespiteStatus: true,
      // The response is unsigned: its status can be anything, the signed assertion stays valid.
      alterAfterSigning: (xml) => xml.replace("status:Success", "status:&lt;b&gt;Call 555-0100&lt;/b&gt;"),
    });
    const page = await expectRefusedPage(response, "IDP_ERROR");
    expect(page).toContain("status unrecognised");
    expect(page).not.toContain("555-0100");
  });
});

describe("issue rule: strict SP — RelayState with any Unicode (R1)", () => {
  it("R1 strict SP: return_to=/%E3%80%82x signs in and redirects to the percent-encoded path, never a 5xx", async () => {
    const cases: [string, string][] = [
      ["/\u3002x", "/%E3%80%82x"],
      ["/caf\u00e9?q=\u00fc#r\u00e9sum\u00e9", "/caf%C3%A9?q=%C3%BC#r%C3%A9sum%C3%A9"],
      ["/%E3%80%82x", "/%E3%80%82x"],
      ["/\u{1F600}", "/%F0%9F%98%80"],
    ];
    for (const [returnTo, location] of cases) {
      const who = person("unicode");
      const request = await followOneClickLink(baseUrl, enterpriseKey, { returnTo });
      expect(request.relayState).toBe(location);
      const response = await postToAcs(baseUrl, enterpriseKey, answer(request, who), request.relayState);
      expect(response.headers.get("location")).toBe(location);
      await expectSignedIn(response, who);
    }
  });

  it("R1 strict SP: a Unicode RelayState posted back by the browser (none sent) is encoded too", async () => {
    const who = person("posted-unicode");
    const request = await followOneClickLink(baseUrl, enterpriseKey);
    const response = await postToAcs(baseUrl, enterpriseKey, answer(request, who), "/\u3002x");
    expect(response.headers.get("location")).toBe("/%E3%80%82x");
    await expectSignedIn(response, who);
  });
});

/** A SAML Response envelope around `depth` nested elements: unsigned, for no outstanding request. */
function nestedResponse(depth: number, key = enterpriseKey): string {
  const open = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_n" Version="2.0" IssueInstant="${new Date().toISOString()}" InResponseTo="_nested" Destination="${acsUrl(kit.config.PUBLIC_URL, key)}">`;
  return encodeSamlResponse(`${open}${"<x>".repeat(depth)}${"</x>".repeat(depth)}</samlp:Response>`);
}

describe("issue rule: cheap refusals (R1)", () => {
  it(
    "R1 cheap refusals: 10 parallel 250 KB nested responses (and 10 of 60 KB) are refused while /health keeps answering within 100 ms",
    async () => {
      const huge = nestedResponse(36_000); // ≈ 250 KB of XML
      const deep = nestedResponse(8_500); // ≈ 60 KB: under the size cap, far over the depth cap
      expect(Buffer.from(huge, "base64").length).toBeGreaterThan(250_000);
      expect(Buffer.from(deep, "base64").length).toBeLessThan(64 * 1024);
      // Form bodies encoded once, and posted from another thread: the attacker's work must not weigh on the measure.
      const form = (samlResponse: string) => new URLSearchParams({ SAMLResponse: samlResponse }).toString();
      const acs = `${baseUrl}/saml/acs/${enterpriseKey}`;

      /** /health latencies (ms) measured one after the other while another thread posts the bodies at once. */
      async function healthDuring(bodies: string[]): Promise<{ latencies: number[]; statuses: number[] }> {
        const attacker = new Worker(
          `const { parentPort, workerData } = require("node:worker_threads");
          Promise.all(workerData.bodies.map((body) =>
            fetch(workerData.url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body })
              .then(async (response) => { await response.text(); return response.status; })))
            .then((statuses) => parentPort.postMessage(statuses), (error) => parentPort.postMessage(String(error)));`,
          { eval: true, workerData: { url: acs, bodies } },
        );
        let inFlight = true;
        const statuses = new Promise<number[]>((resolve, reject) => {
          attacker.once("message", (message: unknown) => (Array.isArray(message) ? resolve(message) : reject(new Error(String(message)))));
          attacker.once("error", reject);
        }).finally(() => {
          inFlight = false;
          void attacker.terminate();
        });
        const latencies: number[] = [];
        while (inFlight || latencies.length < 5) {
          const started = performance.now();
          const response = await fetch(`${baseUrl}/health`);
          await response.text();
          expect(response.status).toBe(200);
          latencies.push(performance.now() - started);
        }
        return { latencies, statuses: await statuses };
      }
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

      await healthDuring([]); // warm up
      // The same number of 8-byte garbage posts: the same database work per refusal, nothing to parse.
      const baseline = await healthDuring(Array(20).fill(form("garbage!")));
      const attack = await healthDuring([...Array(10).fill(form(huge)), ...Array(10).fill(form(deep))]);
      expect(baseline.statuses).toEqual(Array(20).fill(400));
      expect(attack.statuses).toEqual([...Array(10).fill(413), ...Array(10).fill(400)]);
      expect(await (await postToAcs(baseUrl, enterpriseKey, deep)).text()).toContain("TOO_COMPLEX");

      // Medians, not maxima: on a shared, loaded machine single answers are delayed by other processes. Within
      // 100 ms on a quiet machine; on a loaded one, no more than 100 ms above what trivial garbage costs.
      const shown = (latencies: number[]) => latencies.map((ms) => ms.toFixed(0)).join(", ");
      expect(
        median(attack.latencies),
        `/health during the attack: ${shown(attack.latencies)} ms; during garbage: ${shown(baseline.latencies)} ms`,
      ).toBeLessThan(Math.max(100, median(baseline.latencies) + 100));
    },
    120_000,
  );

  it("R1 cheap refusals: 100 garbage posts make one audit event counting 100; refusals of real requests stay individual", async () => {
    const other = await createSsoEnterprise(kit.prisma);
    const token = await kit.tokenFor((await createEnterpriseAdmin(kit.prisma, other.enterprise.id)).id);
    const firstHour = Math.floor(Date.now() / 3600_000);
    for (let batch = 0; batch < 10; batch++) {
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, index) => postToAcs(baseUrl, other.enterprise.key, `garbage-${batch}-${index}!`)),
      );
      expect(responses.map((response) => response.status)).toEqual(Array(10).fill(400));
    }
    const hours = Math.floor(Date.now() / 3600_000) - firstHour + 1;

    // Three real logins whose responses are refused: each one is its own event.
    for (const name of ["a", "b", "c"]) {
      const request = await followOneClickLink(baseUrl, other.enterprise.key);
      await expectRefusedPage(
        answer(request, person(name), { signingKey: "stranger" }, other.enterprise.key),
        "INVALID_SIGNATURE",
        401,
        other.enterprise.key,
      );
    }

    const audit = await kit.graphql(
      `{ enterprise(key: "${other.enterprise.key}") { auditEvents(first: 100, action: "authentication.login_refused") { edges { node { payload targetType } } } } }`,
      { token },
    );
    const payloads = audit.data!.enterprise.auditEvents.edges.map((edge: { node: { payload: Record<string, unknown> } }) => edge.node.payload);
    const malformed = payloads.filter((payload: Record<string, unknown>) => payload.reason === "MALFORMED");
    expect(malformed).toHaveLength(hours); // one per clock hour: 1 unless the run crossed an hour
    expect(malformed.reduce((total: number, payload: Record<string, unknown>) => total + (payload.count as number), 0)).toBe(100);
    expect(malformed[0]).toMatchObject({ method: "SAML", aggregated: true });
    expect(payloads.filter((payload: Record<string, unknown>) => payload.reason === "INVALID_SIGNATURE")).toEqual(
      Array(3).fill({ reason: "INVALID_SIGNATURE", method: "SAML" }),
    );
  });

  it(`R1 cheap refusals: outstanding login requests are capped at ${MAX_SAML_REQUESTS_PER_ADDRESS} per address (the oldest replaced), expired ones purged`, async () => {
    const stale = await kit.prisma.samlRequest.create({
      data: { id: `_stale-${uniqueKey("r")}`, enterpriseId, createdAt: new Date(Date.now() - 3 * 3600_000), expiresAt: new Date(Date.now() - 2 * 3600_000) },
    });
    const address = "203.0.113.77";
    const headers = { "x-forwarded-for": address };
    const started: ReceivedAuthnRequest[] = [];
    for (let index = 0; index < MAX_SAML_REQUESTS_PER_ADDRESS + 3; index++) {
      started.push(await followOneClickLink(baseUrl, enterpriseKey, { headers }));
    }
    const neighbour = await followOneClickLink(baseUrl, enterpriseKey, { headers: { "x-forwarded-for": "203.0.113.78" } });

    const kept = await kit.prisma.samlRequest.findMany({ where: { clientAddressHash: clientAddressHash(address) }, select: { id: true } });
    expect(kept).toHaveLength(MAX_SAML_REQUESTS_PER_ADDRESS);
    expect(new Set(kept.map((row) => row.id))).toEqual(new Set(started.slice(3).map((request) => request.id)));
    expect(await kit.prisma.samlRequest.findUnique({ where: { id: stale.id } })).toBeNull();
    // Only a hash of the address is stored.
    expect(JSON.stringify(await kit.prisma.samlRequest.findMany())).not.toContain(address);

    await expectRefusedPage(answer(started[0]!, person("evicted")), "UNKNOWN_REQUEST");
    const newest = person("newest");
    await expectSignedIn(await postToAcs(baseUrl, enterpriseKey, answer(started.at(-1)!, newest)), newest);
    const next = person("neighbour");
    await expectSignedIn(await postToAcs(baseUrl, enterpriseKey, answer(neighbour, next)), next);
  });
});

const CONFIGURE = `mutation($input: ConfigureSsoConnectionInput!) {
  configureSsoConnection(input: $input) {
    __typename
    ... on ConfigureSsoConnectionSuccess {
      ssoConnection { idpCertificate idpCertificates { pem fingerprintSha256 subject notBefore notAfter expired } }
    }
    ... on Error { code message field }
  }
}`;

function fingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replace(/:/g, "").toLowerCase();
}

describe("issue rule: certificate rotation (R1)", () => {
  let rotating: { key: string; id: string; token: string };

  beforeAll(async () => {
    const fixture = await createSsoEnterprise(kit.prisma);
    rotating = {
      key: fixture.enterprise.key,
      id: fixture.enterprise.id,
      token: await kit.tokenFor((await createEnterpriseAdmin(kit.prisma, fixture.enterprise.id)).id),
    };
  });

  function configure(certificates: { idpCertificate?: string; idpCertificates?: string[] }, token = rotating.token, key = rotating.key) {
    return kit.graphql(CONFIGURE, {
      token,
      variables: { input: { enterpriseKey: key, idpEntityId: TEST_IDP_ENTITY_ID, idpSsoUrl: TEST_IDP_SSO_URL, ...certificates } },
    });
  }

  it("R1 rotation: a login started under certificate A completes after the IdP switched to key B and the admin added B next to A", async () => {
    expect((await configure({ idpCertificate: testIdpCertificatePem })).data?.configureSsoConnection.__typename).toBe(
      "ConfigureSsoConnectionSuccess",
    );
    // The IdP switches keys before the admin has added B: that login is refused.
    const early = await followOneClickLink(baseUrl, rotating.key);
    await expectRefusedPage(answer(early, person("early"), { signingKey: "next" }, rotating.key), "INVALID_SIGNATURE", 401, rotating.key);

    const inFlight = await followOneClickLink(baseUrl, rotating.key);
    const added = await configure({ idpCertificates: [testIdpCertificatePem, nextIdpCertificatePem] });
    const certificates = added.data?.configureSsoConnection.ssoConnection.idpCertificates;
    expect(certificates.map((certificate: { fingerprintSha256: string }) => certificate.fingerprintSha256)).toEqual([
      fingerprint(testIdpCertificatePem),
      fingerprint(nextIdpCertificatePem),
    ]);
    expect(certificates[1]).toMatchObject({
      subject: "CN=next.test-idp.sso-cutover.test",
      notBefore: new Date(new X509Certificate(nextIdpCertificatePem).validFrom).toISOString(),
      notAfter: new Date(new X509Certificate(nextIdpCertificatePem).validTo).toISOString(),
      expired: false,
    });

    const who = person("in-flight");
    await expectSignedIn(await postToAcs(baseUrl, rotating.key, answer(inFlight, who, { signingKey: "next", signResponse: true }, rotating.key)), who);
    // While both are listed, the old key still works too.
    const stillA = person("still-a");
    const request = await followOneClickLink(baseUrl, rotating.key);
    await expectSignedIn(await postToAcs(baseUrl, rotating.key, answer(request, stillA, {}, rotating.key)), stillA);

    // Rotation done: A removed, its signatures refused from now on.
    await configure({ idpCertificates: [nextIdpCertificatePem] });
    const late = await followOneClickLink(baseUrl, rotating.key);
    await expectRefusedPage(answer(late, person("late"), {}, rotating.key), "INVALID_SIGNATURE", 401, rotating.key);

    const event = await kit.prisma.auditEvent.findFirstOrThrow({
      where: { enterpriseId: rotating.id, action: "sso_connection.updated" },
      orderBy: { createdAt: "desc" },
      skip: 1,
    });
    expect((event.payload as { certificates: { fingerprintSha256: string }[] }).certificates.map((c) => c.fingerprintSha256)).toEqual([
      fingerprint(testIdpCertificatePem),
      fingerprint(nextIdpCertificatePem),
    ]);
  });

  it("R1 rotation: bad certificate lists are refused with the field named, nothing written", async () => {
    const fourth = (await certificatePem({ commonName: "fourth.idp.test" })).cert;
    const third = (await certificatePem({ commonName: "third.idp.test" })).cert;
    const before = await kit.prisma.ssoConnection.findUniqueOrThrow({ where: { enterpriseId: rotating.id } });
    const cases: [{ idpCertificate?: string; idpCertificates?: string[] }, string, RegExp][] = [
      [{ idpCertificates: [testIdpCertificatePem, "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----"] }, "input.idpCertificates[1]", /not a valid PEM/],
      [{ idpCertificates: [testIdpCertificatePem, `${testIdpCertificatePem}\n${nextIdpCertificatePem}`] }, "input.idpCertificates[1]", /exactly one PEM/],
      [{ idpCertificates: [nextIdpCertificatePem, testIdpCertificatePem, nextIdpCertificatePem] }, "input.idpCertificates[2]", /same certificate as input\.idpCertificates\[0\]/],
      [{ idpCertificates: [] }, "input.idpCertificates", /at least one/],
      [{ idpCertificate: testIdpCertificatePem, idpCertificates: [nextIdpCertificatePem] }, "input.idpCertificates", /either/],
      [{}, "input.idpCertificate", /required/],
    ];
    // More than three is refused before anything runs, as every over-long list argument is.
    const tooMany = await configure({ idpCertificates: [testIdpCertificatePem, nextIdpCertificatePem, third, fourth] });
    expect(tooMany.errors?.[0]).toMatchObject({ extensions: { code: "INVALID_INPUT", field: "input.idpCertificates" } });
    expect(tooMany.errors?.[0]?.message).toMatch(/at most 3/);
    for (const [certificates, field, message] of cases) {
      const response = await configure(certificates);
      expect(response.data?.configureSsoConnection, field).toMatchObject({ code: "INVALID_INPUT", field });
      expect(response.data?.configureSsoConnection.message).toMatch(message);
    }
    expect(await kit.prisma.ssoConnection.findUniqueOrThrow({ where: { enterpriseId: rotating.id } })).toEqual(before);
  });

  it("R1 rotation: setupProgress warns when the newest certificate expires within 30 days or every one has expired", async () => {
    const day = 24 * 3600_000;
    const now = Date.now();
    const expiringSoon = (await certificatePem({ commonName: "soon.idp.test", notBefore: new Date(now - 300 * day), notAfter: new Date(now + 10 * day) })).cert;
    const expired = (await certificatePem({ commonName: "gone.idp.test", notBefore: new Date(now - 400 * day), notAfter: new Date(now - day) })).cert;
    const warnings = async () => {
      const response = await kit.graphql(`{ enterprise(key: "${rotating.key}") { setupProgress { steps { step warnings } } } }`, {
        token: rotating.token,
      });
      // The certificate warnings only: this file's sign-ins send no groups, which has its own warning.
      return (response.data!.enterprise.setupProgress.steps[0].warnings as string[]).filter((warning) => !warning.startsWith("NO_GROUPS_RECEIVED:"));
    };

    await configure({ idpCertificates: [expiringSoon] });
    expect(await warnings()).toEqual([expect.stringMatching(new RegExp(`newest IdP certificate \\(SHA-256 ${fingerprint(expiringSoon)}\\) expires on`))]);

    // The next certificate added: the newest is valid for long, no warning while the old one runs out.
    await configure({ idpCertificates: [expiringSoon, nextIdpCertificatePem] });
    expect(await warnings()).toEqual([]);

    // Certificates cannot be configured expired, but they expire in place.
    await kit.prisma.ssoConnection.update({ where: { enterpriseId: rotating.id }, data: { idpCertificates: [expired] } });
    expect(await warnings()).toEqual([expect.stringMatching(/Every IdP certificate of the SSO connection has expired/)]);
    const shown = await kit.graphql(`{ enterprise(key: "${rotating.key}") { ssoConnection { idpCertificates { expired } } } }`, {
      token: rotating.token,
    });
    expect(shown.data!.enterprise.ssoConnection.idpCertificates).toEqual([{ expired: true }]);
  });
});
