import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@sso-cutover/db";
import { createTestDatabase } from "@sso-cutover/db/testing";
import {
  createPersonalAccessToken,
  createScopedOrganizationToken,
  personalAccessTokensOf,
  projectKeysOf,
  revokeToken,
  scopedTokensVisibleTo,
  visibleTokensByIds,
} from "@sso-cutover/tokens";
import { actorOf, tokenFixtures } from "../../../tests/kit/tokens-fixtures";

let db: Database;
let fixtures: ReturnType<typeof tokenFixtures>;
const now = new Date("2026-06-01T12:00:00Z");

beforeAll(async () => {
  db = await createTestDatabase();
  fixtures = tokenFixtures(db.prisma);
});
afterAll(async () => {
  await db.close();
});

describe("listing tokens", () => {
  it("R5/R6: a PAT is visible to its owner only, an SOT to admins of its organization only; revoked ones are not listed", async () => {
    const enterprise = await fixtures.enterprise();
    const administered = await fixtures.organization({ enterprise, plan: "TEAM" });
    const scannedOnly = await fixtures.organization({ enterprise, plan: "TEAM" });
    await fixtures.projects(administered, ["b", "a"]);
    await fixtures.projects(scannedOnly, ["c"]);
    const admin = await fixtures.devopsAccount();
    await fixtures.member(admin, administered, ["ADMIN"]);
    const otherAdmin = await fixtures.devopsAccount();
    await fixtures.member(otherAdmin, scannedOnly, ["ADMIN"]);
    await fixtures.member(admin, scannedOnly, ["SCAN"]);

    const mine = await createPersonalAccessToken(db.prisma, actorOf(admin), { name: "mine" }, now);
    const gone = await createPersonalAccessToken(db.prisma, actorOf(admin), { name: "gone" }, now);
    await revokeToken(db.prisma, actorOf(admin), { tokenId: gone.token.id }, now);
    const theirs = await createPersonalAccessToken(db.prisma, actorOf(otherAdmin), { name: "theirs" }, now);
    const scoped = await createScopedOrganizationToken(
      db.prisma,
      actorOf(admin),
      { organizationKey: administered.key, name: "scoped", projectKeys: ["b", "a"] },
      now,
    );
    const elsewhere = await createScopedOrganizationToken(
      db.prisma,
      actorOf(otherAdmin),
      { organizationKey: scannedOnly.key, name: "elsewhere", allProjects: true },
      now,
    );

    expect((await personalAccessTokensOf(db.prisma, admin.id)).map((t) => t.name)).toEqual(["mine"]);
    const byOrganization = await scopedTokensVisibleTo(db.prisma, admin.id, [administered.id, scannedOnly.id]);
    expect(byOrganization.get(administered.id)?.map((t) => t.name)).toEqual(["scoped"]);
    expect(byOrganization.get(scannedOnly.id)).toBeNull();
    expect(projectKeysOf(byOrganization.get(administered.id)![0]!)).toEqual(["a", "b"]);
    expect(projectKeysOf(elsewhere.token)).toEqual([]);

    const visible = await visibleTokensByIds(db.prisma, admin.id, [
      mine.token.id,
      gone.token.id,
      theirs.token.id,
      scoped.token.id,
      elsewhere.token.id,
      "unknown",
    ]);
    expect(visible.map((t) => t.name).sort()).toEqual(["gone", "mine", "scoped"]);
    expect(await visibleTokensByIds(db.prisma, "", [mine.token.id])).toEqual([]);
  });
});
