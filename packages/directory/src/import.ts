import { createHash, randomBytes, randomUUID } from "node:crypto";
import { notFound, serializable, type Enterprise, type OrgPermissionKind, type Prisma, type PrismaClient, type Tx } from "@sso-cutover/db";
import { recordAuditEvent, requireEnterpriseAdmin, requireVisibleEnterprise, type Actor } from "@sso-cutover/enterprise";
import {
  accessLossAfterChange,
  accessLossViolations,
  adminRuleViolations,
  adminState,
  BUILT_IN_GROUP_PERMISSIONS,
  normalizeEmail,
  recordAcknowledgedAccessLoss,
  type AccessLossAfterChange,
  type AccessRuleViolation,
} from "@sso-cutover/membership";
import { TOKEN_PREFIX } from "@sso-cutover/tokens";
import { parseDirectoryDocument, refuseDocument, type DirectoryDocument, type DirectoryProblem, type DirectoryToken } from "./document";

/** Who imports: an enterprise admin through the API, or the operator of the server through the CLI. */
export type ImportCaller = { kind: "account"; actor: Actor } | { kind: "operator" };

export interface ImportDirectoryInput {
  enterpriseKey: string;
  /** The directory file: parsed JSON, or its text. */
  document: unknown;
  dryRun: boolean;
  /** Remove, in the organizations the file lists, what it no longer lists (R9 applies). */
  prune: boolean;
  /** R9 (d): logins of DOP accounts whose loss of access the pruning may cause. */
  acknowledgeAccessLoss?: readonly string[] | null;
  acknowledgeAll?: boolean | null;
}

export const IMPORT_KINDS = [
  "organizations",
  "projects",
  "accounts",
  "memberships",
  "organizationPermissions",
  "groups",
  "groupPermissions",
  "groupMembers",
  "enterprisePermissions",
  "tokens",
] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export interface KindChanges {
  created: number;
  updated: number;
  unchanged: number;
  /** Removed by this import (only with prune; in a dry run, what a real run would remove). */
  removed: number;
  /** In the database but no longer in the file (removed with prune, except organizations, groups and accounts). */
  notListed: number;
  /** Up to 20 of those, named (`login in organization`). */
  notListedExamples: string[];
}

export interface DirectoryImportResult {
  enterpriseId: string;
  enterpriseKey: string;
  dryRun: boolean;
  prune: boolean;
  /** True only for a real run without violations: the changes were made. */
  applied: boolean;
  /** Whether the file differs from the database at all. */
  changed: boolean;
  summary: string;
  changes: Record<ImportKind, KindChanges>;
  /** R9 rules pruning would break; any violation makes the real run change nothing. */
  violations: AccessRuleViolation[];
  /** R9 (d): people pruning leaves with no way into organizations they are in today. */
  accessLoss: AccessLossAfterChange[];
}

const BATCH = 2_000;
const EXAMPLES = 20;
/** Transactions of a large import run longer than a mutation's default 20 s on a busy machine. */
const IMPORT_TIMEOUT_MS = 300_000;

function batches<T>(items: readonly T[], size = BATCH): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

function emptyChanges(): Record<ImportKind, KindChanges> {
  return Object.fromEntries(
    IMPORT_KINDS.map((kind) => [kind, { created: 0, updated: 0, unchanged: 0, removed: 0, notListed: 0, notListedExamples: [] }]),
  ) as unknown as Record<ImportKind, KindChanges>;
}

/**
 * Rows per statement when rows travel to the database: each chunk is one JSON text parameter. Small enough that what
 * the database driver and Prisma keep of recent statements (Prisma's debug history holds the parameters of the last
 * 100) stays a few megabytes, large enough that a 100,000-row file needs only tens of statements.
 */
const ROWS_PER_STATEMENT = 5_000;

/**
 * Inserts many rows, one statement per ROWS_PER_STATEMENT rows: the chunk travels as one JSON array of rows (one
 * text parameter) that `json_array_elements` turns back into rows, so neither the statement nor its parameters grow
 * a value at a time (Prisma's createMany sends a parameter per value, which costs far more to build and parse at this
 * scale). Table and column names are constants of this file.
 */
async function bulkInsert(tx: Tx, table: string, columns: Record<string, string>, rows: readonly Record<string, string | boolean | Date | null>[]): Promise<number> {
  const names = Object.keys(columns);
  const sql =
    `INSERT INTO "${table}" (${names.map((name) => `"${name}"`).join(", ")}) ` +
    `SELECT ${names.map((name, index) => `(e->>${index})::${columns[name]}`).join(", ")} FROM json_array_elements($1::json) AS e`;
  let inserted = 0;
  for (const part of batches(rows, ROWS_PER_STATEMENT)) {
    const values = part.map((row) =>
      names.map((name) => {
        const value = row[name];
        return value === null || value === undefined ? null : value instanceof Date ? value.toISOString() : value;
      }),
    );
    inserted += await tx.$executeRawUnsafe(sql, JSON.stringify(values));
  }
  return inserted;
}

