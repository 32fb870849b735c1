import {
  ACCOUNT_COLUMNS,
  ACCOUNT_TIMESTAMPS,
  ENTERPRISE_COLUMNS,
  ENTERPRISE_TIMESTAMPS,
  forbidden,
  modelsFromTuples,
  modelTupleJson,
  ORGANIZATION_COLUMNS,
  ORGANIZATION_TIMESTAMPS,
  Prisma,
  readRows,
  textArray,
  type Account,
  type Enterprise,
  type EnterprisePermissionKind,
  type OrgPermissionKind,
  type Organization,
  type Tx,
} from "@sso-cutover/db";
import { holdsEnterprisePermission, visibleEnterpriseSql, type Actor } from "@sso-cutover/enterprise";
import { enterpriseCutoverMembersWhere, type EnterpriseScopedRequest } from "./members";
import { ORG_PERMISSIONS, effectiveOrgPermissions, permissionKey, type EffectivePermissions } from "./org-permissions";

/** What an SSO account can lack compared with its DOP account in one organization. */
export type AccessRequirement = "MEMBERSHIP" | OrgPermissionKind;

export type AccessReviewStatus = "OK" | "MISSING_MEMBERSHIP" | "MISSING_PERMISSIONS";

/** One account's access to one organization; membership counts direct and group-derived memberships. */
export interface OrganizationAccess {
  member: boolean;
  /** Effective permissions (direct and through groups), in `ORG_PERMISSIONS` order. */
  permissions: OrgPermissionKind[];
}

export interface AccessReviewRow {
  organization: Organization;
  dop: OrganizationAccess;
  sso: OrganizationAccess;
  /** `MEMBERSHIP` first when the SSO account is not a member, then each permission the SSO account lacks. */
  missingOnSso: AccessRequirement[];
  status: AccessReviewStatus;
}

/** R4 for one person: its DOP account and SSO account (either may be missing), one row per organization. */
export interface AccessReview {
  /** The account the review was asked for (either side of the link). */
  accountId: string;
  devopsAccount: Account | null;
  ssoAccount: Account | null;
  organizations: AccessReviewRow[];
  /** The worst row status: MISSING_MEMBERSHIP over MISSING_PERMISSIONS over OK. */
  status: AccessReviewStatus;
}

const NO_ACCESS: OrganizationAccess = { member: false, permissions: [] };

/**
 * R4: access parity of many people at once, in six queries whatever their number (it backs
 * `members { accessReview }`). Each given account stands for a person: a DOP account brings its linked SSO
 * account and vice versa. For each organization of the enterprise, compares what the DOP account has with
 * what the SSO account has and lists what the SSO account lacks. Unknown account ids are absent from the map.
 */
