/**
 * `accessReviewsForViewer` reads in one statement what the per-rule functions read in a dozen queries: the enterprise
 * each request is about (`cutoverEnterprises`), who may review whom (`reviewableAccountIds`) and the reviews
 * (`accessReviews`). The oracle is that composition, kept here as it was, and the two must give the same answers on
 * varied enterprises (generated from seeds) with links either way and across enterprises, group-derived memberships
 * and permissions, accounts outside the enterprise, non-members, deleted accounts, admins, the person themselves and
 * strangers as viewers. What the statement says the viewer may see (R15) is checked against the visibility filters.
 */
import { ACCOUNT_COLUMNS, type Account, type Tx } from "@sso-cutover/db";
import { createTestDatabase, type TestDatabase } from "@sso-cutover/db/testing";
import { heldEnterprisePermissions, visibleEnterpriseWhere, visibleOrganizationWhere } from "@sso-cutover/enterprise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crossEnterprisePeople, generatedEnterprise, random } from "../../../tests/kit/generated-enterprise";
import type { Scenario } from "../../../tests/kit/scenario";
import {
  accessReviews,
  accessReviewsForViewer,
  cutoverEnterprises,
  reviewableAccountIds,
  visibleAccountWhere,
  type AccessReview,
  type EnterpriseScopedRequest,
} from "../src/index";
import { groupByEnterprise } from "../src/members";

let db: TestDatabase;

// ------------------------------------------------------------------------------------------------ oracle

/** `accessReviewsForViewer` as it was: the enterprises, then per enterprise who may be reviewed, then the reviews. */
async function oracleReviews(tx: Tx, viewerAccountId: string, requests: readonly EnterpriseScopedRequest[]) {
  const enterprises = await cutoverEnterprises(tx, viewerAccountId, requests);
  const byEnterprise = groupByEnterprise(requests, enterprises);
  const reviews = new Map<string, Map<string, AccessReview>>();
  for (const [enterpriseId, accountIds] of byEnterprise) {
    const allowed = await reviewableAccountIds(tx, { accountId: viewerAccountId }, accountIds, enterpriseId);
    reviews.set(enterpriseId, await accessReviews(tx, [...allowed], enterpriseId));
  }
  return requests.map((request, index) => {
    const enterprise = enterprises[index];
    const review = enterprise ? reviews.get(enterprise.id)?.get(request.accountId) : undefined;
    return enterprise && review ? { ...review, enterprise } : null;
  });
}

/** An account's own columns (the oracle's accounts carry the links they were read with). */
function plain(account: Account | null): Account | null {
  if (!account) return null;
  return Object.fromEntries(ACCOUNT_COLUMNS.map((column) => [column, account[column]])) as unknown as Account;
}

function comparable(review: (AccessReview & { enterprise: unknown }) | null) {
  if (!review) return null;
  return {
    accountId: review.accountId,
    enterprise: review.enterprise,
    devopsAccount: plain(review.devopsAccount),
    ssoAccount: plain(review.ssoAccount),
    organizations: review.organizations,
    status: review.status,
  };
}

// ------------------------------------------------------------------------------------------------ data

const SEEDS = [21, 22, 23, 24];
const worlds: Scenario[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  for (const seed of SEEDS) worlds.push(await generatedEnterprise(db.prisma, seed));
  await crossEnterprisePeople(db.prisma, worlds[0]!, worlds[1]!);
}, 180_000);
afterAll(() => db?.close());

// ------------------------------------------------------------------------------------------------ tests

/** Every request a viewer may make about an account: its own enterprise, each enterprise by key, unknown keys. */
function requestsAbout(accountIds: readonly string[]): EnterpriseScopedRequest[] {
  const keys = [null, "", "no-such-enterprise", ...worlds.map((world) => world.enterprise.key)];
  return [...accountIds, "no-such-account"].flatMap((accountId) => keys.map((enterpriseKey) => ({ accountId, enterpriseKey })));
}

