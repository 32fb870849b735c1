import { DomainError, type PrismaClient } from "@sso-cutover/db";
import { RecoverySignInRefused, signInWithRecoveryPassword } from "@sso-cutover/sso";
import type { Plugin } from "graphql-yoga";
import type { GatewayConfig } from "../config";
import type { Logger } from "../logger";
import { recoveryFormPage, type RecoveryFormState } from "../sso-pages";
import { html } from "../sso-routes";
import { clientAddress } from "./client-address";
import { servesOverHttps, sessionCookie } from "./session-cookie";

export const RECOVERY_PATH = "/login/recovery";

/** Domain input fields → the form's field names. */
const FORM_FIELDS: Record<string, "enterprise_key" | "login" | "password"> = {
  enterpriseKey: "enterprise_key",
  login: "login",
  password: "password",
};

/**
 * Whether a browser says the form was posted from another site. A cross-site post could sign the victim's browser
 * into the poster's account (login CSRF), so only our own origin's form is accepted. Our pages are served with
 * `Referrer-Policy: no-referrer`, under which browsers send `Origin: null` even for our own form: then
 * `Sec-Fetch-Site` decides. Clients that send neither header (scripts, tests) are not browsers acting for someone else.
 */
function crossSite(request: Request, ownOrigin: string): boolean {
  const origin = request.headers.get("origin");
  if (origin !== null && origin !== "null" && origin !== ownOrigin) return true;
  const site = request.headers.get("sec-fetch-site");
  if (site !== null) return site !== "same-origin" && site !== "none";
  return origin === "null";
}

/**
 * R17: `GET /login/recovery` (the form) and `POST /login/recovery` (enterprise key, login, recovery password →
 * the same session cookie a SAML login sets). The domain decides and audits; this maps its answers to pages.
 */
export function useRecoveryRoutes({ prisma, config, log }: { prisma: PrismaClient; config: GatewayConfig; log: Logger }): Plugin {
  const ownOrigin = new URL(config.PUBLIC_URL).origin;
  const secure = servesOverHttps(config.PUBLIC_URL);

  async function signIn(request: Request, serverContext: unknown): Promise<Response> {
    const contentType = request.headers.get("content-type") ?? "";
    if (!contentType.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
      return html(
        recoveryFormPage({ error: { message: "Send the form as application/x-www-form-urlencoded.", field: null } }),
        415,
      );
    }
    if (crossSite(request, ownOrigin)) {
      return html(recoveryFormPage({ error: { message: "The form must be posted from this site's own page.", field: null } }), 403);
    }
    const form = new URLSearchParams(await request.text());
    const state: RecoveryFormState = { enterpriseKey: form.get("enterprise_key") ?? "", login: form.get("login") ?? "" };
    try {
      const signedIn = await signInWithRecoveryPassword(prisma, {
        enterpriseKey: state.enterpriseKey ?? "",
        login: state.login ?? "",
        password: form.get("password") ?? "",
        clientAddress: clientAddress(request, serverContext, config.TRUST_PROXY),
      });
      log.info({ accountId: signedIn.account.id }, "recovery sign-in");
      const maxAge = Math.max(0, Math.floor((signedIn.sessionExpiresAt.getTime() - Date.now()) / 1000));
      // 303: the browser follows with a GET of the landing page, which tells the admin to generate the next password.
      return new Response(null, {
        status: 303,
        headers: { location: "/", "cache-control": "no-store", "set-cookie": sessionCookie(signedIn.sessionSecret, maxAge, secure) },
      });
    } catch (error) {
      if (error instanceof RecoverySignInRefused) {
        log.info({ reason: error.reason }, "recovery sign-in refused");
        return html(recoveryFormPage({ ...state, error: { message: error.message, field: null } }), 401);
      }
      if (error instanceof DomainError && error.code === "INVALID_INPUT") {
        const field = FORM_FIELDS[error.field ?? ""] ?? null;
        return html(recoveryFormPage({ ...state, error: { message: error.message, field } }), 400);
      }
      throw error;
    }
  }

  return {
    async onRequest({ request, url, serverContext, endResponse }) {
      if (url.pathname !== RECOVERY_PATH) return;
      try {
        if (request.method === "GET" || request.method === "HEAD") endResponse(html(recoveryFormPage()));
        else if (request.method === "POST") endResponse(await signIn(request, serverContext));
        else endResponse(html(recoveryFormPage(), 405, { allow: "GET, POST" }));
      } catch (error) {
        log.error({ err: error, path: url.pathname }, "unexpected error in the recovery sign-in");
        endResponse(html(recoveryFormPage({ error: { message: "Something went wrong on our side. Try again in a moment.", field: null } }), 500));
      }
    },
  };
}
