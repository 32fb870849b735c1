/**
 * `pnpm cli` as an operator runs it, on a database the test creates (the embedded one in the first pass, PostgreSQL in
 * the second): bootstrap of an empty database, the import of the example directory file, and `pnpm start` on a database
 * without any enterprise naming the command to run.
 */
import path from "node:path";
import type { PrismaClient } from "@sso-cutover/db";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { hashTokenSecret } from "@sso-cutover/tokens";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_ENTRY, migratedDataDir, removeTemporaryFolders, repositoryRoot, runEntryPoint, startGatewayProcess } from "../kit/process";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
  removeTemporaryFolders();
});

/** Runs one CLI command against the test database; the embedded database serves one connection, handed over meanwhile. */
async function cli(prisma: PrismaClient, ...args: string[]) {
  if (db.kind === "pglite") await prisma.$disconnect();
  const command = runEntryPoint(CLI_ENTRY, { DATABASE_URL: db.url, LOG_LEVEL: "warn" }, args);
  const exit = await command.exited;
  return { code: exit.code, stdout: command.stdout, stderr: command.stderr };
}

const BOOTSTRAP = ["bootstrap", "--enterprise", "initech", "--name", "Initech", "--admin-login", "ada", "--admin-email", "ada@initech.example"];
const EXAMPLE = path.join(repositoryRoot, "docs", "examples", "directory.example.json");

describe("pnpm cli", () => {
  it(
    "R19: bootstrap on an empty database creates the enterprise and its admin and prints a working token once; a second bootstrap is refused",
    async () => {
      expect(await db.prisma.enterprise.count()).toBe(0);
      const created = await cli(db.prisma, ...BOOTSTRAP);
      expect(created.stderr).toBe("");
      expect(created.code).toBe(0);
      const secret = /admin token: (sqp_[0-9a-f]{40})/.exec(created.stdout)?.[1];
      expect(secret).toBeDefined();

      const enterprise = await db.prisma.enterprise.findUniqueOrThrow({ where: { key: "initech" }, include: { permissions: { include: { account: true } } } });
      expect(enterprise.name).toBe("Initech");
      expect(enterprise.permissions.map((grant) => [grant.account.login, grant.account.kind, grant.permission])).toEqual([
        ["ada", "DEVOPS", "ADMINISTER_ENTERPRISE"],
      ]);
      // R5: stored only as its hash, owned by the admin.
      const token = await db.prisma.token.findUniqueOrThrow({ where: { hash: hashTokenSecret(secret!) }, include: { ownerAccount: true } });
      expect(token.ownerAccount?.login).toBe("ada");
      expect(JSON.stringify(await db.prisma.auditEvent.findMany())).not.toContain(secret!);

      const again = await cli(db.prisma, ...BOOTSTRAP);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('The enterprise "initech" exists already: nothing was created.');
      expect(again.stdout).not.toContain("admin token");
      expect(await db.prisma.token.count()).toBe(1);
    },
    120_000,
  );

  it(
    "R18: import of the example: the dry run writes nothing, the import applies it, the same file again changes nothing",
    async () => {
      const dry = await cli(db.prisma, "import", EXAMPLE, "--enterprise", "initech", "--dry-run");
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(/^Dry run, nothing changed\. Would apply: organizations: 4 created/);
      expect(await db.prisma.organization.count()).toBe(0);

      const real = await cli(db.prisma, "import", EXAMPLE, "--enterprise", "initech");
      expect(real.code).toBe(0);
      expect(real.stdout).toMatch(/^Applied: organizations: 4 created/);
      expect(real.stdout).toMatch(/^memberships +9 +0 +0 +0 +0$/m);
      expect(await db.prisma.orgMembership.count()).toBe(9);

      const repeated = await cli(db.prisma, "import", EXAMPLE, "--enterprise", "initech");
      expect(repeated.code).toBe(0);
      expect(repeated.stdout).toMatch(/^Nothing to change: the database already matches the file\./);
      expect(repeated.stdout).toMatch(/^memberships +0 +0 +9 +0 +0$/m);
    },
    120_000,
  );

  it(
    "a usage error names what is missing and shows the command's usage (exit code 2)",
    async () => {
      const missing = await cli(db.prisma, "import", EXAMPLE);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("--enterprise is required.");
      expect(missing.stderr).toContain("usage: pnpm cli import <file> --enterprise <key>");
    },
    60_000,
  );
});

describe("pnpm start on a database without an enterprise", () => {
  it(
    "R19: says which command creates the first enterprise and admin",
    async () => {
      const dataDir = await migratedDataDir();
      const server = startGatewayProcess({ DATA_DIR: dataDir, SEED_DEMO: "false" });
      try {
        await server.listening();
        const hint = await server.printed(/^ +DATA_DIR=\S+ pnpm cli bootstrap --enterprise <key> --name "<name>" --admin-login <login> --admin-email <email>$/m);
        expect(hint[0]).toContain(`DATA_DIR=${dataDir}`);
        expect(server.stdout).toContain("stop this server first");
        expect(server.stdout).not.toContain("admin token");
      } finally {
        server.kill();
        await server.exited;
      }
    },
    120_000,
  );
});