describe("accessReviewsForViewer (R4, R15): the one-statement read gives the per-rule computation's answers", () => {
  it("for every viewer (admins, members, linked people, strangers, deleted accounts) and every request, batched", async () => {
    const accounts = await db.prisma.account.findMany({ select: { id: true }, orderBy: { login: "asc" } });
    const ids = accounts.map((row) => row.id);
    const requests = requestsAbout(ids);
    let reviewed = 0;
    const statuses = new Set<string>();
    for (const viewer of [...ids, "no-such-account"]) {
      const actual = await accessReviewsForViewer(db.prisma, { accountId: viewer }, requests);
      const expected = await oracleReviews(db.prisma, viewer, requests);
      expect(actual.map(comparable), `viewer ${viewer}`).toEqual(expected.map(comparable));

      // R15: what the read says the viewer sees, the visibility filters agree with.
      const reviews = actual.filter((review) => review !== null);
      if (reviews.length === 0) continue;
      reviewed += reviews.length;
      for (const review of reviews) statuses.add(review.status);
      const enterpriseIds = [...new Set(reviews.map((review) => review.enterprise.id))];
      const organizationIds = [...new Set(reviews.flatMap((review) => review.organizations.map((row) => row.organization.id)))];
      const accountIds = [...new Set(reviews.flatMap((review) => review.accountIdsSeen))];
      const [enterprises, organizations, visibleAccounts] = await Promise.all([
        db.prisma.enterprise.count({ where: { id: { in: enterpriseIds }, ...visibleEnterpriseWhere(viewer) } }),
        db.prisma.organization.count({ where: { id: { in: organizationIds }, ...visibleOrganizationWhere(viewer) } }),
        db.prisma.account.count({ where: { id: { in: accountIds }, ...visibleAccountWhere(viewer) } }),
      ]);
      expect(enterprises, `viewer ${viewer}: enterprises`).toBe(enterpriseIds.length);
      expect(organizations, `viewer ${viewer}: organizations`).toBe(organizationIds.length);
      expect(visibleAccounts, `viewer ${viewer}: accounts`).toBe(accountIds.length);
      for (const review of reviews) {
        expect(review.accountIdsSeen).toContain(review.accountId);
        expect(review.viewerPermissions, `viewer ${viewer}`).toEqual(await heldEnterprisePermissions(db.prisma, viewer, review.enterprise.id));
      }
    }
    // The data reaches every kind of answer.
    expect(reviewed).toBeGreaterThan(100);
    expect(statuses).toEqual(new Set(["OK", "MISSING_MEMBERSHIP", "MISSING_PERMISSIONS"]));
  }, 600_000);

  it("one request at a time, as the dashboard asks (its own review, and a drawn sample of others)", async () => {
    const accounts = await db.prisma.account.findMany({ select: { id: true }, orderBy: { login: "asc" } });
    const ids = accounts.map((row) => row.id);
    const draw = random(7);
    let reviewed = 0;
    const keys = [null, ...worlds.map((world) => world.enterprise.key)];
    for (const viewer of ids) {
      const drawn = (): EnterpriseScopedRequest => ({ accountId: ids[Math.floor(draw() * ids.length)]!, enterpriseKey: keys[Math.floor(draw() * keys.length)]! });
      for (const request of [{ accountId: viewer }, drawn(), drawn()]) {
        const [actual] = await accessReviewsForViewer(db.prisma, { accountId: viewer }, [request]);
        const [expected] = await oracleReviews(db.prisma, viewer, [request]);
        expect(comparable(actual ?? null), `viewer ${viewer}, ${JSON.stringify(request)}`).toEqual(comparable(expected ?? null));
        if (actual) reviewed++;
      }
    }
    expect(reviewed).toBeGreaterThan(30);
  }, 600_000);

  it("R4/R15: cross-enterprise cases: the own enterprise through the link, none when in two, an admin's reach", async () => {
    const login = async (value: string) => (await db.prisma.account.findUniqueOrThrow({ where: { login: value } })).id;
    const [a, b] = [worlds[0]!.enterprise, worlds[1]!.enterprise];
    const x1 = await login("x1-gh");
    const [own, inA] = await accessReviewsForViewer(db.prisma, { accountId: x1 }, [{ accountId: x1 }, { accountId: x1, enterpriseKey: a.key }]);
    // Linked to an SSO account of B, B is its own enterprise, which a DOP account in none of its organizations does
    // not see (R15); in A, where it is, it reviews itself with its SSO side of B.
    expect(own).toBeNull();
    expect(inA?.enterprise.id).toBe(a.id);
    expect(inA?.ssoAccount?.login).toBe("x1");
    expect(inA?.accountIdsSeen).toEqual([x1, inA?.ssoAccount?.id]);
    const x2 = await login("x2-gh");
    expect(await accessReviewsForViewer(db.prisma, { accountId: x2 }, [{ accountId: x2 }, { accountId: x2, enterpriseKey: a.key }])).toEqual([
      null,
      expect.objectContaining({ accountId: x2, enterprise: a }),
    ]);
    const x8 = await login("x8-gh");
    const [x3InB, x2InA] = await accessReviewsForViewer(db.prisma, { accountId: x8 }, [
      { accountId: await login("x3-gh"), enterpriseKey: b.key },
      { accountId: x2, enterpriseKey: a.key },
    ]);
    expect(x3InB?.viewerPermissions).toEqual(["ADMINISTER_ENTERPRISE", "CREATE_PORTFOLIOS"]);
    // Its SSO side is deleted and of another enterprise: left for the caller to check (R15).
    expect(x3InB?.accountIdsSeen).toEqual([x3InB?.accountId]);
    expect(x2InA).toBeNull();
    const [x9, x10] = await accessReviewsForViewer(db.prisma, { accountId: await login("x11-gh") }, [
      { accountId: await login("x9-gh"), enterpriseKey: a.key },
      { accountId: await login("x10-gh"), enterpriseKey: a.key },
    ]);
    expect(x9?.organizations.every((row) => !row.dop.member)).toBe(true);
    expect(x10).toBeNull();
  });
});
