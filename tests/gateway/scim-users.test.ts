/**
 * R20: SCIM 2.0 Users over HTTP, replaying the request sequences Okta and Microsoft Entra ID send when a user is
 * assigned, updated, deactivated, reactivated and unassigned; filters, paging, error objects and ETags; the token's
 * scope; and deprovisioning that takes effect within the request (session and PAT refused at once).
 */
import { SESSION_COOKIE } from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { ERROR_SCHEMA, USER_SCHEMA, createScimTokenFor, scimClient, type ScimClient } from "../kit/scim";
import { createEnterpriseAdmin, createSsoEnterprise, idpResponse, type SsoEnterpriseFixture } from "../kit/sso-fixtures";
import { readAuthnRequest } from "../kit/test-idp";

let kit: TestGateway;
let baseUrl: string;
let acme: SsoEnterpriseFixture;
let other: SsoEnterpriseFixture;
let adminToken: string;
let scimToken: string;
let client: ScimClient;

beforeAll(async () => {
  kit = await startTestGateway();
  baseUrl = await kit.listen();
  acme = await createSsoEnterprise(kit.prisma, { organizations: {} });
  other = await createSsoEnterprise(kit.prisma);
  await kit.prisma.ssoConnection.update({ where: { id: acme.connection.id }, data: { provisioning: "SCIM" } });
  adminToken = await kit.tokenFor((await createEnterpriseAdmin(kit.prisma, acme.enterprise.id)).id);
  ({ token: scimToken } = await createScimTokenFor(kit, adminToken, acme.enterprise.key));
  client = scimClient(baseUrl, acme.enterprise.key, scimToken);
});
afterAll(() => kit.close());

const key = () => acme.enterprise.key;

