import type { PrismaClient } from "./generated/prisma/client";
import { Prisma } from "./generated/prisma/client";

export type Tx = Prisma.TransactionClient;

export interface TransactionOptions {
  /** Attempts in all, the first included, when PostgreSQL reports a serialization failure or a deadlock. */
  attempts?: number;
  /** Milliseconds an interactive transaction may run before it is rolled back. */
  timeout?: number;
  /**
   * Milliseconds a transaction may wait for a connection before it starts. Longer than `timeout`: on the
   * single-connection embedded database every mutation of a burst queues behind the others.
   */
  maxWait?: number;
}

/** Upper bound of the back-off before a retry; the actual wait is random below it ("full jitter"). */
const MAX_BACKOFF_MS = 1_000;

/**
 * Runs `work` in one SERIALIZABLE transaction and runs it again (with a jittered, exponentially growing back-off)
 * when PostgreSQL aborts it for a serialization failure or a deadlock. Invariants checked inside `work` (R8–R10)
 * therefore hold however many gateway processes race on one database (R11): of two transactions that together
 * would break a rule, PostgreSQL aborts one, and its retry sees the other's result. Many requests racing on the
 * same rows (dozens of admins removing break-glass accounts at once) can lose several rounds in a row, hence the
 * generous number of attempts; full jitter spreads the retries so that they stop colliding.
 */
export async function serializable<T>(
  prisma: PrismaClient,
  work: (tx: Tx) => Promise<T>,
  { attempts = 50, timeout = 20_000, maxWait = 60_000 }: TransactionOptions = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction(work, {
        isolationLevel: Prisma.TransactionIsolationLevel.Serializable,
        maxWait,
        timeout,
      });
    } catch (error) {
      if (attempt >= attempts || !isSerializationFailure(error)) throw error;
      const backoff = Math.random() * Math.min(MAX_BACKOFF_MS, 10 * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, backoff));
    }
  }
}

const SERIALIZATION_CODES = new Set(["40001", "40P01", "P2034"]);
const SERIALIZATION_TEXT = /40001|40P01|could not serialize access|deadlock detected|write conflict|TransactionWriteConflict/i;

/**
 * SQLSTATE 40001 (serialization_failure) and 40P01 (deadlock_detected), however the driver reports them: as
 * Prisma's P2034, or — when PostgreSQL refuses the COMMIT itself — as the driver adapter's raw error, whose
 * `cause` is `{ kind: "TransactionWriteConflict", originalCode: "40001" }` (or `{ kind: "postgres", code }`).
 */
export function isSerializationFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === "object"; depth++) {
    const { code, originalCode, kind, meta, message } = current as Record<string, unknown>;
    if (kind === "TransactionWriteConflict") return true;
    if ([code, originalCode].some((value) => typeof value === "string" && SERIALIZATION_CODES.has(value))) return true;
    if (SERIALIZATION_TEXT.test(`${typeof message === "string" ? message : ""} ${JSON.stringify(meta ?? {})}`)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