export async function accessReviews(
  tx: Tx,
  accountIds: readonly string[],
  enterpriseId: string,
): Promise<Map<string, AccessReview>> {
  const reviews = new Map<string, AccessReview>();
  if (accountIds.length === 0) return reviews;
  const [accounts, organizations] = await Promise.all([
    tx.account.findMany({
      where: { id: { in: [...accountIds] } },
      include: { linkAsDevops: { include: { ssoAccount: true } }, linkAsSso: { include: { devopsAccount: true } } },
    }),
    tx.organization.findMany({ where: { enterpriseId }, orderBy: { key: "asc" } }),
  ]);

  const people = accounts.map((account) => ({
    accountId: account.id,
    devopsAccount: account.kind === "DEVOPS" ? account : (account.linkAsSso?.devopsAccount ?? null),
    ssoAccount: account.kind === "SSO" ? account : (account.linkAsDevops?.ssoAccount ?? null),
  }));
  const personAccountIds = [
    ...new Set(people.flatMap((person) => [person.devopsAccount?.id, person.ssoAccount?.id]).filter((id): id is string => !!id)),
  ];
  const organizationIds = organizations.map((organization) => organization.id);

  const [direct, viaGroups, permissions] = await Promise.all([
    tx.orgMembership.findMany({
      where: { accountId: { in: personAccountIds }, organizationId: { in: organizationIds } },
      select: { accountId: true, organizationId: true },
    }),
    tx.groupMembership.findMany({
      where: { accountId: { in: personAccountIds }, group: { organizationId: { in: organizationIds } } },
      select: { accountId: true, group: { select: { organizationId: true } } },
    }),
    effectiveOrgPermissions(tx, personAccountIds, organizationIds),
  ]);
  const memberships = new Set([
    ...direct.map((row) => permissionKey(row.accountId, row.organizationId)),
    ...viaGroups.map((row) => permissionKey(row.accountId, row.group.organizationId)),
  ]);
  const accessOf = (account: Account | null, organizationId: string): OrganizationAccess => {
    if (!account) return NO_ACCESS;
    const key = permissionKey(account.id, organizationId);
    const held = permissions.get(key);
    return {
      member: memberships.has(key),
      permissions: ORG_PERMISSIONS.filter((permission) => held?.has(permission)),
    };
  };

  for (const person of people) {
    const rows = organizations.map((organization): AccessReviewRow => {
      const dop = accessOf(person.devopsAccount, organization.id);
      const sso = accessOf(person.ssoAccount, organization.id);
      return { organization, dop, sso, ...compareAccess(dop, sso) };
    });
    reviews.set(person.accountId, { ...person, organizations: rows, status: worstStatus(rows) });
  }
  return reviews;
}

/** MISSING_MEMBERSHIP over MISSING_PERMISSIONS over OK. */
function worstStatus(rows: readonly AccessReviewRow[]): AccessReviewStatus {
  return rows.some((r) => r.status === "MISSING_MEMBERSHIP")
    ? "MISSING_MEMBERSHIP"
    : rows.some((r) => r.status === "MISSING_PERMISSIONS")
      ? "MISSING_PERMISSIONS"
      : "OK";
}

/** R4 in one organization: what the SSO account lacks compared with the DOP account, and the row's status. */
export function compareAccess(dop: OrganizationAccess, sso: OrganizationAccess): Pick<AccessReviewRow, "missingOnSso" | "status"> {
  const missingMembership = dop.member && !sso.member;
  const missingPermissions = dop.permissions.filter((permission) => !sso.permissions.includes(permission));
  const missingOnSso: AccessRequirement[] = [...(missingMembership ? (["MEMBERSHIP"] as const) : []), ...missingPermissions];
  const status: AccessReviewStatus = missingMembership ? "MISSING_MEMBERSHIP" : missingPermissions.length > 0 ? "MISSING_PERMISSIONS" : "OK";
  return { missingOnSso, status };
}

/** R4 for one account; null when the account does not exist. */
export async function accessReview(tx: Tx, accountId: string, enterpriseId: string): Promise<AccessReview | null> {
  return (await accessReviews(tx, [accountId], enterpriseId)).get(accountId) ?? null;
}

/**
 * Which of the given accounts the actor may review in the enterprise, in three queries whatever their number:
 * only members of the enterprise are reviewed at all; the actor may review itself and the account it is
 * linked to (either side of its link); an enterprise admin may review every member.
 */
export async function reviewableAccountIds(
  tx: Tx,
  actor: Pick<Actor, "accountId">,
  accountIds: readonly string[],
  enterpriseId: string,
): Promise<Set<string>> {
  if (accountIds.length === 0) return new Set();
  const [isAdmin, ownLink, members] = await Promise.all([
    holdsEnterprisePermission(tx, actor.accountId, enterpriseId),
    tx.identityLink.findFirst({
      where: { OR: [{ devopsAccountId: actor.accountId }, { ssoAccountId: actor.accountId }] },
      select: { devopsAccountId: true, ssoAccountId: true },
    }),
    tx.account.findMany({
      where: { AND: [{ id: { in: [...accountIds] } }, enterpriseCutoverMembersWhere(enterpriseId)] },
      select: { id: true },
    }),
  ]);
  const own = new Set([actor.accountId, ownLink?.devopsAccountId, ownLink?.ssoAccountId]);
  return new Set(members.map((member) => member.id).filter((id) => isAdmin || own.has(id)));
}

