/**
 * The benchmark's enterprise, written with a few set-based INSERTs (generate_series) through one connection:
 * organizations, DOP and SSO accounts, memberships, links, tokens and invitations, plus the admin the requests run as.
 */
import { createHash, randomBytes } from "node:crypto";
import pg from "pg";

export interface DataSetSize {
  organizations: number;
  /** Half DOP, half SSO. */
  accounts: number;
  /** Each account is a member of `memberships / accounts` organizations. */
  memberships: number;
  tokens: number;
  links: number;
  invitations: number;
}

export const FULL_DATA_SET: DataSetSize = {
  organizations: 200,
  accounts: 20_000,
  memberships: 100_000,
  tokens: 40_000,
  links: 6_000,
  invitations: 2_000,
};

/** For the smoke run: every kind of row, a hundredth of them. */
export const SMOKE_DATA_SET: DataSetSize = {
  organizations: 10,
  accounts: 200,
  memberships: 1_000,
  tokens: 400,
  links: 60,
  invitations: 20,
};

export const ENTERPRISE_KEY = "bench";

export interface SeededDataSet {
  /** A personal access token of `bench-sso-0`, an SSO account holding Administer Enterprise. */
  adminToken: string;
  /** Ids (database ids) of DOP accounts, in order. */
  dopAccountId(index: number): string;
  seconds: number;
}

