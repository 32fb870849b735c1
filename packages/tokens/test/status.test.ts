import { describe, expect, it } from "vitest";
import { tokenDisplay, tokenStatus } from "@sso-cutover/tokens";

const now = new Date("2026-06-01T12:00:00Z");
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const at = (offset: number) => new Date(now.getTime() + offset);

describe("token status", () => {
  it("R5: no expiry is ACTIVE", () => {
    expect(tokenStatus({ expiresAt: null, revokedAt: null }, now)).toBe("ACTIVE");
  });

  it("R5: exactly 7 days to expiry is ACTIVE; one millisecond less is ABOUT_TO_EXPIRE", () => {
    expect(tokenStatus({ expiresAt: at(7 * DAY), revokedAt: null }, now)).toBe("ACTIVE");
    expect(tokenStatus({ expiresAt: at(7 * DAY - 1), revokedAt: null }, now)).toBe("ABOUT_TO_EXPIRE");
    expect(tokenStatus({ expiresAt: at(MINUTE), revokedAt: null }, now)).toBe("ABOUT_TO_EXPIRE");
  });

  it("R5: EXPIRED from the instant expiresAt is reached", () => {
    expect(tokenStatus({ expiresAt: at(1), revokedAt: null }, now)).toBe("ABOUT_TO_EXPIRE");
    expect(tokenStatus({ expiresAt: now, revokedAt: null }, now)).toBe("EXPIRED");
    expect(tokenStatus({ expiresAt: at(-DAY), revokedAt: null }, now)).toBe("EXPIRED");
  });

  it("R5: a revoked token is REVOKED whatever its expiry", () => {
    expect(tokenStatus({ expiresAt: at(30 * DAY), revokedAt: at(-MINUTE) }, now)).toBe("REVOKED");
    expect(tokenStatus({ expiresAt: at(-DAY), revokedAt: at(-2 * DAY) }, now)).toBe("REVOKED");
  });

  it("R5: shows only the prefix and the last four characters", () => {
    expect(tokenDisplay({ prefix: "sqco_", lastFour: "b2c9" })).toBe("sqco_…b2c9");
  });
});
