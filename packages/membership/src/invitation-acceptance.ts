import type { Account, Invitation, Tx } from "@sso-cutover/db";

export interface AcceptInvitationForLoginInput {
  enterpriseId: string;
  /** The SSO account as it was before this login (its `lastLoginAt` tells whether this is its first login). */
  account: Pick<Account, "id" | "kind" | "enterpriseId" | "emailNormalized" | "emailVerified" | "lastLoginAt">;
  now?: Date;
}

/**
 * R3: an invitation is accepted only by a first SSO login whose (IdP-verified) email equals the invitation's
 * email, case-insensitively. The newest PENDING, unexpired invitation of the enterprise for that email becomes
 * ACCEPTED by the account; any other login leaves invitations as they are. Runs inside the login's transaction,
 * whose audit event names the invitation accepted. Returns it, or null.
 */
export async function acceptInvitationForLogin(
  tx: Tx,
  { enterpriseId, account, now = new Date() }: AcceptInvitationForLoginInput,
): Promise<Invitation | null> {
  const firstSsoLogin = account.kind === "SSO" && account.enterpriseId === enterpriseId && account.lastLoginAt === null;
  const email = account.emailVerified ? account.emailNormalized?.trim().toLowerCase() : undefined;
  if (!firstSsoLogin || !email) return null;
  const invitation = await tx.invitation.findFirst({
    where: { enterpriseId, emailNormalized: email, status: "PENDING", expiresAt: { gt: now } },
    orderBy: { createdAt: "desc" },
  });
  if (!invitation) return null;
  return tx.invitation.update({
    where: { id: invitation.id },
    data: { status: "ACCEPTED", acceptedById: account.id, acceptedAt: now },
  });
}
