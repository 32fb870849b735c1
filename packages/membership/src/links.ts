import {
  DomainError,
  notFound,
  serializable,
  type Account,
  type IdentityLink,
  type PrismaClient,
  type Tx,
} from "@sso-cutover/db";
import { recordAuditEvent, requireEnterpriseAdmin, requireVisibleEnterprise, type Actor } from "@sso-cutover/enterprise";
import { requireVisibleAccountIds } from "./members";

export interface LinkAccountsInput {
  devopsAccountId: string;
  ssoAccountId: string;
}

/** How the link was proven; recorded in the audit event. */
export type LinkProof = "SAME_VERIFIED_EMAIL" | "DEVOPS_ACCOUNT_TOKEN";

export interface LinkAccountsOptions {
  proof: LinkProof;
  /** Input fields errors about each side name (the token variant names its token, not an id). */
  fields?: { devopsAccount?: string | null; ssoAccount?: string | null };
  now?: Date;
}

export interface AccountLink {
  link: IdentityLink;
  devopsAccount: Account;
  ssoAccount: Account;
}

const DEFAULT_FIELDS = { devopsAccount: "input.devopsAccountId", ssoAccount: "input.ssoAccountId" };

/**
 * The two accounts of a link-to-be, checked for kind: a DOP account that is not deleted and an SSO account
 * that is not deleted. One query.
 */
export async function requireLinkableAccounts(
  tx: Tx,
  { devopsAccountId, ssoAccountId }: LinkAccountsInput,
  fields: LinkAccountsOptions["fields"] = {},
): Promise<{ devopsAccount: Account; ssoAccount: Account }> {
  const devopsField = fields.devopsAccount === undefined ? DEFAULT_FIELDS.devopsAccount : fields.devopsAccount;
  const ssoField = fields.ssoAccount === undefined ? DEFAULT_FIELDS.ssoAccount : fields.ssoAccount;
  const accounts = await tx.account.findMany({ where: { id: { in: [devopsAccountId, ssoAccountId] } } });
  const devopsAccount = accounts.find((account) => account.id === devopsAccountId);
  const ssoAccount = accounts.find((account) => account.id === ssoAccountId);
  if (!devopsAccount) throw notFound("No DOP account with this id.", devopsField);
  if (devopsAccount.kind !== "DEVOPS") {
    throw new DomainError("INVALID_INPUT", `${devopsAccount.login} is an SSO account, not a DOP account.`, devopsField);
  }
  if (devopsAccount.deletedAt) {
    throw new DomainError("PRECONDITION_FAILED", `The DOP account ${devopsAccount.login} was deleted; it can no longer be linked.`, devopsField);
  }
  if (!ssoAccount) throw notFound("No SSO account with this id.", ssoField);
  if (ssoAccount.kind !== "SSO" || !ssoAccount.enterpriseId) {
    throw new DomainError("INVALID_INPUT", `${ssoAccount.login} is a DOP account, not an SSO account.`, ssoField);
  }
  if (ssoAccount.deletedAt) {
    throw new DomainError("PRECONDITION_FAILED", `The SSO account ${ssoAccount.login} was deleted; it can no longer be linked.`, ssoField);
  }
  return { devopsAccount, ssoAccount };
}

/**
 * Links a DOP account to the SSO account that supersedes it. The core rules, whoever asks: one link each
 * way, and the DOP account belongs (directly or through a group) to an organization of the SSO account's
 * enterprise — otherwise the link would bring access from outside the enterprise. Runs inside the caller's
 * transaction, which must be serializable, and writes the one audit event of the mutation.
 */
