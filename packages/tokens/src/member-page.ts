import {
  ENTERPRISE_COLUMNS,
  ENTERPRISE_TIMESTAMPS,
  modelsFromTuples,
  modelTupleJson,
  Prisma,
  readComposed,
  type Account,
  type ComposedRead,
  type Enterprise,
  type Tx,
} from "@sso-cutover/db";
import { visibleEnterpriseSql } from "@sso-cutover/enterprise";
import {
  enterpriseMemberPageRead,
  ORGANIZATION_LISTING_COLUMNS,
  visibleOrganizationsRead,
  type EnterpriseMemberPage,
  type EnterpriseMembersFilter,
  type OrganizationWithEnterprise,
} from "@sso-cutover/membership";
import { breakingTokensRead, type BreakingTokensGuidance } from "./guidance";

/** What a member list's rows ask of their accounts besides the accounts' own columns. */
export interface MemberPageCompanions {
  viewerAccountId: string;
  /**
   * Each account's organizations as the viewer may see them (`visibleOrganizationsOfAccounts`): every column, or
   * only those a list of them by key and name shows (`ORGANIZATION_LISTING_COLUMNS`); null: not asked for.
   */
  organizations: "all" | "listing" | null;
  /** Each account's tokens that break, in the enterprise with this key, or each person's own when null (`breakingTokensForViewer`). */
  breakingTokens: { enterpriseKey: string | null } | null;
}

export interface MemberPageWithCompanions {
  accounts: Account[];
  /** By account id; null when not asked for. */
  organizations: Map<string, OrganizationWithEnterprise[]> | null;
  /** By account id; null when not asked for. */
  breakingTokens: Map<string, BreakingTokensGuidance | null> | null;
}

/**
 * A page of the enterprise's members (`enterpriseMembers`) and, in the same statement, what the page's rows ask of
 * its accounts: their organizations (R15, as `visibleOrganizationsOfAccounts` reads them) and their tokens that break
 * (R7, as `breakingTokensForViewer` reads them), each read by the same parts of SQL and the same code as alone, over
 * the page's ids. One statement where there were three: each costs the gateway and the database a round trip, and
 * the gateway about 0.3 ms of CPU whatever its size. Null when the page is not read by its keyed statement (a cutover
 * status filter, an empty page): the reads are then made apart.
 */
export async function enterpriseMemberPageWith(
  tx: Tx,
  enterpriseId: string,
  filter: EnterpriseMembersFilter,
  page: EnterpriseMemberPage,
  companions: MemberPageCompanions,
  now: Date = new Date(),
): Promise<MemberPageWithCompanions | null> {
  const read = memberPageRead(enterpriseId, filter, page, companions);
  return read && read.answer(await readComposed(tx, read.parts), now);
}

/**
 * `visibleEnterpriseByKey` (the enterprise with this key when the viewer may see it, else null) and, in the same
 * statement, a page of its members with what its rows ask (`enterpriseMemberPageWith`): the page is cut for the
 * enterprise the statement found, and is empty when it found none. A dashboard's member list asks for both, one
 * after the other; each statement costs a round trip and the gateway's CPU for its own sake. Null when the page is
 * not read by its keyed statement (see `enterpriseMemberPageWith`): the reads are then made apart.
 */
export async function visibleEnterpriseWithMemberPage(
  tx: Tx,
  viewerAccountId: string,
  key: string,
  filter: EnterpriseMembersFilter,
  page: EnterpriseMemberPage,
  companions: MemberPageCompanions,
  now: Date = new Date(),
): Promise<{ enterprise: Enterprise | null; members: MemberPageWithCompanions | null } | null> {
  const read = memberPageRead(Prisma.sql`(SELECT "id" FROM enterprise_by_key)`, filter, page, companions);
  if (!read) return null;
  const enterpriseRead: ComposedRead<Enterprise | null, []> = {
    ctes: Prisma.sql`enterprise_by_key AS MATERIALIZED (
      SELECT e.* FROM "Enterprise" e WHERE e."key" = ${key} AND ${visibleEnterpriseSql("e", viewerAccountId)})`,
    columns: Prisma.sql`(SELECT json_agg(${modelTupleJson("e", ENTERPRISE_COLUMNS, ENTERPRISE_TIMESTAMPS)}) FROM enterprise_by_key e)::text AS "enterprise_by_key"`,
    answer: (row) => modelsFromTuples<Enterprise>(row.enterprise_by_key, ENTERPRISE_COLUMNS, ENTERPRISE_TIMESTAMPS)[0] ?? null,
  };
  const row = await readComposed(tx, [enterpriseRead, ...read.parts]);
  const enterprise = enterpriseRead.answer(row);
  return { enterprise, members: enterprise && read.answer(row, now) };
}

/** The parts of a member page's statement and what they answer, for an enterprise given by its id or an expression of it. */
function memberPageRead(enterpriseId: string | Prisma.Sql, filter: EnterpriseMembersFilter, page: EnterpriseMemberPage, companions: MemberPageCompanions) {
  const pageRead = enterpriseMemberPageRead(enterpriseId, filter, page);
  if (!pageRead) return null;
  const organizationsRead = companions.organizations
    ? visibleOrganizationsRead(companions.viewerAccountId, pageRead.ids, companions.organizations === "listing" ? ORGANIZATION_LISTING_COLUMNS : undefined)
    : null;
  const breaking = companions.breakingTokens;
  const breakingRead = breaking
    ? breakingTokensRead(companions.viewerAccountId, pageRead.ids, breaking.enterpriseKey ? [breaking.enterpriseKey] : [])
    : null;
  return {
    parts: [pageRead, ...(organizationsRead ? [organizationsRead] : []), ...(breakingRead ? [breakingRead] : [])],
    answer(row: Record<string, unknown>, now: Date): MemberPageWithCompanions {
      const accounts = pageRead.answer(row);
      const ids = accounts.map((account) => account.id);
      let breakingTokens: Map<string, BreakingTokensGuidance | null> | null = null;
      if (breakingRead) {
        const answers = breakingRead.answer(row, ids.map((accountId) => ({ accountId, enterpriseKey: breaking!.enterpriseKey })), now);
        breakingTokens = new Map(ids.map((id, index) => [id, answers[index]!]));
      }
      return { accounts, organizations: organizationsRead ? organizationsRead.answer(row, ids) : null, breakingTokens };
    },
  };
}
