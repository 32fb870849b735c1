import { forbidden, invalidInput, serializable, type PrismaClient } from "@sso-cutover/db";
import type { Actor } from "@sso-cutover/enterprise";
import { linkAccounts, type AccountLink } from "@sso-cutover/membership";
import { digestsEqual, hashTokenSecret, tokenKindOfSecret } from "./secrets";

export interface LinkDevopsAccountWithTokenInput {
  /** A personal access token of the DOP account: presenting it proves the viewer holds that account. */
  devopsAccountToken: string;
}

const FIELD = "input.devopsAccountToken";

// One message for every token failure, and never the token itself: it must not tell a guesser what was wrong.
function invalidToken() {
  return invalidInput(FIELD, "This is not a valid, unexpired and unrevoked personal access token of a DOP account.");
}

/**
 * An SSO account (the viewer) links the DOP account it supersedes, proving possession of that DOP account with
 * one of its personal access tokens (R5: looked up by hash, compared in constant time). The token is only read,
 * never stored or logged; the link rules are those of `linkAccounts`, in the same serializable transaction.
 */
export async function linkDevopsAccountWithToken(
  prisma: PrismaClient,
  actor: Actor,
  input: LinkDevopsAccountWithTokenInput,
  now: Date = new Date(),
): Promise<AccountLink> {
  if (actor.kind !== "SSO") {
    throw forbidden("Sign in with your enterprise's SSO first: a DOP account is linked from the SSO account that supersedes it.");
  }
  const secret = input.devopsAccountToken.trim();
  if (tokenKindOfSecret(secret) !== "PAT") throw invalidToken();
  const hash = hashTokenSecret(secret);
  return serializable(prisma, async (tx) => {
    const token = await tx.token.findUnique({ where: { hash }, include: { ownerAccount: true } });
    if (!token || !digestsEqual(token.hash, hash)) throw invalidToken();
    if (token.kind !== "PAT" || token.revokedAt || (token.expiresAt && token.expiresAt <= now)) throw invalidToken();
    const owner = token.ownerAccount;
    if (!owner || owner.kind !== "DEVOPS" || owner.deletedAt) throw invalidToken();
    return linkAccounts(
      tx,
      actor,
      { devopsAccountId: owner.id, ssoAccountId: actor.accountId },
      { proof: "DEVOPS_ACCOUNT_TOKEN", fields: { devopsAccount: FIELD, ssoAccount: null }, now },
    );
  });
}
