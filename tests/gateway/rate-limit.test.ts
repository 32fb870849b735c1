import { randomInt } from "node:crypto";
import { scim } from "@sso-cutover/sso";
import { generateTokenSecret } from "@sso-cutover/tokens";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayConfig } from "../../apps/gateway/src/config";
import { createLogger } from "../../apps/gateway/src/logger";
import { createGateway, type Gateway } from "../../apps/gateway/src/yoga";
import { startTestGateway, type TestGateway } from "../kit/gateway";
import { countQueries } from "../kit/query-counter";

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

  it("R20: SCIM requests count against their SCIM token: 429 once it exceeds the budget, other callers unaffected", async () => {
    const enterprise = await kit.prisma.enterprise.create({ data: { key: "rate-scim", name: "Rate SCIM" } });
    const secret = `${scim.SCIM_TOKEN_PREFIX}${"ab".repeat(20)}`;
    await kit.prisma.scimToken.create({
      data: { enterpriseId: enterprise.id, prefix: scim.SCIM_TOKEN_PREFIX, lastFour: secret.slice(-4), hash: scim.hashScimTokenSecret(secret) },
    });
    const users = () => kit.fetch("/scim/v2/rate-scim/Users", { headers: { authorization: `Bearer ${secret}` } });
    for (let request = 0; request < LIMIT; request++) expect((await users()).status).toBe(200);
    const refused = await users();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // The SCIM client gets the refusal as an RFC 7644 §3.12 error object, like every other SCIM error.
    expect(refused.headers.get("content-type")).toContain("application/scim+json");
    expect(await refused.json()).toMatchObject({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: "429",
      detail: expect.stringMatching(/^Too many requests: at most \d+ a minute\. Retry in \d+ s\.$/),
    });
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

// Rate limits that cannot be sidestepped (R5: token secrets must not be guessable by brute force).

/** A fresh client address per test (counters in Redis outlive a run by up to a minute). */
function someAddress(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

/** Sends a request to `target` as if from `peer` (the TCP peer the Node server would see). */
function fromPeer(target: Gateway, peer: string, path: string, init: RequestInit = {}) {
  return target.fetch(new Request(`http://sso-cutover.test${path}`, init), { req: { socket: { remoteAddress: peer } } });
}

function typenameWith(authorization: string, extra: Record<string, string> = {}): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", authorization, ...extra },
    body: JSON.stringify({ query: "{ viewer { login } }" }),
  };
}

function gatewayWith(overrides: Partial<GatewayConfig>, prisma = kit.prisma): Gateway {
  return createGateway({ prisma, config: { ...kit.config, ...overrides }, log: createLogger("silent") });
}

describe("rate limits keyed on who the caller is, not on how the header is spelled (R5)", () => {
  it("R5: after 600 requests with a token, `bearer`, extra spaces or another token of the same account still get 429", async () => {
    // The budget is a minute from the first request: a run that a loaded machine stretches past the minute starts a
    // new budget midway and proves nothing either way. Such a run is repeated with a fresh account (and budget).
    const WINDOW_MS = 60_000;
    const limited = gatewayWith({ RATE_LIMIT_PER_MINUTE: 600 });
    try {
      const tooSlow: number[] = [];
      for (let attempt = 1; attempt <= 3; attempt++) {
        const account = await kit.prisma.account.create({ data: { login: `uma-${Date.now()}-${attempt}`, name: "Uma", kind: "DEVOPS" } });
        const secret = await kit.tokenFor(account.id);
        const secondToken = await kit.tokenFor(account.id);
        const peer = someAddress();
        const started = Date.now();
        // 600 requests, 25 at a time (a browser or script would pipeline them too).
        const answered: Response[] = [];
        for (let batch = 0; batch < 600 / 25; batch++) {
          answered.push(...(await Promise.all(Array.from({ length: 25 }, () => fromPeer(limited, peer, "/graphql", typenameWith(`Bearer ${secret}`))))));
        }
        const spellings = [`Bearer ${secret}`, `bearer ${secret}`, `BEARER    ${secret}   `, `Bearer\t${secret}`, `Bearer ${secondToken}`];
        const refused = [];
        for (const authorization of spellings) refused.push(await fromPeer(limited, someAddress(), "/graphql", typenameWith(authorization)));
        const elapsed = Date.now() - started;
        if (elapsed >= WINDOW_MS - 5_000) {
          tooSlow.push(elapsed);
          continue;
        }
        for (const response of answered) {
          expect(response.status).toBe(200);
          expect(response.headers.get("ratelimit-limit")).toBe("600");
          expect(Number(response.headers.get("ratelimit-reset"))).toBeGreaterThanOrEqual(1);
        }
        const remaining = answered.map((response) => Number(response.headers.get("ratelimit-remaining")));
        expect(remaining.sort((a, b) => a - b)).toEqual(Array.from({ length: 600 }, (_, index) => index));
        refused.forEach((response, index) => {
          expect(response.status, spellings[index]).toBe(429);
          expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
          expect(response.headers.get("ratelimit-remaining")).toBe("0");
        });
        // Another account from the same address is not affected.
        expect((await fromPeer(limited, peer, "/graphql", typenameWith(`Bearer ${token}`))).status).toBe(200);
        return;
      }
      expect.fail(`600 requests took ${tooSlow.map((ms) => `${(ms / 1000).toFixed(0)} s`).join(", ")}: never within the minute of one budget`);
    } finally {
      await limited.dispose();
    }
    // 600+ authenticated requests in one go, up to three times: far from a speed target, only room for a loaded machine.
  }, 240_000);

  it("R5: after the address's 20 failed authentications, 300 more well-formed tokens get 429 without a single database lookup", async () => {
    const counter = countQueries(kit.prisma);
    const guarded = gatewayWith({ RATE_LIMIT_PER_MINUTE: 600, AUTH_FAILURES_PER_MINUTE: 20 }, counter.client);
    const guesser = someAddress();
    try {
      for (let guess = 0; guess < 20; guess++) {
        const response = await fromPeer(guarded, guesser, "/graphql", typenameWith(`Bearer ${generateTokenSecret("PAT")}`));
        expect(response.status).toBe(401);
      }
      counter.reset();
      const statuses = new Map<number, number>();
      for (let guess = 0; guess < 300; guess++) {
        const response = await fromPeer(guarded, guesser, "/graphql", typenameWith(`Bearer ${generateTokenSecret(guess % 2 ? "PAT" : "SOT")}`));
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (guess === 0) {
          expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
          expect(response.headers.get("ratelimit-limit")).toBe("20");
          expect(response.headers.get("ratelimit-remaining")).toBe("0");
          expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: "RATE_LIMITED" } }] });
        }
      }
      expect(Object.fromEntries(statuses)).toEqual({ 429: 300 });
      expect(counter.operations).toBe(0);
      // Guessing session ids is the same guessing; even a valid token is not looked up from that address now.
      expect((await fromPeer(guarded, guesser, "/graphql", { ...typenameWith(""), headers: { cookie: "sso_cutover_session=guess" } })).status).toBe(429);
      expect((await fromPeer(guarded, guesser, "/graphql", typenameWith(`Bearer ${token}`))).status).toBe(429);
      expect(counter.operations).toBe(0);
      // Anonymous requests from that address and credentials from other addresses are served.
      expect((await fromPeer(guarded, guesser, "/health")).status).toBe(200);
      expect((await fromPeer(guarded, someAddress(), "/graphql", typenameWith(`Bearer ${token}`))).status).toBe(200);
    } finally {
      await guarded.dispose();
    }
  });

  it("R5: X-Forwarded-For is ignored unless TRUST_PROXY says how many proxies to believe", async () => {
    const direct = gatewayWith({ AUTH_FAILURES_PER_MINUTE: 2, TRUST_PROXY: 0 });
    const proxied = gatewayWith({ AUTH_FAILURES_PER_MINUTE: 2, TRUST_PROXY: 1 });
    try {
      // Without TRUST_PROXY, a client inventing a new X-Forwarded-For per request stays one address.
      const peer = someAddress();
      const spoofed = (target: Gateway, from: string, forwardedFor: string) =>
        fromPeer(target, from, "/graphql", typenameWith(`Bearer ${generateTokenSecret("PAT")}`, { "x-forwarded-for": forwardedFor }));
      expect((await spoofed(direct, peer, someAddress())).status).toBe(401);
      expect((await spoofed(direct, peer, someAddress())).status).toBe(401);
      expect((await spoofed(direct, peer, someAddress())).status).toBe(429);
      // Behind one trusted proxy (the peer), the address the proxy appended is the client's: two clients, two budgets.
      const proxy = someAddress();
      const [first, second] = [someAddress(), someAddress()];
      for (let failure = 0; failure < 2; failure++) expect((await spoofed(proxied, proxy, first)).status).toBe(401);
      expect((await spoofed(proxied, proxy, first)).status).toBe(429);
      expect((await spoofed(proxied, proxy, second)).status).toBe(401);
      // A client prepending its own entry does not escape: the proxy's appended entry is the one believed.
      expect((await spoofed(proxied, proxy, `${someAddress()}, ${first}`)).status).toBe(429);
    } finally {
      await Promise.all([direct.dispose(), proxied.dispose()]);
    }
  });

  it("R1, R17: the anonymous sign-in routes share a tighter budget per address (LOGIN_RATE_LIMIT_PER_MINUTE)", async () => {
    const signIn = gatewayWith({ LOGIN_RATE_LIMIT_PER_MINUTE: 3 });
    const visitor = someAddress();
    try {
      const first = await fromPeer(signIn, visitor, "/login/sso");
      expect(first.status).toBe(200);
      expect(first.headers.get("ratelimit-limit")).toBe("3");
      expect(first.headers.get("ratelimit-remaining")).toBe("2");
      await fromPeer(signIn, visitor, "/saml/acs/acme", { method: "POST", body: "SAMLResponse=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
      await fromPeer(signIn, visitor, "/login/recovery", { method: "POST", body: "x=1", headers: { "content-type": "application/x-www-form-urlencoded" } });
      for (const [path, init] of [
        ["/login/sso?enterprise_key=acme", {}],
        ["/saml/acs/acme", { method: "POST", body: "SAMLResponse=x" }],
        ["/login/recovery", { method: "POST", body: "x=1" }],
      ] as const) {
        const refused = await fromPeer(signIn, visitor, path, init);
        expect(refused.status, path).toBe(429);
        expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      }
      expect((await fromPeer(signIn, someAddress(), "/login/sso")).status).toBe(200);
    } finally {
      await signIn.dispose();
    }
  });
});