export async function linkAccounts(
  tx: Tx,
  actor: Actor,
  input: LinkAccountsInput,
  { proof, fields = {}, now = new Date() }: LinkAccountsOptions,
): Promise<AccountLink> {
  const devopsField = fields.devopsAccount === undefined ? DEFAULT_FIELDS.devopsAccount : fields.devopsAccount;
  const ssoField = fields.ssoAccount === undefined ? DEFAULT_FIELDS.ssoAccount : fields.ssoAccount;
  const { devopsAccount, ssoAccount } = await requireLinkableAccounts(tx, input, fields);
  const enterpriseId = ssoAccount.enterpriseId as string;

  const [existing, membership] = await Promise.all([
    tx.identityLink.findMany({
      where: { OR: [{ devopsAccountId: devopsAccount.id }, { ssoAccountId: ssoAccount.id }] },
      include: { devopsAccount: { select: { login: true } }, ssoAccount: { select: { login: true } } },
    }),
    tx.organization.findFirst({
      where: {
        enterpriseId,
        OR: [
          { memberships: { some: { accountId: devopsAccount.id } } },
          { groups: { some: { memberships: { some: { accountId: devopsAccount.id } } } } },
        ],
      },
      select: { id: true },
    }),
  ]);
  const devopsLink = existing.find((link) => link.devopsAccountId === devopsAccount.id);
  const ssoLink = existing.find((link) => link.ssoAccountId === ssoAccount.id);
  if (devopsLink && devopsLink.ssoAccountId === ssoAccount.id) {
    throw new DomainError("CONFLICT", `${devopsAccount.login} and ${ssoAccount.login} are already linked.`, devopsField, {
      side: "BOTH",
    });
  }
  if (devopsLink) {
    throw new DomainError(
      "CONFLICT",
      `The DOP account ${devopsAccount.login} is already linked to the SSO account ${devopsLink.ssoAccount.login}; a DOP account links to one SSO account only.`,
      devopsField,
      { side: "DEVOPS_ACCOUNT" },
    );
  }
  if (ssoLink) {
    throw new DomainError(
      "CONFLICT",
      `The SSO account ${ssoAccount.login} is already linked to the DOP account ${ssoLink.devopsAccount.login}; an SSO account links to one DOP account only.`,
      ssoField,
      { side: "SSO_ACCOUNT" },
    );
  }
  if (!membership) {
    throw new DomainError(
      "PRECONDITION_FAILED",
      `The DOP account ${devopsAccount.login} is not a member of any organization of the SSO account's enterprise, so there is no access to carry over.`,
      devopsField,
    );
  }

  const link = await tx.identityLink.create({
    data: { devopsAccountId: devopsAccount.id, ssoAccountId: ssoAccount.id, linkedById: actor.accountId, linkedAt: now },
  });
  await recordAuditEvent(tx, {
    enterpriseId,
    actor,
    action: "identity_link.created",
    target: { type: "IdentityLink", id: link.id },
    payload: {
      devopsAccount: { id: devopsAccount.id, login: devopsAccount.login },
      ssoAccount: { id: ssoAccount.id, login: ssoAccount.login },
      proof,
    },
  });
  return { link, devopsAccount, ssoAccount };
}

export interface LinkDevopsAccountAsAdminInput extends LinkAccountsInput {
  enterpriseKey: string;
}

/**
 * An enterprise admin links a DOP account to an SSO account of the enterprise when both carry the same
 * verified email (case-insensitive): the email is the proof that they are one person.
 */
export async function linkDevopsAccountAsAdmin(
  prisma: PrismaClient,
  actor: Actor,
  input: LinkDevopsAccountAsAdminInput,
  now: Date = new Date(),
): Promise<AccountLink> {
  return serializable(prisma, async (tx) => {
    const enterprise = await requireVisibleEnterprise(tx, actor.accountId, input.enterpriseKey);
    await requireEnterpriseAdmin(tx, actor.accountId, enterprise.id);
    const fields = [DEFAULT_FIELDS.devopsAccount, DEFAULT_FIELDS.ssoAccount];
    await requireVisibleAccountIds(tx, actor.accountId, [input.devopsAccountId, input.ssoAccountId], (index) => fields[index]!);
    const { devopsAccount, ssoAccount } = await requireLinkableAccounts(tx, input);
    if (ssoAccount.enterpriseId !== enterprise.id) {
      throw notFound(`No SSO account of ${enterprise.key} with this id.`, "input.ssoAccountId");
    }
    const sameVerifiedEmail =
      devopsAccount.emailVerified &&
      ssoAccount.emailVerified &&
      devopsAccount.emailNormalized !== null &&
      devopsAccount.emailNormalized === ssoAccount.emailNormalized;
    if (!sameVerifiedEmail) {
      throw new DomainError(
        "PRECONDITION_FAILED",
        `An admin may link ${devopsAccount.login} to ${ssoAccount.login} only when both have the same verified email; ` +
          "otherwise the user links the accounts themselves with a token of the DOP account.",
        "input.devopsAccountId",
        {
          devopsEmailVerified: devopsAccount.emailVerified,
          ssoEmailVerified: ssoAccount.emailVerified,
          sameEmail: devopsAccount.emailNormalized !== null && devopsAccount.emailNormalized === ssoAccount.emailNormalized,
        },
      );
    }
    return linkAccounts(tx, actor, input, { proof: "SAME_VERIFIED_EMAIL", now });
  });
}
