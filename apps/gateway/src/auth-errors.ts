import { GraphQLError } from "graphql";
import type { GatewayContext } from "./context";

export function unauthenticatedError(): GraphQLError {
  return new GraphQLError(
    "Authentication required: send `Authorization: Bearer <personal access token>` or sign in with SSO.",
    { extensions: { code: "UNAUTHENTICATED", http: { status: 401 } } },
  );
}

/** Why a field was refused: nobody signed in, or a scoped organization token reaching past its one check. */
export function unauthorizedError(context: GatewayContext): GraphQLError {
  if (context.principal === null) return unauthenticatedError();
  if (context.principal.kind === "ORGANIZATION_TOKEN") {
    return new GraphQLError(
      "Scoped organization tokens only authenticate analysis checks (the `tokenInfo` field). " +
        "Use a personal access token or an SSO session for anything else.",
      { extensions: { code: "FORBIDDEN", http: { status: 403 } } },
    );
  }
  return new GraphQLError("You are not allowed to do this.", { extensions: { code: "FORBIDDEN", http: { status: 403 } } });
}
