import { describe, expect, it } from "vitest";
import {
  authenticateToken,
  createPersonalAccessToken,
  createScopedOrganizationToken,
  hashTokenSecret,
  tokenInfo,
} from "@sso-cutover/tokens";
import { actorOf, DAY, expectDomainError, MINUTE, tokenSuite } from "../../../tests/kit/tokens-fixtures";

const now = new Date("2026-06-01T12:00:00Z");
const suite = tokenSuite();

describe("personal access tokens", () => {
  it("R5: returns an sqp_ secret of 40 hex characters once and stores only its hash, prefix and last four", async () => {
    const owner = await suite.fixtures.devopsAccount();
    const { token, secret } = await createPersonalAccessToken(suite.db.prisma, actorOf(owner), { name: "ci" }, now);
    expect(secret).toMatch(/^sqp_[0-9a-f]{40}$/);
    const stored = await suite.db.prisma.token.findUniqueOrThrow({ where: { id: token.id } });
    expect(stored).toMatchObject({
      kind: "PAT",
      ownerAccountId: owner.id,
      prefix: "sqp_",
      lastFour: secret.slice(-4),
      hash: hashTokenSecret(secret),
      expiresAt: null,
    });
    expect(stored.hash).not.toContain(secret.slice(4));
    const principal = await authenticateToken(suite.db.prisma, secret, now);
    expect(principal).toMatchObject({ kind: "ACCOUNT", via: "PAT", credentialId: token.id });
  });

  it("R5: two tokens never share a secret (crypto random)", async () => {
    const owner = await suite.fixtures.devopsAccount();
    const secrets = new Set<string>();
    for (let index = 0; index < 5; index++) {
      const { secret } = await createPersonalAccessToken(suite.db.prisma, actorOf(owner), { name: `t${index}` }, now);
      secrets.add(secret);
    }
    expect(secrets.size).toBe(5);
  });

  it("R5: names are 1..100 characters, trimmed", async () => {
    const owner = await suite.fixtures.devopsAccount();
    const actor = actorOf(owner);
    await expectDomainError(createPersonalAccessToken(suite.db.prisma, actor, { name: "   " }, now), {
      code: "INVALID_INPUT",
      field: "input.name",
    });
    await expectDomainError(createPersonalAccessToken(suite.db.prisma, actor, { name: "x".repeat(101) }, now), {
      code: "INVALID_INPUT",
      field: "input.name",
      message: /at most 100/,
    });
    const { token } = await createPersonalAccessToken(suite.db.prisma, actor, { name: ` ${"x".repeat(100)} ` }, now);
    expect(token.name).toBe("x".repeat(100));
  });

  it("R5: a name is unique per owner among tokens that are not revoked", async () => {
    const owner = await suite.fixtures.devopsAccount();
    const other = await suite.fixtures.devopsAccount();
    const first = await createPersonalAccessToken(suite.db.prisma, actorOf(owner), { name: "Laptop" }, now);
    await expectDomainError(createPersonalAccessToken(suite.db.prisma, actorOf(owner), { name: "laptop" }, now), {
      code: "CONFLICT",
      field: "input.name",
      message: /Laptop|laptop/,
    });
    // Another owner may use the same name, and a revoked token frees its name.
    await createPersonalAccessToken(suite.db.prisma, actorOf(other), { name: "Laptop" }, now);
    await suite.db.prisma.token.update({ where: { id: first.token.id }, data: { revokedAt: now } });
    await createPersonalAccessToken(suite.db.prisma, actorOf(owner), { name: "Laptop" }, now);
  });

  it("R5: name uniqueness compares names literally: %, _ and \\ are characters, not patterns", async () => {
    const owner = await suite.fixtures.devopsAccount();
    const actor = actorOf(owner);
    await createPersonalAccessToken(suite.db.prisma, actor, { name: "ci_main" }, now);
    await createPersonalAccessToken(suite.db.prisma, actor, { name: "ci%" }, now);
    await createPersonalAccessToken(suite.db.prisma, actor, { name: "a\\b" }, now);
    // Names that a LIKE pattern would have confused with the ones above are distinct names.
    await createPersonalAccessToken(suite.db.prisma, actor, { name: "ciXmain" }, now);
    await createPersonalAccessToken(suite.db.prisma, actor, { name: "ci-anything" }, now);
    await createPersonalAccessToken(suite.db.prisma, actor, { name: "ab" }, now);
    // The same names, in another case, still clash.
    for (const name of ["CI_MAIN", "CI%", "A\\B"]) {
      await expectDomainError(createPersonalAccessToken(suite.db.prisma, actor, { name }, now), {
        code: "CONFLICT",
        field: "input.name",
      });
    }
  });

  it("R5: an expiry in the past (or now) is refused on input.expiresAt; a future one is kept", async () => {
    const owner = await suite.fixtures.devopsAccount();
    const actor = actorOf(owner);
    for (const expiresAt of [new Date(now.getTime() - MINUTE), now, new Date(Number.NaN)]) {
      await expectDomainError(createPersonalAccessToken(suite.db.prisma, actor, { name: "old", expiresAt }, now), {
        code: "INVALID_INPUT",
        field: "input.expiresAt",
      });
    }
    const expiresAt = new Date(now.getTime() + 30 * DAY);
    const { token } = await createPersonalAccessToken(suite.db.prisma, actor, { name: "new", expiresAt }, now);
    expect(token.expiresAt).toEqual(expiresAt);
    expect(await suite.db.prisma.token.count({ where: { ownerAccountId: owner.id } })).toBe(1);
  });

  it("R13: writes one token.created audit event without secret or hash", async () => {
    const enterprise = await suite.fixtures.enterprise();
    const owner = await suite.fixtures.ssoAccount(enterprise);
    const { token, secret } = await createPersonalAccessToken(suite.db.prisma, actorOf(owner), { name: "audit me" }, now);
    const events = await suite.db.prisma.auditEvent.findMany({ where: { targetId: token.id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "token.created", actorId: owner.id, enterpriseId: enterprise.id });
    const payload = JSON.stringify(events[0]!.payload);
    expect(payload).toContain("audit me");
    expect(payload).not.toContain(secret);
    expect(payload).not.toContain(token.hash);
  });

  it("R5: a deleted account cannot create tokens", async () => {
    const owner = await suite.fixtures.devopsAccount();
    await suite.db.prisma.account.update({ where: { id: owner.id }, data: { deletedAt: now } });
    await expectDomainError(createPersonalAccessToken(suite.db.prisma, actorOf(owner), { name: "ghost" }, now), {
      code: "UNAUTHENTICATED",
    });
  });
});

describe("scoped organization tokens", () => {
  async function organizationWithAdmin(plan: "FREE" | "TEAM" | "ENTERPRISE" = "TEAM") {
    const enterprise = await suite.fixtures.enterprise();
    const organization = await suite.fixtures.organization({ enterprise, plan });
    await suite.fixtures.projects(organization, ["web", "api", "mobile"]);
    const admin = await suite.fixtures.devopsAccount();
    await suite.fixtures.member(admin, organization, ["ADMIN"]);
    return { enterprise, organization, admin };
  }

  it("R6: an org admin creates an sqco_ token scoped to chosen projects, allowed only to execute analysis", async () => {
    const { organization, admin } = await organizationWithAdmin("TEAM");
    const { token, secret } = await createScopedOrganizationToken(
      suite.db.prisma,
      actorOf(admin),
      { organizationKey: organization.key, name: "pipeline", projectKeys: ["web", "api", "web"] },
      now,
    );
    expect(secret).toMatch(/^sqco_[0-9a-f]{40}$/);
    expect(token).toMatchObject({ kind: "SOT", organizationId: organization.id, ownerAccountId: null, allProjects: false });
    expect(token.prefix).toBe("sqco_");

    const principal = await authenticateToken(suite.db.prisma, secret, now);
    const info = await tokenInfo(suite.db.prisma, principal, "api", now);
    expect(info).toMatchObject({
      kind: "SOT",
      permissions: ["EXECUTE_ANALYSIS"],
      allProjects: false,
      projectKeys: ["api", "web"],
      canAnalyze: true,
    });
    expect(info?.organization?.key).toBe(organization.key);
    expect((await tokenInfo(suite.db.prisma, principal, "mobile", now))?.canAnalyze).toBe(false);
  });

  it("R6: an ENTERPRISE-plan token may cover all projects", async () => {
    const { organization, admin } = await organizationWithAdmin("ENTERPRISE");
    const { token } = await createScopedOrganizationToken(
      suite.db.prisma,
      actorOf(admin),
      { organizationKey: organization.key, name: "all", allProjects: true, expiresAt: new Date(now.getTime() + DAY) },
      now,
    );
    expect(token.allProjects).toBe(true);
    expect(await suite.db.prisma.tokenProject.count({ where: { tokenId: token.id } })).toBe(0);
  });

  it("R6: refused on the FREE plan, naming the plan and what to do", async () => {
    const { organization, admin } = await organizationWithAdmin("FREE");
    await expectDomainError(
      createScopedOrganizationToken(
        suite.db.prisma,
        actorOf(admin),
        { organizationKey: organization.key, name: "free", allProjects: true },
        now,
      ),
      { code: "RULE_VIOLATION", field: "input.organizationKey", message: /FREE plan.*TEAM and ENTERPRISE.*Upgrade/s },
    );
    expect(await suite.db.prisma.token.count({ where: { organizationId: organization.id } })).toBe(0);
  });

  it("R6: refused for a member who is not an org admin (SCAN is not enough)", async () => {
    const { organization } = await organizationWithAdmin("TEAM");
    const scanner = await suite.fixtures.devopsAccount();
    await suite.fixtures.member(scanner, organization, ["SCAN"]);
    await expectDomainError(
      createScopedOrganizationToken(
        suite.db.prisma,
        actorOf(scanner),
        { organizationKey: organization.key, name: "nope", allProjects: true },
        now,
      ),
      { code: "FORBIDDEN", message: /administrators/ },
    );
  });

  it("R6: an admin through a group may create one", async () => {
    const { organization } = await organizationWithAdmin("TEAM");
    const groupAdmin = await suite.fixtures.devopsAccount();
    await suite.fixtures.group(organization, ["ADMIN"], [groupAdmin]);
    const { token } = await createScopedOrganizationToken(
      suite.db.prisma,
      actorOf(groupAdmin),
      { organizationKey: organization.key, name: "via group", projectKeys: ["mobile"] },
      now,
    );
    expect(token.createdById).toBe(groupAdmin.id);
  });

  it("R6: unknown project keys are refused and named", async () => {
    const { organization, admin } = await organizationWithAdmin("TEAM");
    const error = await expectDomainError(
      createScopedOrganizationToken(
        suite.db.prisma,
        actorOf(admin),
        { organizationKey: organization.key, name: "typo", projectKeys: ["web", "wbe", "apii"] },
        now,
      ),
      { code: "INVALID_INPUT", field: "input.projectKeys[1]", message: /"wbe", "apii"/ },
    );
    expect(error.details).toEqual({ unknownProjectKeys: ["wbe", "apii"] });
  });

  it("R6: exactly one of projectKeys or allProjects", async () => {
    const { organization, admin } = await organizationWithAdmin("TEAM");
    const actor = actorOf(admin);
    await expectDomainError(
      createScopedOrganizationToken(suite.db.prisma, actor, { organizationKey: organization.key, name: "neither" }, now),
      { code: "INVALID_INPUT", field: "input.projectKeys" },
    );
    await expectDomainError(
      createScopedOrganizationToken(
        suite.db.prisma,
        actor,
        { organizationKey: organization.key, name: "empty", projectKeys: [], allProjects: false },
        now,
      ),
      { code: "INVALID_INPUT", field: "input.projectKeys" },
    );
    await expectDomainError(
      createScopedOrganizationToken(
        suite.db.prisma,
        actor,
        { organizationKey: organization.key, name: "both", projectKeys: ["web"], allProjects: true },
        now,
      ),
      { code: "INVALID_INPUT", field: "input.projectKeys" },
    );
  });

  it("R6: a scoped token's name with _ or % does not clash with a different name", async () => {
    const { organization, admin } = await organizationWithAdmin("TEAM");
    const actor = actorOf(admin);
    const create = (name: string) =>
      createScopedOrganizationToken(suite.db.prisma, actor, { organizationKey: organization.key, name, allProjects: true }, now);
    await create("scan_1");
    await create("scanX1");
    await expectDomainError(create("SCAN_1"), { code: "CONFLICT", field: "input.name" });
  });

  it("R6: unknown organization, past expiry and duplicate names are refused, naming the field", async () => {
    const { organization, admin } = await organizationWithAdmin("TEAM");
    const actor = actorOf(admin);
    await expectDomainError(
      createScopedOrganizationToken(suite.db.prisma, actor, { organizationKey: "no-such-org", name: "x", allProjects: true }, now),
      { code: "NOT_FOUND", field: "input.organizationKey" },
    );
    await expectDomainError(
      createScopedOrganizationToken(
        suite.db.prisma,
        actor,
        { organizationKey: organization.key, name: "x", allProjects: true, expiresAt: new Date(now.getTime() - DAY) },
        now,
      ),
      { code: "INVALID_INPUT", field: "input.expiresAt" },
    );
    await createScopedOrganizationToken(suite.db.prisma, actor, { organizationKey: organization.key, name: "CI", allProjects: true }, now);
    await expectDomainError(
      createScopedOrganizationToken(suite.db.prisma, actor, { organizationKey: organization.key, name: "ci", allProjects: true }, now),
      { code: "CONFLICT", field: "input.name" },
    );
  });

  it("R13: writes one token.created audit event in the organization's enterprise, without secret or hash", async () => {
    const { enterprise, organization, admin } = await organizationWithAdmin("ENTERPRISE");
    const { token, secret } = await createScopedOrganizationToken(
      suite.db.prisma,
      actorOf(admin),
      { organizationKey: organization.key, name: "audited", projectKeys: ["web"] },
      now,
    );
    const events = await suite.db.prisma.auditEvent.findMany({ where: { targetId: token.id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "token.created", enterpriseId: enterprise.id, actorId: admin.id });
    expect(events[0]!.payload).toMatchObject({ kind: "SOT", organizationKey: organization.key, projectKeys: ["web"] });
    const payload = JSON.stringify(events[0]!.payload);
    expect(payload).not.toContain(secret);
    expect(payload).not.toContain(token.hash);
  });
});

describe("concurrency", () => {
  it("R5: of concurrent creations of one name by one owner, exactly one succeeds and the others are CONFLICT", async () => {
    const owner = await suite.fixtures.devopsAccount();
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => createPersonalAccessToken(suite.db.prisma, actorOf(owner), { name: "race" }, now)),
    );
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    for (const result of results) {
      if (result.status === "rejected") expect(result.reason).toMatchObject({ code: "CONFLICT", field: "input.name" });
    }
    expect(await suite.db.prisma.token.count({ where: { ownerAccountId: owner.id, name: "race" } })).toBe(1);
  });
});
