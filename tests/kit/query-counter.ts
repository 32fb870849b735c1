import type { PrismaClient } from "@sso-cutover/db";

/**
 * Counts the Prisma operations (one SQL statement each, or a fixed few for nested reads) and the
 * transactions a piece of code runs — the N+1 regression guard: run the same work on 5 and on 50 rows and
 * assert equal counts, or assert an upper bound.
 */
export interface QueryCounter {
  /** Use this client for the work being measured; it counts, then delegates to the wrapped one. */
  client: PrismaClient;
  readonly operations: number;
  readonly transactions: number;
  /** Operations by `Model.operation`, e.g. `Invitation.createMany`, to explain a failing bound. */
  readonly byOperation: ReadonlyMap<string, number>;
  reset(): void;
  /** Resets, runs `work` with the counting client, and returns its result with the counts. */
  measure<T>(work: (client: PrismaClient) => Promise<T>): Promise<{ result: T; operations: number; transactions: number }>;
}

export function countQueries(prisma: PrismaClient): QueryCounter {
  let operations = 0;
  let transactions = 0;
  const byOperation = new Map<string, number>();
  const extended = prisma.$extends({
    query: {
      $allModels: {
        async $allOperations({ model, operation, args, query }) {
          operations++;
          const name = `${model}.${operation}`;
          byOperation.set(name, (byOperation.get(name) ?? 0) + 1);
          return query(args);
        },
      },
    },
  });
  // Transactions are counted by wrapping `$transaction`; everything else goes to the extended client.
  const client = new Proxy(extended, {
    get(target, property) {
      if (property === "$transaction") {
        return (...args: unknown[]) => {
          transactions++;
          return (target.$transaction as (...a: unknown[]) => unknown)(...args);
        };
      }
      return Reflect.get(target, property);
    },
  }) as unknown as PrismaClient;

  const counter: QueryCounter = {
    client,
    get operations() {
      return operations;
    },
    get transactions() {
      return transactions;
    },
    get byOperation() {
      return byOperation;
    },
    reset() {
      operations = 0;
      transactions = 0;
      byOperation.clear();
    },
    async measure(work) {
      counter.reset();
      const result = await work(client);
      return { result, operations, transactions };
    },
  };
  return counter;
}