/** FORBIDDEN unless the actor may review the account's access in the enterprise (see `reviewableAccountIds`). */
export async function requireCanReviewAccess(tx: Tx, actor: Pick<Actor, "accountId">, accountId: string, enterpriseId: string): Promise<void> {
  const allowed = await reviewableAccountIds(tx, actor, [accountId], enterpriseId);
  if (!allowed.has(accountId)) {
    throw forbidden("You may review only your own access (either of your linked accounts); enterprise admins may review any member's.");
  }
}

/** An access review together with the enterprise it was made in, as a viewer asked it. */
export interface EnterpriseAccessReview extends AccessReview {
  /** The enterprise of the review: one the viewer may see (R15), and so are all its organizations. */
  enterprise: Enterprise;
  /** The enterprise permissions the viewer holds there (as `heldEnterprisePermissions`), read with the review. */
  viewerPermissions: EnterprisePermissionKind[];
  /**
   * R15: the review's accounts (`devopsAccount`, `ssoAccount`) the viewer is known to see from what the review read:
   * the account asked about (a member of a visible enterprise), and the other side of its link when it is the viewer
   * or linked to the viewer, linked to an SSO account of the enterprise, or an SSO account of the enterprise not
   * deleted. Any other is left for the caller to check.
   */
  accountIdsSeen: string[];
}

/**
 * R4 as a viewer asks it, for many accounts at once (`viewer { accessReview }`, `members { accessReview }`): each
 * request is about the enterprise it names or else the account's own (the rule of `cutoverEnterprises`); the answer
 * is null when that enterprise is not visible (R15) or the viewer may not review the account (the rule of
 * `reviewableAccountIds`: only members of the enterprise, in the cutover's sense of `enterpriseCutoverMembersWhere`,
 * are reviewed; the viewer reviews itself and the account it is linked to, an enterprise admin every member). The
 * rows are those of `accessReviews`.
 *
 * One statement, written by hand, whatever the number of requests and enterprises: it runs on the dashboard's first
 * screen (the session's own review) and on "My access", where the same answer took a dozen Prisma queries, each
 * compiled at every call (about 5 ms apiece on the embedded database). The answers must stay those of the
 * per-rule functions named above: `packages/membership/test/access-review-equivalence.test.ts` compares them.
 */
