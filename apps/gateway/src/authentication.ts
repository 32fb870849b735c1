import { DomainError, type PrismaClient } from "@sso-cutover/db";
import { authenticateSession } from "@sso-cutover/sso";
import { authenticateToken, type Principal } from "@sso-cutover/tokens";
import { GraphQLError } from "graphql";
import { unauthenticatedError } from "./auth-errors";
import { readSessionCookie } from "./http/session-cookie";

export { readCookie } from "./http/session-cookie";

/**
 * The session cookie, when the request authenticates by it: it does unless it carries an Authorization header
 * (which a cross-site page cannot add without a CORS preflight, so only cookie requests need CSRF protection).
 */
export function sessionCookieOf(request: Request, secure: boolean): string | null {
  const authorization = request.headers.get("authorization");
  if (authorization !== null && authorization.trim() !== "") return null;
  return readSessionCookie(request, secure);
}

/** Whether the request presents a credential (any Authorization header, or the session cookie). */
export function carriesCredential(request: Request, secure: boolean): boolean {
  const authorization = request.headers.get("authorization");
  return (authorization !== null && authorization.trim() !== "") || readSessionCookie(request, secure) !== null;
}

/** Whether authentication failed because of the credential (as opposed to a fault of the server). */
export function isAuthenticationRefusal(error: unknown): boolean {
  return error instanceof GraphQLError && error.extensions.code === "UNAUTHENTICATED";
}

function refusedWith(error: unknown): never {
  if (error instanceof DomainError && error.code === "UNAUTHENTICATED") {
    const refused = unauthenticatedError();
    refused.message = error.message;
    throw refused;
  }
  throw error;
}

/**
 * One strategy per credential kind, each producing the same Principal: `Authorization: Bearer <token>`
 * (personal access tokens and scoped organization tokens), else the SSO session cookie. No credential →
 * anonymous (null); a credential that does not authenticate → UNAUTHENTICATED, never a silent downgrade.
 */
export async function authenticateRequest(
  prisma: PrismaClient,
  request: Request,
  now: Date,
  secure: boolean,
): Promise<Principal | null> {
  const header = request.headers.get("authorization");
  if (header === null || header.trim() === "") {
    const session = readSessionCookie(request, secure);
    if (session === null) return null;
    return authenticateSession(prisma, session, now).catch(refusedWith);
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    throw new GraphQLError("The Authorization header must be `Bearer <token>`.", {
      extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
    });
  }
  return authenticateToken(prisma, match[1], now).catch(refusedWith);
}

/**
 * Authenticates each request once, however many steps ask: the rate limiter (which keys on the principal) and the
 * GraphQL context share one lookup per request.
 */
export function requestAuthentication(prisma: PrismaClient, secure: boolean): (request: Request) => Promise<Principal | null> {
  const principals = new WeakMap<Request, Promise<Principal | null>>();
  return (request) => {
    let principal = principals.get(request);
    if (principal === undefined) {
      principal = authenticateRequest(prisma, request, new Date(), secure);
      // Whoever awaits it sees the rejection; this keeps an unawaited one from being reported as unhandled.
      principal.catch(() => undefined);
      principals.set(request, principal);
    }
    return principal;
  };
}
