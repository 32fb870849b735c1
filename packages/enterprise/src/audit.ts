import type { Prisma, Tx } from "@sso-cutover/db";
import type { Actor } from "./actor";

export interface AuditEventInput {
  enterpriseId: string | null;
  /** The account that acted; `accountId: null` for a non-account actor named by `login` (a SCIM token). */
  actor: { accountId: string | null; login: Actor["login"] } | null;
  /** `<domain>.<verb>`, e.g. `sso_connection.configured`, `invitation.created`. */
  action: string;
  target?: { type: string; id: string } | null;
  payload?: Record<string, unknown>;
}

// Keys whose values must never reach the audit table (R5, R12): a secret is shown once and then only hashed.
const SECRET_KEY = /^(secret|\w*Secret|password|\w*Password|passwordHash|hash|token|cookie|assertion|samlResponse)$/i;

/**
 * Appends one audit event (R13). Called inside the mutation's transaction so that the event and the change
 * it describes are written together or not at all. Refuses payloads that carry secret-looking keys.
 */
export async function recordAuditEvent(tx: Tx, event: AuditEventInput): Promise<void> {
  const payload = event.payload ?? {};
  assertNoSecrets(payload, "payload");
  await tx.auditEvent.create({
    data: {
      enterpriseId: event.enterpriseId,
      actorId: event.actor?.accountId ?? null,
      actorLogin: event.actor?.login ?? null,
      action: event.action,
      targetType: event.target?.type ?? null,
      targetId: event.target?.id ?? null,
      payload: payload as Prisma.InputJsonValue,
    },
  });
}

function assertNoSecrets(value: unknown, path: string): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => assertNoSecrets(item, `${path}[${index}]`));
    return;
  }
  if (value === null || typeof value !== "object") return;
  for (const [key, nested] of Object.entries(value)) {
    if (SECRET_KEY.test(key)) throw new Error(`audit ${path}.${key}: secrets never go into audit events`);
    assertNoSecrets(nested, `${path}.${key}`);
  }
}
