import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../../prisma/seed/demo";
import { errorCode, startTestGateway, type TestGateway } from "../kit/gateway";

let kit: TestGateway;
let aliceToken: string;

beforeAll(async () => {
  kit = await startTestGateway();
  await seedDemo(kit.prisma);
  const alice = await kit.prisma.account.findUniqueOrThrow({ where: { login: "alice" } });
  aliceToken = await kit.tokenFor(alice.id);
});
afterAll(() => kit.close());

describe("authentication by personal access token (R5)", () => {
  it("authenticates the token's owner as the viewer", async () => {
    const response = await kit.graphql("{ viewer { login kind } }", { token: aliceToken });
    expect(response.errors).toBeUndefined();
    expect(response.data?.viewer).toEqual({ login: "alice", kind: "DEVOPS" });
  });

  it("answers an anonymous caller with UNAUTHENTICATED and status 401", async () => {
    const response = await kit.graphql('{ enterprise(key: "acme") { key } }');
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe("UNAUTHENTICATED");
    expect(response.data?.enterprise ?? null).toBeNull();
  });

  it("refuses an unknown token with UNAUTHENTICATED, without detail or stack", async () => {
    const response = await kit.graphql("{ viewer { login } }", { token: `sqp_${"0".repeat(40)}` });
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe("UNAUTHENTICATED");
    expect(JSON.stringify(response)).not.toMatch(/stack|at .*\.ts|prisma/i);
  });

  it("refuses a malformed Authorization header", async () => {
    const response = await kit.graphql("{ viewer { login } }", { headers: { authorization: "Basic abc" } });
    expect(response.status).toBe(401);
    expect(errorCode(response)).toBe("UNAUTHENTICATED");
  });

  it("refuses a revoked token immediately", async () => {
    const bob = await kit.prisma.account.findUniqueOrThrow({ where: { login: "bob" } });
    const secret = await kit.tokenFor(bob.id);
    expect((await kit.graphql("{ viewer { login } }", { token: secret })).data?.viewer.login).toBe("bob");
    await kit.prisma.token.updateMany({ where: { ownerAccountId: bob.id }, data: { revokedAt: new Date() } });
    const response = await kit.graphql("{ viewer { login } }", { token: secret });
    expect(errorCode(response)).toBe("UNAUTHENTICATED");
  });

  it("refuses an expired token and a token whose owner was deleted", async () => {
    const carol = await kit.prisma.account.findUniqueOrThrow({ where: { login: "carol" } });
    const expired = await kit.tokenFor(carol.id, { expiresAt: new Date(Date.now() - 1000) });
    expect(errorCode(await kit.graphql("{ viewer { login } }", { token: expired }))).toBe("UNAUTHENTICATED");
    const valid = await kit.tokenFor(carol.id);
    await kit.prisma.account.update({ where: { id: carol.id }, data: { deletedAt: new Date() } });
    expect(errorCode(await kit.graphql("{ viewer { login } }", { token: valid }))).toBe("UNAUTHENTICATED");
  });

  it("never writes the presented token into the logs", async () => {
    await kit.graphql("{ viewer { login } }", { token: aliceToken });
    await kit.graphql("{ viewer { login } }", { token: `sqp_${"1".repeat(40)}` });
    expect(kit.logLines.join("\n")).not.toContain(aliceToken);
  });
});
