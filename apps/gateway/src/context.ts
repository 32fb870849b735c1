import type { PrismaClient } from "@sso-cutover/db";
import type { Actor } from "@sso-cutover/enterprise";
import type { Principal } from "@sso-cutover/tokens";
import type { GatewayConfig } from "./config";
import type { Logger } from "./logger";

/**
 * Per-request context. The Prisma client is carried here (not held by the builder) because one process may run
 * several gateways on different databases (tests, the concurrency check of R11).
 */
export interface GatewayContext {
  prisma: PrismaClient;
  config: GatewayConfig;
  log: Logger;
  /** Who presented a credential: an account (PAT or session) or a scoped organization token; null if anonymous. */
  principal: Principal | null;
  /** The acting account, when the principal is an account. */
  viewer: Actor | null;
  /** When the request started: one clock per request, so every field agrees on "now". */
  now: Date;
}

export function actorOf(principal: Principal | null): Actor | null {
  if (principal?.kind !== "ACCOUNT") return null;
  return {
    accountId: principal.account.id,
    login: principal.account.login,
    kind: principal.account.kind,
    via: principal.via,
  };
}
