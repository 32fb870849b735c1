import type { Database } from "@sso-cutover/db";
import { createTestDatabase } from "@sso-cutover/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countQueries } from "../../../tests/kit/query-counter";
import { buildScenario, type Scenario } from "../../../tests/kit/scenario";
import {
  CUTOVER_STATUSES,
  cutoverEnterprises,
  cutoverStatus,
  cutoverStatuses,
  cutoverStatusesForViewer,
  enterpriseMembers,
  enterpriseMembersWhere,
  visibleAccountWhere,
  type CutoverStatus,
} from "../src/index";

const DAY = 24 * 60 * 60 * 1000;
const now = new Date("2026-12-01T10:00:00.000Z");

let db: Database;
let s: Scenario;
let other: Scenario;

// Every member of `s`, by the status the documented definitions give it.
const expected: Record<string, CutoverStatus> = {
  admin: "NOT_INVITED",
  "nia-gh": "NOT_INVITED",
  "exp-gh": "NOT_INVITED",
  "rev-gh": "NOT_INVITED",
  "noemail-gh": "NOT_INVITED",
  "far-gh": "NOT_INVITED",
  "ivy-gh": "INVITED",
  "acc-gh": "INVITED",
  sam: "SSO_ACTIVE",
  acc: "SSO_ACTIVE",
  "lin-gh": "LINKED",
  lin: "LINKED",
  "grp-gh": "LINKED",
  grp: "LINKED",
  "gone-gh": "DOP_REMOVED",
  gone: "DOP_REMOVED",
  "del-gh": "DOP_REMOVED",
  del: "DOP_REMOVED",
};
const nonMembers = ["xdel-gh", "stranger-gh"];

beforeAll(async () => {
  db = await createTestDatabase();
  other = await buildScenario(db.prisma, {
    organizations: { web: {} },
    accounts: { admin: { enterpriseAdmin: true, memberOf: ["web"] }, far: { kind: "SSO" }, "o-gh": { memberOf: ["web"] } },
  });
  s = await buildScenario(db.prisma, {
    organizations: { web: {}, api: { groups: { Developers: [] } }, outside: { inEnterprise: false } },
    accounts: {
      admin: { enterpriseAdmin: true, memberOf: ["web"] },
      "nia-gh": { memberOf: ["web"] },
      "ivy-gh": { memberOf: ["web"], email: "Ivy@Example.com" },
      "acc-gh": { groups: { api: ["Developers"] } },
      acc: { kind: "SSO", email: "acc-gh@example.com" },
      "exp-gh": { memberOf: ["web"] },
      "rev-gh": { memberOf: ["web"] },
      "noemail-gh": { memberOf: ["web"], email: null },
      // In the enterprise, but linked to an SSO account of another enterprise: not linked here.
      "far-gh": { memberOf: ["web"] },
      sam: { kind: "SSO" },
      "lin-gh": { memberOf: ["web"], linkedTo: "lin" },
      lin: { kind: "SSO" },
      "grp-gh": { groups: { api: ["Developers"] }, linkedTo: "grp" },
      grp: { kind: "SSO" },
      "gone-gh": { memberOf: ["outside"], linkedTo: "gone" },
      gone: { kind: "SSO" },
      "del-gh": { memberOf: ["web"], deleted: true, linkedTo: "del" },
      del: { kind: "SSO" },
      "xdel-gh": { memberOf: ["web"], deleted: true },
      "stranger-gh": { memberOf: ["outside"] },
    },
  });
  await db.prisma.identityLink.create({
    data: { devopsAccountId: s.account("far-gh").id, ssoAccountId: other.account("far").id, linkedById: other.account("far").id },
  });
  const invitation = (email: string, fields: { status?: "PENDING" | "ACCEPTED" | "REVOKED"; expiresAt?: Date } = {}) => ({
    enterpriseId: s.enterprise.id,
    email,
    emailNormalized: email.toLowerCase(),
    invitedById: s.account("admin").id,
    expiresAt: fields.expiresAt ?? new Date(now.getTime() + 14 * DAY),
    status: fields.status ?? "PENDING",
  });
  await db.prisma.invitation.createMany({
    data: [
      invitation("ivy@example.com", { expiresAt: new Date(now.getTime() + DAY) }),
      invitation("acc-gh@example.com", { status: "ACCEPTED" }),
      invitation("exp-gh@example.com", { expiresAt: now }),
      invitation("rev-gh@example.com", { status: "REVOKED" }),
      // Invited by another enterprise: does not count here.
      { ...invitation("nia-gh@example.com"), enterpriseId: other.enterprise.id },
    ],
  });
});
afterAll(async () => {
  await db.close();
});