/** Thrown inside the transaction to undo a dry run or a refused run, carrying its result out. */
class RolledBack extends Error {
  constructor(readonly result: DirectoryImportResult) {
    super("rolled back");
  }
}

const pair = (a: string, b: string) => `${a}\n${b}`;
const triple = (a: string, b: string, c: string) => `${a}\n${b}\n${c}`;

function sameInstant(a: Date | null, b: Date | null): boolean {
  return (a?.getTime() ?? null) === (b?.getTime() ?? null);
}

function dateOrNull(value: string | null | undefined): Date | null {
  return value ? new Date(value) : null;
}

/**
 * Imports the DevOps-platform side of an enterprise from a directory file (docs/directory-import.schema.json):
 * upserts by natural keys (organization key, login, membership, group name, token owner/organization and name), so a
 * second import of the same file changes nothing. Without `prune` nothing is removed; what the file no longer lists is
 * reported. With `prune`, in the organizations the file lists, DOP accounts' memberships, organization permissions and
 * group memberships, listed groups' permissions, projects, imported tokens (revoked) and — enterprise-wide — DOP
 * accounts' enterprise permissions not in the file are removed, under the cutover's rules (R9 a–d): a violation
 * refuses the whole import. One SERIALIZABLE transaction; the dry run makes the same changes and rolls them back, so
 * it returns exactly what the real run would do.
 */
export async function importDirectory(
  prisma: PrismaClient,
  caller: ImportCaller,
  input: ImportDirectoryInput,
  now = new Date(),
): Promise<DirectoryImportResult> {
  const pathPrefix = caller.kind === "account" ? "input.document." : "";
  const document = parseDirectoryDocument(input.document, pathPrefix);
  try {
    return await serializable(
      prisma,
      async (tx) => {
        const enterprise = await requireImportingEnterprise(tx, caller, input.enterpriseKey);
        const result = await applyDocument(tx, enterprise, caller, document, input, pathPrefix, now);
        if (input.dryRun || result.violations.length > 0) throw new RolledBack(result);
        if (result.accessLoss.length > 0) {
          await recordAcknowledgedAccessLoss(tx, enterprise.id, caller.kind === "account" ? caller.actor : null, result.accessLoss, now);
        }
        const final = { ...result, applied: true };
        await recordAuditEvent(tx, {
          enterpriseId: enterprise.id,
          actor: caller.kind === "account" ? caller.actor : null,
          action: "directory.imported",
          target: { type: "Enterprise", id: enterprise.id },
          payload: {
            via: caller.kind === "account" ? "api" : "cli",
            prune: input.prune,
            changed: final.changed,
            changes: Object.fromEntries(IMPORT_KINDS.map((kind) => [kind, countsOf(final.changes[kind])])),
            accessLoss: final.accessLoss.map((loss) => ({ login: loss.login, organizations: loss.organizations.map((o) => o.key) })),
          },
        });
        return final;
      },
      { timeout: IMPORT_TIMEOUT_MS, maxWait: IMPORT_TIMEOUT_MS },
    );
  } catch (error) {
    if (error instanceof RolledBack) return error.result;
    throw error;
  }
}

function countsOf({ notListedExamples: _examples, ...counts }: KindChanges) {
  return counts;
}

async function requireImportingEnterprise(tx: Tx, caller: ImportCaller, key: string): Promise<Enterprise> {
  if (caller.kind === "account") {
    const enterprise = await requireVisibleEnterprise(tx, caller.actor.accountId, key);
    await requireEnterpriseAdmin(tx, caller.actor.accountId, enterprise.id);
    return enterprise;
  }
  const enterprise = await tx.enterprise.findUnique({ where: { key } });
  if (!enterprise) throw notFound(`No enterprise with the key "${key}": create it first with \`pnpm cli bootstrap\`.`, "enterpriseKey");
  return enterprise;
}

