import type { Database } from "@sso-cutover/db";
import { createTestDatabase } from "@sso-cutover/db/testing";
import { visibleEnterpriseWhere, visibleOrganizationWhere } from "@sso-cutover/enterprise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildScenario } from "../../../tests/kit/scenario";
import { visibleOrganizationsOfAccounts } from "../src/index";

let db: Database;

beforeAll(async () => {
  db = await createTestDatabase();
  // Two enterprises, an organization outside any enterprise, and viewers of every kind: enterprise admin, member
  // directly, member through a group only, SSO account of the enterprise, account of the other enterprise, nobody.
  for (const key of ["aorg-a", "aorg-b"]) {
    await buildScenario(db.prisma, {
      enterprise: { key },
      organizations: { web: {}, api: { groups: { Developers: ["SCAN"] } }, outside: { inEnterprise: false } },
      accounts: {
        admin: { enterpriseAdmin: true },
        direct: { memberOf: ["web", "outside"] },
        grouped: { groups: { api: ["Developers"] } },
        both: { memberOf: ["web", "api"] },
        lonely: { memberOf: ["outside"] },
        sso: { kind: "SSO", memberOf: ["api"] },
        nobody: {},
      },
    });
  }
});
afterAll(() => db?.close());

describe("visibleOrganizationsOfAccounts", () => {
  it("R15: gives each account's direct organizations that visibleOrganizationWhere lets the viewer see, by key, each with its enterprise, which visibleEnterpriseWhere lets the viewer see, for every viewer", async () => {
    const accounts = await db.prisma.account.findMany({ select: { id: true }, orderBy: { login: "asc" } });
    const ids = accounts.map((account) => account.id);
    let seen = 0;
    for (const viewer of [...ids, "no-such-account"]) {
      const result = await visibleOrganizationsOfAccounts(db.prisma, viewer, ids);
      for (const id of ids) {
        const expected = await db.prisma.orgMembership.findMany({
          where: { accountId: id, organization: visibleOrganizationWhere(viewer) },
          select: { organization: { include: { enterprise: true } } },
          orderBy: { organization: { key: "asc" } },
        });
        expect(result.get(id), `viewer ${viewer}, account ${id}`).toEqual(expected.map((row) => row.organization));
        const enterpriseIds = [...new Set(expected.flatMap((row) => (row.organization.enterpriseId ? [row.organization.enterpriseId] : [])))];
        const visible = await db.prisma.enterprise.count({ where: { id: { in: enterpriseIds }, ...visibleEnterpriseWhere(viewer) } });
        expect(visible, `viewer ${viewer}: the enterprises of the organizations it sees`).toBe(enterpriseIds.length);
        seen += expected.length;
      }
    }
    // The scenario gives some viewers organizations to see and hides others from them.
    expect(seen).toBeGreaterThan(0);
    expect((await visibleOrganizationsOfAccounts(db.prisma, "no-such-account", ids)).get(ids[0]!)).toEqual([]);
  });
});
