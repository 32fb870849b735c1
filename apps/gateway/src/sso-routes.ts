import { DomainError, type PrismaClient } from "@sso-cutover/db";
import { enterpriseLoginUrl } from "@sso-cutover/enterprise";
import {
  SsoLoginRefused,
  authenticateSession,
  completeSsoLogin,
  endSession,
  spMetadataXml,
  startSsoLogin,
} from "@sso-cutover/sso";
import type { Plugin } from "graphql-yoga";
import { readSessionCookie, servesOverHttps, sessionCookie } from "./http/session-cookie";
import type { GatewayConfig } from "./config";
import type { Logger } from "./logger";
import {
  enterpriseKeyFormPage,
  errorPage,
  landingPage,
  loginRefusedPage,
  notFoundPage,
  signedOutPage,
} from "./sso-pages";

/** What the landing page's "Review your access" link opens: GraphiQL with the viewer's access. */
export const ACCESS_REVIEW_QUERY = `# Your access, per organization: what your SSO account has and what it still lacks (R4)
query MyAccess {
  viewer {
    login
    kind
    organizations { key name }
    accessReview {
      status
      devopsAccount { login }
      organizations { organization { key } status missingOnSso dop { member permissions } sso { member permissions } }
    }
  }
}
`;

const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
};

function html(body: string, status = 200, headers: Record<string, string> = {}): Response {
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
  if (refusal.reason === "MALFORMED") return 400;
  return 401;
}

/**
 * The browser side of SSO (R1): `GET /login/sso` (one-click link → IdP), `POST /saml/acs/:enterpriseKey` (the IdP's
 * response → session cookie), `GET /saml/metadata/:enterpriseKey`, `POST /logout`, and `GET /` (landing page).
 * The domain decides everything; this maps its results and errors to pages, redirects and cookies.
 */
export function useSsoRoutes({ prisma, config, log }: { prisma: PrismaClient; config: GatewayConfig; log: Logger }): Plugin {
  const publicUrl = config.PUBLIC_URL;
  const secure = servesOverHttps(publicUrl);

  async function loginStart(url: URL): Promise<Response> {
    const enterpriseKey = url.searchParams.get("enterprise_key")?.trim() ?? "";
    if (enterpriseKey === "") return html(enterpriseKeyFormPage());
    const { redirectUrl } = await startSsoLogin(prisma, { publicUrl, enterpriseKey, relayState: url.searchParams.get("return_to") });
    return redirect(redirectUrl);
  }

  async function assertionConsumer(request: Request, enterpriseKey: string): Promise<Response> {
    const form = new URLSearchParams(await request.text());
    try {
      const login = await completeSsoLogin(prisma, {
        publicUrl,
        enterpriseKey,
        samlResponse: form.get("SAMLResponse") ?? "",
        relayState: form.get("RelayState"),
      });
      log.info({ enterpriseKey, accountId: login.account.id, accountCreated: login.accountCreated }, "SSO login");
      const maxAge = Math.max(0, Math.floor((login.sessionExpiresAt.getTime() - Date.now()) / 1000));
      return redirect(login.redirectTo, { "set-cookie": sessionCookie(login.sessionSecret, maxAge, secure) });
    } catch (error) {
      if (!(error instanceof SsoLoginRefused)) throw error;
      log.info({ enterpriseKey, reason: error.reason }, "SSO login refused");
      const loginUrl = typeof error.details.loginUrl === "string" ? error.details.loginUrl : enterpriseLoginUrl(publicUrl, enterpriseKey);
      return html(loginRefusedPage({ message: error.message, reason: error.reason, loginUrl }), refusalStatus(error));
    }
  }

  async function landing(request: Request): Promise<Response> {
    const cookie = readSessionCookie(request, secure);
    if (!cookie) return html(signedOutPage());
    const principal = await authenticateSession(prisma, cookie).catch(() => null);
    if (!principal) return html(signedOutPage(), 200, { "set-cookie": sessionCookie("", 0, secure) });
    const memberships = await prisma.orgMembership.findMany({
      where: { accountId: principal.account.id },
      select: { organization: { select: { key: true, name: true } } },
      orderBy: { organization: { key: "asc" } },
    });
    const accessReviewUrl = `/graphql?query=${encodeURIComponent(ACCESS_REVIEW_QUERY)}`;
    return html(landingPage({ ...principal.account, organizations: memberships.map((row) => row.organization) }, accessReviewUrl));
  }

  async function logout(request: Request): Promise<Response> {
    const cookie = readSessionCookie(request, secure);
    if (cookie) await endSession(prisma, cookie);
    return new Response(null, {
      status: 303,
      headers: { location: "/", "cache-control": "no-store", "set-cookie": sessionCookie("", 0, secure) },
    });
  }

  async function route(request: Request, url: URL): Promise<Response | null> {
    const { pathname } = url;
    const method = request.method;
    if (pathname === "/" && method === "GET") return landing(request);
    if (pathname === "/login/sso" && method === "GET") return loginStart(url);
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
    async onRequest({ request, url, endResponse }) {
      try {
        const response = await route(request, url);
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
