/**
 * R11 for organization permission changes: R9 (b) and (c) hold when revocations and group removals race across
 * gateway processes. In the PostgreSQL pass two independent Prisma clients stand for two gateways on one database; in
 * the PGlite pass both go through the single-connection embedded database, where the race serializes — the same
 * requests run and the same assertions hold either way.
 */
import { clientFor, DomainError, type PrismaClient } from "@sso-cutover/db";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { removeOrganizationGroupMember, revokeOrganizationPermission } from "@sso-cutover/membership";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildScenario, type AccountSpec, type Scenario } from "./kit/scenario";

const RACERS = 12;

let db: TestDatabase;
let gateways: [PrismaClient, PrismaClient];
let s: Scenario;

const handle = (stem: string, index: number) => `${stem}-${String(index).padStart(2, "0")}`;

beforeAll(async () => {
  db = await createTestDatabase();
  gateways = process.env.TEST_DATABASE_URL ? [clientFor(db.url, 5), clientFor(db.url, 5)] : [db.prisma, db.prisma];
  // bb (Bitbucket Cloud): an SSO admin and twelve DOP admins. team: twelve DOP admins, nobody else. owned: twelve
  // members of Owners, nobody else. The enterprise admin administers all three through the enterprise.
  const accounts: Record<string, AccountSpec> = {
    admin: { kind: "SSO", enterpriseAdmin: true, memberOf: ["bb"], permissions: { bb: ["ADMIN"] } },
  };
  for (let index = 0; index < RACERS; index++) {
    accounts[handle("bb", index)] = { memberOf: ["bb"], permissions: { bb: ["ADMIN", "SCAN"] } };
    accounts[handle("team", index)] = { memberOf: ["team"], permissions: { team: ["ADMIN"] } };
    accounts[handle("owner", index)] = { groups: { owned: ["Owners"] } };
  }
  s = await buildScenario(db.prisma, {
    organizations: { bb: { devopsPlatform: "BITBUCKET_CLOUD" }, team: { devopsPlatform: "GITLAB" }, owned: {} },
    accounts,
  });
});

afterAll(async () => {
  if (gateways[0] !== db.prisma) await Promise.all(gateways.map((gateway) => gateway.$disconnect()));
  await db.close();
});

type Outcome = { kind: "bb" | "team" | "owned"; result: "applied" | "refused" | "unexpected"; detail: string };

async function outcome(kind: Outcome["kind"], request: Promise<unknown>): Promise<Outcome> {
  try {
    await request;
    return { kind, result: "applied", detail: "" };
  } catch (error) {
    if (error instanceof DomainError && error.code === "RULE_VIOLATION") return { kind, result: "refused", detail: String(error.details.violation) };
    return { kind, result: "unexpected", detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

describe("R11: organization permission changes under concurrency", () => {
  it(
    "R11: 36 racing revocations and group removals through two gateways keep a DOP admin on Bitbucket Cloud (R9 b) and an admin per organization (R9 c)",
    async () => {
      const gateway = (index: number) => gateways[index % 2]!;
      const actor = s.actor("admin");
      const requests: Promise<Outcome>[] = [];
      for (let index = 0; index < RACERS; index++) {
        requests.push(
          outcome("bb", revokeOrganizationPermission(gateway(index), actor, { organizationKey: s.organization("bb").key, permission: "ADMIN", accountId: s.account(handle("bb", index)).id })),
          outcome("team", revokeOrganizationPermission(gateway(index + 1), actor, { organizationKey: s.organization("team").key, permission: "ADMIN", accountId: s.account(handle("team", index)).id })),
          outcome("owned", removeOrganizationGroupMember(gateway(index), actor, { organizationKey: s.organization("owned").key, group: "Owners", accountId: s.account(handle("owner", index)).id })),
        );
      }
      const outcomes = await Promise.all(requests);
      expect(outcomes.filter((entry) => entry.result === "unexpected")).toEqual([]);
      const count = (kind: Outcome["kind"], result: Outcome["result"]) => outcomes.filter((entry) => entry.kind === kind && entry.result === result).length;
      const refusals = (kind: Outcome["kind"]) => [...new Set(outcomes.filter((entry) => entry.kind === kind && entry.result === "refused").map((entry) => entry.detail))];

      // R9 (b): exactly one DOP admin of the Bitbucket Cloud organization is left (the SSO admin does not count).
      expect(await db.prisma.orgPermission.count({ where: { organizationId: s.organization("bb").id, permission: "ADMIN", account: { kind: "DEVOPS" } } })).toBe(1);
      expect(count("bb", "applied")).toBe(RACERS - 1);
      expect(refusals("bb")).toEqual(["BITBUCKET_WITHOUT_DOP_ADMIN"]);

      // R9 (c): "team" keeps one direct admin, "owned" one member of Owners.
      expect(await db.prisma.orgPermission.count({ where: { organizationId: s.organization("team").id, permission: "ADMIN" } })).toBe(1);
      expect(count("team", "applied")).toBe(RACERS - 1);
      expect(refusals("team")).toEqual(["ORGANIZATION_WITHOUT_ADMIN"]);
      expect(await db.prisma.groupMembership.count({ where: { groupId: s.group("owned", "Owners").id } })).toBe(1);
      expect(count("owned", "applied")).toBe(RACERS - 1);
      expect(refusals("owned")).toEqual(["ORGANIZATION_WITHOUT_ADMIN"]);

      // R13: one audit event per applied change.
      expect(await s.auditEvents("organization_permission.revoked")).toHaveLength(2 * (RACERS - 1));
      expect(await s.auditEvents("organization_group.member_removed")).toHaveLength(RACERS - 1);
    },
    240_000,
  );
});
