/**
 * EnterpriseMember rows are kept by database triggers (migration `enterprise_members`): each account with a
 * membership in an organization of an enterprise, directly or through a group, with how many it has. The readiness
 * totals and setup progress (R9 d: who is still in the enterprise) read them instead of every membership. Checked
 * here against the memberships themselves after every kind of change the schema allows, including the rare ones
 * the application never makes (a membership or group moved, an organization changing enterprise), and under
 * concurrent transactions.
 */
import type { PrismaClient } from "@sso-cutover/db";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { random } from "../../../tests/kit/generated-enterprise";

let db: TestDatabase;
let prisma: PrismaClient;
beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
});
afterAll(() => db.close());

/** What the rows must be: counted from the memberships, as `enterpriseId accountId memberships` lines. */
async function expected(): Promise<string[]> {
  const rows = await prisma.$queryRaw<{ enterpriseId: string; accountId: string; memberships: number }[]>`
    SELECT o."enterpriseId", x."accountId", count(*)::int AS "memberships"
    FROM (SELECT "accountId", "organizationId" FROM "OrgMembership"
          UNION ALL
          SELECT gm."accountId", g."organizationId" FROM "GroupMembership" gm JOIN "Group" g ON g."id" = gm."groupId") x
    JOIN "Organization" o ON o."id" = x."organizationId"
    WHERE o."enterpriseId" IS NOT NULL
    GROUP BY 1, 2 ORDER BY 1, 2`;
  return rows.map((row) => `${row.enterpriseId} ${row.accountId} ${row.memberships}`);
}

async function kept(): Promise<string[]> {
  const rows = await prisma.enterpriseMember.findMany({ orderBy: [{ enterpriseId: "asc" }, { accountId: "asc" }] });
  return rows.map((row) => `${row.enterpriseId} ${row.accountId} ${row.memberships}`);
}