const handlesOf = (ids: string[]) => {
  const byId = new Map([...Object.keys(expected), ...nonMembers].map((h) => [s.account(h).id, h]));
  return ids.map((id) => byId.get(id) ?? `?${id}`).sort();
};

async function membersWith(filter: Parameters<typeof enterpriseMembersWhere>[2], at = now) {
  const where = await enterpriseMembersWhere(db.prisma, s.enterprise.id, filter, at);
  return handlesOf((await db.prisma.account.findMany({ where, select: { id: true } })).map((a) => a.id));
}

describe("cutoverStatus", () => {
  it("R3/R4: each member of the enterprise gets the cutover status its definition gives; non-members get none", async () => {
    const ids = [...Object.keys(expected), ...nonMembers].map((h) => s.account(h).id);

    const statuses = await cutoverStatuses(db.prisma, ids, s.enterprise.id, now);

    const actual = Object.fromEntries([...statuses].map(([id, status]) => [handlesOf([id])[0], status]));
    expect(actual).toEqual(expected);
    expect(await cutoverStatus(db.prisma, s.account("xdel-gh").id, s.enterprise.id, now)).toBeNull();
  });

  it("R3: an invitation counts as INVITED until its expiry, not at it", async () => {
    const ivy = s.account("ivy-gh").id;
    const expiry = new Date(now.getTime() + DAY);

    expect(await cutoverStatus(db.prisma, ivy, s.enterprise.id, new Date(expiry.getTime() - 1))).toBe("INVITED");
    expect(await cutoverStatus(db.prisma, ivy, s.enterprise.id, expiry)).toBe("NOT_INVITED");
    expect(await membersWith({ cutoverStatus: "INVITED" }, expiry)).toEqual(["acc-gh"]);
  });

  it("R4: cutover statuses of many accounts take the same number of statements as of a few", async () => {
    const all = Object.keys(expected).map((h) => s.account(h).id);
    const counter = countQueries(db.prisma);

    const few = await counter.measure((client) => cutoverStatuses(client, all.slice(0, 3), s.enterprise.id, now));
    const many = await counter.measure((client) => cutoverStatuses(client, all, s.enterprise.id, now));

    expect(many.result.size).toBe(all.length);
    expect(many.operations).toBe(few.operations);
  });
});

describe("enterpriseMembers", () => {
  it("R15: pages forward and backward in login order: each page is the slice of the members by login that its cursor and size name", async () => {
    const where = await enterpriseMembersWhere(db.prisma, s.enterprise.id, {}, now);
    const logins = (await db.prisma.account.findMany({ where, orderBy: { login: "asc" }, select: { login: true } })).map((a) => a.login);
    expect(logins.length).toBeGreaterThan(10);
    const page = async (take: number, cursorLogin?: string) =>
      (await enterpriseMembers(db.prisma, s.enterprise.id, {}, { take, cursorLogin }, now)).map((account) => account.login);

    expect(await page(4)).toEqual(logins.slice(0, 4));
    expect(await page(4, logins[2])).toEqual(logins.slice(3, 7));
    expect(await page(-4)).toEqual(logins.slice(-4));
    expect(await page(-4, logins[9])).toEqual(logins.slice(5, 9));
    expect(await page(-3, logins[1])).toEqual(logins.slice(0, 1));
    expect(await page(100)).toEqual(logins);
    expect(await page(-100)).toEqual(logins);
  });
});

describe("enterpriseMembersWhere", () => {
  it("members are DOP accounts in an organization (directly or through a group), SSO accounts, and linked DOP accounts", async () => {
    expect(await membersWith({})).toEqual(Object.keys(expected).sort());
  });

  it("filters by kind", async () => {
    const sso = Object.keys(expected).filter((h) => !h.endsWith("-gh") && h !== "admin");

    expect(await membersWith({ kind: "SSO" })).toEqual(sso.sort());
    expect(await membersWith({ kind: "DEVOPS" })).toEqual(Object.keys(expected).filter((h) => !sso.includes(h)).sort());
  });

  it("R3/R4: filtering by cutover status selects exactly the members cutoverStatus gives that status", async () => {
    for (const status of CUTOVER_STATUSES) {
      const want = Object.entries(expected)
        .filter(([, value]) => value === status)
        .map(([handle]) => handle)
        .sort();
      expect({ status, members: await membersWith({ cutoverStatus: status }) }).toEqual({ status, members: want });
    }
  });

  it("combines kind and cutover status", async () => {
    expect(await membersWith({ kind: "SSO", cutoverStatus: "DOP_REMOVED" })).toEqual(["del", "gone"]);
    expect(await membersWith({ kind: "DEVOPS", cutoverStatus: "LINKED" })).toEqual(["grp-gh", "lin-gh"]);
  });
});

