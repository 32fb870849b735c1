import { randomBytes } from "node:crypto";
import type { Account, Tx } from "@sso-cutover/db";

/** What the IdP asserts about the user, read through the connection's attribute mapping. */
export interface IdpIdentity {
  /** The NameID: the stable key of the user at the IdP. */
  subject: string;
  /** The IdP's login (login attribute, else the NameID). */
  idpLogin: string;
  name: string;
  email: string | null;
  /** Distinct group names, as sent (case kept). */
  groups: string[];
}

/** The built-in group every organization has; the IdP cannot place users in it (R2). */
export const MEMBERS_GROUP = "Members";

const LOGIN_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** The local part of the IdP login, reduced to what a login may contain (`[a-z0-9._-]`, at most 40 characters). */
export function loginBase(idpLogin: string): string {
  const local = idpLogin.split("@")[0] ?? "";
  const sanitized = local
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/[._-]{2,}/g, "-")
    .replace(/^[._-]+/, "")
    .slice(0, 40)
    .replace(/[._-]+$/, "");
  return sanitized || "sso-user";
}

function randomSuffix(length = 6): string {
  return [...randomBytes(length)].map((byte) => LOGIN_ALPHABET[byte % LOGIN_ALPHABET.length]).join("");
}

/** A login not taken yet: the sanitized local part of the IdP login and a random suffix. */
async function freeLogin(tx: Tx, idpLogin: string): Promise<string> {
  const base = loginBase(idpLogin);
  const candidates = Array.from({ length: 4 }, () => `${base}-${randomSuffix()}`);
  const taken = await tx.account.findMany({ where: { login: { in: candidates } }, select: { login: true } });
  const takenLogins = new Set(taken.map((account) => account.login));
  const login = candidates.find((candidate) => !takenLogins.has(candidate));
  if (!login) throw new Error(`no free login found for "${base}" after ${candidates.length} random suffixes`);
  return login;
}

export interface ProvisionedAccount {
  /** The account after this login (fields from the IdP, lastLoginAt = now). */
  account: Account;
  /** The account before this login; null when this login created it. */
  previous: Account | null;
}

/**
 * JIT provisioning: creates the enterprise's SSO account for the IdP subject at its first login, and refreshes
 * its name and email (IdP-verified) at each later one. The login is chosen once and kept.
 */
export async function provisionSsoAccount(
  tx: Tx,
  { enterpriseId, identity, now }: { enterpriseId: string; identity: IdpIdentity; now: Date },
): Promise<ProvisionedAccount> {
  const previous = await tx.account.findUnique({
    where: { enterpriseId_ssoSubject: { enterpriseId, ssoSubject: identity.subject } },
  });
  const emailFields =
    identity.email === null
      ? {}
      : { email: identity.email, emailNormalized: identity.email.toLowerCase(), emailVerified: true };
  if (previous) {
    const account = await tx.account.update({
      where: { id: previous.id },
      data: { name: identity.name, ...emailFields, lastLoginAt: now },
    });
    return { account, previous };
  }
  const account = await tx.account.create({
    data: {
      login: await freeLogin(tx, identity.idpLogin),
      name: identity.name,
      kind: "SSO",
      enterpriseId,
      ssoSubject: identity.subject,
      ...emailFields,
      lastLoginAt: now,
      createdAt: now,
    },
  });
  return { account, previous: null };
}
