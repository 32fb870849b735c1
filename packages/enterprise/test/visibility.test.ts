import type { Database } from "@sso-cutover/db";
import { createTestDatabase } from "@sso-cutover/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildScenario } from "../../../tests/kit/scenario";
import { visibleEnterpriseByKey, visibleEnterpriseWhere } from "../src/index";

let db: Database;
const keys: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  // Two enterprises and viewers of every kind: enterprise admin, holder of another permission, member directly,
  // member through a group only, member of an organization outside any enterprise only, SSO account, nobody.
  for (const key of ["vis-a", "vis-b"]) {
    const scenario = await buildScenario(db.prisma, {
      enterprise: { key },
      organizations: { web: {}, api: { groups: { Developers: ["SCAN"] } }, outside: { inEnterprise: false } },
      accounts: {
        admin: { enterpriseAdmin: true },
        portfolios: {},
        direct: { memberOf: ["web"] },
        grouped: { groups: { api: ["Developers"] } },
        lonely: { memberOf: ["outside"] },
        sso: { kind: "SSO" },
        nobody: {},
      },
    });
    keys.push(scenario.enterprise.key);
    await db.prisma.enterprisePermission.create({
      data: { enterpriseId: scenario.enterprise.id, accountId: scenario.account("portfolios").id, permission: "CREATE_PORTFOLIOS" },
    });
  }
});
afterAll(() => db?.close());

describe("visibleEnterpriseByKey", () => {
  it("R15: finds the enterprise exactly when visibleEnterpriseWhere lets the viewer see it, for every viewer and key", async () => {
    const viewers = [...(await db.prisma.account.findMany({ select: { id: true } })).map((account) => account.id), "no-such-account"];
    let visible = 0;
    for (const viewer of viewers) {
      for (const key of [...keys, "no-such-enterprise"]) {
        const expected = await db.prisma.enterprise.findFirst({ where: { key, ...visibleEnterpriseWhere(viewer) } });
        expect(await visibleEnterpriseByKey(db.prisma, viewer, key), `viewer ${viewer}, key ${key}`).toEqual(expected);
        if (expected) visible++;
      }
    }
    // Each enterprise is seen by its admin, permission holder, direct and group members and SSO account, not others.
    expect(visible).toBe(2 * 5);
  });
});
