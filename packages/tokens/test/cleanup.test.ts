import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import type { Account, Organization } from "@sso-cutover/db";
import {
  createPersonalAccessToken,
  createScopedOrganizationToken,
  removeUnusedTokens,
  startTokenCleanup,
  TOKEN_CLEANUP_ACTION,
} from "@sso-cutover/tokens";
import { actorOf, DAY, MINUTE, tokenSuite } from "../../../tests/kit/tokens-fixtures";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const suite = tokenSuite();

/** A PAT created at `createdAt` and, when given, last used at `lastUsedAt`. */
async function personalToken(owner: Account, name: string, createdAt: Date, lastUsedAt: Date | null = null) {
  const created = await createPersonalAccessToken(suite.db.prisma, actorOf(owner), { name }, createdAt);
  await suite.db.prisma.token.update({ where: { id: created.token.id }, data: { lastUsedAt } });
  return created;
}

async function scopedToken(admin: Account, organization: Organization, name: string, createdAt: Date, lastUsedAt: Date | null = null) {
  const created = await createScopedOrganizationToken(
    suite.db.prisma,
    actorOf(admin),
    { organizationKey: organization.key, name, projectKeys: ["web"] },
    createdAt,
  );
  await suite.db.prisma.token.update({ where: { id: created.token.id }, data: { lastUsedAt } });
  return created;
}

const remaining = async (ids: string[]) =>
  (await suite.db.prisma.token.findMany({ where: { id: { in: ids } }, select: { name: true } })).map((t) => t.name).sort();

describe("removing unused tokens", () => {
  it("R5: 60 days minus one minute unused is kept; 60 days (and 60 days plus one minute) unused is removed", async () => {
    const now = new Date("2026-09-01T00:00:00Z");
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const enterprise = await suite.fixtures.enterprise();
    const organization = await suite.fixtures.organization({ enterprise, plan: "TEAM" });
    await suite.fixtures.projects(organization, ["web"]);
    const admin = await suite.fixtures.devopsAccount();
    await suite.fixtures.member(admin, organization, ["ADMIN"]);
    const owner = await suite.fixtures.devopsAccount();

    const tokens = await Promise.all([
      personalToken(owner, "used 60d-1m ago", ago(90 * DAY), ago(60 * DAY - MINUTE)),
      personalToken(owner, "used 60d+1m ago", ago(90 * DAY), ago(60 * DAY + MINUTE)),
      personalToken(owner, "used exactly 60d ago", ago(90 * DAY), ago(60 * DAY)),
      personalToken(owner, "never used, created 60d-1m ago", ago(60 * DAY - MINUTE)),
      personalToken(owner, "never used, created 60d+1m ago", ago(60 * DAY + MINUTE)),
      personalToken(owner, "used yesterday", ago(400 * DAY), ago(DAY)),
      scopedToken(admin, organization, "SOT without expiry, unused 60d+1m", ago(90 * DAY), ago(60 * DAY + MINUTE)),
      scopedToken(admin, organization, "SOT without expiry, unused 60d-1m", ago(90 * DAY), ago(60 * DAY - MINUTE)),
    ]);
    const ids = tokens.map(({ token }) => token.id);

    expect(await removeUnusedTokens(suite.db.prisma, now)).toBe(4);
    expect(await remaining(ids)).toEqual([
      "SOT without expiry, unused 60d-1m",
      "never used, created 60d-1m ago",
      "used 60d-1m ago",
      "used yesterday",
    ]);
    // The project scope of the removed SOT goes with it.
    expect(await suite.db.prisma.tokenProject.count({ where: { tokenId: tokens[6]!.token.id } })).toBe(0);
    // A second run at the same instant finds nothing more.
    expect(await removeUnusedTokens(suite.db.prisma, now)).toBe(0);
  });

  it("R5/R13: writes one audit event per enterprise affected, naming the tokens without secrets or hashes", async () => {
    const now = new Date("2027-06-01T00:00:00Z");
    const old = new Date(now.getTime() - 61 * DAY);
    // Anything left from the other test is old by now: clear it so that this test sees only its own tokens.
    await removeUnusedTokens(suite.db.prisma, now);

    const acme = await suite.fixtures.enterprise("Acme");
    const globex = await suite.fixtures.enterprise("Globex");
    const acmeWeb = await suite.fixtures.organization({ enterprise: acme, plan: "ENTERPRISE" });
    await suite.fixtures.projects(acmeWeb, ["web"]);
    const acmeAdmin = await suite.fixtures.devopsAccount();
    await suite.fixtures.member(acmeAdmin, acmeWeb, ["ADMIN"]);
    const globexOrg = await suite.fixtures.organization({ enterprise: globex, plan: "TEAM" });
    const dopMember = await suite.fixtures.devopsAccount();
    await suite.fixtures.group(globexOrg, ["SCAN"], [dopMember]);
    const acmeSso = await suite.fixtures.ssoAccount(acme);
    const loner = await suite.fixtures.devopsAccount();

    const sot = await scopedToken(acmeAdmin, acmeWeb, "acme pipeline", old);
    const ssoPat = await personalToken(acmeSso, "acme laptop", old);
    const dopPat = await personalToken(dopMember, "globex ci", old);
    const lonePat = await personalToken(loner, "no enterprise", old);
    const secrets = [sot, ssoPat, dopPat, lonePat].map(({ secret }) => secret);
    const hashes = [sot, ssoPat, dopPat, lonePat].map(({ token }) => token.hash);

    const earlier = (await suite.db.prisma.auditEvent.findMany({ select: { id: true } })).map((event) => event.id);
    expect(await removeUnusedTokens(suite.db.prisma, now)).toBe(4);
    const events = await suite.db.prisma.auditEvent.findMany({ where: { id: { notIn: earlier } } });
    expect(events.every((event) => event.action === TOKEN_CLEANUP_ACTION && event.actorId === null)).toBe(true);
    const byEnterprise = new Map(events.map((event) => [event.enterpriseId, event]));
    expect(events).toHaveLength(3);
    const names = (enterpriseId: string | null) =>
      ((byEnterprise.get(enterpriseId)?.payload as { removed: { name: string }[] }).removed ?? []).map((t) => t.name).sort();
    expect(names(acme.id)).toEqual(["acme laptop", "acme pipeline"]);
    expect(names(globex.id)).toEqual(["globex ci"]);
    expect(names(null)).toEqual(["no enterprise"]);
    expect(byEnterprise.get(acme.id)?.payload).toMatchObject({ count: 2, reason: "unused for 60 days" });
    for (const event of events) {
      const text = JSON.stringify(event);
      for (const value of [...secrets, ...hashes]) expect(text).not.toContain(value);
    }
  });

  it("R5: `pnpm cli tokens-cleanup` (alias `pnpm tokens:cleanup`) removes unused tokens from DATABASE_URL and prints how many", async () => {
    const owner = await suite.fixtures.devopsAccount();
    const real = new Date();
    await personalToken(owner, "stale", new Date(real.getTime() - 61 * DAY));
    await personalToken(owner, "fresh", new Date(real.getTime() - DAY));
    // The embedded test database serves one connection at a time: hand it to the command while it runs.
    if (suite.db.kind === "pglite") await suite.db.prisma.$disconnect();
    const { code, stdout, stderr } = await run(process.execPath, [
      path.join(root, "node_modules", "tsx", "dist", "cli.mjs"),
      path.join(root, "apps", "cli", "src", "main.ts"),
      "tokens-cleanup",
    ], { DATABASE_URL: suite.db.url });
    expect(stderr).not.toMatch(/failed/);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Removed 1 token\(s\) unused for 60 days\./);
    expect((await suite.db.prisma.token.findMany({ where: { ownerAccountId: owner.id } })).map((t) => t.name)).toEqual(["fresh"]);
  });
});