/** Writes the data set into the (migrated, empty) database at `url`. */
export async function seedDataSet(url: string, size: DataSetSize): Promise<SeededDataSet> {
  const started = performance.now();
  const people = size.accounts / 2;
  const perAccount = Math.round(size.memberships / size.accounts);
  // Membership k of account g is in organization (g + k·step) mod organizations: distinct for k < perAccount.
  const step = Math.floor(size.organizations / perAccount) + 1;
  const tokensPerDop = Math.max(1, Math.round((size.tokens - people) / people));
  const adminToken = `sqp_${randomBytes(20).toString("hex")}`;
  const adminTokenHash = createHash("sha256").update(adminToken, "utf8").digest("hex");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query(`INSERT INTO "Enterprise" (id, key, name) VALUES ('bench-ent', '${ENTERPRISE_KEY}', 'Bench')`);
    await client.query(
      `INSERT INTO "Organization" (id, key, name, "enterpriseId", plan, "devopsPlatform")
       SELECT 'bench-org-' || g, 'bench-org-' || lpad(g::text, 3, '0'), 'Org ' || g, 'bench-ent', 'ENTERPRISE',
              (CASE WHEN g % 10 = 0 THEN 'BITBUCKET_CLOUD' ELSE 'GITHUB' END)::"DevopsPlatform"
       FROM generate_series(0, $1::int - 1) g`,
      [size.organizations],
    );
    await client.query(
      `INSERT INTO "Account" (id, login, name, kind, email, "emailNormalized", "devopsPlatform")
       SELECT 'bench-dop-' || g, 'bench-dop-' || g, 'DOP user ' || g, 'DEVOPS', 'dop' || g || '@bench.example',
              'dop' || g || '@bench.example', 'GITHUB'
       FROM generate_series(0, $1::int - 1) g`,
      [people],
    );
    await client.query(
      `INSERT INTO "Account" (id, login, name, kind, email, "emailNormalized", "enterpriseId", "ssoSubject", "emailVerified")
       SELECT 'bench-sso-' || g, 'bench-sso-' || g, 'SSO user ' || g, 'SSO', 'sso' || g || '@bench.example',
              'sso' || g || '@bench.example', 'bench-ent', 'sso' || g || '@bench.example', true
       FROM generate_series(0, $1::int - 1) g`,
      [people],
    );
    await client.query(
      `INSERT INTO "OrgMembership" (id, "accountId", "organizationId")
       SELECT 'bench-m-' || kind || '-' || g || '-' || k, 'bench-' || kind || '-' || g, 'bench-org-' || ((g + k * $3::int) % $2::int)
       FROM generate_series(0, $1::int - 1) g, generate_series(0, $4::int - 1) k, (VALUES ('dop'), ('sso')) AS kinds(kind)`,
      [people, size.organizations, step, perAccount],
    );
    // Each organization has a DOP admin and an SSO admin (members there: membership k = 0).
    await client.query(
      `INSERT INTO "OrgPermission" (id, "accountId", "organizationId", permission)
       SELECT 'bench-p-' || kind || '-' || g, 'bench-' || kind || '-' || g, 'bench-org-' || g, 'ADMIN'
       FROM generate_series(0, $1::int - 1) g, (VALUES ('dop'), ('sso')) AS kinds(kind)`,
      [Math.min(size.organizations, people)],
    );
    // Break-glass DOP admins and the SSO admin the benchmark's requests run as.
    await client.query(
      `INSERT INTO "EnterprisePermission" (id, "enterpriseId", "accountId", permission)
       VALUES ('bench-ep-0', 'bench-ent', 'bench-dop-0', 'ADMINISTER_ENTERPRISE'),
              ('bench-ep-1', 'bench-ent', 'bench-dop-1', 'ADMINISTER_ENTERPRISE'),
              ('bench-ep-2', 'bench-ent', 'bench-sso-0', 'ADMINISTER_ENTERPRISE')`,
    );
    await client.query(
      `INSERT INTO "IdentityLink" (id, "devopsAccountId", "ssoAccountId", "linkedById")
       SELECT 'bench-l-' || g, 'bench-dop-' || g, 'bench-sso-' || g, 'bench-sso-' || g FROM generate_series(0, $1::int - 1) g`,
      [size.links],
    );
    // Personal access tokens: `tokensPerDop` on each DOP account (they break with the cutover), one on each SSO account.
    await client.query(
      `INSERT INTO "Token" (id, kind, name, prefix, "lastFour", hash, "ownerAccountId", "createdById", "lastUsedAt")
       SELECT 'bench-t-' || kind || '-' || g || '-' || k, 'PAT', 'ci-' || k, 'sqp_',
              right(md5(kind || g || '-' || k), 4), encode(sha256(convert_to('bench-token-' || kind || g || '-' || k, 'UTF8')), 'hex'),
              'bench-' || kind || '-' || g, 'bench-' || kind || '-' || g, now() - ((g % 90) || ' days')::interval
       FROM generate_series(0, $1::int - 1) g, generate_series(0, $2::int - 1) k, (VALUES ('dop'), ('sso')) AS kinds(kind)
       WHERE kind = 'dop' OR k = 0`,
      [people, tokensPerDop],
    );
    await client.query(
      `INSERT INTO "Token" (id, kind, name, prefix, "lastFour", hash, "ownerAccountId", "createdById")
       VALUES ('bench-t-admin', 'PAT', 'bench', 'sqp_', $1, $2, 'bench-sso-0', 'bench-sso-0')`,
      [adminToken.slice(-4), adminTokenHash],
    );
    // Pending invitations for DOP users who have no SSO account linked yet.
    await client.query(
      `INSERT INTO "Invitation" (id, "enterpriseId", email, "emailNormalized", "invitedById", "expiresAt")
       SELECT 'bench-i-' || g, 'bench-ent', 'dop' || (g + $2::int) || '@bench.example', 'dop' || (g + $2::int) || '@bench.example',
              'bench-sso-0', now() + interval '14 days'
       FROM generate_series(0, $1::int - 1) g`,
      [size.invitations, size.links],
    );
    await client.query("COMMIT");
    // Fresh statistics, as PostgreSQL's autovacuum (or the embedded database's maintenance) keeps them.
    await client.query("ANALYZE");
  } finally {
    await client.end();
  }
  return { adminToken, dopAccountId: (index) => `bench-dop-${index}`, seconds: (performance.now() - started) / 1000 };
}

/** Counts of what was written, to print beside the figures. */
export async function countDataSet(url: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<Record<string, string>>(
      `SELECT (SELECT count(*) FROM "Organization") AS organizations,
              (SELECT count(*) FROM "Account" WHERE kind = 'DEVOPS') AS "dopAccounts",
              (SELECT count(*) FROM "Account" WHERE kind = 'SSO') AS "ssoAccounts",
              (SELECT count(*) FROM "OrgMembership") AS memberships,
              (SELECT count(*) FROM "Token") AS tokens,
              (SELECT count(*) FROM "IdentityLink") AS links,
              (SELECT count(*) FROM "Invitation") AS invitations`,
    );
    return Object.fromEntries(Object.entries(rows[0]!).map(([key, value]) => [key, Number(value)]));
  } finally {
    await client.end();
  }
}
