import { SESSION_COOKIE } from "@sso-cutover/sso";

/**
 * The session cookie's name and attributes, in one place for every route that sets or reads it.
 *
 * Served over https the name carries the `__Host-` prefix: browsers then accept it only with `Secure`, `Path=/` and
 * no `Domain`, so a sibling subdomain (or a plain-http page on the same host) cannot plant or overwrite it. `secure`
 * is true exactly when PUBLIC_URL is https (see `servesOverHttps`).
 */
export function sessionCookieName(secure: boolean): string {
  return secure ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
}

/** Whether the server is reached over https, which decides the cookie's name and its `Secure` attribute. */
export function servesOverHttps(publicUrl: string): boolean {
  return publicUrl.startsWith("https:");
}

/**
 * The `Set-Cookie` value for a session (an empty value with max age 0 clears it). HttpOnly (no script reads it),
 * SameSite=Lax (not sent on cross-site POSTs), Secure and `__Host-` when served over https.
 */
export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${sessionCookieName(secure)}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure ? "; Secure" : ""}`;
}

/** The value of one cookie of the request, or null. */
export function readCookie(request: Request, name: string): string | null {
  const header = request.headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const separator = part.indexOf("=");
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return null;
}

/** The session secret the request carries (empty counts as none), or null. */
export function readSessionCookie(request: Request, secure: boolean): string | null {
  const value = readCookie(request, sessionCookieName(secure));
  return value === null || value === "" ? null : value;
}
