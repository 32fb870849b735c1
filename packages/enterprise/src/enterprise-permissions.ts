import {
  DomainError,
  notFound,
  serializable,
  type EnterprisePermission,
  type EnterprisePermissionKind,
  type PrismaClient,
  type Tx,
} from "@sso-cutover/db";
import type { Actor } from "./actor";
import { recordAuditEvent } from "./audit";
import { requireVisibleEnterprise } from "./enterprises";
import { requireEnterpriseAdmin } from "./permissions";
import { enterpriseAccountsWhere } from "./visibility";

export interface EnterprisePermissionInput {
  enterpriseKey: string;
  accountId: string;
  permission: EnterprisePermissionKind;
}

export interface EnterprisePermissionChange {
  enterpriseId: string;
  accountId: string;
  permission: EnterprisePermissionKind;
  /** Accounts (not deleted) holding Administer Enterprise after the change. */
  administrators: number;
  /** Of those, DOP accounts: the break-glass administrators. */
  dopAdministrators: number;
  warnings: string[];
}

/** R8 warnings about who is left holding Administer Enterprise. */
export function administratorWarnings(administrators: number, dopAdministrators: number): string[] {
  const warnings: string[] = [];
  if (administrators < 2) {
    warnings.push(
      `Only ${administrators} account(s) hold Administer Enterprise: grant it to a second account so that losing one ` +
        "does not lock the enterprise out.",
    );
  }
  if (dopAdministrators === 0) {
    warnings.push("No DOP account holds Administer Enterprise: there is no break-glass account if SSO becomes unavailable.");
  }
  return warnings;
}

async function administratorCounts(tx: Tx, enterpriseId: string) {
  const holders = await tx.enterprisePermission.findMany({
    where: { enterpriseId, permission: "ADMINISTER_ENTERPRISE", account: { deletedAt: null } },
    select: { account: { select: { kind: true } } },
  });
  return {
    administrators: holders.length,
    dopAdministrators: holders.filter((holder) => holder.account.kind === "DEVOPS").length,
  };
}

async function requireEnterpriseMember(tx: Tx, enterpriseId: string, accountId: string) {
  const account = await tx.account.findFirst({ where: { id: accountId, ...enterpriseAccountsWhere(enterpriseId) } });
  if (!account) throw notFound("No account with this id belongs to the enterprise.", "input.accountId");
  return account;
}

/**
 * R8: only a holder of Administer Enterprise may grant an enterprise permission — in the cutover, the DOP admin
 * grants it to its own SSO account. The grantee must belong to the enterprise.
 */
export async function grantEnterprisePermission(
  prisma: PrismaClient,
  actor: Actor,
  input: EnterprisePermissionInput,
): Promise<EnterprisePermissionChange> {
  return serializable(prisma, async (tx) => {
    const enterprise = await requireVisibleEnterprise(tx, actor.accountId, input.enterpriseKey);
    await requireEnterpriseAdmin(tx, actor.accountId, enterprise.id);
    const account = await requireEnterpriseMember(tx, enterprise.id, input.accountId);
    const existing = await tx.enterprisePermission.findUnique({
      where: { enterpriseId_accountId_permission: { enterpriseId: enterprise.id, accountId: account.id, permission: input.permission } },
    });
    if (existing) {
      throw new DomainError("CONFLICT", `${account.login} already holds ${input.permission} on this enterprise.`, "input.accountId");
    }
    const granted: EnterprisePermission = await tx.enterprisePermission.create({
      data: { enterpriseId: enterprise.id, accountId: account.id, permission: input.permission, grantedById: actor.accountId },
    });
    const counts = await administratorCounts(tx, enterprise.id);
    await recordAuditEvent(tx, {
      enterpriseId: enterprise.id,
      actor,
      action: "enterprise_permission.granted",
      target: { type: "Account", id: account.id },
      payload: { permission: granted.permission, accountLogin: account.login, accountKind: account.kind, ...counts },
    });
    return {
      enterpriseId: enterprise.id,
      accountId: account.id,
      permission: granted.permission,
      ...counts,
      warnings: administratorWarnings(counts.administrators, counts.dopAdministrators),
    };
  });
}

/**
 * R8: revoking is for holders of Administer Enterprise; the last holder of Administer Enterprise cannot lose it
 * (the enterprise keeps ≥ 1 at all times), nor can the last DOP holder (the break-glass account of R9 (a)) — also
 * when two revocations race (R11, through SERIALIZABLE).
 */
export async function revokeEnterprisePermission(
  prisma: PrismaClient,
  actor: Actor,
  input: EnterprisePermissionInput,
): Promise<EnterprisePermissionChange> {
  return serializable(prisma, async (tx) => {
    const enterprise = await requireVisibleEnterprise(tx, actor.accountId, input.enterpriseKey);
    await requireEnterpriseAdmin(tx, actor.accountId, enterprise.id);
    const held = await tx.enterprisePermission.findFirst({
      where: { enterpriseId: enterprise.id, accountId: input.accountId, permission: input.permission },
      include: { account: true },
    });
    if (!held) {
      throw notFound(`This account does not hold ${input.permission} on this enterprise.`, "input.accountId");
    }
    if (input.permission === "ADMINISTER_ENTERPRISE" && !held.account.deletedAt) {
      const before = await administratorCounts(tx, enterprise.id);
      if (before.administrators <= 1) {
        throw new DomainError(
          "RULE_VIOLATION",
          `${held.account.login} is the last account holding Administer Enterprise: grant it to another account first.`,
          "input.accountId",
          { rule: "R8" },
        );
      }
      // The break-glass rule of R9 (a) holds for revocations too, or it could be sidestepped one grant at a time.
      if (held.account.kind === "DEVOPS" && before.dopAdministrators <= 1) {
        throw new DomainError(
          "RULE_VIOLATION",
          `${held.account.login} is the last DOP account holding Administer Enterprise (the break-glass account, the way ` +
            "in when SSO is unavailable): grant it to another DOP account first.",
          "input.accountId",
          { rule: "R9" },
        );
      }
    }
    await tx.enterprisePermission.delete({ where: { id: held.id } });
    const counts = await administratorCounts(tx, enterprise.id);
    await recordAuditEvent(tx, {
      enterpriseId: enterprise.id,
      actor,
      action: "enterprise_permission.revoked",
      target: { type: "Account", id: held.accountId },
      payload: { permission: input.permission, accountLogin: held.account.login, accountKind: held.account.kind, ...counts },
    });
    return {
      enterpriseId: enterprise.id,
      accountId: held.accountId,
      permission: input.permission,
      ...counts,
      warnings: administratorWarnings(counts.administrators, counts.dopAdministrators),
    };
  });
}
