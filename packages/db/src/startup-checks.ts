/**
 * The checks that decide whether a database can be opened, without loading the Prisma client and PGlite (which
 * takes seconds): a process that cannot start says why at once. `openDatabase` runs the same checks again.
 */
import path from "node:path";
import { checkDataDirAvailable, ensureDataDir } from "./data-dir";
import { checkPostgresConnection, DEFAULT_CONNECT_TIMEOUT_MS } from "./postgres-connection";

export { DataDirLockedError, DataDirUnusableError } from "./data-dir";
export { DatabaseUnreachableError } from "./postgres-connection";

export interface StartupCheckOptions {
  databaseUrl?: string | undefined;
  dataDir?: string;
  connectTimeoutMs?: number;
}

/** PostgreSQL: accepts our login to the database. Embedded: the data directory exists or can be made, and is free. */
export async function checkDatabaseCanOpen(options: StartupCheckOptions): Promise<void> {
  if (options.databaseUrl) {
    await checkPostgresConnection(options.databaseUrl, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    return;
  }
  const dataDir = path.resolve(options.dataDir ?? ".data");
  ensureDataDir(dataDir);
  checkDataDirAvailable(dataDir);
}
