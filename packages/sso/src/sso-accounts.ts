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
export async function freeLogin(tx: Tx, idpLogin: string): Promise<string> {
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
  /** How the login found its account (R16): its stored subject, its email (first login of a seeded or SCIM-created account), or neither (created). */
  matchedBy: "SUBJECT" | "EMAIL" | "CREATED";
}

const EMAIL_SHAPED = /^[^\s@]+@[^\s@]+$/;

/**
 * The form of a NameID that is stored and compared (R16). An email-shaped NameID (the `emailAddress` format, or a
 * persistent one the IdP fills with the user's email or UPN) names a mailbox, and mailboxes are case-insensitive in
 * practice: `Bob@acme.example` and `bob@acme.example` are one person, so it is lower-cased. Any other NameID is an
 * opaque key that SAML compares exactly, so it is kept as sent.
 */
export function subjectKey(subject: string): string {
  const trimmed = subject.trim();
  return EMAIL_SHAPED.test(trimmed) ? trimmed.toLowerCase() : trimmed;
}

/**
 * The enterprise's SSO account for this IdP user (R16, one person one SSO account), in this order:
 * 1. the account whose stored subject is this NameID in normal form (`subjectKey`), or as sent (a row written
 *    before subjects were normalized that the migration could not lower-case without a collision);
 * 2. else the oldest SSO account of the enterprise with the same email (case-insensitive) and no subject yet —
 *    one seeded, created by SCIM or by an admin before its person ever signed in. Its subject is then stored, so
 *    every later login finds it by subject, whatever its email becomes. An account already bound to another
 *    subject is never taken over by email: for the IdP that is another person.
 */
export async function findAccountFor(tx: Tx, enterpriseId: string, identity: IdpIdentity, subject: string) {
  // Exact matches only: Prisma's case-insensitive `equals` is an ILIKE, where `_` and `%` in a NameID would be
  // wildcards matching someone else's subject.
  const bySubject = await tx.account.findFirst({
    where: { enterpriseId, ssoSubject: { in: [...new Set([subject, identity.subject.trim()])] } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  if (bySubject) return { account: bySubject, matchedBy: "SUBJECT" as const };
  // The email attribute, else an email-shaped NameID: both are asserted by the IdP in the signed assertion.
  const email = identity.email?.trim().toLowerCase() ?? (EMAIL_SHAPED.test(subject) ? subject : null);
  if (email === null) return null;
  const byEmail = await tx.account.findFirst({
    where: { enterpriseId, kind: "SSO", ssoSubject: null, deletedAt: null, emailNormalized: email },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return byEmail ? { account: byEmail, matchedBy: "EMAIL" as const } : null;
}

/**
 * JIT provisioning: finds the enterprise's SSO account for the IdP user (by subject, else by email — R16) or
 * creates it at its first login, and refreshes its name and email (IdP-verified) at each login. The login is
 * chosen once and kept. Runs in the login's SERIALIZABLE transaction: two simultaneous first logins of one person
 * either both find the same account or collide on the unique (enterprise, subject) and the loser is retried, so
 * they never produce two accounts.
 */
export async function provisionSsoAccount(
  tx: Tx,
  { enterpriseId, identity, now }: { enterpriseId: string; identity: IdpIdentity; now: Date },
): Promise<ProvisionedAccount> {
  const subject = subjectKey(identity.subject);
  const found = await findAccountFor(tx, enterpriseId, identity, subject);
  const emailFields =
    identity.email === null
      ? {}
      : { email: identity.email, emailNormalized: identity.email.trim().toLowerCase(), emailVerified: true };
  if (found) {
    const { account: previous, matchedBy } = found;
    const account = await tx.account.update({
      where: { id: previous.id },
      // An account found by email is bound to this subject from now on.
      data: { name: identity.name, ...emailFields, lastLoginAt: now, ...(previous.ssoSubject === null ? { ssoSubject: subject } : {}) },
    });
    return { account, previous, matchedBy };
  }
  const account = await tx.account.create({
    data: {
      login: await freeLogin(tx, identity.idpLogin),
      name: identity.name,
      kind: "SSO",
      enterpriseId,
      ssoSubject: subject,
      ...emailFields,
      lastLoginAt: now,
      createdAt: now,
    },
  });
  return { account, previous: null, matchedBy: "CREATED" };
}
