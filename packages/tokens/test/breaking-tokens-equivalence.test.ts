/**
 * The member list asks of each person's token guidance only the tokens that break (`willBreak { display lastUsedAt
 * }`): `breakingTokensForViewer` answers that from a statement reading a fraction of what the full guidance
 * (`accountTokenGuidanceForViewer`) reads. Both must give the same answers — null for the same requests (R15: the
 * enterprise unseen; R7: neither the person nor an admin), the same tokens in the same order with the same status,
 * display and last use — on varied enterprises generated from seeds, with people across enterprises, deleted accounts, group
 * memberships, links either way, and every account as the viewer.
 */
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import type { EnterpriseScopedRequest } from "@sso-cutover/membership";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crossEnterprisePeople, generatedEnterprise } from "../../../tests/kit/generated-enterprise";
import type { Scenario } from "../../../tests/kit/scenario";
import { accountTokenGuidanceForViewer, breakingTokensForViewer, type ListedBreakingToken } from "../src/index";

let db: TestDatabase;
const worlds: Scenario[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  for (const seed of [31, 32, 33, 34]) worlds.push(await generatedEnterprise(db.prisma, seed));
  await crossEnterprisePeople(db.prisma, worlds[0]!, worlds[1]!);
}, 180_000);
afterAll(() => db?.close());

/** What both reads answer of a person's guidance: its enterprise and the tokens that break, in order. */
function comparable(guidance: { enterprise: { id: string }; willBreak: readonly ListedBreakingToken[] } | null) {
  return (
    guidance && {
      enterprise: guidance.enterprise,
      willBreak: guidance.willBreak.map(({ token, status, display }) => ({
        token: { id: token.id, name: token.name, prefix: token.prefix, lastFour: token.lastFour, ownerAccountId: token.ownerAccountId, expiresAt: token.expiresAt, lastUsedAt: token.lastUsedAt, revokedAt: token.revokedAt },
        status,
        display,
      })),
    }
  );
}

describe("breakingTokensForViewer (R7, R15): the member list's lean read gives the full guidance's tokens", () => {
  it("for every viewer and every request (own enterprise, each key, unknown keys and accounts), batched", async () => {
    const accounts = await db.prisma.account.findMany({ select: { id: true }, orderBy: { login: "asc" } });
    const ids = accounts.map((row) => row.id);
    const keys = [null, "", "no-such-enterprise", ...worlds.map((world) => world.enterprise.key)];
    const requests: EnterpriseScopedRequest[] = [...ids, "no-such-account"].flatMap((accountId) => keys.map((enterpriseKey) => ({ accountId, enterpriseKey })));
    // Tokens expired, about to expire and active: the status is computed against this moment.
    const now = new Date();
    let answered = 0;
    let tokens = 0;
    for (const viewer of [...ids, "no-such-account"]) {
      const lean = await breakingTokensForViewer(db.prisma, viewer, requests, now);
      const full = await accountTokenGuidanceForViewer(db.prisma, viewer, requests, now);
      expect(lean.map(comparable), `viewer ${viewer}`).toEqual(full.map(comparable));
      for (const guidance of lean) {
        if (!guidance) continue;
        answered++;
        tokens += guidance.willBreak.length;
      }
    }
    // The data reaches answers with and without tokens, for the person and for admins.
    expect(answered).toBeGreaterThan(100);
    expect(tokens).toBeGreaterThan(50);
  }, 600_000);
});
