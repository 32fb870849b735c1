import { describe, expect, it } from "vitest";
import { clientAddress } from "../src/http/client-address";

const peer = (remoteAddress: string) => ({ req: { socket: { remoteAddress } } });
const withForwardedFor = (value: string) => new Request("http://gateway.test/graphql", { headers: { "x-forwarded-for": value } });

describe("client address behind TRUST_PROXY hops (R5: per-address limits)", () => {
  it("R5: with TRUST_PROXY=0 the socket's peer is the address, whatever X-Forwarded-For says", () => {
    expect(clientAddress(withForwardedFor("1.2.3.4"), peer("10.0.0.9"), 0)).toBe("10.0.0.9");
  });

  it("R5: with one trusted proxy, the address that proxy appended is the client's; entries the client wrote are not", () => {
    expect(clientAddress(withForwardedFor("1.2.3.4"), peer("10.0.0.9"), 1)).toBe("1.2.3.4");
    expect(clientAddress(withForwardedFor("6.6.6.6, 1.2.3.4"), peer("10.0.0.9"), 1)).toBe("1.2.3.4");
    expect(clientAddress(withForwardedFor("6.6.6.6, 1.2.3.4, 10.0.0.8"), peer("10.0.0.9"), 2)).toBe("1.2.3.4");
  });

  it("R5: a missing or malformed entry falls back to the peer rather than trusting text", () => {
    expect(clientAddress(new Request("http://gateway.test/"), peer("10.0.0.9"), 1)).toBe("10.0.0.9");
    expect(clientAddress(withForwardedFor("not-an-address"), peer("10.0.0.9"), 1)).toBe("10.0.0.9");
    expect(clientAddress(new Request("http://gateway.test/"), undefined, 0)).toBe("unknown");
  });
});
