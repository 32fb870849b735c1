import { z } from "zod";

const booleanFlag = z
  .enum(["true", "false", "1", "0", "yes", "no"], { message: "expected true or false" })
  .transform((value) => value === "true" || value === "1" || value === "yes");

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, { message: "expected a postgresql:// connection string" });

const PORT_RANGE = "expected a port number from 0 to 65535 (0: any free port)";

function seconds(min: number, max: number) {
  const message = `expected whole seconds from ${min} to ${max}`;
  return z.coerce.number({ message }).int({ message }).min(min, { message }).max(max, { message });
}

/**
 * A comma-separated list of web origins (`https://dashboard.example.com`): scheme, host and port only, no path.
 * `null` and `*` are refused: a credentialed CORS answer must name one real origin.
 */
const originList = z.string().transform((value, context) => {
  const origins: string[] = [];
  for (const entry of value.split(",").map((part) => part.trim()).filter((part) => part !== "")) {
    let origin: string | null = null;
    try {
      const url = new URL(entry);
      if ((url.protocol === "http:" || url.protocol === "https:") && url.origin === entry.replace(/\/$/, "")) origin = url.origin;
    } catch {
      origin = null;
    }
    if (origin === null) {
      context.addIssue({ code: "custom", message: `${JSON.stringify(entry)} is not an origin: expected scheme://host[:port], e.g. https://dashboard.example.com` });
      return z.NEVER;
    }
    origins.push(origin);
  }
  return origins;
});

const ConfigSchema = z.object({
  PORT: z.coerce
    .number({ message: PORT_RANGE })
    .int({ message: PORT_RANGE })
    .min(0, { message: PORT_RANGE })
    .max(65535, { message: PORT_RANGE })
    .default(4000),
  HOST: z.string().min(1).optional(),
  PUBLIC_URL: z.url({ message: "expected an absolute http(s) URL" }).regex(/^https?:\/\//, { message: "expected an http(s) URL" }).optional(),
  DATA_DIR: z.string().min(1).default(".data"),
  DATABASE_URL: postgresUrl.optional(),
  /** How long a start waits for PostgreSQL to accept a connection before it stops with a message. */
  DATABASE_CONNECT_TIMEOUT_SECONDS: seconds(1, 300).default(5),
  DATABASE_POOL_SIZE: z.coerce.number({ message: "expected a number" }).int().min(1).max(200).default(10),
  MIGRATE_ON_START: booleanFlag.default(true),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Default: on for the embedded database, off for a PostgreSQL given by DATABASE_URL. */
  SEED_DEMO: booleanFlag.optional(),
  /**
   * The development IdP at `/dev-idp`. Default: on with demo data on the embedded database, off otherwise; with
   * demo data on DATABASE_URL it must be chosen explicitly (see `loadConfig`).
   */
  DEV_IDP: booleanFlag.optional(),
  MAX_BODY_BYTES: z.coerce.number({ message: "expected a number of bytes" }).int().min(1024).default(1_048_576),
  RATE_LIMIT_PER_MINUTE: z.coerce.number({ message: "expected a number of requests" }).int().min(0).default(600),
  /** How many reverse proxies in front of the gateway append to X-Forwarded-For; 0: the header is not believed. */
  TRUST_PROXY: z.coerce.number({ message: "expected a number of proxy hops (0 to 10)" }).int().min(0).max(10).default(0),
  /** Failed authentications a minute per client address before credentials from it are refused unchecked; 0: off. */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number({ message: "expected a number of failures" }).int().min(0).default(20),
  /** Requests a minute per client address to the anonymous sign-in routes; 0: off. */
  LOGIN_RATE_LIMIT_PER_MINUTE: z.coerce.number({ message: "expected a number of requests" }).int().min(0).default(30),
  /** Origins other than PUBLIC_URL's whose pages may call the API with the session cookie (credentialed CORS). */
  CORS_ORIGINS: originList.default([]),
  /** When set, `GET /metrics` requires `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: z.string().min(16, { message: "expected at least 16 characters" }).optional(),
  /** The most an operation may cost (list items and requested edges multiply their selection); see README. */
  /** Count SQL statements sent to the database in `/metrics` (`sql_statements_total`); costs a little per statement. */
  METRICS_SQL_STATEMENTS: booleanFlag.default(false),
  /**
   * Compiled execution (graphql-jit) of the queries whose answer it gives byte for byte as graphql-js does; the rest,
   * and every mutation, runs on graphql-js (apps/gateway/src/compiled-execution.ts). `false`: graphql-js runs all.
   */
  GRAPHQL_JIT: booleanFlag.default(true),
  MAX_REQUEST_COST: z.coerce.number({ message: "expected a number (at least 100)" }).int().min(100).default(15_000),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, { message: "expected a redis:// URL" }).optional(),
  /** On SIGTERM/SIGINT, how long requests in flight may take to finish before their connections are closed. */
  SHUTDOWN_GRACE_SECONDS: seconds(0, 3600).default(10),
  /**
   * `cookie`: requests authenticated by the session cookie run only the dashboard's persisted operations (by hash);
   * bearer tokens send any document. `off`: the session cookie may send any document too.
   */
  TRUSTED_DOCUMENTS: z.enum(["cookie", "off"], { message: "expected cookie or off" }).default("cookie"),
  TOKEN_CLEANUP_INTERVAL_MINUTES: z.coerce.number({ message: "expected minutes" }).int().min(0).default(60),
});

export type GatewayConfig = Omit<z.output<typeof ConfigSchema>, "PUBLIC_URL" | "SEED_DEMO" | "DEV_IDP"> & {
  PUBLIC_URL: string;
  SEED_DEMO: boolean;
  DEV_IDP: boolean;
};

/** Never echoed in an error message: the message goes to the console and to logs. */
const SECRET_VARIABLES = new Set(["METRICS_TOKEN"]);

export class ConfigError extends Error {}

/**
 * Reads the configuration from the environment once at start. A bad value stops the server with a message
 * that names the variable. Empty strings count as unset.
 */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const raw = Object.fromEntries(
    Object.keys(ConfigSchema.shape).map((key) => [key, environment[key] === "" ? undefined : environment[key]]),
  );
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const shown = SECRET_VARIABLES.has(name) ? "[redacted]" : JSON.stringify(raw[name] ?? "");
      return `${name}=${shown}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  const config = parsed.data;
  const publicUrl = (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, "");
  const seedDemo = config.SEED_DEMO ?? config.DATABASE_URL === undefined;
  return { ...config, PUBLIC_URL: publicUrl, SEED_DEMO: seedDemo, DEV_IDP: devIdpEnabled(config.DEV_IDP, seedDemo, config.DATABASE_URL !== undefined) };
}

/**
 * The development IdP signs a login for anyone who asks, as any demo person: it comes with the demo on the
 * embedded database, a developer's own machine. On a PostgreSQL server, which may be shared or reachable by others,
 * demo data alone does not switch it on — the start stops until DEV_IDP says which is meant.
 */
function devIdpEnabled(explicit: boolean | undefined, seedDemo: boolean, postgres: boolean): boolean {
  if (explicit !== undefined) return explicit;
  if (!seedDemo) return false;
  if (postgres) {
    throw new ConfigError(
      "Invalid configuration:\n  DEV_IDP: demo data on DATABASE_URL (SEED_DEMO=true) would serve the development IdP at /dev-idp, which " +
        "signs anyone in as any demo person. Set DEV_IDP=true to serve it on this database, or DEV_IDP=false to seed the demo without it.",
    );
  }
  return true;
}
