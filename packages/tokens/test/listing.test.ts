import { describe, expect, it } from "vitest";
import {
  createPersonalAccessToken,
  createScopedOrganizationToken,
  personalAccessTokensOf,
  projectKeysOf,
  revokeToken,
  scopedTokensVisibleTo,
  visibleTokensByIds,
} from "@sso-cutover/tokens";
import { actorOf, tokenSuite } from "../../../tests/kit/tokens-fixtures";

const now = new Date("2026-06-01T12:00:00Z");
const suite = tokenSuite();

describe("listing tokens", () => {
  it("R5/R6: a PAT is visible to its owner only, an SOT to admins of its organization only; revoked ones are not listed", async () => {
    const enterprise = await suite.fixtures.enterprise();
    const administered = await suite.fixtures.organization({ enterprise, plan: "TEAM" });
    const scannedOnly = await suite.fixtures.organization({ enterprise, plan: "TEAM" });
    await suite.fixtures.projects(administered, ["b", "a"]);
    await suite.fixtures.projects(scannedOnly, ["c"]);
    const admin = await suite.fixtures.devopsAccount();
    await suite.fixtures.member(admin, administered, ["ADMIN"]);
    const otherAdmin = await suite.fixtures.devopsAccount();
    await suite.fixtures.member(otherAdmin, scannedOnly, ["ADMIN"]);
    await suite.fixtures.member(admin, scannedOnly, ["SCAN"]);

    const mine = await createPersonalAccessToken(suite.db.prisma, actorOf(admin), { name: "mine" }, now);
    const gone = await createPersonalAccessToken(suite.db.prisma, actorOf(admin), { name: "gone" }, now);
    await revokeToken(suite.db.prisma, actorOf(admin), { tokenId: gone.token.id }, now);
    const theirs = await createPersonalAccessToken(suite.db.prisma, actorOf(otherAdmin), { name: "theirs" }, now);
    const scoped = await createScopedOrganizationToken(
      suite.db.prisma,
      actorOf(admin),
      { organizationKey: administered.key, name: "scoped", projectKeys: ["b", "a"] },
      now,
    );
    const elsewhere = await createScopedOrganizationToken(
      suite.db.prisma,
      actorOf(otherAdmin),
      { organizationKey: scannedOnly.key, name: "elsewhere", allProjects: true },
      now,
    );

    expect((await personalAccessTokensOf(suite.db.prisma, admin.id)).map((t) => t.name)).toEqual(["mine"]);
    const byOrganization = await scopedTokensVisibleTo(suite.db.prisma, admin.id, [administered.id, scannedOnly.id]);
    expect(byOrganization.get(administered.id)?.map((t) => t.name)).toEqual(["scoped"]);
    expect(byOrganization.get(scannedOnly.id)).toBeNull();
    expect(projectKeysOf(byOrganization.get(administered.id)![0]!)).toEqual(["a", "b"]);
    expect(projectKeysOf(elsewhere.token)).toEqual([]);

    const visible = await visibleTokensByIds(suite.db.prisma, admin.id, [
      mine.token.id,
      gone.token.id,
      theirs.token.id,
      scoped.token.id,
      elsewhere.token.id,
      "unknown",
    ]);
    expect(visible.map((t) => t.name).sort()).toEqual(["gone", "mine", "scoped"]);
    expect(await visibleTokensByIds(suite.db.prisma, "", [mine.token.id])).toEqual([]);
  });
});
