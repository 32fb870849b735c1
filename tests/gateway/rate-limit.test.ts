import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../apps/gateway/src/logger";
import { createGateway } from "../../apps/gateway/src/yoga";
import { startTestGateway, type TestGateway } from "../kit/gateway";

const LIMIT = 3;
let kit: TestGateway;
let token: string;
let other: string;

async function viewer(target: TestGateway, secret: string) {
  return target.fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
    body: JSON.stringify({ query: "{ viewer { login } }" }),
  });
}

beforeAll(async () => {
  kit = await startTestGateway({ RATE_LIMIT_PER_MINUTE: String(LIMIT), ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}) });
  const accounts = await Promise.all(
    ["rita", "sam"].map((login) => kit.prisma.account.create({ data: { login, name: login, kind: "DEVOPS" } })),
  );
  token = await kit.tokenFor(accounts[0]!.id);
  other = await kit.tokenFor(accounts[1]!.id);
});
afterAll(() => kit.close());

describe("rate limits", () => {
  it(`answers 429 with Retry-After once a caller exceeds ${LIMIT} requests a minute; other callers keep their budget`, async () => {
    for (let request = 0; request < LIMIT; request++) expect((await viewer(kit, token)).status).toBe(200);
    const refused = await viewer(kit, token);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ errors: [{ extensions: { code: "RATE_LIMITED" } }] });
    expect((await viewer(kit, other)).status).toBe(200);
  });

  it("never limits /health, /ready and /metrics", async () => {
    for (let request = 0; request < LIMIT + 2; request++) {
      expect((await kit.fetch("/health")).status).toBe(200);
      expect((await kit.fetch("/ready")).status).toBe(200);
    }
  });

  it("keeps serving, counting in the process, when the Redis store is unreachable", async () => {
    const isolated = createGateway({
      prisma: kit.prisma,
      config: { ...kit.config, RATE_LIMIT_PER_MINUTE: 2, REDIS_URL: "redis://127.0.0.1:1" },
      log: createLogger("silent"),
    });
    try {
      const call = () => isolated.fetch(new Request("http://sso-cutover.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${other}` },
        body: JSON.stringify({ query: "{ viewer { login } }" }),
      }));
      expect((await call()).status).toBe(200);
      expect((await call()).status).toBe(200);
      expect((await call()).status).toBe(429);
    } finally {
      await isolated.dispose();
    }
  });

  // Two gateway processes behind a load balancer: with REDIS_URL they share one budget per caller (the PostgreSQL
  // pass of CI runs with the local Redis); without it each process counts on its own.
  it(process.env.REDIS_URL ? "two gateway instances share the caller's budget through Redis" : "without Redis, each gateway instance counts its own callers", async () => {
    const account = await kit.prisma.account.create({ data: { login: `tess-${Date.now()}`, name: "Tess", kind: "DEVOPS" } });
    const secret = await kit.tokenFor(account.id);
    const second = createGateway({ prisma: kit.prisma, config: kit.config, log: createLogger("silent") });
    try {
      const callSecond = () =>
        second.fetch(new Request("http://sso-cutover.test/graphql", {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
          body: JSON.stringify({ query: "{ viewer { login } }" }),
        }));
      for (let request = 0; request < LIMIT; request++) expect((await viewer(kit, secret)).status).toBe(200);
      expect((await callSecond()).status).toBe(process.env.REDIS_URL ? 429 : 200);
    } finally {
      await second.dispose();
    }
  });
});
