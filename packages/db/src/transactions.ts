import type { PrismaClient } from "./generated/prisma/client";
import { Prisma } from "./generated/prisma/client";

export type Tx = Prisma.TransactionClient;

export interface TransactionOptions {
  /** Attempts in all, the first included, when PostgreSQL reports a serialization failure or a deadlock. */
  attempts?: number;
  /** Milliseconds an interactive transaction may run before it is rolled back. */
  timeout?: number;
}

/**
 * Runs `work` in one SERIALIZABLE transaction and runs it again (with a jittered back-off) when PostgreSQL
 * aborts it for a serialization failure or a deadlock. Invariants checked inside `work` (R8–R10) therefore
 * hold however many gateway processes race on one database (R11): of two transactions that together would
 * break a rule, PostgreSQL aborts one, and its retry sees the other's result.
 */
export async function serializable<T>(
  prisma: PrismaClient,
  work: (tx: Tx) => Promise<T>,
  { attempts = 8, timeout = 20_000 }: TransactionOptions = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction(work, {
        isolationLevel: Prisma.TransactionIsolationLevel.Serializable,
        maxWait: timeout,
        timeout,
      });
    } catch (error) {
      if (attempt >= attempts || !isSerializationFailure(error)) throw error;
      const backoff = Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, backoff));
    }
  }
}

/** SQLSTATE 40001 (serialization_failure) and 40P01 (deadlock_detected), however the driver reports them. */
export function isSerializationFailure(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2034") return true;
  if (!(error instanceof Error)) return false;
  // adapter-pg raises DriverAdapterError("TransactionWriteConflict") with the SQLSTATE only in `cause`.
  const { meta, cause } = error as { meta?: unknown; cause?: unknown };
  const text = `${error.message} ${safeJson(meta)} ${safeJson(cause)}`;
  return /40001|40P01|could not serialize access|deadlock detected|write ?conflict/i.test(text);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value ?? {});
  } catch {
    return "";
  }
}
