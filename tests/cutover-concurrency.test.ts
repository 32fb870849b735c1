/**
 * R11: the rules R8–R10 hold when requests race across gateway processes. In the PostgreSQL pass
 * (TEST_DATABASE_URL set) two independent Prisma clients, each with its own pool of 5 connections, stand for
 * two gateway processes on one database; in the PGlite pass both go through the single-connection embedded
 * database, where the race serializes — the same requests run and the same assertions hold either way.
 */
import { clientFor, DomainError, type PrismaClient } from "@sso-cutover/db";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { revokeEnterprisePermission } from "@sso-cutover/enterprise";
import { deleteMyAccount, removeDevopsAccountsFromOrganizations } from "@sso-cutover/sso";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildScenario, type AccountSpec, type Scenario } from "./kit/scenario";

const REVOKERS = 40;
const REMOVED_GLASS = 40;
const DELETING_GLASS = 30;
const BITBUCKET_ADMINS = 10;
const TEAM_ADMINS = 10;

let db: TestDatabase;
let gateways: [PrismaClient, PrismaClient];
let r8: Scenario;
let r9: Scenario;

const handle = (stem: string, index: number) => `${stem}-${String(index).padStart(2, "0")}`;

beforeAll(async () => {
  db = await createTestDatabase();
  gateways = process.env.TEST_DATABASE_URL ? [clientFor(db.url, 5), clientFor(db.url, 5)] : [db.prisma, db.prisma];

  // R8: forty holders of Administer Enterprise, half of them SSO accounts.
  const holders: Record<string, AccountSpec> = {};
  for (let index = 0; index < REVOKERS; index++) {
    holders[handle("holder", index)] = { kind: index % 2 === 0 ? "SSO" : "DEVOPS", enterpriseAdmin: true, memberOf: ["web"] };
  }
  r8 = await buildScenario(db.prisma, { organizations: { web: {} }, accounts: holders });

  // R9/R10: three SSO admins; seventy DOP accounts holding Administer Enterprise (break-glass candidates); ten DOP
  // admins of a Bitbucket Cloud organization; ten DOP accounts that are the only admins of "team".
  const accounts: Record<string, AccountSpec> = {};
  for (let index = 0; index < 3; index++) {
    accounts[handle("sso-admin", index)] = {
      kind: "SSO",
      enterpriseAdmin: true,
      memberOf: ["web", "bb"],
      permissions: { web: ["ADMIN"], bb: ["ADMIN"] },
    };
  }
  for (let index = 0; index < REMOVED_GLASS + DELETING_GLASS; index++) {
    accounts[handle("glass", index)] = { enterpriseAdmin: true, memberOf: ["web"], tokens: { ci: {} } };
  }
  for (let index = 0; index < BITBUCKET_ADMINS; index++) {
    accounts[handle("bb", index)] = { memberOf: ["bb"], permissions: { bb: ["ADMIN", "SCAN"] } };
  }
  for (let index = 0; index < TEAM_ADMINS; index++) {
    accounts[handle("team", index)] = { memberOf: ["team"], permissions: { team: ["ADMIN"] } };
  }
  r9 = await buildScenario(db.prisma, {
    organizations: { web: {}, bb: { devopsPlatform: "BITBUCKET_CLOUD" }, team: {} },
    accounts,
  });
});

afterAll(async () => {
  if (gateways[0] !== db.prisma) await Promise.all(gateways.map((gateway) => gateway.$disconnect()));
  await db.close();
});

type Kind = "revoke" | "remove-glass" | "delete-glass" | "remove-bb" | "delete-team";
interface Outcome {
  kind: Kind;
  /** "applied": the change was made; "refused": a rule kept it from happening (a DomainError or plan violations). */
  result: "applied" | "refused" | "unexpected";
  detail: string;
}