describe("periodic cleanup", () => {
  it("R5: runs at start and every interval on an unref'd timer, logs the count, and stops", async () => {
    const owner = await suite.fixtures.devopsAccount();
    const now = new Date("2028-01-01T00:00:00Z");
    await removeUnusedTokens(suite.db.prisma, now);
    await personalToken(owner, "stale", new Date(now.getTime() - 61 * DAY));

    const timers: NodeJS.Timeout[] = [];
    const realSetInterval = globalThis.setInterval;
    const spy = vi.spyOn(globalThis, "setInterval").mockImplementation(((handler: () => void, ms: number) => {
      const timer = realSetInterval(handler, ms);
      timers.push(timer);
      return timer;
    }) as typeof setInterval);
    const lines: string[] = [];
    const stop = startTokenCleanup(suite.db.prisma, { intervalMs: 50, log: (line) => lines.push(line), now: () => now });
    spy.mockRestore();
    await vi.waitFor(() => expect(lines.length).toBeGreaterThanOrEqual(2), { timeout: 5_000, interval: 20 });
    await stop();
    const count = lines.length;
    expect(lines[0]).toBe("token cleanup: removed 1 token(s) unused for 60 days");
    expect(lines[1]).toBe("token cleanup: removed 0 token(s) unused for 60 days");
    expect(timers).toHaveLength(1);
    expect(timers[0]!.hasRef()).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(lines.length).toBe(count);
  });

  it("R5: with a delay before the first run (as in the server), nothing is removed before it; stopping first cancels the run", async () => {
    const owner = await suite.fixtures.devopsAccount();
    const now = new Date("2028-02-01T00:00:00Z");
    await removeUnusedTokens(suite.db.prisma, now);
    const stale = await personalToken(owner, "stale-deferred", new Date(now.getTime() - 61 * DAY));
    const lines: string[] = [];
    const stop = startTokenCleanup(suite.db.prisma, { intervalMs: 60_000, firstRunAfterMs: 60_000, log: (line) => lines.push(line), now: () => now });
    await stop();
    expect(lines).toEqual([]);
    expect(await remaining([stale.token.id])).toEqual(["stale-deferred"]);
  });
});

function run(command: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