export async function accessReviewsForViewer(
  tx: Tx,
  actor: Pick<Actor, "accountId">,
  requests: readonly EnterpriseScopedRequest[],
): Promise<(EnterpriseAccessReview | null)[]> {
  if (requests.length === 0) return [];
  const viewer = actor.accountId;
  // A missing key asks for the account's own enterprise; so does an empty one (as in `cutoverEnterprises`).
  const [row] = await readRows<Record<string, string | null>>(tx, Prisma.sql`
    WITH request AS (
      SELECT DISTINCT r."accountId", NULLIF(r."enterpriseKey", '') AS "enterpriseKey"
      FROM unnest(${textArray(requests.map((request) => request.accountId))}, ${textArray(requests.map((request) => request.enterpriseKey ?? ""))})
        AS r("accountId", "enterpriseKey")
    ),
    asked AS (
      SELECT r."accountId", r."enterpriseKey", e."id" AS "enterpriseId"
      FROM request r JOIN "Enterprise" e ON e."key" = r."enterpriseKey"
      UNION ALL
      SELECT r."accountId", NULL, CASE
          WHEN a."kind" = 'SSO' THEN a."enterpriseId"
          WHEN l."ssoAccountId" IS NOT NULL THEN (SELECT s."enterpriseId" FROM "Account" s WHERE s."id" = l."ssoAccountId")
          ELSE (SELECT CASE WHEN count(DISTINCT o."enterpriseId") = 1 THEN min(o."enterpriseId") END
                FROM "Organization" o
                WHERE o."id" IN (SELECT m."organizationId" FROM "OrgMembership" m WHERE m."accountId" = a."id"
                                 UNION
                                 SELECT g."organizationId" FROM "GroupMembership" gm JOIN "Group" g ON g."id" = gm."groupId"
                                 WHERE gm."accountId" = a."id"))
        END
      FROM request r JOIN "Account" a ON a."id" = r."accountId"
      LEFT JOIN "IdentityLink" l ON l."devopsAccountId" = a."id"
      WHERE r."enterpriseKey" IS NULL
    ),
    seen AS MATERIALIZED (
      SELECT q."accountId", q."enterpriseKey", q."enterpriseId"
      FROM asked q JOIN "Enterprise" e ON e."id" = q."enterpriseId"
      WHERE ${visibleEnterpriseSql("e", viewer)}
    ),
    administered AS (
      SELECT p."enterpriseId" FROM "EnterprisePermission" p JOIN "Account" v ON v."id" = p."accountId"
      WHERE p."accountId" = ${viewer} AND p."permission" = 'ADMINISTER_ENTERPRISE' AND v."deletedAt" IS NULL
    ),
    own_link AS (
      SELECT l."devopsAccountId", l."ssoAccountId" FROM "IdentityLink" l
      WHERE l."devopsAccountId" = ${viewer} OR l."ssoAccountId" = ${viewer} LIMIT 1
    ),
    own AS (
      SELECT ${viewer}::text AS "id" UNION SELECT "devopsAccountId" FROM own_link UNION SELECT "ssoAccountId" FROM own_link
    ),
    reviewed AS MATERIALIZED (
      SELECT DISTINCT s."accountId", s."enterpriseId"
      FROM seen s JOIN "Account" a ON a."id" = s."accountId"
      WHERE (s."enterpriseId" IN (SELECT "enterpriseId" FROM administered) OR s."accountId" IN (SELECT "id" FROM own))
        AND (
          (a."kind" = 'DEVOPS' AND a."deletedAt" IS NULL AND (
             EXISTS (SELECT 1 FROM "OrgMembership" m JOIN "Organization" o ON o."id" = m."organizationId"
                     WHERE m."accountId" = a."id" AND o."enterpriseId" = s."enterpriseId")
             OR EXISTS (SELECT 1 FROM "GroupMembership" gm JOIN "Group" g ON g."id" = gm."groupId" JOIN "Organization" o ON o."id" = g."organizationId"
                        WHERE gm."accountId" = a."id" AND o."enterpriseId" = s."enterpriseId")))
          OR (a."kind" = 'SSO' AND a."deletedAt" IS NULL AND a."enterpriseId" = s."enterpriseId")
          OR (a."kind" = 'DEVOPS' AND EXISTS (SELECT 1 FROM "IdentityLink" l JOIN "Account" so ON so."id" = l."ssoAccountId"
                                             WHERE l."devopsAccountId" = a."id" AND so."enterpriseId" = s."enterpriseId"))
          OR (a."kind" = 'DEVOPS' AND a."deletedAt" IS NULL AND EXISTS (
                SELECT 1 FROM "AccessLossAcknowledgement" x JOIN "Organization" o ON o."id" = x."organizationId"
                WHERE x."devopsAccountId" = a."id" AND o."enterpriseId" = s."enterpriseId"))
        )
    ),
    person AS (
      SELECT r."accountId", r."enterpriseId",
             CASE WHEN a."kind" = 'DEVOPS' THEN a."id" ELSE ls."devopsAccountId" END AS "devopsAccountId",
             CASE WHEN a."kind" = 'SSO' THEN a."id" ELSE ld."ssoAccountId" END AS "ssoAccountId"
      FROM reviewed r JOIN "Account" a ON a."id" = r."accountId"
      LEFT JOIN "IdentityLink" ld ON ld."devopsAccountId" = a."id"
      LEFT JOIN "IdentityLink" ls ON ls."ssoAccountId" = a."id"
    ),
    side AS (
      SELECT COALESCE(array_agg(x."id"), '{}') AS "ids"
      FROM (SELECT "devopsAccountId" AS "id" FROM person UNION SELECT "ssoAccountId" FROM person) x WHERE x."id" IS NOT NULL
    ),
    organization AS MATERIALIZED (
      SELECT o.* FROM "Organization" o WHERE o."enterpriseId" IN (SELECT "enterpriseId" FROM reviewed)
    ),
    membership AS (
      SELECT m."accountId", m."organizationId" FROM "OrgMembership" m
      WHERE m."accountId" = ANY((SELECT "ids" FROM side)::text[]) AND m."organizationId" IN (SELECT "id" FROM organization)
      UNION
      SELECT gm."accountId", g."organizationId" FROM "GroupMembership" gm JOIN "Group" g ON g."id" = gm."groupId"
      WHERE gm."accountId" = ANY((SELECT "ids" FROM side)::text[]) AND g."organizationId" IN (SELECT "id" FROM organization)
    ),
    permission AS (
      SELECT p."accountId", p."organizationId", p."permission" FROM "OrgPermission" p
      WHERE p."accountId" = ANY((SELECT "ids" FROM side)::text[]) AND p."organizationId" IN (SELECT "id" FROM organization)
      UNION
      SELECT gm."accountId", g."organizationId", gp."permission"
      FROM "GroupMembership" gm JOIN "Group" g ON g."id" = gm."groupId" JOIN "GroupPermission" gp ON gp."groupId" = g."id"
      WHERE gm."accountId" = ANY((SELECT "ids" FROM side)::text[]) AND g."organizationId" IN (SELECT "id" FROM organization)
    )
    SELECT
      (SELECT json_agg(json_build_array(s."accountId", s."enterpriseKey", s."enterpriseId")) FROM seen s)::text AS "seen",
      (SELECT json_agg(json_build_array(p."accountId", p."enterpriseId", p."devopsAccountId", p."ssoAccountId")) FROM person p)::text AS "people",
      (SELECT json_agg(${modelTupleJson("e", ENTERPRISE_COLUMNS, ENTERPRISE_TIMESTAMPS)}) FROM "Enterprise" e
         WHERE e."id" IN (SELECT "enterpriseId" FROM reviewed))::text AS "enterprises",
      (SELECT json_agg(${modelTupleJson("a", ACCOUNT_COLUMNS, ACCOUNT_TIMESTAMPS)}) FROM "Account" a
         WHERE a."id" = ANY((SELECT "ids" FROM side)::text[]))::text AS "accounts",
      (SELECT json_agg(${modelTupleJson("o", ORGANIZATION_COLUMNS, ORGANIZATION_TIMESTAMPS)} ORDER BY o."key") FROM organization o)::text AS "organizations",
      (SELECT json_agg(json_build_array(m."accountId", m."organizationId")) FROM membership m)::text AS "memberships",
      (SELECT json_agg(json_build_array(p."accountId", p."organizationId", p."permission")) FROM permission p)::text AS "permissions",
      (SELECT json_agg(json_build_array(p."enterpriseId", p."permission") ORDER BY p."permission")
         FROM "EnterprisePermission" p JOIN "Account" v ON v."id" = p."accountId"
         WHERE p."accountId" = ${viewer} AND v."deletedAt" IS NULL AND p."enterpriseId" IN (SELECT "enterpriseId" FROM reviewed))::text AS "viewerPermissions"`);
  const list = <T>(value: string | null | undefined): T[] => (value ? (JSON.parse(value) as T[]) : []);

  const enterprises = new Map(
    modelsFromTuples<Enterprise>(row!.enterprises, ENTERPRISE_COLUMNS, ENTERPRISE_TIMESTAMPS).map((enterprise) => [enterprise.id, enterprise]),
  );
  const accounts = new Map(modelsFromTuples<Account>(row!.accounts, ACCOUNT_COLUMNS, ACCOUNT_TIMESTAMPS).map((account) => [account.id, account]));
  // Each enterprise's organizations, by key (the statement's order).
  const organizationsOf = new Map<string, Organization[]>();
  for (const organization of modelsFromTuples<Organization>(row!.organizations, ORGANIZATION_COLUMNS, ORGANIZATION_TIMESTAMPS)) {
    const enterpriseOrganizations = organizationsOf.get(organization.enterpriseId!) ?? [];
    enterpriseOrganizations.push(organization);
    organizationsOf.set(organization.enterpriseId!, enterpriseOrganizations);
  }
  const memberships = new Set(list<[string, string]>(row!.memberships).map(([accountId, organizationId]) => permissionKey(accountId, organizationId)));
  const permissions: EffectivePermissions = new Map();
  for (const [accountId, organizationId, permission] of list<[string, string, OrgPermissionKind]>(row!.permissions)) {
    const key = permissionKey(accountId, organizationId);
    let held = permissions.get(key);
    if (!held) permissions.set(key, (held = new Set()));
    held.add(permission);
  }
  const viewerPermissions = new Map<string, EnterprisePermissionKind[]>();
  for (const [enterpriseId, permission] of list<[string, EnterprisePermissionKind]>(row!.viewerPermissions)) {
    viewerPermissions.set(enterpriseId, [...(viewerPermissions.get(enterpriseId) ?? []), permission]);
  }
  const accessOf = (account: Account | null, organizationId: string): OrganizationAccess => {
    if (!account) return NO_ACCESS;
    const key = permissionKey(account.id, organizationId);
    const held = permissions.get(key);
    return { member: memberships.has(key), permissions: ORG_PERMISSIONS.filter((permission) => held?.has(permission)) };
  };

  const enterpriseOfRequest = new Map(
    list<[string, string | null, string]>(row!.seen).map(([accountId, enterpriseKey, enterpriseId]) => [JSON.stringify([enterpriseKey ?? "", accountId]), enterpriseId]),
  );
  const reviews = new Map<string, EnterpriseAccessReview>();
  for (const [accountId, enterpriseId, devopsAccountId, ssoAccountId] of list<[string, string, string | null, string | null]>(row!.people)) {
    const enterprise = enterprises.get(enterpriseId)!;
    const devopsAccount = devopsAccountId ? accounts.get(devopsAccountId)! : null;
    const ssoAccount = ssoAccountId ? accounts.get(ssoAccountId)! : null;
    const rows = (organizationsOf.get(enterpriseId) ?? []).map((organization): AccessReviewRow => {
      const dop = accessOf(devopsAccount, organization.id);
      const sso = accessOf(ssoAccount, organization.id);
      return { organization, dop, sso, ...compareAccess(dop, sso) };
    });
    reviews.set(`${enterpriseId}|${accountId}`, {
      accountId,
      devopsAccount,
      ssoAccount,
      organizations: rows,
      status: worstStatus(rows),
      enterprise,
      viewerPermissions: viewerPermissions.get(enterpriseId) ?? [],
      accountIdsSeen: accountIdsSeen(viewer, accounts.get(accountId)!, devopsAccount, ssoAccount, enterpriseId),
    });
  }
  return requests.map((request) => {
    const enterpriseId = enterpriseOfRequest.get(JSON.stringify([request.enterpriseKey ?? "", request.accountId]));
    return enterpriseId ? (reviews.get(`${enterpriseId}|${request.accountId}`) ?? null) : null;
  });
}

/** See `EnterpriseAccessReview.accountIdsSeen`. */
function accountIdsSeen(viewerAccountId: string, asked: Account, devopsAccount: Account | null, ssoAccount: Account | null, enterpriseId: string): string[] {
  const other = asked.kind === "DEVOPS" ? ssoAccount : devopsAccount;
  if (!other) return [asked.id];
  const seen =
    asked.id === viewerAccountId ||
    other.id === viewerAccountId ||
    // A DOP account linked to an SSO account of the enterprise is one of its members.
    asked.kind === "SSO" ||
    (other.enterpriseId === enterpriseId && other.deletedAt === null);
  return seen ? [asked.id, other.id] : [asked.id];
}
