import { describe, expect, it } from "vitest";
import {
  authenticateToken,
  canAnalyze,
  createPersonalAccessToken,
  createScopedOrganizationToken,
  tokenInfo,
  type Principal,
} from "@sso-cutover/tokens";
import { actorOf, DAY, tokenSuite } from "../../../tests/kit/tokens-fixtures";

const now = new Date("2026-06-01T12:00:00Z");
const suite = tokenSuite();

async function world() {
  const enterprise = await suite.fixtures.enterprise();
  const scanned = await suite.fixtures.organization({ enterprise, plan: "TEAM" });
  const administered = await suite.fixtures.organization({ enterprise, plan: "ENTERPRISE" });
  const memberOnly = await suite.fixtures.organization({ enterprise, plan: "TEAM" });
  await suite.fixtures.projects(scanned, ["shared", "scanned-app"]);
  await suite.fixtures.projects(administered, ["shared", "admin-app"]);
  await suite.fixtures.projects(memberOnly, ["member-app"]);
  const owner = await suite.fixtures.devopsAccount();
  await suite.fixtures.group(scanned, ["SCAN"], [owner]);
  await suite.fixtures.member(owner, administered, ["ADMIN"]);
  await suite.fixtures.member(owner, memberOnly, ["GATEADMIN"]);
  return { enterprise, scanned, administered, memberOnly, owner };
}

describe("tokenInfo", () => {
  it("R6: a scoped token reports its organization, project scope, EXECUTE_ANALYSIS only and expiry", async () => {
    const { administered, owner } = await world();
    const expiresAt = new Date(now.getTime() + 3 * DAY);
    const { secret } = await createScopedOrganizationToken(
      suite.db.prisma,
      actorOf(owner),
      { organizationKey: administered.key, name: "scanner", projectKeys: ["admin-app"], expiresAt },
      now,
    );
    const principal = await authenticateToken(suite.db.prisma, secret, now);
    const info = await tokenInfo(suite.db.prisma, principal, null, now);
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
    expect(await canAnalyze(suite.db.prisma, principal, "admin-app")).toBe(true);
    expect(await canAnalyze(suite.db.prisma, principal, "shared")).toBe(false);
  });

  it("R6: an all-projects token may analyze any project of its organization, and none elsewhere", async () => {
    const { administered, scanned, owner } = await world();
    const { secret } = await createScopedOrganizationToken(
      suite.db.prisma,
      actorOf(owner),
      { organizationKey: administered.key, name: "everything", allProjects: true },
      now,
    );
    const principal = await authenticateToken(suite.db.prisma, secret, now);
    expect((await tokenInfo(suite.db.prisma, principal, "admin-app", now))?.canAnalyze).toBe(true);
    expect((await tokenInfo(suite.db.prisma, principal, "scanned-app", now))?.canAnalyze).toBe(false);
    expect(await canAnalyze(suite.db.prisma, principal, "shared", administered.key)).toBe(true);
    expect(await canAnalyze(suite.db.prisma, principal, "shared", scanned.key)).toBe(false);
    expect(await canAnalyze(suite.db.prisma, principal, "no-such-project")).toBe(false);
  });

  it("R5: a PAT reports its owner and the organizations where the owner holds SCAN or ADMIN (groups count)", async () => {
    const { scanned, administered, memberOnly, owner } = await world();
    const { secret } = await createPersonalAccessToken(suite.db.prisma, actorOf(owner), { name: "laptop" }, now);
    const principal = await authenticateToken(suite.db.prisma, secret, now);
    const info = await tokenInfo(suite.db.prisma, principal, "member-app", now);
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
    expect(await canAnalyze(suite.db.prisma, principal, "scanned-app")).toBe(true);
    expect(await canAnalyze(suite.db.prisma, principal, "admin-app")).toBe(true);
    expect(await canAnalyze(suite.db.prisma, principal, "shared", scanned.key)).toBe(true);
    expect(await canAnalyze(suite.db.prisma, principal, "member-app")).toBe(false);
  });

  it("R5: a PAT of an account that may analyze nowhere carries no permission", async () => {
    const loner = await suite.fixtures.devopsAccount();
    const { secret } = await createPersonalAccessToken(suite.db.prisma, actorOf(loner), { name: "idle" }, now);
    const info = await tokenInfo(suite.db.prisma, await authenticateToken(suite.db.prisma, secret, now), "anything", now);
    expect(info).toMatchObject({ kind: "PAT", permissions: [], analysisOrganizations: [], canAnalyze: false });
  });

  it("R5: a request authenticated by a session has no token to describe", async () => {
    const account = await suite.fixtures.devopsAccount();
    const principal: Principal = { kind: "ACCOUNT", account, via: "SESSION", credentialId: "session-id" };
    expect(await tokenInfo(suite.db.prisma, principal, null, now)).toBeNull();
  });
});
