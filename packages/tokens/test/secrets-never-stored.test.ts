import { describe, expect, it, vi } from "vitest";
import {
  authenticateToken,
  createPersonalAccessToken,
  createScopedOrganizationToken,
  hashTokenSecret,
  removeUnusedTokens,
  revokeToken,
  startTokenCleanup,
  tokenGuidanceForOrganization,
  tokenInfo,
} from "@sso-cutover/tokens";
import { actorOf, DAY, tokenSuite } from "../../../tests/kit/tokens-fixtures";

const now = new Date("2026-06-01T12:00:00Z");
const suite = tokenSuite();

/** Every text-like column (text, varchar, json, jsonb) of every table of the schema. */
async function textColumns(): Promise<{ table: string; column: string }[]> {
  return suite.db.prisma.$queryRawUnsafe<{ table: string; column: string }[]>(
    `SELECT table_name AS "table", column_name AS "column" FROM information_schema.columns
      WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'json', 'jsonb')
      ORDER BY table_name, column_name`,
  );
}

/** `table.column` of every text-like column holding `needle` somewhere, in one statement. */
async function rowsContaining(needle: string): Promise<string[]> {
  const scans = (await textColumns()).map(
    ({ table, column }) =>
      `SELECT '${table}.${column}' AS place FROM "${table}" WHERE position($1 in "${column}"::text) > 0`,
  );
  const rows = await suite.db.prisma.$queryRawUnsafe<{ place: string }[]>(scans.join(" UNION ALL "), needle);
  return [...new Set(rows.map((row) => row.place))];
}

describe("secrets", () => {
  it("R5: no secret appears in any text column of the database (tokens and audit tables included) nor in logs", async () => {
    const columns = (await textColumns()).map(({ table, column }) => `${table}.${column}`);
    expect(columns).toEqual(expect.arrayContaining(["Token.hash", "Token.name", "Token.lastFour", "AuditEvent.payload"]));

    const logged: string[] = [];
    const capture = (stream: NodeJS.WriteStream) =>
      vi.spyOn(stream, "write").mockImplementation(((chunk: string | Uint8Array) => {
        logged.push(String(chunk));
        return true;
      }) as typeof stream.write);
    const spies = [
      capture(process.stdout),
      capture(process.stderr),
      ...(["log", "info", "warn", "error", "debug"] as const).map((method) =>
        vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
          logged.push(args.map(String).join(" "));
        }),
      ),
    ];
    const secrets: string[] = [];
    try {
      const enterprise = await suite.fixtures.enterprise();
      const organization = await suite.fixtures.organization({ enterprise, plan: "ENTERPRISE" });
      await suite.fixtures.projects(organization, ["web"]);
      const admin = await suite.fixtures.devopsAccount();
      await suite.fixtures.member(admin, organization, ["ADMIN"]);
      const sso = await suite.fixtures.ssoAccount(enterprise);

      const pat = await createPersonalAccessToken(suite.db.prisma, actorOf(admin), { name: "pat" }, now);
      const ssoPat = await createPersonalAccessToken(suite.db.prisma, actorOf(sso), { name: "sso pat" }, now);
      const sot = await createScopedOrganizationToken(
        suite.db.prisma,
        actorOf(admin),
        { organizationKey: organization.key, name: "sot", projectKeys: ["web"] },
        now,
      );
      const stale = await createPersonalAccessToken(suite.db.prisma, actorOf(admin), { name: "stale" }, new Date(now.getTime() - 61 * DAY));
      secrets.push(pat.secret, ssoPat.secret, sot.secret, stale.secret);

      for (const secret of secrets.slice(0, 3)) {
        await tokenInfo(suite.db.prisma, await authenticateToken(suite.db.prisma, secret, now), "web", now);
      }
      await revokeToken(suite.db.prisma, actorOf(sso), { tokenId: ssoPat.token.id }, now);
      await tokenGuidanceForOrganization(suite.db.prisma, organization.id, now);
      expect(await removeUnusedTokens(suite.db.prisma, now)).toBe(1);
      const stop = startTokenCleanup(suite.db.prisma, { intervalMs: 60_000, log: (line) => console.log(line), now: () => now });
      await stop();
      expect(await suite.db.prisma.auditEvent.count()).toBeGreaterThanOrEqual(5);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }

    // The scan finds what is there: a token's hash is found in Token.hash.
    expect(await rowsContaining(hashTokenSecret(secrets[0]!))).toEqual(["Token.hash"]);
    for (const secret of secrets) {
      // The whole secret, and its random part without the prefix.
      expect(await rowsContaining(secret)).toEqual([]);
      expect(await rowsContaining(secret.replace(/^sq(p|co)_/, ""))).toEqual([]);
      expect(logged.join("")).not.toContain(secret.slice(-40));
    }
    expect(logged.join("")).toContain("token cleanup: removed");
  });
});
