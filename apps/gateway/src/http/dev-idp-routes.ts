import { enterpriseLoginUrl } from "@sso-cutover/enterprise";
import {
  AuthnRequestError,
  DEVELOPMENT_IDP_PATH,
  answerAuthnRequest,
  developmentIdpMetadataXml,
  readAuthnRequest,
  type DevelopmentIdpPerson,
  type IdpKeyMaterial,
  type ReceivedAuthnRequest,
} from "@sso-cutover/sso/identity-provider";
import type { Plugin } from "graphql-yoga";
import type { GatewayConfig } from "../config";
import type { Logger } from "../logger";
import { escapeHtml, page } from "../sso-pages";
import { html } from "../sso-routes";

export interface DevelopmentIdp {
  keys: IdpKeyMaterial;
  /** Who can be signed in, in the order shown. */
  people: readonly DevelopmentIdpPerson[];
  /** The IdP groups one may send instead of a person's own (the demo's organization groups). */
  groups: readonly string[];
  /** The enterprise whose one-click link the page offers when it is opened without a request. */
  enterpriseKey: string;
}

const NOTICE =
  "<p><strong>Development identity provider.</strong> It signs anyone in as any of the people below, without a password: it is " +
  "served only with the demo data (<code>DEV_IDP</code>), never in production.</p>";

function personForm(request: ReceivedAuthnRequest, person: DevelopmentIdpPerson, options: { publicUrl: string; keys: IdpKeyMaterial }): string {
  const answer = answerAuthnRequest(request, person, options);
  const groups = person.groups.length === 0 ? "none (no groups attribute)" : person.groups.map((group) => `<code>${escapeHtml(group)}</code>`).join(", ");
  const relayState = answer.relayState === null ? "" : `<input type="hidden" name="RelayState" value="${escapeHtml(answer.relayState)}">`;
  return `<li><form method="post" action="${escapeHtml(answer.acsPath)}">
<input type="hidden" name="SAMLResponse" value="${escapeHtml(answer.samlResponse)}">${relayState}
<button type="submit" name="person" value="${escapeHtml(person.login)}">Sign in as ${escapeHtml(person.login)}</button>
${escapeHtml(person.name)}, <code>${escapeHtml(person.email)}</code> · IdP groups: ${groups}
</form></li>`;
}

function hiddenRequestFields(parameters: URLSearchParams): string {
  return ["SAMLRequest", "RelayState"]
    .filter((name) => parameters.has(name))
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(parameters.get(name)!)}">`)
    .join("");
}

/**
 * The sign-in page: one button per person, each a form that posts that person's signed response to the ACS; and a
 * form to choose the IdP groups sent (back to this page, which then shows the one signed form for that choice).
 */
function signInPage(
  request: ReceivedAuthnRequest,
  parameters: URLSearchParams,
  idp: DevelopmentIdp,
  options: { publicUrl: string; keys: IdpKeyMaterial },
): string {
  const people = idp.people.map((person) => `<option value="${escapeHtml(person.login)}">${escapeHtml(person.login)}</option>`).join("");
  const groups = idp.groups
    .map((group) => `<label><input type="checkbox" name="group" value="${escapeHtml(group)}"> <code>${escapeHtml(group)}</code></label>`)
    .join("\n");
  return page(
    "Development identity provider",
    `<h1>Who signs in?</h1>
${NOTICE}
<p>Sign-in requested by <code>${escapeHtml(request.issuer)}</code>.</p>
<ul>
${idp.people.map((person) => personForm(request, person, options)).join("\n")}
</ul>
<h2>Other IdP groups</h2>
<form method="get" action="${DEVELOPMENT_IDP_PATH}">${hiddenRequestFields(parameters)}
<p><label for="person">Person</label> <select id="person" name="person">${people}</select></p>
<p>IdP groups sent (none checked: the response carries no groups attribute):<br>
${groups}</p>
<button type="submit">Continue</button>
</form>`,
  );
}

/** The person and groups chosen in the "Other IdP groups" form: one signed form to post. */
function chosenGroupsPage(request: ReceivedAuthnRequest, person: DevelopmentIdpPerson, options: { publicUrl: string; keys: IdpKeyMaterial }): string {
  return page("Development identity provider", `<h1>Sign in with these IdP groups</h1>\n${NOTICE}\n<ul>\n${personForm(request, person, options)}\n</ul>`);
}

/** The person and groups the "Other IdP groups" form chose, or an error naming what is not offered. */
function chosenPerson(parameters: URLSearchParams, idp: DevelopmentIdp): DevelopmentIdpPerson {
  const login = parameters.get("person");
  const person = idp.people.find((candidate) => candidate.login === login);
  if (!person) throw new AuthnRequestError(`There is no person "${login}" at this IdP.`);
  const groups = parameters.getAll("group");
  const unknown = groups.find((group) => !idp.groups.includes(group));
  if (unknown !== undefined) throw new AuthnRequestError(`This IdP has no group "${unknown}".`);
  // No groups chosen: the attribute is left out altogether, as an IdP without a group claim does.
  return { ...person, groups: [...new Set(groups)] };
}

function startAtTheLinkPage(loginUrl: string, problem: string | null): string {
  return page(
    "Development identity provider",
    `<h1>Development identity provider</h1>
${NOTICE}
${problem ? `<p>${escapeHtml(problem)}</p>` : "<p>It answers sign-ins that a service provider of this server started.</p>"}
<p>Start at the one-click link: <a href="${escapeHtml(loginUrl)}">${escapeHtml(loginUrl)}</a></p>`,
  );
}

/**
 * The development IdP (`GET /dev-idp`, `GET /dev-idp/metadata`), served only when DEV_IDP is on: it reads the
 * AuthnRequest of an SP-initiated login (HTTP-Redirect binding) and shows one signed answer per person (with
 * `person` and `group` parameters: that person with those IdP groups); the browser posts the chosen one to the ACS
 * like any IdP's (HTTP-POST binding). Pages carry the login pages' CSP (no script: each answer is a button).
 */
export function useDevelopmentIdpRoutes({ config, log, idp }: { config: GatewayConfig; log: Logger; idp: DevelopmentIdp }): Plugin {
  const publicUrl = config.PUBLIC_URL;
  const loginUrl = enterpriseLoginUrl(publicUrl, idp.enterpriseKey);
  return {
    onRequest({ request, url, endResponse }) {
      if (request.method !== "GET") return;
      if (url.pathname === `${DEVELOPMENT_IDP_PATH}/metadata`) {
        endResponse(new Response(developmentIdpMetadataXml(publicUrl, idp.keys), { headers: { "content-type": "application/samlmetadata+xml; charset=utf-8" } }));
        return;
      }
      if (url.pathname !== DEVELOPMENT_IDP_PATH) return;
      if (!url.searchParams.has("SAMLRequest")) {
        endResponse(html(startAtTheLinkPage(loginUrl, null)));
        return;
      }
      try {
        const authnRequest = readAuthnRequest(url.searchParams);
        const options = { publicUrl, keys: idp.keys };
        endResponse(
          html(
            url.searchParams.has("person")
              ? chosenGroupsPage(authnRequest, chosenPerson(url.searchParams, idp), options)
              : signInPage(authnRequest, url.searchParams, idp, options),
          ),
        );
      } catch (error) {
        if (!(error instanceof AuthnRequestError)) throw error;
        log.info({ reason: error.message }, "development IdP: request refused");
        endResponse(html(startAtTheLinkPage(loginUrl, `This sign-in request cannot be answered: ${error.message}`), 400));
      }
    },
  };
}
