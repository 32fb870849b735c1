import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@sso-cutover/db";
import { createTestDatabase } from "@sso-cutover/db/testing";
import {
  authenticateToken,
  canAnalyze,
  createPersonalAccessToken,
  createScopedOrganizationToken,
  tokenInfo,
  type Principal,
} from "@sso-cutover/tokens";
import { actorOf, DAY, tokenFixtures } from "../../../tests/kit/tokens-fixtures";

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

async function world() {
  const enterprise = await fixtures.enterprise();
  const scanned = await fixtures.organization({ enterprise, plan: "TEAM" });
  const administered = await fixtures.organization({ enterprise, plan: "ENTERPRISE" });
  const memberOnly = await fixtures.organization({ enterprise, plan: "TEAM" });
  await fixtures.projects(scanned, ["shared", "scanned-app"]);
  await fixtures.projects(administered, ["shared", "admin-app"]);
  await fixtures.projects(memberOnly, ["member-app"]);
  const owner = await fixtures.devopsAccount();
  await fixtures.group(scanned, ["SCAN"], [owner]);
  await fixtures.member(owner, administered, ["ADMIN"]);
  await fixtures.member(owner, memberOnly, ["GATEADMIN"]);
  return { enterprise, scanned, administered, memberOnly, owner };
}

describe("tokenInfo", () => {
  it("R6: a scoped token reports its organization, project scope, EXECUTE_ANALYSIS only and expiry", async () => {
    const { administered, owner } = await world();
    const expiresAt = new Date(now.getTime() + 3 * DAY);
    const { secret } = await createScopedOrganizationToken(
      db.prisma,
      actorOf(owner),
      { organizationKey: administered.key, name: "scanner", projectKeys: ["admin-app"], expiresAt },
      now,
    );
    const principal = await authenticateToken(db.prisma, secret, now);
    const info = await tokenInfo(db.prisma, principal, null, now);
    expect(info).toMatchObject({
      kind: "SOT",
      name: "scanner",
      permissions: ["EXECUTE_ANALYSIS"],
      allProjects: false,
      projectKeys: ["admin-app"],
      expiresAt,
      status: "ABOUT_TO_EXPIRE",
      owner: null,
      canAnalyze: null,
    });
    expect(info?.display).toMatch(/^sqco_….{4}$/);
    expect(info?.display).toBe(`sqco_…${secret.slice(-4)}`);
    expect(await canAnalyze(db.prisma, principal, "admin-app")).toBe(true);
    expect(await canAnalyze(db.prisma, principal, "shared")).toBe(false);
  });

  it("R6: an all-projects token may analyze any project of its organization, and none elsewhere", async () => {
    const { administered, scanned, owner } = await world();
    const { secret } = await createScopedOrganizationToken(
      db.prisma,
      actorOf(owner),
      { organizationKey: administered.key, name: "everything", allProjects: true },
      now,
    );
    const principal = await authenticateToken(db.prisma, secret, now);
    expect((await tokenInfo(db.prisma, principal, "admin-app", now))?.canAnalyze).toBe(true);
    expect((await tokenInfo(db.prisma, principal, "scanned-app", now))?.canAnalyze).toBe(false);
    expect(await canAnalyze(db.prisma, principal, "shared", administered.key)).toBe(true);
    expect(await canAnalyze(db.prisma, principal, "shared", scanned.key)).toBe(false);
    expect(await canAnalyze(db.prisma, principal, "no-such-project")).toBe(false);
  });

  it("R5: a PAT reports its owner and the organizations where the owner holds SCAN or ADMIN (groups count)", async () => {
    const { scanned, administered, memberOnly, owner } = await world();
    const { secret } = await createPersonalAccessToken(db.prisma, actorOf(owner), { name: "laptop" }, now);
    const principal = await authenticateToken(db.prisma, secret, now);
    const info = await tokenInfo(db.prisma, principal, "member-app", now);
    expect(info).toMatchObject({ kind: "PAT", permissions: ["EXECUTE_ANALYSIS"], status: "ACTIVE", canAnalyze: false });
    expect(info?.owner?.id).toBe(owner.id);
    const organizations = new Map(info?.analysisOrganizations.map((row) => [row.organization.key, row.permissions]));
    expect(organizations).toEqual(
      new Map([
        [scanned.key, ["SCAN"]],
        [administered.key, ["ADMIN"]],
      ]),
    );
    expect(organizations.has(memberOnly.key)).toBe(false);
    expect(await canAnalyze(db.prisma, principal, "scanned-app")).toBe(true);
    expect(await canAnalyze(db.prisma, principal, "admin-app")).toBe(true);
    expect(await canAnalyze(db.prisma, principal, "shared", scanned.key)).toBe(true);
    expect(await canAnalyze(db.prisma, principal, "member-app")).toBe(false);
  });

  it("R5: a PAT of an account that may analyze nowhere carries no permission", async () => {
    const loner = await fixtures.devopsAccount();
    const { secret } = await createPersonalAccessToken(db.prisma, actorOf(loner), { name: "idle" }, now);
    const info = await tokenInfo(db.prisma, await authenticateToken(db.prisma, secret, now), "anything", now);
    expect(info).toMatchObject({ kind: "PAT", permissions: [], analysisOrganizations: [], canAnalyze: false });
  });

  it("R5: a request authenticated by a session has no token to describe", async () => {
    const account = await fixtures.devopsAccount();
    const principal: Principal = { kind: "ACCOUNT", account, via: "SESSION", credentialId: "session-id" };
    expect(await tokenInfo(db.prisma, principal, null, now)).toBeNull();
  });
});
