export * from "./generated/prisma/client";
export { openDatabase, clientFor, serveEmbedded, MigrationsPendingError } from "./database";
export type { Database, DatabaseOptions, EmbeddedServer } from "./database";
export { pendingMigrations, applyPendingMigrations, committedMigrations } from "./migrations";
export { serializable, isSerializationFailure } from "./transactions";
export type { Tx, TransactionOptions } from "./transactions";
export { DomainError, invalidInput, forbidden, notFound } from "./errors";
export type { DomainErrorCode } from "./errors";