async function applyDocument(
  tx: Tx,
  enterprise: Enterprise,
  caller: ImportCaller,
  document: DirectoryDocument,
  input: ImportDirectoryInput,
  pathPrefix: string,
  now: Date,
): Promise<DirectoryImportResult> {
  const changes = emptyChanges();
  const problems: DirectoryProblem[] = [];
  const before = await adminState(tx, enterprise.id);
  const prune = input.prune;
  const note = (kind: ImportKind, example: string) => {
    const entry = changes[kind];
    entry.notListed++;
    if (entry.notListedExamples.length < EXAMPLES) entry.notListedExamples.push(example);
  };

  // Organizations: matched by key; one outside this enterprise is never taken over.
  const fileKeys = document.organizations.map((organization) => organization.key);
  const known = await tx.organization.findMany({ where: { OR: [{ key: { in: fileKeys } }, { enterpriseId: enterprise.id }] } });
  const byKey = new Map(known.map((organization) => [organization.key, organization]));
  const organizationId = new Map<string, string>();
  const newOrganizations: { id: string; key: string; name: string; plan: string; devopsPlatform: string; enterpriseId: string }[] = [];
  for (const [index, listed] of document.organizations.entries()) {
    const existing = byKey.get(listed.key);
    if (existing && existing.enterpriseId !== enterprise.id) {
      problems.push({ path: `organizations[${index}].key`, message: `the key "${listed.key}" is used by an organization outside this enterprise` });
      continue;
    }
    if (!existing) {
      const id = randomUUID();
      newOrganizations.push({ id, key: listed.key, name: listed.name, plan: listed.plan, devopsPlatform: listed.devopsPlatform, enterpriseId: enterprise.id });
      organizationId.set(listed.key, id);
    } else {
      organizationId.set(listed.key, existing.id);
      if (existing.name !== listed.name || existing.plan !== listed.plan || existing.devopsPlatform !== listed.devopsPlatform) {
        await tx.organization.update({ where: { id: existing.id }, data: { name: listed.name, plan: listed.plan, devopsPlatform: listed.devopsPlatform } });
        changes.organizations.updated++;
      } else changes.organizations.unchanged++;
    }
  }
  if (problems.length === 0 && newOrganizations.length > 0) {
    // New organizations get the built-in groups every organization has (Owners holding ADMIN).
    changes.organizations.created += await bulkInsert(
      tx,
      "Organization",
      { id: "text", key: "text", name: "text", plan: '"Plan"', devopsPlatform: '"DevopsPlatform"', enterpriseId: "text" },
      newOrganizations,
    );
    const builtIn = newOrganizations.flatMap((organization) =>
      Object.keys(BUILT_IN_GROUP_PERMISSIONS).map((name) => ({ id: randomUUID(), organizationId: organization.id, name, builtIn: true })),
    );
    await bulkInsert(tx, "Group", { id: "text", organizationId: "text", name: "text", builtIn: "boolean" }, builtIn);
    await bulkInsert(
      tx,
      "GroupPermission",
      { id: "text", groupId: "text", permission: '"OrgPermissionKind"' },
      builtIn.flatMap((group) => (BUILT_IN_GROUP_PERMISSIONS[group.name] ?? []).map((permission) => ({ id: randomUUID(), groupId: group.id, permission }))),
    );
  }
  for (const organization of known) {
    if (organization.enterpriseId === enterprise.id && !organizationId.has(organization.key)) note("organizations", organization.key);
  }
  const keyOfOrganization = new Map([...organizationId].map(([key, id]) => [id, key]));
  const listedOrganizationIds = [...organizationId.values()];

  // Accounts: DOP accounts matched by login.
  const accountId = new Map<string, string>();
  const existingAccounts = new Map<string, { id: string; login: string; kind: string; name: string; email: string | null; emailVerified: boolean; devopsPlatform: string | null; externalId: string | null; deletedAt: Date | null }>();
  for (const logins of batches(document.accounts.map((account) => account.login), 5_000)) {
    const rows = await tx.account.findMany({
      where: { login: { in: logins } },
      select: { id: true, login: true, kind: true, name: true, email: true, emailVerified: true, devopsPlatform: true, externalId: true, deletedAt: true },
    });
    for (const row of rows) existingAccounts.set(row.login, row);
  }
  const toCreate: typeof document.accounts = [];
  const toUpdate: { index: number; id: string; data: { name: string; email: string | null; emailNormalized: string | null; emailVerified: boolean; devopsPlatform: typeof document.accounts[number]["devopsPlatform"]; externalId: string | null } }[] = [];
  for (const [index, listed] of document.accounts.entries()) {
    const existing = existingAccounts.get(listed.login);
    const data = {
      name: listed.name,
      email: listed.email ?? null,
      emailNormalized: listed.email ? normalizeEmail(listed.email) : null,
      // Left out: not verified, as every imported account was before the field existed.
      emailVerified: listed.emailVerified ?? false,
      devopsPlatform: listed.devopsPlatform,
      externalId: listed.externalId ?? null,
    };
    if (!existing) toCreate.push(listed);
    else if (existing.kind !== "DEVOPS") problems.push({ path: `accounts[${index}].login`, message: `"${listed.login}" is taken by an SSO account: the file lists DOP accounts only` });
    else if (existing.deletedAt) problems.push({ path: `accounts[${index}].login`, message: `the DOP account "${listed.login}" was deleted by its owner (R10) and stays deleted` });
    else {
      accountId.set(listed.login, existing.id);
      const same =
        existing.name === data.name &&
        existing.email === data.email &&
        existing.emailVerified === data.emailVerified &&
        existing.devopsPlatform === data.devopsPlatform &&
        existing.externalId === data.externalId;
      if (same) changes.accounts.unchanged++;
      else toUpdate.push({ index, id: existing.id, data });
    }
  }
  if (toUpdate.length > 0) {
    // A DOP account is one person's account on a platform, shared by every enterprise it works with: one enterprise's
    // file may not rename it or change its email under another's feet.
    const elsewhere = new Set<string>();
    for (const ids of batches(toUpdate.map((update) => update.id), 5_000)) {
      const rows = await tx.account.findMany({
        where: {
          id: { in: ids },
          OR: [
            { memberships: { some: { organization: { OR: [{ enterpriseId: null }, { enterpriseId: { not: enterprise.id } }] } } } },
            { groupMemberships: { some: { group: { organization: { OR: [{ enterpriseId: null }, { enterpriseId: { not: enterprise.id } }] } } } } },
            { enterprisePermissions: { some: { enterpriseId: { not: enterprise.id } } } },
          ],
        },
        select: { id: true },
      });
      for (const row of rows) elsewhere.add(row.id);
    }
    for (const update of toUpdate) {
      if (elsewhere.has(update.id)) {
        problems.push({
          path: `accounts[${update.index}]`,
          message: `"${document.accounts[update.index]!.login}" also belongs to organizations outside this enterprise: its name, email, email verification, platform and external id cannot be changed from here`,
        });
      }
    }
  }
  if (problems.length > 0) refuseDocument(problems, pathPrefix);
  for (const update of toUpdate) {
    await tx.account.update({ where: { id: update.id }, data: update.data });
    changes.accounts.updated++;
  }
  const newAccounts = toCreate.map((listed) => ({
    id: randomUUID(),
    login: listed.login,
    name: listed.name,
    email: listed.email ?? null,
    emailNormalized: listed.email ? normalizeEmail(listed.email) : null,
    emailVerified: listed.emailVerified ?? false,
    kind: "DEVOPS",
    devopsPlatform: listed.devopsPlatform,
    externalId: listed.externalId ?? null,
  }));
  changes.accounts.created += await bulkInsert(
    tx,
    "Account",
    { id: "text", login: "text", name: "text", email: "text", emailNormalized: "text", emailVerified: "boolean", kind: '"AccountKind"', devopsPlatform: '"DevopsPlatform"', externalId: "text" },
    newAccounts,
  );
  for (const account of newAccounts) accountId.set(account.login, account.id);
  const listedAccountIds = new Set(accountId.values());

  // Projects of the listed organizations, by (organization, key).
  const projects = await tx.project.findMany({ where: { organizationId: { in: listedOrganizationIds } }, select: { id: true, organizationId: true, key: true, name: true } });
  const projectByKey = new Map(projects.map((project) => [pair(project.organizationId, project.key), project]));
  const listedProjects = new Set<string>();
  const newProjects: { organizationId: string; key: string; name: string }[] = [];
  for (const organization of document.organizations) {
    const orgId = organizationId.get(organization.key)!;
    for (const project of organization.projects ?? []) {
      listedProjects.add(pair(orgId, project.key));
      const existing = projectByKey.get(pair(orgId, project.key));
      if (!existing) newProjects.push({ organizationId: orgId, key: project.key, name: project.name });
      else if (existing.name !== project.name) {
        await tx.project.update({ where: { id: existing.id }, data: { name: project.name } });
        changes.projects.updated++;
      } else changes.projects.unchanged++;
    }
  }
  changes.projects.created += await bulkInsert(
    tx,
    "Project",
    { id: "text", organizationId: "text", key: "text", name: "text" },
    newProjects.map((project) => ({ id: randomUUID(), ...project })),
  );
  const unlistedProjects = projects.filter((project) => !listedProjects.has(pair(project.organizationId, project.key)));
  for (const project of unlistedProjects) note("projects", `${project.key} of ${keyOfOrganization.get(project.organizationId)}`);

  // Direct memberships and permissions of DOP accounts in the listed organizations, compared in the database: the
  // file's memberships go to a temporary table a chunk at a time, and PostgreSQL inserts what is missing and returns
  // only what the file no longer lists. Neither the file's 100,000s of memberships nor the stored ones are held as
  // rows here, so memory does not grow with the enterprise. What is missing is inserted through the unique indexes
  // (ON CONFLICT DO NOTHING): a NOT EXISTS probe, planned as a scan of a table the statistics call empty (a first
  // import), re-reads every row the same statement has inserted so far, which made a first import quadratic (24 s
  // for 25,000 memberships, over 5 minutes for 100,000).
  await tx.$executeRawUnsafe(
    `CREATE TEMPORARY TABLE "ListedMembership" ("accountId" text NOT NULL, "organizationId" text NOT NULL, "permissions" text[] NOT NULL) ON COMMIT DROP`,
  );
  let listedMembershipCount = 0;
  let listedPermissionCount = 0;
  for (const part of batches(document.memberships ?? [], ROWS_PER_STATEMENT)) {
    const rows = part.map((membership) => {
      listedPermissionCount += membership.permissions?.length ?? 0;
      return [accountId.get(membership.account)!, organizationId.get(membership.organization)!, membership.permissions ?? []];
    });
    listedMembershipCount += await tx.$executeRawUnsafe(
      `INSERT INTO "ListedMembership" SELECT e->>0, e->>1, ARRAY(SELECT json_array_elements_text(e->2)) FROM json_array_elements($1::json) AS e`,
      JSON.stringify(rows),
    );
  }
  await tx.$executeRawUnsafe(`ANALYZE "ListedMembership"`);
  const unlistedMemberships = await tx.$queryRawUnsafe<{ id: string; accountId: string; organizationId: string }[]>(
    `SELECT m."id", m."accountId", m."organizationId" FROM "OrgMembership" m JOIN "Account" a ON a."id" = m."accountId"
     WHERE a."kind" = 'DEVOPS' AND m."organizationId" = ANY($1::text[])
       AND NOT EXISTS (SELECT 1 FROM "ListedMembership" l WHERE l."accountId" = m."accountId" AND l."organizationId" = m."organizationId")`,
    listedOrganizationIds,
  );
  const unlistedPermissions = await tx.$queryRawUnsafe<{ id: string; accountId: string; organizationId: string; permission: OrgPermissionKind }[]>(
    `SELECT p."id", p."accountId", p."organizationId", p."permission"::text AS "permission" FROM "OrgPermission" p
     JOIN "Account" a ON a."id" = p."accountId" WHERE a."kind" = 'DEVOPS' AND p."organizationId" = ANY($1::text[])
       AND NOT EXISTS (SELECT 1 FROM "ListedMembership" l WHERE l."accountId" = p."accountId" AND l."organizationId" = p."organizationId"
                         AND p."permission"::text = ANY(l."permissions"))`,
    listedOrganizationIds,
  );
  const createdMemberships = await tx.$executeRawUnsafe(
    `INSERT INTO "OrgMembership" ("id", "accountId", "organizationId")
     SELECT gen_random_uuid()::text, l."accountId", l."organizationId" FROM "ListedMembership" l
     ON CONFLICT ("accountId", "organizationId") DO NOTHING`,
  );
  changes.memberships.created += createdMemberships;
  changes.memberships.unchanged += listedMembershipCount - createdMemberships;
  const createdPermissions = await tx.$executeRawUnsafe(
    `INSERT INTO "OrgPermission" ("id", "accountId", "organizationId", "permission")
     SELECT gen_random_uuid()::text, l."accountId", l."organizationId", p.permission::"OrgPermissionKind"
     FROM "ListedMembership" l CROSS JOIN LATERAL unnest(l."permissions") AS p(permission)
     ON CONFLICT ("accountId", "organizationId", "permission") DO NOTHING`,
  );
  changes.organizationPermissions.created += createdPermissions;
  changes.organizationPermissions.unchanged += listedPermissionCount - createdPermissions;

  // Groups of the listed organizations, their permissions and DOP members.
  const groups = await tx.group.findMany({
    where: { organizationId: { in: listedOrganizationIds } },
    select: { id: true, organizationId: true, name: true, builtIn: true, permissions: { select: { id: true, permission: true } } },
  });
  const groupByName = new Map(groups.map((group) => [pair(group.organizationId, group.name), group]));
  const listedGroups = new Set<string>();
  const groupId = new Map<string, string>();
  const listedGroupPermissions = new Set<string>();
  const newGroupPermissions: { groupId: string; permission: OrgPermissionKind }[] = [];
  const missingGroups = (document.groups ?? [])
    .map((listed) => ({ organizationId: organizationId.get(listed.organization)!, name: listed.name }))
    .filter((group) => !groupByName.has(pair(group.organizationId, group.name)));
  for (const part of batches(missingGroups)) {
    for (const created of await tx.group.createManyAndReturn({ data: part, select: { id: true, organizationId: true, name: true } })) {
      groupByName.set(pair(created.organizationId, created.name), { ...created, builtIn: false, permissions: [] });
      changes.groups.created++;
    }
  }
  const createdGroups = new Set(missingGroups.map((group) => pair(group.organizationId, group.name)));
  for (const listed of document.groups ?? []) {
    const orgId = organizationId.get(listed.organization)!;
    const group = groupByName.get(pair(orgId, listed.name))!;
    if (!createdGroups.has(pair(orgId, listed.name))) changes.groups.unchanged++;
    listedGroups.add(group.id);
    groupId.set(pair(orgId, listed.name), group.id);
    if (group.builtIn) continue; // fixed permissions (checked in the file)
    const held = new Set(group.permissions.map((row) => row.permission));
    for (const permission of listed.permissions ?? []) {
      listedGroupPermissions.add(pair(group.id, permission));
      if (held.has(permission)) changes.groupPermissions.unchanged++;
      else newGroupPermissions.push({ groupId: group.id, permission });
    }
  }
  for (const part of batches(newGroupPermissions, 5_000)) changes.groupPermissions.created += (await tx.groupPermission.createMany({ data: part })).count;
  for (const group of groups) {
    if (!listedGroups.has(group.id) && !group.builtIn) note("groups", `${group.name} of ${keyOfOrganization.get(group.organizationId)}`);
  }
  const unlistedGroupPermissions = groups
    .filter((group) => listedGroups.has(group.id) && !group.builtIn)
    .flatMap((group) => group.permissions.filter((row) => !listedGroupPermissions.has(pair(group.id, row.permission))).map((row) => ({ ...row, group })));

  const groupMembers = (
    await tx.$queryRawUnsafe<{ id: string; groupId: string; accountId: string; organizationId: string; name: string }[]>(
      `SELECT gm."id", gm."groupId", gm."accountId", g."organizationId", g."name" FROM "GroupMembership" gm
       JOIN "Group" g ON g."id" = gm."groupId" JOIN "Account" a ON a."id" = gm."accountId"
       WHERE a."kind" = 'DEVOPS' AND g."organizationId" = ANY($1::text[])`,
      listedOrganizationIds,
    )
  ).map((row) => ({ id: row.id, groupId: row.groupId, accountId: row.accountId, group: { organizationId: row.organizationId, name: row.name } }));
  const existingGroupMembers = new Set(groupMembers.map((row) => pair(row.groupId, row.accountId)));
  const listedGroupMembers = new Set<string>();
  const newGroupMembers: { groupId: string; accountId: string }[] = [];
  for (const listed of document.groups ?? []) {
    const id = groupId.get(pair(organizationId.get(listed.organization)!, listed.name))!;
    for (const login of listed.members ?? []) {
      const account = accountId.get(login)!;
      listedGroupMembers.add(pair(id, account));
      if (existingGroupMembers.has(pair(id, account))) changes.groupMembers.unchanged++;
      else newGroupMembers.push({ groupId: id, accountId: account });
    }
  }
  changes.groupMembers.created += await bulkInsert(
    tx,
    "GroupMembership",
    { id: "text", groupId: "text", accountId: "text" },
    newGroupMembers.map((row) => ({ id: randomUUID(), ...row })),
  );
  const unlistedGroupMembers = groupMembers.filter((row) => !listedGroupMembers.has(pair(row.groupId, row.accountId)));

  // Enterprise permissions of DOP accounts.
  const grants = await tx.enterprisePermission.findMany({
    where: { enterpriseId: enterprise.id, account: { kind: "DEVOPS" } },
    select: { id: true, accountId: true, permission: true },
  });
  const existingGrants = new Set(grants.map((row) => pair(row.accountId, row.permission)));
  const listedGrants = new Set<string>();
  const newGrants: { enterpriseId: string; accountId: string; permission: (typeof grants)[number]["permission"]; grantedById: string | null }[] = [];
  for (const grant of document.enterprisePermissions ?? []) {
    const account = accountId.get(grant.account)!;
    listedGrants.add(pair(account, grant.permission));
    if (existingGrants.has(pair(account, grant.permission))) changes.enterprisePermissions.unchanged++;
    else newGrants.push({ enterpriseId: enterprise.id, accountId: account, permission: grant.permission, grantedById: caller.kind === "account" ? caller.actor.accountId : null });
  }
  if (newGrants.length > 0) changes.enterprisePermissions.created += (await tx.enterprisePermission.createMany({ data: newGrants })).count;
  const unlistedGrants = grants.filter((row) => !listedGrants.has(pair(row.accountId, row.permission)));

  // Imported tokens: SOTs of the listed organizations; PATs of the listed accounts and of the organizations' DOP members.
  // (An existing membership of an account the file does not list is necessarily among the unlisted ones.)
  const tokenScopeAccounts = new Set([...listedAccountIds, ...unlistedMemberships.map((row) => row.accountId), ...groupMembers.map((row) => row.accountId)]);
  const importedTokens = (
    await tx.token.findMany({
      where: {
        importedAt: { not: null },
        revokedAt: null,
        OR: [{ kind: "SOT", organizationId: { in: listedOrganizationIds } }, { kind: "PAT", ownerAccount: { kind: "DEVOPS" } }],
      },
      select: {
        id: true, kind: true, name: true, ownerAccountId: true, organizationId: true, allProjects: true, lastFour: true,
        createdAt: true, lastUsedAt: true, expiresAt: true, projects: { select: { projectId: true } },
      },
    })
  ).filter((token) => token.kind === "SOT" || tokenScopeAccounts.has(token.ownerAccountId ?? ""));
  const tokenKey = (kind: string, holder: string, name: string) => triple(kind, holder, name);
  const tokenByKey = new Map(importedTokens.map((token) => [tokenKey(token.kind, (token.kind === "PAT" ? token.ownerAccountId : token.organizationId) ?? "", token.name), token]));
  const projectIds = new Map(
    (await tx.project.findMany({ where: { organizationId: { in: listedOrganizationIds } }, select: { id: true, organizationId: true, key: true } })).map((project) => [
      pair(project.organizationId, project.key),
      project.id,
    ]),
  );
  const listedTokens = new Set<string>();
  const newTokens: { row: Prisma.TokenCreateManyInput; projectIds: string[] }[] = [];
  for (const listed of document.tokens ?? []) {
    const holder = listed.kind === "PAT" ? accountId.get(listed.owner!)! : organizationId.get(listed.organization!)!;
    const existing = tokenByKey.get(tokenKey(listed.kind, holder, listed.name));
    const wanted = tokenFields(listed, holder, projectIds);
    if (!existing) {
      newTokens.push({
        row: {
          kind: listed.kind,
          name: listed.name,
          prefix: TOKEN_PREFIX[listed.kind],
          lastFour: listed.lastFour ?? "",
          // The secret lives on the platform the file came from; what is stored here must still be a unique hash that
          // no presented secret can match: the hash of random bytes that are never kept.
          hash: createHash("sha256").update(randomBytes(32)).digest("hex"),
          ownerAccountId: listed.kind === "PAT" ? holder : null,
          organizationId: listed.kind === "SOT" ? holder : null,
          createdById: listed.kind === "PAT" ? holder : null,
          allProjects: wanted.allProjects,
          createdAt: wanted.createdAt,
          lastUsedAt: wanted.lastUsedAt,
          expiresAt: wanted.expiresAt,
          importedAt: now,
        },
        projectIds: wanted.projectIds,
      });
      continue;
    }
    listedTokens.add(existing.id);
    const currentProjects = existing.projects.map((row) => row.projectId).sort();
    const same =
      sameInstant(existing.createdAt, wanted.createdAt) &&
      sameInstant(existing.lastUsedAt, wanted.lastUsedAt) &&
      sameInstant(existing.expiresAt, wanted.expiresAt) &&
      existing.allProjects === wanted.allProjects &&
      (listed.lastFour === undefined || existing.lastFour === listed.lastFour) &&
      currentProjects.join(",") === [...wanted.projectIds].sort().join(",");
    if (same) {
      changes.tokens.unchanged++;
      continue;
    }
    await tx.tokenProject.deleteMany({ where: { tokenId: existing.id } });
    await tx.token.update({
      where: { id: existing.id },
      data: {
        allProjects: wanted.allProjects,
        createdAt: wanted.createdAt,
        lastUsedAt: wanted.lastUsedAt,
        expiresAt: wanted.expiresAt,
        ...(listed.lastFour !== undefined ? { lastFour: listed.lastFour } : {}),
        projects: { create: wanted.projectIds.map((projectId) => ({ projectId })) },
      },
    });
    changes.tokens.updated++;
  }
  for (const part of batches(newTokens, 1_000)) {
    const created = await tx.token.createManyAndReturn({ data: part.map((token) => token.row), select: { id: true, hash: true } });
    const idByHash = new Map(created.map((token) => [token.hash, token.id]));
    const scopes = part.flatMap((token) => token.projectIds.map((projectId) => ({ tokenId: idByHash.get(token.row.hash)!, projectId })));
    if (scopes.length > 0) await tx.tokenProject.createMany({ data: scopes });
    changes.tokens.created += created.length;
  }
  const unlistedTokens = importedTokens.filter((token) => !listedTokens.has(token.id));

  // What the file no longer lists, named.
  const loginsNeeded = new Set(
    [...unlistedMemberships, ...unlistedPermissions, ...unlistedGroupMembers, ...unlistedGrants].slice(0, 4 * EXAMPLES).map((row) => row.accountId),
  );
  for (const token of unlistedTokens.slice(0, EXAMPLES)) if (token.ownerAccountId) loginsNeeded.add(token.ownerAccountId);
  const loginOf = new Map([...accountId].map(([login, id]) => [id, login]));
  const missingLogins = [...loginsNeeded].filter((id) => !loginOf.has(id));
  if (missingLogins.length > 0) {
    for (const row of await tx.account.findMany({ where: { id: { in: missingLogins } }, select: { id: true, login: true } })) loginOf.set(row.id, row.login);
  }
  const unlistedAccounts = new Set<string>();
  for (const row of unlistedMemberships) note("memberships", `${loginOf.get(row.accountId) ?? row.accountId} in ${keyOfOrganization.get(row.organizationId)}`);
  for (const row of unlistedPermissions) note("organizationPermissions", `${row.permission} of ${loginOf.get(row.accountId) ?? row.accountId} on ${keyOfOrganization.get(row.organizationId)}`);
  for (const row of unlistedGroupPermissions) note("groupPermissions", `${row.permission} of ${row.group.name} in ${keyOfOrganization.get(row.group.organizationId)}`);
  for (const row of unlistedGroupMembers) note("groupMembers", `${loginOf.get(row.accountId) ?? row.accountId} in ${row.group.name} of ${keyOfOrganization.get(row.group.organizationId)}`);
  for (const row of unlistedGrants) note("enterprisePermissions", `${row.permission} of ${loginOf.get(row.accountId) ?? row.accountId}`);
  for (const token of unlistedTokens) {
    note("tokens", `${token.kind} ${token.name} of ${token.kind === "PAT" ? (loginOf.get(token.ownerAccountId ?? "") ?? token.ownerAccountId) : keyOfOrganization.get(token.organizationId ?? "")}`);
  }
  for (const row of [...unlistedMemberships, ...groupMembers.map((member) => ({ accountId: member.accountId }))]) {
    if (!listedAccountIds.has(row.accountId) && !unlistedAccounts.has(row.accountId)) {
      unlistedAccounts.add(row.accountId);
    }
  }
  changes.accounts.notListed = unlistedAccounts.size;
  changes.accounts.notListedExamples = [...unlistedAccounts].slice(0, EXAMPLES).map((id) => loginOf.get(id) ?? id);

  // Pruning, then the cutover's rules on the result.
  let accessLoss: AccessLossAfterChange[] = [];
  if (prune) {
    const formerMemberships = [
      ...unlistedMemberships.map((row) => ({ accountId: row.accountId, organizationId: row.organizationId })),
      ...unlistedGroupMembers.map((row) => ({ accountId: row.accountId, organizationId: row.group.organizationId })),
    ];
    const remove = async <T extends { id: string }>(rows: readonly T[], kind: ImportKind, deleteMany: (ids: string[]) => Promise<{ count: number }>) => {
      for (const part of batches(rows.map((row) => row.id), 5_000)) changes[kind].removed += (await deleteMany(part)).count;
    };
    await remove(unlistedMemberships, "memberships", (ids) => tx.orgMembership.deleteMany({ where: { id: { in: ids } } }));
    await remove(unlistedPermissions, "organizationPermissions", (ids) => tx.orgPermission.deleteMany({ where: { id: { in: ids } } }));
    await remove(unlistedGroupPermissions, "groupPermissions", (ids) => tx.groupPermission.deleteMany({ where: { id: { in: ids } } }));
    await remove(unlistedGroupMembers, "groupMembers", (ids) => tx.groupMembership.deleteMany({ where: { id: { in: ids } } }));
    await remove(unlistedGrants, "enterprisePermissions", (ids) => tx.enterprisePermission.deleteMany({ where: { id: { in: ids } } }));
    if (unlistedProjects.length > 0) {
      const ids = unlistedProjects.map((project) => project.id);
      await tx.tokenProject.deleteMany({ where: { projectId: { in: ids } } });
      changes.projects.removed += (await tx.project.deleteMany({ where: { id: { in: ids } } })).count;
    }
    if (unlistedTokens.length > 0) {
      changes.tokens.removed += (await tx.token.updateMany({ where: { id: { in: unlistedTokens.map((token) => token.id) } }, data: { revokedAt: now } })).count;
    }
    const acknowledged = new Set(input.acknowledgeAccessLoss ?? []);
    accessLoss = await accessLossAfterChange(tx, formerMemberships, (account) => Boolean(input.acknowledgeAll) || acknowledged.has(account.login));
  }
  const after = await adminState(tx, enterprise.id);
  const violations = [...adminRuleViolations(before, after), ...accessLossViolations(accessLoss, "acknowledgeAccessLoss")];

  const changed = IMPORT_KINDS.some((kind) => changes[kind].created + changes[kind].updated + changes[kind].removed > 0);
  return {
    enterpriseId: enterprise.id,
    enterpriseKey: enterprise.key,
    dryRun: input.dryRun,
    prune,
    applied: false,
    changed,
    summary: summarize(changes, changed, prune, input.dryRun, violations.length),
    changes,
    violations,
    accessLoss,
  };
}

