import { serializable, type Prisma, type PrismaClient } from "@sso-cutover/db";
import { recordAuditEvent } from "@sso-cutover/enterprise";
import { organizationsOfAccounts } from "./memberships";
import { tokenDisplay } from "./status";

/** R5: a token (PAT or SOT, with or without expiry) unused for this long is removed. */
export const UNUSED_TOKEN_RETENTION_MS = 60 * 24 * 60 * 60 * 1000;

/** Tokens removed per transaction: keeps each transaction and each audit payload bounded. */
export const CLEANUP_BATCH_SIZE = 500;

export const TOKEN_CLEANUP_ACTION = "token.removed_unused";

/** Last used — or, never used, created — at least 60 days before `now`. */
function unusedSince(threshold: Date): Prisma.TokenWhereInput {
  return {
    OR: [{ lastUsedAt: { lte: threshold } }, { lastUsedAt: null, createdAt: { lte: threshold } }],
  };
}

/**
 * R5 cleanup: deletes every token unused for 60 days and returns how many were removed.
 *
 * Audit: one `token.removed_unused` event per enterprise affected and per batch of up to 500 tokens, listing the
 * removed tokens (name, `prefix…last4`, kind, organization or owner, last use — never a secret or hash). A token
 * belongs to the enterprise of its organization (SOT), of its SSO owner, or of every organization its DOP owner is
 * a member of; tokens outside any enterprise share one event without an enterprise. Each batch is one serializable
 * transaction: a token used while the cleanup runs is kept, and the events describe exactly what was deleted.
 */
export async function removeUnusedTokens(prisma: PrismaClient, now: Date = new Date()): Promise<number> {
  const threshold = new Date(now.getTime() - UNUSED_TOKEN_RETENTION_MS);
  let removed = 0;
  for (;;) {
    const { found, deleted } = await serializable(prisma, async (tx) => {
      const tokens = await tx.token.findMany({
        where: unusedSince(threshold),
        include: { organization: true, ownerAccount: true },
        orderBy: { id: "asc" },
        take: CLEANUP_BATCH_SIZE,
      });
      if (tokens.length === 0) return { found: 0, deleted: 0 };

      const devopsOwnerIds = [
        ...new Set(tokens.flatMap((token) => (token.ownerAccount?.kind === "DEVOPS" ? [token.ownerAccount.id] : []))),
      ];
      const ownerOrganizations = await organizationsOfAccounts(tx, devopsOwnerIds);
      const organizationIds = [...new Set([...ownerOrganizations.values()].flatMap((set) => [...set]))];
      const organizationEnterprise = new Map(
        (
          await tx.organization.findMany({
            where: { id: { in: organizationIds }, enterpriseId: { not: null } },
            select: { id: true, enterpriseId: true },
          })
        ).map((organization) => [organization.id, organization.enterpriseId]),
      );

      // "" stands for "no enterprise".
      const byEnterprise = new Map<string, Record<string, unknown>[]>();
      for (const token of tokens) {
        const enterprises = new Set<string>();
        if (token.organization?.enterpriseId) enterprises.add(token.organization.enterpriseId);
        if (token.ownerAccount?.enterpriseId) enterprises.add(token.ownerAccount.enterpriseId);
        for (const organizationId of ownerOrganizations.get(token.ownerAccountId ?? "") ?? []) {
          const enterpriseId = organizationEnterprise.get(organizationId);
          if (enterpriseId) enterprises.add(enterpriseId);
        }
        if (enterprises.size === 0) enterprises.add("");
        const description = {
          id: token.id,
          kind: token.kind,
          name: token.name,
          display: tokenDisplay(token),
          organizationKey: token.organization?.key ?? null,
          ownerLogin: token.ownerAccount?.login ?? null,
          createdAt: token.createdAt.toISOString(),
          lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
          expiresAt: token.expiresAt?.toISOString() ?? null,
        };
        for (const enterpriseId of enterprises) {
          const list = byEnterprise.get(enterpriseId) ?? [];
          list.push(description);
          byEnterprise.set(enterpriseId, list);
        }
      }

      const result = await tx.token.deleteMany({
        where: { AND: [{ id: { in: tokens.map((token) => token.id) } }, unusedSince(threshold)] },
      });
      for (const [enterpriseId, list] of byEnterprise) {
        await recordAuditEvent(tx, {
          enterpriseId: enterpriseId || null,
          actor: null,
          action: TOKEN_CLEANUP_ACTION,
          target: enterpriseId ? { type: "Enterprise", id: enterpriseId } : null,
          payload: { reason: "unused for 60 days", unusedSince: threshold.toISOString(), count: list.length, removed: list },
        });
      }
      return { found: tokens.length, deleted: result.count };
    });
    removed += deleted;
    if (found < CLEANUP_BATCH_SIZE || deleted === 0) return removed;
  }
}

export interface TokenCleanupOptions {
  /** Time between two runs (default: one hour). */
  intervalMs?: number;
  /**
   * Time before the first run (default: none, it runs at once). The server waits a minute, so that the first run
   * does not compete with its first requests.
   */
  firstRunAfterMs?: number;
  /** Receives one line per run: how many tokens were removed, or why the run failed. */
  log?: (message: string) => void;
  /** Clock, for tests. */
  now?: () => Date;
}

/**
 * Runs `removeUnusedTokens` after `firstRunAfterMs` (at once by default) and then every `intervalMs`, never two runs
 * at once. The timers do not keep the process alive. The returned function stops the task and waits for a run in progress, so that the database can
 * be closed right after.
 */
export function startTokenCleanup(
  prisma: PrismaClient,
  { intervalMs = 60 * 60 * 1000, firstRunAfterMs = 0, log = () => {}, now = () => new Date() }: TokenCleanupOptions = {},
): () => Promise<void> {
  let running: Promise<void> | null = null;
  let stopped = false;
  const run = () => {
    if (running || stopped) return;
    running = removeUnusedTokens(prisma, now())
      .then((count) => log(`token cleanup: removed ${count} token(s) unused for 60 days`))
      .catch((error: unknown) => log(`token cleanup failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  const first = firstRunAfterMs > 0 ? setTimeout(run, firstRunAfterMs).unref() : null;
  if (!first) run();
  return async () => {
    stopped = true;
    clearInterval(timer);
    if (first) clearTimeout(first);
    await running;
  };
}
