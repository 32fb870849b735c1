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
  /** The enterprise whose one-click link the page offers when it is opened without a request. */
  enterpriseKey: string;
}

const NOTICE =
  "<p><strong>Development identity provider.</strong> It signs anyone in as any of the people below, without a password: it is " +
  "served only with the demo data (<code>DEV_IDP</code>), never in production.</p>";

function personForm(request: ReceivedAuthnRequest, person: DevelopmentIdpPerson, options: { publicUrl: string; keys: IdpKeyMaterial }): string {
  const answer = answerAuthnRequest(request, person, options);
  const groups = person.groups.length === 0 ? "no groups" : person.groups.map((group) => `<code>${escapeHtml(group)}</code>`).join(", ");
  const relayState = answer.relayState === null ? "" : `<input type="hidden" name="RelayState" value="${escapeHtml(answer.relayState)}">`;
  return `<li><form method="post" action="${escapeHtml(answer.acsPath)}">
<input type="hidden" name="SAMLResponse" value="${escapeHtml(answer.samlResponse)}">${relayState}
<button type="submit" name="person" value="${escapeHtml(person.login)}">Sign in as ${escapeHtml(person.login)}</button>
${escapeHtml(person.name)}, <code>${escapeHtml(person.email)}</code> · IdP groups: ${groups}
</form></li>`;
}

/** The sign-in page: one button per person, each a form that posts that person's signed response to the ACS. */
function signInPage(request: ReceivedAuthnRequest, people: readonly DevelopmentIdpPerson[], options: { publicUrl: string; keys: IdpKeyMaterial }): string {
  return page(
    "Development identity provider",
    `<h1>Who signs in?</h1>
${NOTICE}
<p>Sign-in requested by <code>${escapeHtml(request.issuer)}</code>.</p>
<ul>
${people.map((person) => personForm(request, person, options)).join("\n")}
</ul>`,
  );
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
 * AuthnRequest of an SP-initiated login (HTTP-Redirect binding) and shows one signed answer per person; the
 * browser posts the chosen one to the ACS like any IdP's (HTTP-POST binding). Pages carry the login pages' CSP.
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
        endResponse(html(signInPage(authnRequest, idp.people, { publicUrl, keys: idp.keys })));
      } catch (error) {
        if (!(error instanceof AuthnRequestError)) throw error;
        log.info({ reason: error.message }, "development IdP: request refused");
        endResponse(html(startAtTheLinkPage(loginUrl, `This sign-in request cannot be answered: ${error.message}`), 400));
      }
    },
  };
}