function tokenFields(listed: DirectoryToken, holder: string, projectIds: Map<string, string>) {
  return {
    allProjects: listed.kind === "SOT" ? Boolean(listed.allProjects) : false,
    createdAt: new Date(listed.createdAt),
    lastUsedAt: dateOrNull(listed.lastUsedAt),
    expiresAt: dateOrNull(listed.expiresAt),
    projectIds: listed.kind === "SOT" ? (listed.projects ?? []).map((key) => projectIds.get(pair(holder, key))!) : [],
  };
}

function summarize(changes: Record<ImportKind, KindChanges>, changed: boolean, prune: boolean, dryRun: boolean, violations: number): string {
  const parts = IMPORT_KINDS.flatMap((kind) => {
    const { created, updated, removed } = changes[kind];
    const words = [created && `${created} created`, updated && `${updated} updated`, removed && `${removed} removed`].filter(Boolean);
    return words.length ? [`${kind}: ${words.join(", ")}`] : [];
  });
  const unlisted = IMPORT_KINDS.filter((kind) => changes[kind].notListed > 0 && (!prune || changes[kind].removed === 0));
  const notListed = unlisted.length
    ? ` Not in the file${prune ? " (kept)" : " (kept; prune removes memberships, permissions, projects and tokens)"}: ` +
      unlisted.map((kind) => `${changes[kind].notListed} ${kind}`).join(", ") + "."
    : "";
  if (violations > 0) return `Refused, nothing changed: pruning would break ${violations} rule(s) of R9 (see violations).${notListed}`;
  if (!changed) return `Nothing to change: the database already matches the file.${notListed}`;
  return `${dryRun ? "Dry run, nothing changed. Would apply" : "Applied"}: ${parts.join("; ")}.${notListed}`;
}