describe("visibleAccountWhere", () => {
  const visibleTo = async (viewer: Scenario, handle: string) =>
    new Set((await db.prisma.account.findMany({ where: visibleAccountWhere(viewer.account(handle).id), select: { id: true } })).map((a) => a.id));

  it("a member of an enterprise may load every member of it, and not members of other enterprises", async () => {
    const visible = await visibleTo(s, "nia-gh");

    for (const handle of Object.keys(expected)) expect(visible.has(s.account(handle).id)).toBe(true);
    expect(visible.has(s.account("stranger-gh").id)).toBe(false);
    expect(visible.has(other.account("o-gh").id)).toBe(false);
  });

  it("an SSO account sees its enterprise's members; an account in no enterprise sees itself only", async () => {
    expect((await visibleTo(s, "sam")).has(s.account("nia-gh").id)).toBe(true);
    expect([...(await visibleTo(s, "stranger-gh"))]).toEqual([s.account("stranger-gh").id]);
  });

  it("an account sees the account it is linked to, even once that one left every organization", async () => {
    const gone = await visibleTo(s, "gone-gh");

    expect(gone.has(s.account("gone").id)).toBe(true);
  });
});

describe("cutoverEnterprises", () => {
  it("the named enterprise when visible; else an SSO account's own, a linked DOP account's, or the only one of its organizations", async () => {
    const ask = ["sam", "lin-gh", "nia-gh", "gone-gh", "stranger-gh", "far-gh"].map((h) => ({ accountId: s.account(h).id }));

    const enterprises = await cutoverEnterprises(db.prisma, s.account("nia-gh").id, [
      ...ask,
      { accountId: s.account("nia-gh").id, enterpriseKey: s.enterprise.key },
      { accountId: s.account("nia-gh").id, enterpriseKey: other.enterprise.key },
    ]);

    expect(enterprises.map((e) => e?.key ?? null)).toEqual([
      s.enterprise.key,
      s.enterprise.key,
      s.enterprise.key,
      s.enterprise.key,
      null, // in no enterprise's organization
      null, // linked to an SSO account of the other enterprise, which nia cannot see
      s.enterprise.key,
      null, // not visible to nia
    ]);
  });

  it("an unlinked DOP account in organizations of two enterprises has no enterprise of its own: the caller must name one", async () => {
    const first = await buildScenario(db.prisma, { organizations: { web: {} }, accounts: { "two-gh": { memberOf: ["web"] } } });
    const second = await buildScenario(db.prisma, { organizations: { web: {} }, accounts: { x: { memberOf: ["web"] } } });
    await db.prisma.orgMembership.create({ data: { accountId: first.account("two-gh").id, organizationId: second.organization("web").id } });
    const viewer = first.account("two-gh").id;

    const [inferred, named] = await cutoverEnterprises(db.prisma, viewer, [
      { accountId: viewer },
      { accountId: viewer, enterpriseKey: second.enterprise.key },
    ]);

    expect(inferred).toBeNull();
    expect(named?.id).toBe(second.enterprise.id);
  });
});

describe("cutoverStatusesForViewer", () => {
  it("answers in each account's enterprise, and null where the viewer cannot see it or the account is no member", async () => {
    const statuses = await cutoverStatusesForViewer(
      db.prisma,
      s.account("nia-gh").id,
      [
        { accountId: s.account("sam").id },
        { accountId: s.account("lin-gh").id },
        { accountId: s.account("stranger-gh").id },
        { accountId: s.account("stranger-gh").id, enterpriseKey: s.enterprise.key },
      ],
      now,
    );
    const asOutsider = await cutoverStatusesForViewer(db.prisma, other.account("admin").id, [{ accountId: s.account("sam").id }], now);

    expect(statuses).toEqual(["SSO_ACTIVE", "LINKED", null, null]);
    expect(asOutsider).toEqual([null]);
  });
});
