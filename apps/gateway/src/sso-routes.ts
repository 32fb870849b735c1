import { DomainError, type PrismaClient } from "@sso-cutover/db";
import { enterpriseLoginUrl } from "@sso-cutover/enterprise";
import {
  MAX_ACS_FORM_BYTES,
  SsoLoginRefused,
  completeSsoLogin,
  endSession,
  refuseOversizedSsoResponse,
  spMetadataXml,
  startSsoLogin,
} from "@sso-cutover/sso";
import type { Plugin } from "graphql-yoga";
import { readSessionCookie, servesOverHttps, sessionCookie } from "./http/session-cookie";
import type { GatewayConfig } from "./config";
import { readBoundedText } from "./http/bounded-body";
import { clientAddress } from "./http/client-address";
import type { Logger } from "./logger";
import {
  enterpriseKeyFormPage,
  errorPage,
  loginRefusedPage,
  notFoundPage,
} from "./sso-pages";

const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
};

/** An HTML page of the login flow, with the headers every such page carries (no cache, strict CSP). */
export function html(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { ...PAGE_HEADERS, ...headers } });
}

function redirect(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 302, headers: { location, "cache-control": "no-store", ...headers } });
}

/** The session cookie's builder, defined with its name and reader in http/session-cookie.ts. */
export { sessionCookie };

function pathKey(pathname: string, prefix: string): string | null {
  const rest = pathname.slice(prefix.length);
  if (rest.length === 0 || rest.includes("/")) return null;
  try {
    return decodeURIComponent(rest);
  } catch {
    return null;
  }
}

function refusalStatus(refusal: SsoLoginRefused): number {
  if (refusal.reason === "OVERSIZED") return 413;
  if (refusal.reason === "MALFORMED" || refusal.reason === "TOO_COMPLEX") return 400;
  return 401;
}

/**
 * The browser side of SSO (R1): `GET /login/sso` (one-click link → IdP), `POST /saml/acs/:enterpriseKey` (the IdP's
 * response → session cookie), `GET /saml/metadata/:enterpriseKey` and `POST /logout` (which returns to the dashboard at `/`).
 * The domain decides everything; this maps its results and errors to pages, redirects and cookies.
 */
export function useSsoRoutes({ prisma, config, log }: { prisma: PrismaClient; config: GatewayConfig; log: Logger }): Plugin {
  const publicUrl = config.PUBLIC_URL;
  const secure = servesOverHttps(publicUrl);

  async function loginStart(request: Request, url: URL, serverContext: unknown): Promise<Response> {
    const enterpriseKey = url.searchParams.get("enterprise_key")?.trim() ?? "";
    if (enterpriseKey === "") return html(enterpriseKeyFormPage());
    const { redirectUrl } = await startSsoLogin(prisma, {
      publicUrl,
      enterpriseKey,
      clientAddress: clientAddress(request, serverContext, config.TRUST_PROXY),
      relayState: url.searchParams.get("return_to"),
    });
    return redirect(redirectUrl);
  }

  function refusedPage(refusal: SsoLoginRefused, enterpriseKey: string): Response {
    log.info({ enterpriseKey, reason: refusal.reason }, "SSO login refused");
    const loginUrl = typeof refusal.details.loginUrl === "string" ? refusal.details.loginUrl : enterpriseLoginUrl(publicUrl, enterpriseKey);
    return html(loginRefusedPage({ message: refusal.message, reason: refusal.reason, loginUrl }), refusalStatus(refusal));
  }

  async function assertionConsumer(request: Request, enterpriseKey: string): Promise<Response> {
    // Bodies no accepted response could make are refused before they are read or parsed.
    const body = await readBoundedText(request, MAX_ACS_FORM_BYTES);
    if (body === null) return refusedPage(await refuseOversizedSsoResponse(prisma, { enterpriseKey }), enterpriseKey);
    const form = new URLSearchParams(body);
    try {
      // The redirect and its cookie are built inside the login's transaction: if building them fails, the login
      // is rolled back (request, account, session) instead of leaving a session nobody received.
      return await completeSsoLogin(
        prisma,
        { publicUrl, enterpriseKey, samlResponse: form.get("SAMLResponse") ?? "", relayState: form.get("RelayState") },
        (login) => {
          const maxAge = Math.max(0, Math.floor((login.sessionExpiresAt.getTime() - Date.now()) / 1000));
          const response = redirect(login.redirectTo, { "set-cookie": sessionCookie(login.sessionSecret, maxAge, secure) });
          log.info({ enterpriseKey, accountId: login.account.id, accountCreated: login.accountCreated }, "SSO login");
          return response;
        },
      );
    } catch (error) {
      if (!(error instanceof SsoLoginRefused)) throw error;
      return refusedPage(error, enterpriseKey);
    }
  }

  async function logout(request: Request): Promise<Response> {
    const cookie = readSessionCookie(request, secure);
    if (cookie) await endSession(prisma, cookie);
    return new Response(null, {
      status: 303,
      headers: { location: "/", "cache-control": "no-store", "set-cookie": sessionCookie("", 0, secure) },
    });
  }

  async function route(request: Request, url: URL, serverContext: unknown): Promise<Response | null> {
    const { pathname } = url;
    const method = request.method;
    if (pathname === "/login/sso" && method === "GET") return loginStart(request, url, serverContext);
    if (pathname === "/logout" && method === "POST") return logout(request);
    if (pathname.startsWith("/saml/acs/")) {
      const enterpriseKey = pathKey(pathname, "/saml/acs/");
      if (enterpriseKey === null) return null;
      if (method !== "POST") return html(errorPage("Method not allowed", "The assertion consumer service accepts only POST (HTTP-POST binding)."), 405, {
          allow: "POST",
        });
      return assertionConsumer(request, enterpriseKey);
    }
    if (pathname.startsWith("/saml/metadata/") && method === "GET") {
      const enterpriseKey = pathKey(pathname, "/saml/metadata/");
      if (enterpriseKey === null) return null;
      const xml = await spMetadataXml(prisma, { publicUrl, enterpriseKey });
      return new Response(xml, { headers: { "content-type": "application/samlmetadata+xml; charset=utf-8" } });
    }
    return null;
  }

  return {
    async onRequest({ request, url, serverContext, endResponse }) {
      try {
        const response = await route(request, url, serverContext);
        if (response) endResponse(response);
      } catch (error) {
        if (error instanceof DomainError && error.code === "NOT_FOUND") {
          endResponse(html(notFoundPage(error.message), 404));
          return;
        }
        log.error({ err: error, path: url.pathname }, "unexpected error in an SSO route");
        endResponse(html(errorPage("Something went wrong", "Something went wrong on our side. Try again in a moment."), 500));
      }
    },
  };
}
