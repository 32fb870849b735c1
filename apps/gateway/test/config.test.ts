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
    expect(loadConfig({ DATABASE_URL: "postgresql://db.internal/app", SEED_DEMO: "true" }).SEED_DEMO).toBe(true);
  });

  it("drops a trailing slash from PUBLIC_URL so links are well-formed", () => {
    expect(loadConfig({ PUBLIC_URL: "https://sso.example.com/" }).PUBLIC_URL).toBe("https://sso.example.com");
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
  ];
  for (const [name, value, message] of bad) {
    it(`stops with a message naming ${name} when it is ${JSON.stringify(value)}`, () => {
      expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: value })).toThrow(message);
    });
  }
});
