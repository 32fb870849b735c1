import { randomUUID } from "node:crypto";
import type { PrismaClient } from "@sso-cutover/db";
import { recordAuditEvent } from "@sso-cutover/enterprise";
import type { SsoLoginRefused } from "./login-refusal";

const REFUSED = "authentication.login_refused";
const HOUR_MS = 3600_000;

/** What of a refusal's details goes into the audit trail: our own words and SAML names, never response content. */
function auditedDetails(refusal: SsoLoginRefused): Record<string, unknown> {
  const { status, secondLevelStatus, algorithms } = refusal.details;
  return {
    ...(typeof status === "string" ? { status, secondLevelStatus: secondLevelStatus ?? null } : {}),
    ...(Array.isArray(algorithms) ? { algorithms } : {}),
  };
}

/**
 * A refusal of a response that answers an outstanding request: recorded individually, and the request is used up
 * (a request is answered once; it also bounds these events by the login starts an address may make).
 */
export async function recordRequestRefusal(
  prisma: PrismaClient,
  { enterpriseId, requestId, refusal, now }: { enterpriseId: string; requestId: string; refusal: SsoLoginRefused; now: Date },
): Promise<void> {
  const accountId = typeof refusal.details.accountId === "string" ? refusal.details.accountId : null;
  await prisma.$transaction(async (tx) => {
    await tx.samlRequest.updateMany({ where: { id: requestId, consumedAt: null }, data: { consumedAt: now } });
    await recordAuditEvent(tx, {
      enterpriseId,
      actor: null,
      action: REFUSED,
      target: accountId ? { type: "Account", id: accountId } : { type: "Enterprise", id: enterpriseId },
      payload: { reason: refusal.reason, method: "SAML", ...auditedDetails(refusal) },
    });
  });
}

/**
 * A refusal no outstanding request stands behind (garbage, unsolicited, unknown, replayed, expired): anyone can
 * send those, so they are counted in one event per reason, enterprise and clock hour (UTC) — created by the first,
 * its `count` and `lastAt` updated by the others — instead of one row each. Raw SQL because the count is
 * incremented inside the JSON payload, in the same statement as the insert.
 */
export async function recordAnonymousRefusal(
  prisma: PrismaClient,
  { enterpriseId, refusal, now }: { enterpriseId: string; refusal: SsoLoginRefused; now: Date },
): Promise<void> {
  const windowStart = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
  const aggregationKey = `${REFUSED}:${enterpriseId}:${refusal.reason}:${windowStart.toISOString()}`;
  const lastAt = now.toISOString();
  const payload = JSON.stringify({
    reason: refusal.reason,
    method: "SAML",
    aggregated: true,
    count: 1,
    windowStart: windowStart.toISOString(),
    windowEnd: new Date(windowStart.getTime() + HOUR_MS).toISOString(),
    lastAt,
  });
  // One statement, atomic under concurrency: the first refusal of the hour inserts, the others count.
  await prisma.$executeRaw`
    INSERT INTO "AuditEvent" ("id", "enterpriseId", "action", "targetType", "targetId", "payload", "createdAt", "aggregationKey")
    VALUES (${randomUUID()}, ${enterpriseId}, ${REFUSED}, 'Enterprise', ${enterpriseId}, ${payload}::jsonb, ${lastAt}::timestamp(3), ${aggregationKey})
    ON CONFLICT ("aggregationKey") DO UPDATE SET "payload" = jsonb_set(
      jsonb_set("AuditEvent"."payload", '{count}', to_jsonb(COALESCE(("AuditEvent"."payload"->>'count')::integer, 0) + 1)),
      '{lastAt}', to_jsonb(${lastAt}::text))`;
}
