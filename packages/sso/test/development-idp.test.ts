/**
 * The development IdP's parts that need no server: its key pair kept in a folder, and its answers — only to this
 * server's own service providers, shaped as the strict SP requires (R1).
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { deflateRawSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { acsUrl, spEntityId } from "../src/saml/service-provider";
import {
  AuthnRequestError,
  DEVELOPMENT_IDP_ENTITY_ID,
  IdpKeyMaterialError,
  answerAuthnRequest,
  loadOrCreateIdpKeyMaterial,
  readAuthnRequest,
  type ReceivedAuthnRequest,
} from "../src/identity-provider";

const folders: string[] = [];
afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));
function folder(): string {
  const created = mkdtempSync(path.join(tmpdir(), "dev-idp-keys-"));
  folders.push(created);
  return path.join(created, "dev-idp");
}

const PUBLIC_URL = "http://localhost:4000";
const bob = { nameId: "bob@acme.example", login: "bob", name: "Bob Builder", email: "bob@acme.example", groups: ["web-developers"] };

function request(overrides: Partial<ReceivedAuthnRequest> = {}): ReceivedAuthnRequest {
  return {
    id: "_request-1",
    issuer: spEntityId(PUBLIC_URL, "acme"),
    assertionConsumerServiceUrl: acsUrl(PUBLIC_URL, "acme"),
    destination: `${PUBLIC_URL}/dev-idp`,
    relayState: "/graphql",
    xml: "",
    ...overrides,
  };
}

function redirectParameters(xml: string, relayState?: string): URLSearchParams {
  const parameters = new URLSearchParams({ SAMLRequest: deflateRawSync(Buffer.from(xml)).toString("base64") });
  if (relayState !== undefined) parameters.set("RelayState", relayState);
  return parameters;
}

describe("development IdP key pair", () => {
  it("is generated once, the private key readable by its owner only, and the same at the next start", async () => {
    const keys = folder();
    const first = await loadOrCreateIdpKeyMaterial(keys, "dev-idp.test");
    expect(statSync(path.join(keys, "signing-key.pem")).mode & 0o777).toBe(0o600);
    const second = await loadOrCreateIdpKeyMaterial(keys, "dev-idp.test");
    expect(second).toEqual(first);
  });

  it("refuses a key that does not belong to the certificate, naming both files, rather than replacing it", async () => {
    const keys = folder();
    await loadOrCreateIdpKeyMaterial(keys, "dev-idp.test");
    const other = await loadOrCreateIdpKeyMaterial(folder(), "other.test");
    writeFileSync(path.join(keys, "signing-key.pem"), other.privateKeyPem);
    await expect(loadOrCreateIdpKeyMaterial(keys, "dev-idp.test")).rejects.toThrow(IdpKeyMaterialError);
    await expect(loadOrCreateIdpKeyMaterial(keys, "dev-idp.test")).rejects.toThrow(/signing-key\.pem and .*certificate\.pem are not a key pair/);
  });
});

describe("development IdP answers", () => {
  it("R1: answers the request it was sent: InResponseTo, audience, recipient, RelayState, assertion and response signed with SHA-256", async () => {
    const keys = await loadOrCreateIdpKeyMaterial(folder(), "dev-idp.test");
    const answer = answerAuthnRequest(request(), bob, { publicUrl: PUBLIC_URL, keys });
    expect(answer).toMatchObject({ acsPath: "/saml/acs/acme", relayState: "/graphql" });
    const xml = Buffer.from(answer.samlResponse, "base64").toString("utf8");
    expect(xml).toContain(`InResponseTo="_request-1"`);
    expect(xml).toContain(`<saml:Audience>${spEntityId(PUBLIC_URL, "acme")}</saml:Audience>`);
    expect(xml).toContain(`Recipient="${acsUrl(PUBLIC_URL, "acme")}"`);
    expect(xml).toContain(`<saml:Issuer>${DEVELOPMENT_IDP_ENTITY_ID}</saml:Issuer>`);
    expect(xml.match(/<ds:SignatureMethod Algorithm="http:\/\/www\.w3\.org\/2001\/04\/xmldsig-more#rsa-sha256"\/>/g)).toHaveLength(2);
    expect(xml).not.toMatch(/sha1/i);
  });

  it("signs nothing for another site's service provider, or when issuer and ACS URL disagree", async () => {
    const keys = await loadOrCreateIdpKeyMaterial(folder(), "dev-idp.test");
    const refused = (overrides: Partial<ReceivedAuthnRequest>) => () => answerAuthnRequest(request(overrides), bob, { publicUrl: PUBLIC_URL, keys });
    expect(refused({ assertionConsumerServiceUrl: "https://evil.example/saml/acs/acme" })).toThrow(/not one of this server's/);
    expect(refused({ assertionConsumerServiceUrl: null })).toThrow(AuthnRequestError);
    expect(refused({ issuer: spEntityId(PUBLIC_URL, "globex") })).toThrow(/do not name the same service provider/);
  });

  it("reads an HTTP-Redirect AuthnRequest, and refuses what is not one (DTD, other XML, not deflated)", () => {
    const xml =
      `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ` +
      `ID="_abc" Version="2.0" AssertionConsumerServiceURL="${acsUrl(PUBLIC_URL, "acme")}"><saml:Issuer>${spEntityId(PUBLIC_URL, "acme")}</saml:Issuer></samlp:AuthnRequest>`;
    expect(readAuthnRequest(redirectParameters(xml, "/x"))).toMatchObject({ id: "_abc", issuer: spEntityId(PUBLIC_URL, "acme"), relayState: "/x" });
    expect(() => readAuthnRequest(redirectParameters(`<!DOCTYPE x [<!ENTITY a "b">]>${xml}`))).toThrow(/document type declaration/);
    expect(() => readAuthnRequest(redirectParameters("<Response/>"))).toThrow(/not a SAML 2.0 AuthnRequest/);
    expect(() => readAuthnRequest(new URLSearchParams({ SAMLRequest: "bm90IGRlZmxhdGVk" }))).toThrow(/DEFLATE/);
    expect(() => readAuthnRequest(new URLSearchParams())).toThrow(/no SAMLRequest/);
  });
});
