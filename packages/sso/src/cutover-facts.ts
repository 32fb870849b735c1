import { Prisma, type Provisioning, type SsoConnectionStatus, type Tx, readRows } from "@sso-cutover/db";

/** What setup progress reads of the SSO connection. */
export interface SetupConnection {
  status: SsoConnectionStatus;
  provisioning: Provisioning;
  idpCertificates: string[];
  groupsAttributes: string[];
  firstLoginAt: Date | null;
  groupsReceivedAt: Date | null;
  /** R20: the IdP's last request to the SCIM endpoint (to the minute). */
  lastScimRequestAt: Date | null;
}

/**
 * Everything setup progress and the readiness totals count over a whole enterprise, read in one statement.
 *
 * The definitions are those of the where-clauses they replace (see each field), computed set-based: the DOP accounts
 * in the enterprise's organizations (directly or through a group) are collected once and every count joins that
 * set, where separate Prisma counts each rebuilt it from the memberships. The set comes from the EnterpriseMember
 * rows the database keeps (one per account with a membership in the enterprise): collecting it from the memberships
 * themselves hashed every membership of the enterprise (100,000 on a large one) at each request.
 */
export interface CutoverFacts {
  connection: SetupConnection | null;
  organizations: number;
  /** `enterpriseDopAccountsWhere`: DOP accounts, not deleted, in an organization of the enterprise. */
  dopAccounts: number;
  /** Of those, the ones with an identity link. */
  linkedDopAccounts: number;
  /** SSO accounts of the enterprise, not deleted. */
  ssoAccounts: number;
  pendingInvitations: number;
  acceptedInvitations: number;
  /** Holders of Administer Enterprise (accounts not deleted), in all and by kind. */
  enterpriseAdministrators: number;
  ssoEnterpriseAdministrators: number;
  dopEnterpriseAdministrators: number;
  /** `breakGlassWhere`. */
  breakGlassAccounts: number;
  /** `removedWithoutSsoWhere` (R9 d), and the first five logins. */
  removedWithoutSso: number;
  removedWithoutSsoExamples: string[];
  /** Last-admin retentions of accounts not deleted (R14 / R9 c), and the first five by organization key. */
  lastAdminRetentions: number;
  lastAdminRetentionExamples: { login: string; organizationKey: string }[];
  /** R20: SCIM users (SSO accounts SCIM provisioned, not deleted), of them the deprovisioned ones, and SCIM groups. */
  scimUsers: number;
  scimDeactivatedUsers: number;
  scimGroups: number;
  /** Readiness only (`withReadinessTotals`), else null: people in readiness (one row each), and DOP-owned tokens. */
  people: number | null;
  dopOwnedTokens: number | null;
}

/**
 * The facts of `CutoverFacts` for one enterprise, at `now` (invitation expiry), in one statement. With
 * `withReadinessTotals`, also the number of people readiness lists and of tokens owned by DOP accounts.
 */
