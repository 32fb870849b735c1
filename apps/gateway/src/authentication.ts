import { DomainError, type PrismaClient } from "@sso-cutover/db";
import { authenticateToken, type Principal } from "@sso-cutover/tokens";
import { GraphQLError } from "graphql";
import { unauthenticatedError } from "./auth-errors";

/**
 * One strategy per credential kind, each producing the same Principal. Today: `Authorization: Bearer <token>`
 * (personal access tokens and scoped organization tokens). No credential → anonymous (null); a credential that
 * does not authenticate → UNAUTHENTICATED, never a silent downgrade to anonymous.
 */
export async function authenticateRequest(
  prisma: PrismaClient,
  request: Request,
  now: Date,
): Promise<Principal | null> {
  const header = request.headers.get("authorization");
  if (header === null || header.trim() === "") return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    throw new GraphQLError("The Authorization header must be `Bearer <token>`.", {
      extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
    });
  }
  try {
    return await authenticateToken(prisma, match[1], now);
  } catch (error) {
    if (error instanceof DomainError && error.code === "UNAUTHENTICATED") {
      const refused = unauthenticatedError();
      refused.message = error.message;
      throw refused;
    }
    throw error;
  }
}
