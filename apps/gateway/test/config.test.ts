import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config";

describe("configuration", () => {
  it("has working defaults: port 4000, PUBLIC_URL from the port, embedded database with demo data", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 4000, PUBLIC_URL: "http://localhost:4000", DATA_DIR: ".data", SEED_DEMO: true, MIGRATE_ON_START: true });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config).toMatchObject({ SHUTDOWN_GRACE_SECONDS: 10, DATABASE_CONNECT_TIMEOUT_SECONDS: 5 });
  });

  it("does not seed demo data into a PostgreSQL given by DATABASE_URL unless asked", () => {
    expect(loadConfig({ DATABASE_URL: "postgresql://db.internal/app" }).SEED_DEMO).toBe(false);
    expect(loadConfig({ DATABASE_URL: "postgresql://db.internal/app", SEED_DEMO: "true", DEV_IDP: "false" }).SEED_DEMO).toBe(true);
  });

  it("serves the development IdP with demo data on the embedded database only, unless DEV_IDP says otherwise", () => {
    expect(loadConfig({}).DEV_IDP).toBe(true);
    expect(loadConfig({ SEED_DEMO: "false" }).DEV_IDP).toBe(false);
    expect(loadConfig({ DEV_IDP: "false" }).DEV_IDP).toBe(false);
    expect(loadConfig({ DATABASE_URL: "postgresql://db.internal/app" }).DEV_IDP).toBe(false);
    expect(loadConfig({ DATABASE_URL: "postgresql://db.internal/app", SEED_DEMO: "true", DEV_IDP: "true" }).DEV_IDP).toBe(true);
  });

  it("stops on demo data with DATABASE_URL until DEV_IDP chooses whether the development IdP is served", () => {
    const start = () => loadConfig({ DATABASE_URL: "postgresql://db.internal/app", SEED_DEMO: "true" });
    expect(start).toThrow(ConfigError);
    expect(start).toThrow(/DEV_IDP: demo data on DATABASE_URL .* Set DEV_IDP=true to serve it on this database, or DEV_IDP=false/);
  });

  it("drops a trailing slash from PUBLIC_URL so links are well-formed", () => {
    expect(loadConfig({ PUBLIC_URL: "https://sso.example.com/" }).PUBLIC_URL).toBe("https://sso.example.com");
  });

  it("reads CORS_ORIGINS as a list of origins and defaults to none (same origin only)", () => {
    expect(loadConfig({}).CORS_ORIGINS).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: "https://dash.example.com, http://localhost:5173/" }).CORS_ORIGINS).toEqual([
      "https://dash.example.com",
      "http://localhost:5173",
    ]);
  });

  it("has limits on by default: 20 failed authentications and 30 sign-ins a minute per address, X-Forwarded-For not believed", () => {
    expect(loadConfig({})).toMatchObject({ AUTH_FAILURES_PER_MINUTE: 20, LOGIN_RATE_LIMIT_PER_MINUTE: 30, TRUST_PROXY: 0 });
    expect(loadConfig({}).METRICS_TOKEN).toBeUndefined();
  });

  it("stops on a METRICS_TOKEN shorter than 16 characters without echoing it", () => {
    expect(() => loadConfig({ METRICS_TOKEN: "hunter2" })).toThrow(/METRICS_TOKEN=\[redacted\]: expected at least 16 characters/);
    expect(() => loadConfig({ METRICS_TOKEN: "hunter2" })).not.toThrow(/hunter2/);
  });

  const bad: [string, string, RegExp][] = [
    ["PORT", "abc", /PORT="abc"/],
    ["PORT", "70000", /PORT="70000": expected a port number from 0 to 65535/],
    ["PORT", "-1", /PORT="-1": expected a port number from 0 to 65535/],
    ["SHUTDOWN_GRACE_SECONDS", "soon", /SHUTDOWN_GRACE_SECONDS="soon": expected whole seconds from 0 to 3600/],
    ["DATABASE_CONNECT_TIMEOUT_SECONDS", "0", /DATABASE_CONNECT_TIMEOUT_SECONDS="0": expected whole seconds from 1 to 300/],
    ["DATABASE_URL", "mysql://localhost/db", /DATABASE_URL=.*postgresql:\/\//],
    ["PUBLIC_URL", "localhost:4000", /PUBLIC_URL/],
    ["MIGRATE_ON_START", "maybe", /MIGRATE_ON_START="maybe": expected true or false/],
    ["LOG_LEVEL", "loud", /LOG_LEVEL="loud"/],
    ["SEED_DEMO", "sometimes", /SEED_DEMO/],
    ["REDIS_URL", "localhost:6379", /REDIS_URL=.*redis:\/\//],
    ["RATE_LIMIT_PER_MINUTE", "-1", /RATE_LIMIT_PER_MINUTE/],
    ["AUTH_FAILURES_PER_MINUTE", "many", /AUTH_FAILURES_PER_MINUTE="many": expected a number/],
    ["LOGIN_RATE_LIMIT_PER_MINUTE", "-5", /LOGIN_RATE_LIMIT_PER_MINUTE="-5"/],
    ["TRUST_PROXY", "yes", /TRUST_PROXY="yes": expected a number of proxy hops/],
    ["TRUST_PROXY", "11", /TRUST_PROXY="11"/],
    ["CORS_ORIGINS", "*", /CORS_ORIGINS="\*": "\*" is not an origin/],
    ["CORS_ORIGINS", "null", /CORS_ORIGINS="null": "null" is not an origin/],
    ["CORS_ORIGINS", "https://ok.example, https://dash.example/app", /CORS_ORIGINS=.*"https:\/\/dash.example\/app" is not an origin/],
    ["CORS_ORIGINS", "dash.example:8443", /CORS_ORIGINS=.*not an origin/],
  ];
  for (const [name, value, message] of bad) {
    it(`stops with a message naming ${name} when it is ${JSON.stringify(value)}`, () => {
      expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: value })).toThrow(message);
    });
  }
});