async function outcome(kind: Kind, request: Promise<unknown>): Promise<Outcome> {
  try {
    const value = await request;
    if (value && typeof value === "object" && "applied" in value) {
      const plan = value as { applied: boolean; violations: { code: string }[] };
      if (plan.applied) return { kind, result: "applied", detail: "" };
      return { kind, result: "refused", detail: plan.violations.map((violation) => violation.code).join(",") };
    }
    return { kind, result: "applied", detail: "" };
  } catch (error) {
    if (error instanceof DomainError && ["RULE_VIOLATION", "FORBIDDEN"].includes(error.code)) {
      return { kind, result: "refused", detail: `${error.code}:${String(error.details.rule ?? "")}` };
    }
    return { kind, result: "unexpected", detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

describe("R11: R8–R10 under concurrency", () => {
  it(
    "R11: 130 racing revocations, removals and deletions through two gateways keep ≥ 1 enterprise admin (R8), ≥ 1 break-glass DOP admin (R9a), a DOP admin on Bitbucket Cloud (R9b) and an admin per organization (R10)",
    async () => {
      const gateway = (index: number) => gateways[index % 2]!;
      const requests: Promise<Outcome>[] = [];
      const r9Key = r9.enterprise.key;
      // Started together, interleaved across kinds and gateways.
      for (let index = 0; index < 40; index++) {
        requests.push(
          outcome(
            "revoke",
            revokeEnterprisePermission(gateway(index), r8.actor(handle("holder", index)), {
              enterpriseKey: r8.enterprise.key,
              accountId: r8.account(handle("holder", (index + 1) % REVOKERS)).id,
              permission: "ADMINISTER_ENTERPRISE",
            }),
          ),
        );
        if (index < REMOVED_GLASS) {
          requests.push(
            outcome(
              "remove-glass",
              removeDevopsAccountsFromOrganizations(gateway(index + 1), r9.actor(handle("sso-admin", index % 3)), {
                enterpriseKey: r9Key,
                accountIds: [r9.account(handle("glass", index)).id],
                dryRun: false,
                // People losing access are acknowledged: this test races rules (a)–(c); R9 (d) is in access-loss.test.ts.
                acknowledgeAll: true,
              }),
            ),
          );
        }
        if (index < DELETING_GLASS) {
          const deleting = handle("glass", REMOVED_GLASS + index);
          requests.push(outcome("delete-glass", deleteMyAccount(gateway(index), r9.actor(deleting), { confirmLogin: r9.account(deleting).login })));
        }
        if (index < BITBUCKET_ADMINS) {
          requests.push(
            outcome(
              "remove-bb",
              removeDevopsAccountsFromOrganizations(gateway(index + 1), r9.actor(handle("sso-admin", index % 3)), {
                enterpriseKey: r9Key,
                accountIds: [r9.account(handle("bb", index)).id],
                dryRun: false,
                // People losing access are acknowledged: this test races rules (a)–(c); R9 (d) is in access-loss.test.ts.
                acknowledgeAll: true,
              }),
            ),
          );
        }
        if (index < TEAM_ADMINS) {
          const deleting = handle("team", index);
          requests.push(outcome("delete-team", deleteMyAccount(gateway(index + 1), r9.actor(deleting), { confirmLogin: r9.account(deleting).login })));
        }
      }
      expect(requests).toHaveLength(130);
      const outcomes = await Promise.all(requests);

      // Every response was a success or a clear refusal.
      expect(outcomes.filter((entry) => entry.result === "unexpected")).toEqual([]);
      const count = (kind: Kind, result: Outcome["result"]) => outcomes.filter((entry) => entry.kind === kind && entry.result === result).length;
      const details = (kind: Kind) => [...new Set(outcomes.filter((entry) => entry.kind === kind && entry.result === "refused").map((entry) => entry.detail))];

      // R8: at least one holder of Administer Enterprise is left, and every revocation that went through is audited.
      const holdersLeft = await db.prisma.enterprisePermission.count({
        where: { enterpriseId: r8.enterprise.id, permission: "ADMINISTER_ENTERPRISE", account: { deletedAt: null } },
      });
      expect(holdersLeft).toBeGreaterThanOrEqual(1);
      expect(count("revoke", "applied")).toBe(REVOKERS - holdersLeft);
      expect(count("revoke", "applied")).toBeGreaterThan(0);
      expect(details("revoke").every((detail) => ["FORBIDDEN:", "RULE_VIOLATION:R8", "RULE_VIOLATION:R9"].includes(detail))).toBe(true);
      expect(await r8.auditEvents("enterprise_permission.revoked")).toHaveLength(count("revoke", "applied"));

      // R9 (a) and R10: exactly one of the seventy DOP enterprise admins is left, as if the requests had run one by one.
      const dopAdminsLeft = await db.prisma.enterprisePermission.findMany({
        where: { enterpriseId: r9.enterprise.id, permission: "ADMINISTER_ENTERPRISE", account: { kind: "DEVOPS", deletedAt: null } },
        select: { accountId: true },
      });
      expect(dopAdminsLeft).toHaveLength(1);
      expect(count("remove-glass", "applied") + count("delete-glass", "applied")).toBe(REMOVED_GLASS + DELETING_GLASS - 1);
      expect([...details("remove-glass"), ...details("delete-glass")].every((detail) => ["NO_BREAK_GLASS_ADMIN", "RULE_VIOLATION:R9"].includes(detail))).toBe(
        true,
      );

      // R9 (b): one DOP admin of the Bitbucket Cloud organization is left.
      const bitbucketDopAdmins = await db.prisma.orgPermission.count({
        where: { organizationId: r9.organization("bb").id, permission: "ADMIN", account: { kind: "DEVOPS", deletedAt: null } },
      });
      expect(bitbucketDopAdmins).toBe(1);
      expect(count("remove-bb", "applied")).toBe(BITBUCKET_ADMINS - 1);
      expect(details("remove-bb")).toEqual(["BITBUCKET_WITHOUT_DOP_ADMIN"]);

      // R10: "team" keeps one admin; the others deleted their accounts.
      const teamAdmins = await db.prisma.orgPermission.count({
        where: { organizationId: r9.organization("team").id, permission: "ADMIN", account: { deletedAt: null } },
      });
      expect(teamAdmins).toBe(1);
      expect(count("delete-team", "applied")).toBe(TEAM_ADMINS - 1);
      expect(details("delete-team")).toEqual(["RULE_VIOLATION:R10"]);
      expect(await db.prisma.account.count({ where: { login: { endsWith: `-${r9.suffix}` }, deletedAt: { not: null } } })).toBe(
        count("delete-glass", "applied") + count("delete-team", "applied"),
      );

      // R13: one audit event per applied change, none for refusals.
      expect(await r9.auditEvents("cutover.devops_accounts_removed")).toHaveLength(count("remove-glass", "applied") + count("remove-bb", "applied"));
      expect(await r9.auditEvents("account.deleted")).toHaveLength(count("delete-glass", "applied") + count("delete-team", "applied"));
    },
    240_000,
  );
});
