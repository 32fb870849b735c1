import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import type { Plugin } from "graphql-yoga";
import { sessionCookieOf } from "../authentication";

/** The header a browser client of the GraphQL API sends with the session cookie (any value). */
export const CSRF_HEADER = "x-graphql-yoga-csrf";

/**
 * CSRF protection for GraphQL requests authenticated by the session cookie: they must be ones a cross-site page
 * cannot send without a CORS preflight (a JSON body, or the CSRF header), as Yoga's CSRF prevention plugin
 * checks. Requests with an Authorization header carry no ambient credential and are left alone.
 */
export function useSessionCsrfPrevention({ secure }: { secure: boolean }): Plugin {
  const csrf = useCSRFPrevention({ requestHeaders: [CSRF_HEADER] });
  return {
    onRequestParse(payload) {
      if (sessionCookieOf(payload.request, secure) === null) return;
      return csrf.onRequestParse?.(payload);
    },
  };
}