export async function readCutoverFacts(
  tx: Tx,
  enterpriseId: string,
  now: Date,
  {
    withReadinessTotals = false,
    withDopOwnedTokens = withReadinessTotals,
  }: {
    withReadinessTotals?: boolean;
    /** Count the DOP-owned tokens too (a join of every token of the enterprise's DOP accounts); only with the totals. */
    withDopOwnedTokens?: boolean;
  } = {},
): Promise<CutoverFacts> {
  // Timestamps are stored as UTC without a zone: compare with `now` in UTC whatever the session's time zone.
  const at = Prisma.sql`(${now.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;
  const readinessTotals = withReadinessTotals
    ? Prisma.sql`
        (SELECT count(*) FROM dop)::int + (SELECT count(*) FROM removed_without_sso)::int + (SELECT "ssoOnly" FROM sso)::int AS "people",
        ${
          withDopOwnedTokens
            ? Prisma.sql`(SELECT count(*) FROM "Token" t JOIN dop ON dop."id" = t."ownerAccountId"
                          WHERE t."kind" = 'PAT' AND t."revokedAt" IS NULL)::int`
            : Prisma.sql`NULL::int`
        } AS "dopOwnedTokens"`
    : Prisma.sql`NULL::int AS "people", NULL::int AS "dopOwnedTokens"`;
  // SSO accounts alone (people of readiness): not the SSO side of a link whose DOP account is in the enterprise.
  const ssoOnly = withReadinessTotals
    ? Prisma.sql`, count(*) FILTER (WHERE a."id" NOT IN (SELECT "ssoAccountId" FROM dop_link)) AS "ssoOnly"`
    : Prisma.empty;
  const [row] = await readRows<(Omit<CutoverFacts, "connection"> & FactsRowConnection)>(tx, Prisma.sql`
    WITH
      org AS MATERIALIZED (
        SELECT o."id", o."devopsPlatform" FROM "Organization" o WHERE o."enterpriseId" = ${enterpriseId}
      ),
      dop AS MATERIALIZED (
        SELECT a."id" FROM "EnterpriseMember" em JOIN "Account" a ON a."id" = em."accountId"
        WHERE em."enterpriseId" = ${enterpriseId} AND a."kind" = 'DEVOPS' AND a."deletedAt" IS NULL
      ),
      removed_without_sso AS MATERIALIZED (
        SELECT a."id", a."login" FROM "Account" a
        WHERE a."kind" = 'DEVOPS' AND a."deletedAt" IS NULL
          AND EXISTS (SELECT 1 FROM "AccessLossAcknowledgement" l WHERE l."devopsAccountId" = a."id" AND l."enterpriseId" = ${enterpriseId})
          AND NOT EXISTS (SELECT 1 FROM "EnterpriseMember" em WHERE em."enterpriseId" = ${enterpriseId} AND em."accountId" = a."id")
          AND NOT EXISTS (
            SELECT 1 FROM "IdentityLink" il JOIN "Account" s ON s."id" = il."ssoAccountId"
            WHERE il."devopsAccountId" = a."id" AND s."enterpriseId" = ${enterpriseId}
          )
      ),
      dop_link AS MATERIALIZED (
        SELECT il."ssoAccountId" FROM "IdentityLink" il JOIN dop ON dop."id" = il."devopsAccountId"
      ),
      sso AS (
        SELECT count(*) AS "ssoAccounts",
               count(*) FILTER (WHERE a."scimProvisionedAt" IS NOT NULL) AS "scimUsers",
               count(*) FILTER (WHERE a."scimProvisionedAt" IS NOT NULL AND a."deactivatedAt" IS NOT NULL) AS "scimDeactivatedUsers"
               ${ssoOnly}
        FROM "Account" a
        WHERE a."kind" = 'SSO' AND a."enterpriseId" = ${enterpriseId} AND a."deletedAt" IS NULL
      ),
      administrators AS (
        SELECT a."kind" FROM "EnterprisePermission" p JOIN "Account" a ON a."id" = p."accountId"
        WHERE p."enterpriseId" = ${enterpriseId} AND p."permission" = 'ADMINISTER_ENTERPRISE' AND a."deletedAt" IS NULL
      ),
      retention AS (
        SELECT a."login", o."key" AS "organizationKey" FROM "LastAdminRetention" r
          JOIN "Account" a ON a."id" = r."accountId" JOIN "Organization" o ON o."id" = r."organizationId"
        WHERE r."enterpriseId" = ${enterpriseId} AND a."deletedAt" IS NULL
      )
    SELECT
      (SELECT json_build_object('status', c."status", 'provisioning', c."provisioning", 'idpCertificates', c."idpCertificates",
                                'groupsAttributes', c."groupsAttributes")
         FROM "SsoConnection" c WHERE c."enterpriseId" = ${enterpriseId}) AS "connection",
      (SELECT c."firstLoginAt" FROM "SsoConnection" c WHERE c."enterpriseId" = ${enterpriseId}) AS "connectionFirstLoginAt",
      (SELECT c."groupsReceivedAt" FROM "SsoConnection" c WHERE c."enterpriseId" = ${enterpriseId}) AS "connectionGroupsReceivedAt",
      (SELECT c."lastScimRequestAt" FROM "SsoConnection" c WHERE c."enterpriseId" = ${enterpriseId}) AS "connectionLastScimRequestAt",
      (SELECT "scimUsers" FROM sso)::int AS "scimUsers",
      (SELECT "scimDeactivatedUsers" FROM sso)::int AS "scimDeactivatedUsers",
      (SELECT count(*) FROM "ScimGroup" g WHERE g."enterpriseId" = ${enterpriseId})::int AS "scimGroups",
      (SELECT count(*) FROM org)::int AS "organizations",
      (SELECT count(*) FROM dop)::int AS "dopAccounts",
      (SELECT count(*) FROM dop_link)::int AS "linkedDopAccounts",
      (SELECT "ssoAccounts" FROM sso)::int AS "ssoAccounts",
      (SELECT count(*) FROM "Invitation" i
         WHERE i."enterpriseId" = ${enterpriseId} AND i."status" = 'PENDING' AND i."expiresAt" > ${at})::int AS "pendingInvitations",
      (SELECT count(*) FROM "Invitation" i
         WHERE i."enterpriseId" = ${enterpriseId} AND i."status" = 'ACCEPTED')::int AS "acceptedInvitations",
      (SELECT count(*) FROM administrators)::int AS "enterpriseAdministrators",
      (SELECT count(*) FROM administrators WHERE "kind" = 'SSO')::int AS "ssoEnterpriseAdministrators",
      (SELECT count(*) FROM administrators WHERE "kind" = 'DEVOPS')::int AS "dopEnterpriseAdministrators",
      (SELECT count(*) FROM dop
         WHERE EXISTS (SELECT 1 FROM "EnterprisePermission" p
                       WHERE p."accountId" = dop."id" AND p."enterpriseId" = ${enterpriseId} AND p."permission" = 'ADMINISTER_ENTERPRISE')
            OR EXISTS (SELECT 1 FROM "OrgPermission" op JOIN org ON org."id" = op."organizationId"
                       WHERE op."accountId" = dop."id" AND op."permission" = 'ADMIN' AND org."devopsPlatform" = 'BITBUCKET_CLOUD')
      )::int AS "breakGlassAccounts",
      (SELECT count(*) FROM removed_without_sso)::int AS "removedWithoutSso",
      (SELECT coalesce(json_agg(x."login" ORDER BY x."login"), '[]'::json)
         FROM (SELECT "login" FROM removed_without_sso ORDER BY "login" LIMIT 5) x) AS "removedWithoutSsoExamples",
      (SELECT count(*) FROM retention)::int AS "lastAdminRetentions",
      (SELECT coalesce(json_agg(json_build_object('login', x."login", 'organizationKey', x."organizationKey")
                                ORDER BY x."organizationKey", x."login"), '[]'::json)
         FROM (SELECT * FROM retention ORDER BY "organizationKey", "login" LIMIT 5) x) AS "lastAdminRetentionExamples",
      ${readinessTotals}
  `);
  // Timestamps are read as columns (a Date each), not inside the JSON object (where they would be strings).
  const { connection, connectionFirstLoginAt, connectionGroupsReceivedAt, connectionLastScimRequestAt, ...facts } = row!;
  return {
    ...facts,
    connection: connection && {
      ...connection,
      firstLoginAt: connectionFirstLoginAt,
      groupsReceivedAt: connectionGroupsReceivedAt,
      lastScimRequestAt: connectionLastScimRequestAt,
    },
  };
}

interface FactsRowConnection {
  connection: Omit<SetupConnection, "firstLoginAt" | "groupsReceivedAt" | "lastScimRequestAt"> | null;
  connectionFirstLoginAt: Date | null;
  connectionGroupsReceivedAt: Date | null;
  connectionLastScimRequestAt: Date | null;
}
