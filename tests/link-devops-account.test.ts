import type { Database } from "@sso-cutover/db";
import { createTestDatabase } from "@sso-cutover/db/testing";
import { generateTokenSecret, linkDevopsAccountWithToken } from "@sso-cutover/tokens";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { domainError } from "./kit/domain-errors";
import { buildScenario, type Scenario } from "./kit/scenario";

let db: Database;
let s: Scenario;
const now = new Date("2026-12-01T10:00:00.000Z");

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  s = await buildScenario(db.prisma, {
    organizations: { web: {}, api: { groups: { Developers: ["SCAN"] } }, outside: { inEnterprise: false } },
    accounts: {
      "ana-gh": {
        memberOf: ["web"],
        tokens: { laptop: {}, old: { revoked: true }, stale: { expiresAt: new Date(now.getTime() - 1) }, fresh: { expiresAt: new Date(now.getTime() + 1) } },
      },
      ana: { kind: "SSO" },
      "gina-gh": { groups: { api: ["Developers"] }, tokens: { laptop: {} } },
      gina: { kind: "SSO" },
      "otto-gh": { memberOf: ["outside"], tokens: { laptop: {} } },
      otto: { kind: "SSO" },
      "del-gh": { memberOf: ["web"], deleted: true, tokens: { laptop: {} } },
      del: { kind: "SSO" },
      bea: { kind: "SSO", tokens: { own: {} } },
      "dev-gh": { memberOf: ["web"] },
    },
  });
});

const linkWith = (actor: string, devopsAccountToken: string) =>
  linkDevopsAccountWithToken(db.prisma, s.actor(actor), { devopsAccountToken }, now);

const links = () => db.prisma.identityLink.count({ where: { ssoAccount: { enterpriseId: s.enterprise.id } } });

describe("linkDevopsAccountWithToken", () => {
  it("R3: an SSO account links its DOP account by presenting a personal access token of it", async () => {
    const { link, devopsAccount } = await linkWith("ana", s.secret("ana-gh", "laptop"));

    expect(devopsAccount.id).toBe(s.account("ana-gh").id);
    expect(link).toMatchObject({ ssoAccountId: s.account("ana").id, linkedById: s.account("ana").id });
  });

  it("R5/R13: one identity_link.created audit event naming both accounts, and never the token", async () => {
    const secret = s.secret("ana-gh", "laptop");
    await linkWith("ana", secret);

    const events = await s.auditEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: "identity_link.created",
      payload: {
        devopsAccount: { id: s.account("ana-gh").id, login: s.account("ana-gh").login },
        ssoAccount: { id: s.account("ana").id, login: s.account("ana").login },
        proof: "DEVOPS_ACCOUNT_TOKEN",
      },
    });
    expect(JSON.stringify(events[0])).not.toContain(secret);
    expect(JSON.stringify(events[0])).not.toContain(secret.slice(4));
  });

  it("R3: group-derived membership in the enterprise is enough to link", async () => {
    const { link } = await linkWith("gina", s.secret("gina-gh", "laptop"));

    expect(link.devopsAccountId).toBe(s.account("gina-gh").id);
  });

  it("R5: a revoked token is refused as INVALID_INPUT on input.devopsAccountToken, with a message that does not echo it", async () => {
    const secret = s.secret("ana-gh", "old");

    const error = await domainError(linkWith("ana", secret));

    expect(error).toMatchObject({ code: "INVALID_INPUT", field: "input.devopsAccountToken" });
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error.details)).not.toContain(secret);
    expect(await links()).toBe(0);
    expect(await s.auditEvents()).toHaveLength(0);
  });

  it("R5: expired, unknown, malformed and organization-token-shaped secrets are refused the same way", async () => {
    const secrets = [s.secret("ana-gh", "stale"), generateTokenSecret("PAT"), "sqp_not-a-token", generateTokenSecret("SOT"), ""];
    for (const secret of secrets) {
      const error = await domainError(linkWith("ana", secret));
      expect(error).toMatchObject({ code: "INVALID_INPUT", field: "input.devopsAccountToken" });
      if (secret) expect(error.message).not.toContain(secret);
    }
    expect(await links()).toBe(0);
  });

  it("R5: a token that expires after now still proves possession (expiry boundary)", async () => {
    const { link } = await linkWith("ana", s.secret("ana-gh", "fresh"));

    expect(link.devopsAccountId).toBe(s.account("ana-gh").id);
  });

  it("R3: a token of an SSO account, or of a deleted DOP account, does not prove a DOP account", async () => {
    for (const secret of [s.secret("bea", "own"), s.secret("del-gh", "laptop")]) {
      expect(await domainError(linkWith("ana", secret))).toMatchObject({ code: "INVALID_INPUT", field: "input.devopsAccountToken" });
    }
    expect(await links()).toBe(0);
  });

  it("R3: a token of a DOP account outside the enterprise's organizations is refused with a clear PRECONDITION_FAILED", async () => {
    const error = await domainError(linkWith("otto", s.secret("otto-gh", "laptop")));

    expect(error).toMatchObject({ code: "PRECONDITION_FAILED", field: "input.devopsAccountToken" });
    expect(error.message).toContain("not a member of any organization of the SSO account's enterprise");
    expect(await links()).toBe(0);
  });

  it("R3: only an SSO account may link with a token (FORBIDDEN for a DOP account viewer)", async () => {
    const error = await domainError(linkWith("dev-gh", s.secret("ana-gh", "laptop")));

    expect(error.code).toBe("FORBIDDEN");
    expect(await links()).toBe(0);
  });

  it("R3: one link each way: a second SSO account presenting a token of an already linked DOP account gets a CONFLICT", async () => {
    await linkWith("ana", s.secret("ana-gh", "laptop"));

    const error = await domainError(linkWith("bea", s.secret("ana-gh", "laptop")));

    expect(error).toMatchObject({ code: "CONFLICT", field: "input.devopsAccountToken", details: { side: "DEVOPS_ACCOUNT" } });
    expect(error.message).toContain(s.account("ana").login);
    expect(await s.auditEvents("identity_link.created")).toHaveLength(1);
  });

  it("R3: an SSO account already linked cannot link a second DOP account", async () => {
    await linkWith("ana", s.secret("ana-gh", "laptop"));

    const error = await domainError(linkWith("ana", s.secret("gina-gh", "laptop")));

    expect(error).toMatchObject({ code: "CONFLICT", details: { side: "SSO_ACCOUNT" } });
  });
});
