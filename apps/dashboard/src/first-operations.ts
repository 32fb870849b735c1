// No imports: the build reads this file (vite.config.ts) to write the hashes of these operations into the page.

/** The session: every screen's first query. */
export const SESSION_OPERATION = "Session";

/**
 * The first query of each screen that the page starts itself, by path (persisted operation names): the screens whose
 * query needs nothing from the session, and the enterprise Overview, whose enterprise the session's answer names
 * (first-requests.ts).
 */
export const FIRST_SCREEN_OPERATIONS: Readonly<Record<string, string>> = {
  "/": "Home",
  "/me/access": "MyAccess",
  "/me/tokens": "MyTokens",
  "/admin": "Overview",
};
