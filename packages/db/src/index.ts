export * from "./generated/prisma/client";
export { openDatabase, clientFor, MigrationsPendingError } from "./database";
export { readComposed, readRows, traceDirectReads } from "./direct-reads";
export type { ComposedRead } from "./direct-reads";
export type { Database, DatabaseOptions } from "./database";
export { openEmbedded, ensureEmbeddedTemplate, embeddedTemplatePath, migrationsFingerprint } from "./embedded";
export type { EmbeddedOptions, EmbeddedServer } from "./embedded";
export {
  DATA_DIR_LOCK_FILE,
  DataDirLockedError,
  DataDirUnusableError,
  checkDataDirAvailable,
  ensureDataDir,
  lockDataDir,
  lockDataDirWhenFree,
  DATABASE_CLOSE_WAIT_MS,
} from "./data-dir";
export type { DataDirHolder, DataDirLock } from "./data-dir";
export { checkPostgresConnection, DatabaseUnreachableError, DEFAULT_CONNECT_TIMEOUT_MS } from "./postgres-connection";
export { pendingMigrations, applyPendingMigrations, committedMigrations } from "./migrations";
export { serializable, isSerializationFailure } from "./transactions";
export type { Tx, TransactionOptions } from "./transactions";
export { DomainError, invalidInput, forbidden, notFound } from "./errors";
export type { DomainErrorCode } from "./errors";
export { localeCompare, localeRanks } from "./locale-order";
export {
  ACCOUNT_COLUMNS,
  ACCOUNT_TIMESTAMPS,
  ENTERPRISE_COLUMNS,
  ENTERPRISE_TIMESTAMPS,
  ORGANIZATION_COLUMNS,
  ORGANIZATION_TIMESTAMPS,
  PROJECT_COLUMNS,
  PROJECT_TIMESTAMPS,
  SESSION_COLUMNS,
  TOKEN_COLUMNS,
  TOKEN_TIMESTAMPS,
  columnsFromJson,
  columnsJson,
  modelColumnsJson,
  modelsFromColumns,
  modelsFromTuples,
  rowsFromColumns,
  modelTupleJson,
  rowOf,
  selectColumns,
  textArray,
} from "./model-rows";
