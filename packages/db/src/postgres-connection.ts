import pg from "pg";

/** How long a start waits for PostgreSQL to accept a connection before giving up (default). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** PostgreSQL cannot be used with DATABASE_URL; the message says what failed and what to do, never the password. */
export class DatabaseUnreachableError extends Error {}

/**
 * Connects once to the server of `url` and closes again, turning the driver's bare errors (`connect ECONNREFUSED`,
 * a hang on a host that drops packets) into a message that names DATABASE_URL, the server and the remedy.
 */
export async function checkPostgresConnection(url: string, timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  // A server that goes away after connecting must not crash the process through an unhandled 'error' event.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw new DatabaseUnreachableError(explain(url, error as Error & { code?: string }, timeoutMs));
  } finally {
    await client.end().catch(() => undefined);
  }
}

function explain(url: string, error: Error & { code?: string }, timeoutMs: number): string {
  const parsed = new URL(url);
  const server = `${parsed.hostname || "localhost"}:${parsed.port || "5432"}`;
  const database = decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username) || "postgres";
  const user = decodeURIComponent(parsed.username) || "(the system user)";
  const where = `PostgreSQL at ${server} (DATABASE_URL)`;
  switch (error.code) {
    case "ECONNREFUSED":
      return `${where} refused the connection: no server listens there. Start PostgreSQL, or fix the host and port in DATABASE_URL.`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `${where}: the host name "${parsed.hostname}" does not resolve. Fix the host in DATABASE_URL.`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `${where} cannot be reached from this machine (${error.code}). Fix the host in DATABASE_URL, or the network.`;
    case "28P01":
    case "28000":
      return (
        `${where} refused to let user "${user}" in: ${error.message}. ` +
        "Fix the user name or password in DATABASE_URL, or allow this user in the server's pg_hba.conf."
      );
    case "3D000":
      return (
        `${where} has no database "${database}". Create it (CREATE DATABASE "${database}";), ` +
        "or fix the database name in DATABASE_URL."
      );
    case "57P03":
      return `${where} is starting up or shutting down: start again once it accepts connections.`;
    case "53300":
      return `${where} has no free connection (too many clients). Lower DATABASE_POOL_SIZE, or raise max_connections.`;
  }
  if (/timeout/i.test(error.message)) {
    return (
      `${where} did not answer within ${timeoutMs / 1000} s. Check the host, port and firewall in between, ` +
      "or raise DATABASE_CONNECT_TIMEOUT_SECONDS for a slow network."
    );
  }
  return `${where} could not be used: ${error.message}. Check DATABASE_URL.`;
}