/** A browser's SAML sign-in; returns the ACS answer (302 + cookie when signed in, else the refusal page). */
async function samlSignIn(user: { nameId: string; email?: string; name?: string }) {
  const start = await fetch(`${baseUrl}/login/sso?enterprise_key=${key()}`, { redirect: "manual" });
  const authnRequest = readAuthnRequest(start.headers.get("location") ?? "");
  const response = await fetch(`${baseUrl}/saml/acs/${key()}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ SAMLResponse: idpResponse(key(), authnRequest.id, user, {}, kit.config.PUBLIC_URL) }),
    redirect: "manual",
  });
  const cookie = response.headers.get("set-cookie")?.split(";")[0]?.split("=")[1] ?? null;
  return { status: response.status, cookie, text: response.status === 302 ? "" : await response.text() };
}

async function viewerWithCookie(cookie: string) {
  const response = await fetch(`${baseUrl}/graphql?query=${encodeURIComponent("{ viewer { login } }")}`, {
    headers: { cookie: `${SESSION_COOKIE}=${cookie}`, accept: "application/json", "x-graphql-yoga-csrf": "1" },
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function viewerWithToken(token: string) {
  return kit.graphql("{ viewer { login } }", { token });
}

const SETUP = (enterpriseKey: string) => `{ enterprise(key: "${enterpriseKey}") { setupProgress {
  lastScimRequestAt counts { scimUsers scimDeactivatedUsers scimGroups } steps { step warnings } } } }`;

describe("R20: the SCIM endpoint, its token and its protocol", () => {
  it("R20: setupProgress keeps the \"verify groups\" hint while SCIM has provisioned nobody", async () => {
    const progress = (await kit.graphql(SETUP(key()), { token: adminToken })).data!.enterprise.setupProgress;
    expect(progress.lastScimRequestAt).toBeNull();
    expect(progress.counts).toEqual({ scimUsers: 0, scimDeactivatedUsers: 0, scimGroups: 0 });
    const invite = progress.steps.find((step: { step: string }) => step.step === "INVITE_USERS");
    expect(invite.warnings.join(" ")).toContain("SCIM has provisioned nobody yet: verify user groups first");
  });

  it("R20: ssoConnection shows the base URL; the discovery resources answer as application/scim+json", async () => {
    const connection = await kit.graphql(`{ enterprise(key: "${key()}") { ssoConnection { scimBaseUrl scimToken { display } } } }`, { token: adminToken });
    expect(connection.data!.enterprise.ssoConnection.scimBaseUrl).toBe(`${kit.config.PUBLIC_URL}/scim/v2/${key()}`);
    expect(connection.data!.enterprise.ssoConnection.scimToken.display).toBe(`sqscim_…${scimToken.slice(-4)}`);

    const config = await client.request("GET", "/ServiceProviderConfig");
    expect(config.status).toBe(200);
    expect(config.headers.get("content-type")).toContain("application/scim+json");
    expect(config.body).toMatchObject({ patch: { supported: true }, filter: { supported: true, maxResults: 200 }, etag: { supported: true }, bulk: { supported: false } });
    const types = await client.request("GET", "/ResourceTypes");
    expect(types.body.Resources.map((type: { id: string }) => type.id)).toEqual(["User", "Group"]);
    const schema = await client.request("GET", `/Schemas/${USER_SCHEMA}`);
    expect(schema.body.attributes.map((attribute: { name: string }) => attribute.name)).toContain("userName");
  });

  it("R20: the SCIM token works only on its own enterprise's SCIM routes: another enterprise's endpoint and /graphql refuse it", async () => {
    const elsewhere = await scimClient(baseUrl, other.enterprise.key, scimToken).request("GET", "/Users");
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: "401" });
    const graphql = await viewerWithToken(scimToken);
    expect(graphql.status).toBe(401);
    const personalToken = await scimClient(baseUrl, key(), adminToken).request("GET", "/Users");
    expect(personalToken.status).toBe(401);
    const none = await fetch(`${baseUrl}/scim/v2/${key()}/Users`);
    expect(none.status).toBe(401);
  });

  it("R20: errors are RFC 7644 error objects: invalidFilter, uniqueness, invalidValue, 404 with status as a string", async () => {
    const badFilter = await client.request("GET", `/Users?filter=${encodeURIComponent('userName eq "unterminated')}`);
    expect(badFilter.status).toBe(400);
    expect(badFilter.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: "400", scimType: "invalidFilter" });
    const unknownAttribute = await client.request("GET", `/Users?filter=${encodeURIComponent('nickName eq "x"')}`);
    expect(unknownAttribute.body.scimType).toBe("invalidFilter");
    const noUserName = await client.request("POST", "/Users", { schemas: [USER_SCHEMA], emails: [{ value: "x@acme.test" }] });
    expect(noUserName.body).toMatchObject({ status: "400", scimType: "invalidValue" });
    expect(noUserName.body.detail).toContain("userName");
    const notJson = await fetch(`${baseUrl}/scim/v2/${key()}/Users`, {
      method: "POST",
      headers: { authorization: `Bearer ${scimToken}`, "content-type": "application/scim+json" },
      body: "{ not json",
    });
    expect(await notJson.json()).toMatchObject({ status: "400", scimType: "invalidSyntax" });
    const form = await fetch(`${baseUrl}/scim/v2/${key()}/Users`, {
      method: "POST",
      headers: { authorization: `Bearer ${scimToken}`, "content-type": "application/x-www-form-urlencoded" },
      body: "userName=x",
    });
    expect(form.status).toBe(415);
    const badPatch = await client.request("PATCH", "/Users/does-not-exist", { Operations: [] });
    expect(badPatch.body).toMatchObject({ status: "400", scimType: "invalidSyntax" });
    const missing = await client.request("GET", "/Users/does-not-exist");
    expect(missing.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: "404" });

    const first = await client.request("POST", "/Users", { schemas: [USER_SCHEMA], userName: "Unique.Person@acme.test", active: true });
    expect(first.status).toBe(201);
    const again = await client.request("POST", "/Users", { schemas: [USER_SCHEMA], userName: "unique.person@ACME.test", active: true });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: "409", scimType: "uniqueness" });
  });

  it("R20: Okta — assign, profile update (PUT), deactivate, reactivate (PATCH active), with meta and ETags", async () => {
    // 1. Okta checks whether the user exists.
    const lookup = await client.request("GET", `/Users?filter=${encodeURIComponent('userName eq "dana.okta@acme.test"')}&startIndex=1&count=100`);
    expect(lookup.body).toMatchObject({ totalResults: 0, Resources: [] });
    // 2. Okta creates it.
    const created = await client.request("POST", "/Users", {
      schemas: [USER_SCHEMA],
      userName: "dana.okta@acme.test",
      name: { givenName: "Dana", familyName: "Okta" },
      emails: [{ primary: true, value: "dana.okta@acme.test", type: "work" }],
      displayName: "Dana Okta",
      locale: "en-US",
      externalId: "00u1okta",
      groups: [],
      active: true,
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.headers.get("location")).toBe(`${kit.config.PUBLIC_URL}/scim/v2/${key()}/Users/${id}`);
    expect(created.headers.get("etag")).toBe(created.body.meta.version);
    expect(created.body).toMatchObject({ userName: "dana.okta@acme.test", active: true, externalId: "00u1okta", meta: { resourceType: "User" } });
    expect(created.body.meta.created).toMatch(/^\d{4}-\d\d-\d\dT/);

    // GET with the ETag: 304 while unchanged.
    const unchanged = await client.request("GET", `/Users/${id}`, undefined, { "if-none-match": created.body.meta.version });
    expect(unchanged.status).toBe(304);

    // The person signs in: the SAML login finds the SCIM account by email (R16), no second account.
    const signIn = await samlSignIn({ nameId: "00u1okta-nameid", email: "dana.okta@acme.test", name: "Dana Okta" });
    expect(signIn.status).toBe(302);
    expect(await kit.prisma.account.count({ where: { enterpriseId: acme.enterprise.id, emailNormalized: "dana.okta@acme.test" } })).toBe(1);

    // 3. Profile update: Okta PUTs the whole user.
    const put = await client.request("PUT", `/Users/${id}`, {
      schemas: [USER_SCHEMA],
      id,
      userName: "dana.okta@acme.test",
      name: { givenName: "Dana", familyName: "Okta-Smith" },
      emails: [{ primary: true, value: "dana.okta@acme.test", type: "work" }],
      displayName: "Dana Okta-Smith",
      active: true,
    }, { "if-match": created.body.meta.version });
    expect(put.status).toBe(200);
    expect(put.body.name.familyName).toBe("Okta-Smith");
    expect(put.body.meta.version).not.toBe(created.body.meta.version);
    // A write naming an old version is refused (RFC 7644 §3.14).
    const stale = await client.request("PUT", `/Users/${id}`, { schemas: [USER_SCHEMA], userName: "dana.okta@acme.test" }, { "if-match": created.body.meta.version });
    expect(stale.status).toBe(412);

    // 4. Deactivation (also how Okta unassigns): path-less replace of active.
    const session = signIn.cookie!;
    const pat = await kit.tokenFor(id);
    expect((await viewerWithCookie(session)).body.data.viewer.login).toBeTruthy();
    expect((await viewerWithToken(pat)).data!.viewer.login).toBeTruthy();
    const deactivated = await client.patch(`/Users/${id}`, [{ op: "replace", value: { active: false } }]);
    expect(deactivated.status).toBe(200);
    expect(deactivated.body.active).toBe(false);
    // Out within the same request: the session and the PAT no longer authenticate, a sign-in is refused.
    expect((await viewerWithCookie(session)).status).toBe(401);
    expect((await viewerWithToken(pat)).status).toBe(401);
    const refused = await samlSignIn({ nameId: "00u1okta-nameid", email: "dana.okta@acme.test" });
    expect(refused.status).toBe(401);
    expect(refused.text).toContain("deprovisioned");
    const inactive = await client.request("GET", `/Users?filter=${encodeURIComponent('active eq false and userName sw "dana"')}`);
    expect(inactive.body.Resources.map((user: { id: string }) => user.id)).toEqual([id]);

    // 5. Reactivation.
    const reactivated = await client.patch(`/Users/${id}`, [{ op: "replace", value: { active: true } }]);
    expect(reactivated.body.active).toBe(true);
    expect((await samlSignIn({ nameId: "00u1okta-nameid", email: "dana.okta@acme.test" })).status).toBe(302);

    const audit = await kit.prisma.auditEvent.findMany({ where: { enterpriseId: acme.enterprise.id, targetId: id, action: { startsWith: "scim." } }, orderBy: { createdAt: "asc" } });
    expect(audit.map((event) => event.action)).toEqual(["scim.user_provisioned", "scim.user_updated", "scim.user_deactivated", "scim.user_reactivated"]);
    expect(audit.every((event) => event.actorId === null && event.actorLogin === `scim-token:sqscim_…${scimToken.slice(-4)}`)).toBe(true);
  });

  it("R20: Entra ID — create, PATCH with capitalised ops and value filters, \"False\"/\"True\" strings, then DELETE", async () => {
    const lookup = await client.request("GET", `/Users?filter=${encodeURIComponent('userName eq "Erin.Entra@acme.test"')}`);
    expect(lookup.body.totalResults).toBe(0);
    const created = await client.request("POST", "/Users", {
      schemas: [USER_SCHEMA, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
      externalId: "erin-entra-object-id",
      userName: "Erin.Entra@acme.test",
      active: true,
      displayName: "Erin Entra",
      emails: [{ primary: true, type: "work", value: "Erin.Entra@acme.test" }],
      meta: { resourceType: "User" },
      name: { formatted: "Erin Entra", familyName: "Entra", givenName: "Erin" },
      roles: [],
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    // Entra finds users by externalId too.
    const byExternalId = await client.request("GET", `/Users?filter=${encodeURIComponent('externalId eq "erin-entra-object-id"')}`);
    expect(byExternalId.body.Resources.map((user: { id: string }) => user.id)).toEqual([id]);

    const updated = await client.patch(`/Users/${id}`, [
      { op: "Replace", path: "displayName", value: "Erin E. Entra" },
      { op: "Replace", path: 'emails[type eq "work"].value', value: "erin.e@acme.test" },
      { op: "Add", path: "name.familyName", value: "E-Entra" },
      { op: "Replace", path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", value: "R&D" },
    ]);
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ displayName: "Erin E. Entra", emails: [{ value: "erin.e@acme.test", type: "work", primary: true }], name: { familyName: "E-Entra" } });
    const byEmail = await client.request("GET", `/Users?filter=${encodeURIComponent('emails.value eq "ERIN.E@acme.test"')}`);
    expect(byEmail.body.Resources.map((user: { id: string }) => user.id)).toEqual([id]);

    const signIn = await samlSignIn({ nameId: "erin.e@acme.test", email: "erin.e@acme.test" });
    expect(signIn.status).toBe(302);
    const disabled = await client.patch(`/Users/${id}`, [{ op: "Replace", path: "active", value: "False" }]);
    expect(disabled.body.active).toBe(false);
    expect((await viewerWithCookie(signIn.cookie!)).status).toBe(401);
    const enabled = await client.patch(`/Users/${id}`, [{ op: "Replace", path: "active", value: "True" }]);
    expect(enabled.body.active).toBe(true);

    const deleted = await client.request("DELETE", `/Users/${id}`);
    expect(deleted.status).toBe(204);
    expect((await client.request("GET", `/Users/${id}`)).status).toBe(404);
    // The account and its history stay; it no longer signs in.
    const account = await kit.prisma.account.findUniqueOrThrow({ where: { id } });
    expect(account.deactivatedAt).not.toBeNull();
    expect(account.deletedAt).toBeNull();
    expect((await samlSignIn({ nameId: "erin.e@acme.test", email: "erin.e@acme.test" })).status).toBe(401);
  });

  it("R20 with R16: a SCIM user takes over the person's existing SSO account (email, case-insensitive) and accepts the pending invitation", async () => {
    const existing = await kit.prisma.account.create({
      data: { login: `frank-${key()}`, name: "Frank", kind: "SSO", enterpriseId: acme.enterprise.id, email: "Frank@acme.test", emailNormalized: "frank@acme.test" },
    });
    const inviter = await kit.prisma.enterprisePermission.findFirstOrThrow({ where: { enterpriseId: acme.enterprise.id } });
    const invitation = await kit.prisma.invitation.create({
      data: { enterpriseId: acme.enterprise.id, email: "frank@acme.test", emailNormalized: "frank@acme.test", invitedById: inviter.accountId, expiresAt: new Date(Date.now() + 86_400_000) },
    });
    const created = await client.request("POST", "/Users", {
      schemas: [USER_SCHEMA],
      userName: "FRANK@acme.test",
      emails: [{ primary: true, value: "FRANK@ACME.TEST", type: "work" }],
      active: true,
    });
    expect(created.status).toBe(201);
    expect(created.body.id).toBe(existing.id);
    expect(await kit.prisma.account.count({ where: { enterpriseId: acme.enterprise.id, emailNormalized: "frank@acme.test" } })).toBe(1);
    expect((await kit.prisma.invitation.findUniqueOrThrow({ where: { id: invitation.id } })).status).toBe("ACCEPTED");
  });

  it("R20: with provisioning SCIM, a person SCIM never provisioned is refused at sign-in with a page naming the IdP admin; no account is created", async () => {
    const refused = await samlSignIn({ nameId: "stranger@acme.test", email: "stranger@acme.test" });
    expect(refused.status).toBe(401);
    expect(refused.text).toContain("Ask your identity provider");
    expect(refused.text).toContain("assign");
    expect(await kit.prisma.account.count({ where: { emailNormalized: "stranger@acme.test" } })).toBe(0);
  });

  it("R20: filters (eq, ne, co, sw, pr, and, or, not, meta.lastModified) and startIndex/count paging run with totalResults", async () => {
    const names = ["page.a@paging.test", "page.b@paging.test", "page.c@paging.test", "page.d@paging.test", "page.e@paging.test"];
    for (const userName of names) {
      expect((await client.request("POST", "/Users", { schemas: [USER_SCHEMA], userName, externalId: `ext-${userName[5]}`, active: true })).status).toBe(201);
    }
    const list = (filter: string, paging = "") => client.request("GET", `/Users?filter=${encodeURIComponent(filter)}${paging}`).then((answer) => answer.body);
    const userNames = (body: { Resources: { userName: string }[] }) => body.Resources.map((user) => user.userName);

    const firstPage = await list('userName ew "@paging.test"', "&startIndex=1&count=2");
    expect(firstPage).toMatchObject({ totalResults: 5, startIndex: 1, itemsPerPage: 2 });
    expect(userNames(firstPage)).toEqual(names.slice(0, 2));
    const lastPage = await list('userName ew "@paging.test"', "&startIndex=5&count=2");
    expect(userNames(lastPage)).toEqual(names.slice(4));
    expect((await list('userName co "paging"', "&count=0"))).toMatchObject({ totalResults: 5, Resources: [] });

    expect(userNames(await list('userName sw "PAGE.A" or externalId eq "ext-c"'))).toEqual(["page.a@paging.test", "page.c@paging.test"]);
    expect(userNames(await list('userName co "paging" and not (externalId eq "ext-a" or externalId eq "ext-b")'))).toEqual(names.slice(2));
    expect(userNames(await list('userName co "paging" and externalId ne "ext-e"'))).toEqual(names.slice(0, 4));
    expect((await list('externalId pr and userName co "paging"')).totalResults).toBe(5);
    // LIKE wildcards in a value match themselves only.
    expect((await list('userName co "%"')).totalResults).toBe(0);
    expect((await list('userName sw "page_a"')).totalResults).toBe(0);
    expect((await list(`meta.lastModified gt "${new Date(Date.now() + 60_000).toISOString()}"`)).totalResults).toBe(0);
    expect((await list('meta.lastModified gt "2000-01-01T00:00:00Z" and userName co "paging"')).totalResults).toBe(5);
  });

  it("R20: setupProgress shows the last SCIM request and the counts SCIM manages, and drops the hint once SCIM provisioned someone", async () => {
    const progress = (await kit.graphql(SETUP(key()), { token: adminToken })).data!.enterprise.setupProgress;
    expect(new Date(progress.lastScimRequestAt).getTime()).toBeGreaterThan(Date.now() - 10 * 60_000);
    const users = await kit.prisma.account.count({ where: { enterpriseId: acme.enterprise.id, scimProvisionedAt: { not: null } } });
    expect(progress.counts.scimUsers).toBe(users);
    expect(progress.counts.scimUsers).toBeGreaterThan(0);
    const invite = progress.steps.find((step: { step: string }) => step.step === "INVITE_USERS");
    expect(invite.warnings.join(" ")).not.toContain("verify user groups");
  });
});
