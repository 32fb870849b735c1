import { DomainError, type PrismaClient } from "@sso-cutover/db";
import { SESSION_COOKIE, authenticateSession } from "@sso-cutover/sso";
import { authenticateToken, type Principal } from "@sso-cutover/tokens";
import { GraphQLError } from "graphql";
import { unauthenticatedError } from "./auth-errors";

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

/**
 * The session cookie, when the request authenticates by it: it does unless it carries an Authorization header
 * (which a cross-site page cannot add without a CORS preflight, so only cookie requests need CSRF protection).
 */
export function sessionCookieOf(request: Request): string | null {
  const authorization = request.headers.get("authorization");
  if (authorization !== null && authorization.trim() !== "") return null;
  return readCookie(request, SESSION_COOKIE);
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
): Promise<Principal | null> {
  const header = request.headers.get("authorization");
  if (header === null || header.trim() === "") {
    const session = readCookie(request, SESSION_COOKIE);
    if (session === null || session === "") return null;
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
