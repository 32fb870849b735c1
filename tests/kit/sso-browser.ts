/**
 * What a browser does in an SP-initiated SAML login, over real HTTP against a listening test gateway: follow the
 * one-click link to the IdP, post the IdP's response to our ACS URL, keep the session cookie.
 */
import { enterpriseLoginUrl } from "@sso-cutover/enterprise";
import { SESSION_COOKIE } from "@sso-cutover/sso";
import { sessionOperation } from "./dashboard";
import { TEST_IDP_SSO_URL, readAuthnRequest, type ReceivedAuthnRequest } from "./test-idp";

/** Follows the one-click link (optionally with `return_to`); returns the AuthnRequest the IdP receives. */
export async function followOneClickLink(
  baseUrl: string,
  enterpriseKey: string,
  { returnTo, headers = {} }: { returnTo?: string; headers?: Record<string, string> } = {},
): Promise<ReceivedAuthnRequest> {
  const link = new URL(enterpriseLoginUrl(baseUrl, enterpriseKey));
  if (returnTo !== undefined) link.searchParams.set("return_to", returnTo);
  const response = await fetch(link, { redirect: "manual", headers });
  const location = response.headers.get("location") ?? "";
  if (response.status !== 302 || !location.startsWith(`${TEST_IDP_SSO_URL}?`)) {
    throw new Error(`the one-click link answered ${response.status} ${location}: ${await response.text()}`);
  }
  return readAuthnRequest(location);
}

/** Posts the IdP's response to our ACS URL (HTTP-POST binding), without following the redirect. */
export function postToAcs(
  baseUrl: string,
  enterpriseKey: string,
  samlResponse: string,
  relayState: string | null = null,
): Promise<Response> {
  const form = new URLSearchParams({ SAMLResponse: samlResponse });
  if (relayState !== null) form.set("RelayState", relayState);
  return fetch(`${baseUrl}/saml/acs/${encodeURIComponent(enterpriseKey)}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form,
    redirect: "manual",
  });
}

/** The session cookie's value set by a response, or null. */
export function sessionCookieFrom(response: Response): string | null {
  const header = response.headers.get("set-cookie") ?? "";
  const match = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(header);
  return match?.[1] ?? null;
}

/** Who the cookie signs in (the dashboard's persisted `Session` query, as a browser sends it), or null. */
export async function viewerLogin(baseUrl: string, cookie: string): Promise<string | null> {
  const body = await sessionOperation<{ viewer: { login: string } | null }>(baseUrl, cookie, "Session");
  return body.data?.viewer?.login ?? null;
}

/** One person's form on the development IdP's page: where it posts and what. */
export interface DevelopmentIdpForm {
  action: string;
  fields: Record<string, string>;
}

function unescapeHtml(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** The forms of the development IdP's page, by the person each signs in. */
export function developmentIdpForms(pageHtml: string): Map<string, DevelopmentIdpForm> {
  const forms = new Map<string, DevelopmentIdpForm>();
  for (const [, action, inner] of pageHtml.matchAll(/<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/g)) {
    const fields: Record<string, string> = {};
    for (const [, name, value] of inner!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[name!] = unescapeHtml(value!);
    const person = /<button type="submit" name="person" value="([^"]+)">/.exec(inner!)?.[1];
    if (person) forms.set(unescapeHtml(person), { action: unescapeHtml(action!), fields });
  }
  return forms;
}

/**
 * A browser's walk through the development IdP over HTTP: the one-click link, the IdP's page (the redirect's path
 * and query, on `baseUrl`: PUBLIC_URL may name another port) — with `groups`, the page for that person with those
 * IdP groups — then the chosen person's form posted as is.
 */
export async function signInThroughDevelopmentIdp(
  baseUrl: string,
  enterpriseKey: string,
  person: string,
  { groups }: { groups?: readonly string[] } = {},
): Promise<{ idpPage: Response; idpHtml: string; acs: Response; cookie: string | null }> {
  const start = await fetch(enterpriseLoginUrl(baseUrl, enterpriseKey), { redirect: "manual" });
  const location = start.headers.get("location");
  if (start.status !== 302 || location === null) throw new Error(`the one-click link answered ${start.status}: ${await start.text()}`);
  const idpUrl = new URL(location);
  // Other groups than the person's own: what the page's "Other IdP groups" form submits (GET, same page).
  if (groups !== undefined) {
    idpUrl.searchParams.set("person", person);
    for (const group of groups) idpUrl.searchParams.append("group", group);
  }
  const idpPage = await fetch(`${baseUrl}${idpUrl.pathname}${idpUrl.search}`);
  const idpHtml = await idpPage.text();
  const form = developmentIdpForms(idpHtml).get(person);
  if (!form) throw new Error(`the IdP page (${idpPage.status}) offers no form for ${person}:\n${idpHtml}`);
  const acs = await fetch(`${baseUrl}${form.action}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form.fields),
    redirect: "manual",
  });
  return { idpPage, idpHtml, acs, cookie: sessionCookieFrom(acs) };
}
