import { DomainError, forbidden, serializable, type Account, type PrismaClient } from "@sso-cutover/db";
import { recordAuditEvent, type Actor } from "@sso-cutover/enterprise";
import { tokensBreakingWith, type BreakingToken } from "@sso-cutover/tokens";

export interface DeletedAccount {
  account: Account;
  revokedTokens: number;
  removedMemberships: number;
  tokensThatBroke: BreakingToken[];
}

/**
 * R10: a user deletes their own DOP account. Refused while it is the sole ADMIN of an organization (the error
 * names them), and — as for R8 and R9 — while it is the last holder of Administer Enterprise or the last DOP
 * holder of it (the break-glass account). Soft delete: the row stays so audit events keep their links; its
 * tokens are revoked, its sessions ended, its memberships and permissions removed. SERIALIZABLE (R11).
 */
export async function deleteMyAccount(
  prisma: PrismaClient,
  actor: Actor,
  input: { confirmLogin: string },
  now = new Date(),
): Promise<DeletedAccount> {
  if (actor.kind !== "DEVOPS") {
    throw forbidden("Only a DOP account can be deleted here: sign in with the DOP account you want to delete.");
  }
  if (input.confirmLogin !== actor.login) {
    throw new DomainError(
      "INVALID_INPUT",
      `Type your login ("${actor.login}") to confirm the deletion of this account.`,
      "input.confirmLogin",
    );
  }
  return serializable(prisma, async (tx) => {
    const account = await tx.account.findUniqueOrThrow({ where: { id: actor.accountId } });
    if (account.deletedAt) throw new DomainError("CONFLICT", "This account is already deleted.");

    // Organizations where this account is an admin (directly or through a group), with their other admins.
    const [directAdmin, groupAdmin] = await Promise.all([
      tx.orgPermission.findMany({ where: { accountId: account.id, permission: "ADMIN" }, select: { organizationId: true } }),
      tx.groupMembership.findMany({
        where: { accountId: account.id, group: { permissions: { some: { permission: "ADMIN" } } } },
        select: { group: { select: { organizationId: true } } },
      }),
    ]);
    const adminOf = [...new Set([...directAdmin.map((row) => row.organizationId), ...groupAdmin.map((row) => row.group.organizationId)])];
    if (adminOf.length > 0) {
      const organizations = await tx.organization.findMany({
        where: { id: { in: adminOf } },
        select: {
          key: true,
          devopsPlatform: true,
          permissions: {
            where: { permission: "ADMIN", accountId: { not: account.id }, account: { deletedAt: null } },
            select: { account: { select: { kind: true } } },
          },
          groups: {
            where: { permissions: { some: { permission: "ADMIN" } } },
            select: {
              memberships: {
                where: { accountId: { not: account.id }, account: { deletedAt: null } },
                select: { account: { select: { kind: true } } },
              },
            },
          },
        },
        orderBy: { key: "asc" },
      });
      const others = (organization: (typeof organizations)[number]) => [
        ...organization.permissions.map((row) => row.account.kind),
        ...organization.groups.flatMap((group) => group.memberships.map((row) => row.account.kind)),
      ];
      const soleAdmin = organizations.filter((organization) => others(organization).length === 0);
      if (soleAdmin.length > 0) {
        const keys = soleAdmin.map((organization) => organization.key);
        throw new DomainError(
          "RULE_VIOLATION",
          `You are the only admin of ${keys.map((key) => `"${key}"`).join(", ")}: grant ADMIN to someone else there first.`,
          null,
          { rule: "R10", organizations: keys },
        );
      }
      const lastBitbucketDopAdmin = organizations.filter(
        (organization) => organization.devopsPlatform === "BITBUCKET_CLOUD" && !others(organization).includes("DEVOPS"),
      );
      if (lastBitbucketDopAdmin.length > 0) {
        const keys = lastBitbucketDopAdmin.map((organization) => organization.key);
        throw new DomainError(
          "RULE_VIOLATION",
          `You are the last DOP admin of the Bitbucket Cloud organization(s) ${keys.map((key) => `"${key}"`).join(", ")}, ` +
            "which only a DOP account can link: grant ADMIN there to another DOP account first.",
          null,
          { rule: "R9", organizations: keys },
        );
      }
    }

    const administered = await tx.enterprisePermission.findMany({
      where: { accountId: account.id, permission: "ADMINISTER_ENTERPRISE" },
      select: {
        enterprise: {
          select: {
            key: true,
            permissions: {
              where: { permission: "ADMINISTER_ENTERPRISE", accountId: { not: account.id }, account: { deletedAt: null } },
              select: { account: { select: { kind: true } } },
            },
          },
        },
      },
    });
    for (const { enterprise } of administered) {
      const kinds = enterprise.permissions.map((row) => row.account.kind);
      if (kinds.length === 0) {
        throw new DomainError(
          "RULE_VIOLATION",
          `You are the last account holding Administer Enterprise on "${enterprise.key}": grant it to another account first.`,
          null,
          { rule: "R8", enterprise: enterprise.key },
        );
      }
      if (!kinds.includes("DEVOPS")) {
        throw new DomainError(
          "RULE_VIOLATION",
          `You are the last DOP account holding Administer Enterprise on "${enterprise.key}" (its break-glass account): ` +
            "grant it to another DOP account first.",
          null,
          { rule: "R9", enterprise: enterprise.key },
        );
      }
    }

    const tokensThatBroke = await tokensBreakingWith(tx, [account.id], undefined, now);
    // The enterprises whose audit log records the deletion: through its organizations, or an enterprise
    // permission alone (a break-glass account need not be a member of any organization).
    const [enterprises, enterpriseGrants] = await Promise.all([
      tx.organization.findMany({
        where: {
          enterpriseId: { not: null },
          OR: [
            { memberships: { some: { accountId: account.id } } },
            { groups: { some: { memberships: { some: { accountId: account.id } } } } },
            { permissions: { some: { accountId: account.id } } },
          ],
        },
        select: { enterpriseId: true },
        distinct: ["enterpriseId"],
      }),
      tx.enterprisePermission.findMany({ where: { accountId: account.id }, select: { enterpriseId: true }, distinct: ["enterpriseId"] }),
    ]);
    const [tokens, memberships] = await Promise.all([
      tx.token.updateMany({ where: { ownerAccountId: account.id, revokedAt: null }, data: { revokedAt: now } }),
      tx.orgMembership.deleteMany({ where: { accountId: account.id } }),
      tx.groupMembership.deleteMany({ where: { accountId: account.id } }),
      tx.orgPermission.deleteMany({ where: { accountId: account.id } }),
      tx.enterprisePermission.deleteMany({ where: { accountId: account.id } }),
      tx.session.updateMany({ where: { accountId: account.id, revokedAt: null }, data: { revokedAt: now } }),
    ]);
    const deleted = await tx.account.update({ where: { id: account.id }, data: { deletedAt: now } });
    const enterpriseIds = [
      ...new Set([...enterprises.flatMap((row) => (row.enterpriseId ? [row.enterpriseId] : [])), ...enterpriseGrants.map((row) => row.enterpriseId)]),
    ];
    await recordAuditEvent(tx, {
      enterpriseId: enterpriseIds[0] ?? null,
      actor,
      action: "account.deleted",
      target: { type: "Account", id: account.id },
      payload: {
        accountLogin: account.login,
        accountKind: account.kind,
        enterpriseIds,
        revokedTokens: tokens.count,
        removedMemberships: memberships.count,
      },
    });
    return { account: deleted, revokedTokens: tokens.count, removedMemberships: memberships.count, tokensThatBroke };
  });
}