describe("EnterpriseMember rows follow the memberships (readiness totals, R9 d)", () => {
  it("after every change of memberships, groups and organizations, drawn from a seed, the kept rows equal the count from the memberships", async () => {
    const draw = random(20261130);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(draw() * items.length)]!;
    const enterprises = await Promise.all(
      ["north", "south"].map((key) => prisma.enterprise.create({ data: { key: `em-${key}`, name: key } })),
    );
    const organizations = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        prisma.organization.create({
          // The last organization starts outside any enterprise: its members count nowhere.
          data: { key: `em-org-${index}`, name: `Org ${index}`, enterpriseId: index < 5 ? enterprises[index % 2]!.id : null },
        }),
      ),
    );
    const groups = await Promise.all(
      organizations.flatMap((organization) =>
        ["Members", "Owners"].map((name) => prisma.group.create({ data: { organizationId: organization.id, name } })),
      ),
    );
    await prisma.account.createMany({
      data: Array.from({ length: 12 }, (_, index) => ({ login: `em-${index}`, name: `Person ${index}`, kind: "DEVOPS" as const })),
    });
    const accounts = await prisma.account.findMany({ where: { login: { startsWith: "em-" } } });
    const steps: string[] = [];
    const kinds = new Set<string>();

    for (let step = 0; step < 60; step++) {
      const choice = draw();
      if (choice < 0.25) {
        // Several memberships in one statement, some already there (skipped as the import does).
        const data = Array.from({ length: 1 + Math.floor(draw() * 6) }, () => ({ accountId: pick(accounts).id, organizationId: pick(organizations).id }));
        await prisma.orgMembership.createMany({ data, skipDuplicates: true });
        steps.push(`add ${data.length} memberships`);
      } else if (choice < 0.4) {
        const data = Array.from({ length: 1 + Math.floor(draw() * 4) }, () => ({ accountId: pick(accounts).id, groupId: pick(groups).id }));
        await prisma.groupMembership.createMany({ data, skipDuplicates: true });
        steps.push(`add ${data.length} group memberships`);
      } else if (choice < 0.55) {
        const account = pick(accounts);
        const removed = await prisma.orgMembership.deleteMany({ where: { accountId: account.id, organizationId: { in: [pick(organizations).id, pick(organizations).id] } } });
        steps.push(`remove ${removed.count} memberships`);
      } else if (choice < 0.65) {
        const removed = await prisma.groupMembership.deleteMany({ where: { groupId: pick(groups).id } });
        steps.push(`empty a group (${removed.count})`);
      } else if (choice < 0.72) {
        // Every membership of an account at once, as a removal of DOP accounts does.
        const removed = await prisma.$transaction([
          prisma.orgMembership.deleteMany({ where: { accountId: pick(accounts).id } }),
          prisma.groupMembership.deleteMany({ where: { accountId: pick(accounts).id } }),
        ]);
        steps.push(`remove all of two accounts (${removed.map((r) => r.count).join("+")})`);
      } else if (choice < 0.8) {
        const membership = await prisma.orgMembership.findFirst({ skip: Math.floor(draw() * 5) });
        const target = pick(organizations);
        const clash = membership && (await prisma.orgMembership.findFirst({ where: { accountId: membership.accountId, organizationId: target.id } }));
        if (membership && !clash) await prisma.orgMembership.update({ where: { id: membership.id }, data: { organizationId: target.id } });
        steps.push("move a membership");
      } else if (choice < 0.9) {
        const organization = pick(organizations);
        const enterpriseId = draw() < 0.25 ? null : pick(enterprises).id;
        await prisma.organization.update({ where: { id: organization.id }, data: { enterpriseId } });
        organization.enterpriseId = enterpriseId;
        steps.push(`move ${organization.key} to ${enterpriseId ?? "no enterprise"}`);
      } else {
        const group = pick(groups);
        const target = pick(organizations);
        const name = `${group.name}-${step}`;
        await prisma.group.update({ where: { id: group.id }, data: { organizationId: target.id, name } });
        group.organizationId = target.id;
        group.name = name;
        steps.push(`move a group to ${target.key}`);
      }
      kinds.add(choice < 0.25 ? "memberships added" : choice < 0.4 ? "group memberships added" : choice < 0.55 ? "memberships removed"
        : choice < 0.65 ? "group emptied" : choice < 0.72 ? "accounts removed" : choice < 0.8 ? "membership moved"
        : choice < 0.9 ? "organization moved" : "group moved");
      expect(await kept(), `after: ${steps.join(", ")}`).toEqual(await expected());
    }
    // The sequence made every kind of change, and left rows to compare.
    expect(kinds.size).toBe(8);
    expect((await kept()).length).toBeGreaterThan(0);
  }, 120_000);

  it("concurrent transactions adding and removing memberships of one account add up instead of overwriting each other (R11)", async () => {
    const enterprise = await prisma.enterprise.create({ data: { key: "em-race", name: "Race" } });
    const organizations = await Promise.all(
      Array.from({ length: 8 }, (_, index) => prisma.organization.create({ data: { key: `em-race-${index}`, name: `Race ${index}`, enterpriseId: enterprise.id } })),
    );
    const account = await prisma.account.create({ data: { login: "em-racer", name: "Racer", kind: "DEVOPS" } });
    // Eight transactions at once, each adding one membership of the same account (READ COMMITTED, the default).
    await Promise.all(
      organizations.map((organization) =>
        prisma.$transaction(async (tx) => {
          await tx.orgMembership.create({ data: { accountId: account.id, organizationId: organization.id } });
          await tx.$executeRaw`SELECT pg_sleep(0.02)`;
        }),
      ),
    );
    expect(await prisma.enterpriseMember.findUnique({ where: { enterpriseId_accountId: { enterpriseId: enterprise.id, accountId: account.id } } })).toMatchObject({
      memberships: 8,
    });
    // Then seven removed at once: one remains, and so does the row.
    await Promise.all(
      organizations.slice(1).map((organization) =>
        prisma.$transaction(async (tx) => {
          await tx.orgMembership.deleteMany({ where: { accountId: account.id, organizationId: organization.id } });
          await tx.$executeRaw`SELECT pg_sleep(0.02)`;
        }),
      ),
    );
    expect(await prisma.enterpriseMember.findUnique({ where: { enterpriseId_accountId: { enterpriseId: enterprise.id, accountId: account.id } } })).toMatchObject({
      memberships: 1,
    });
    expect(await kept()).toEqual(await expected());
  }, 60_000);
});
