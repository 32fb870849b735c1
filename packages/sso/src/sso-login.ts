import { randomBytes } from "node:crypto";
import type { Profile } from "@node-saml/node-saml";
import { serializable, type Account, type PrismaClient, type SsoConnection } from "@sso-cutover/db";
import { enterpriseLoginUrl, recordAuditEvent } from "@sso-cutover/enterprise";
import { acceptInvitationForLogin } from "@sso-cutover/membership";
import { REFUSAL_MESSAGES, SsoLoginRefused, idpInitiatedMessage } from "./saml/login-refusal";
import { readResponseEnvelope } from "./saml/response-envelope";
import { acsUrl, requireActiveConnection, serviceProviderFor } from "./saml/service-provider";
import { attributeValues, checkSignedAssertion, refusalForValidationError } from "./saml/signed-assertion";
import { createSession } from "./sessions";
import { syncGroupMemberships } from "./group-sync";
import { provisionSsoAccount, type IdpIdentity } from "./sso-accounts";

/** How long an SP-initiated login may take at the IdP before its response is refused. */
export const SAML_REQUEST_LIFETIME_MS = 10 * 60_000;
/** Outstanding requests are kept this long after their expiry (a replay then reads as REPLAYED), then purged. */
const SAML_REQUEST_RETENTION_MS = 24 * 3600_000;
const MAX_RELAY_STATE_LENGTH = 2048;
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

/**
 * A path on our own origin (`/…`, not `//…`, no backslash or control character), or null: the only places a
 * RelayState may send the browser to after login, so that the login page is no open redirect.
 */
export function sameOriginPath(value: string | null | undefined): string | null {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_RELAY_STATE_LENGTH) return null;
  if (!value.startsWith("/") || value.startsWith("//")) return null;
  if (/[\\\u0000-\u001f\u007f]/.test(value)) return null;
  const base = "https://same-origin.invalid";
  try {
    return new URL(value, base).origin === base ? value : null;
  } catch {
    return null;
  }
}

export interface StartSsoLoginInput {
  publicUrl: string;
  enterpriseKey: string;
  /** Where to go after login; kept only when it is a path on our origin. */
  relayState?: string | null;
  now?: Date;
}

export interface StartedSsoLogin {
  /** The IdP's SSO URL with the AuthnRequest (HTTP-Redirect binding) and the RelayState. */
  redirectUrl: string;
  requestId: string;
  expiresAt: Date;
}

/**
 * R1: SP-initiated login, where the one-click link leads. Remembers the AuthnRequest's ID in the database (any
 * gateway instance may receive the response) and returns the IdP URL to redirect the browser to. Unknown
 * enterprise or no ACTIVE SSO connection: NOT_FOUND, naming only the key asked for.
 */
export async function startSsoLogin(
  prisma: PrismaClient,
  { publicUrl, enterpriseKey, relayState, now = new Date() }: StartSsoLoginInput,
): Promise<StartedSsoLogin> {
  const { enterprise, connection } = await requireActiveConnection(prisma, enterpriseKey);
  const requestId = `_${randomBytes(20).toString("hex")}`;
  const returnPath = sameOriginPath(relayState);
  const serviceProvider = serviceProviderFor(connection, { publicUrl, enterpriseKey, now, requestId });
  const redirectUrl = await serviceProvider.getAuthorizeUrlAsync(returnPath ?? "", undefined, {});
  const expiresAt = new Date(now.getTime() + SAML_REQUEST_LIFETIME_MS);
  await prisma.$transaction([
    prisma.samlRequest.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - SAML_REQUEST_RETENTION_MS) } } }),
    prisma.samlRequest.create({
      data: { id: requestId, enterpriseId: enterprise.id, relayState: returnPath, createdAt: now, expiresAt },
    }),
  ]);
  return { redirectUrl, requestId, expiresAt };
}

export interface CompleteSsoLoginInput {
  publicUrl: string;
  enterpriseKey: string;
  /** The `SAMLResponse` form value posted to our ACS URL (base64). */
  samlResponse: string;
  /** The `RelayState` form value, if any. */
  relayState?: string | null;
  now?: Date;
}

export interface CompletedSsoLogin {
  account: Account;
  /** True when this login created the SSO account (JIT). */
  accountCreated: boolean;
  /** The session cookie's value: set it on the browser, it is stored only as a hash. */
  sessionSecret: string;
  sessionExpiresAt: Date;
  /** A path on our origin: the RelayState when it is one, else the landing page `/`. */
  redirectTo: string;
}

function identityFrom(profile: Profile, connection: SsoConnection): IdpIdentity {
  const subject = typeof profile.nameID === "string" ? profile.nameID.trim() : "";
  if (!subject || subject.length > 1024) throw new SsoLoginRefused("MISSING_SUBJECT", REFUSAL_MESSAGES.MISSING_SUBJECT);
  const idpLogin = attributeValues(profile, connection.loginAttribute)[0] ?? subject;
  const name = (attributeValues(profile, connection.nameAttribute)[0] ?? idpLogin).slice(0, 255);
  const email = attributeValues(profile, connection.emailAttribute)[0] ?? null;
  if (email !== null && (email.length > 254 || !EMAIL.test(email))) {
    throw new SsoLoginRefused("INVALID_ATTRIBUTES", REFUSAL_MESSAGES.INVALID_ATTRIBUTES, {
      attribute: connection.emailAttribute,
      expected: "an email address",
    });
  }
  const groups = [...new Set(attributeValues(profile, connection.groupsAttribute))];
  return { subject, idpLogin, name, email, groups };
}

/**
 * The assertion consumer service: validates the IdP's response (signature with the connection's certificate,
 * audience, destination, validity window with 2 minutes of skew, InResponseTo = an outstanding request of this
 * enterprise, used once) and signs the user in. R1: an unsolicited response is refused with the one-click link.
 * On success, one transaction: JIT account, R2 group sync, R3 invitation acceptance, lastLoginAt, session, and the
 * `authentication.user_login` audit event. Every refusal is audited (`authentication.login_refused`, reason only)
 * in its own transaction and thrown as `SsoLoginRefused`.
 */
export async function completeSsoLogin(prisma: PrismaClient, input: CompleteSsoLoginInput): Promise<CompletedSsoLogin> {
  const now = input.now ?? new Date();
  const { enterprise, connection } = await requireActiveConnection(prisma, input.enterpriseKey);
  const consumerUrl = acsUrl(input.publicUrl, input.enterpriseKey);

  try {
    const envelope = readResponseEnvelope(input.samlResponse);
    if (envelope.inResponseTo === null) {
      const loginUrl = enterpriseLoginUrl(input.publicUrl, input.enterpriseKey);
      throw new SsoLoginRefused("IDP_INITIATED", idpInitiatedMessage(loginUrl), { loginUrl });
    }
    const inResponseTo = envelope.inResponseTo;
    const request = await prisma.samlRequest.findUnique({ where: { id: inResponseTo } });
    if (!request || request.enterpriseId !== enterprise.id) {
      throw new SsoLoginRefused("UNKNOWN_REQUEST", REFUSAL_MESSAGES.UNKNOWN_REQUEST);
    }
    if (request.consumedAt) throw new SsoLoginRefused("REPLAYED", REFUSAL_MESSAGES.REPLAYED);
    if (request.expiresAt <= now) throw new SsoLoginRefused("REQUEST_EXPIRED", REFUSAL_MESSAGES.REQUEST_EXPIRED);

    const serviceProvider = serviceProviderFor(connection, { publicUrl: input.publicUrl, enterpriseKey: input.enterpriseKey, now });
    let profile: Profile | null;
    try {
      ({ profile } = await serviceProvider.validatePostResponseAsync({ SAMLResponse: envelope.base64 }));
    } catch (error) {
      throw refusalForValidationError(error);
    }
    if (!profile) throw new SsoLoginRefused("IDP_ERROR", REFUSAL_MESSAGES.IDP_ERROR);
    if (envelope.destination !== null && envelope.destination !== consumerUrl) {
      throw new SsoLoginRefused("WRONG_DESTINATION", REFUSAL_MESSAGES.WRONG_DESTINATION);
    }
    checkSignedAssertion(profile, { idpEntityId: connection.idpEntityId, acsUrl: consumerUrl, inResponseTo, now });
    const identity = identityFrom(profile, connection);
    const redirectTo = sameOriginPath(request.relayState) ?? sameOriginPath(input.relayState) ?? "/";

    return await serializable(prisma, async (tx) => {
      // Used once, whichever gateway instance gets there first: a replay finds it consumed.
      const consumed = await tx.samlRequest.updateMany({
        where: { id: inResponseTo, enterpriseId: enterprise.id, consumedAt: null, expiresAt: { gt: now } },
        data: { consumedAt: now },
      });
      if (consumed.count !== 1) throw new SsoLoginRefused("REPLAYED", REFUSAL_MESSAGES.REPLAYED);

      const { account, previous } = await provisionSsoAccount(tx, { enterpriseId: enterprise.id, identity, now });
      if (account.deletedAt) {
        throw new SsoLoginRefused("ACCOUNT_DELETED", REFUSAL_MESSAGES.ACCOUNT_DELETED, { accountId: account.id });
      }
      const groups = await syncGroupMemberships(tx, { enterpriseId: enterprise.id, accountId: account.id, idpGroups: identity.groups, now });
      // R3 looks at the account as it was before this login: only a first login accepts an invitation.
      const invitation = await acceptInvitationForLogin(tx, {
        enterpriseId: enterprise.id,
        account: { ...account, lastLoginAt: previous?.lastLoginAt ?? null },
        now,
      });
      const session = await createSession(tx, account.id, now);
      await recordAuditEvent(tx, {
        enterpriseId: enterprise.id,
        actor: { accountId: account.id, login: account.login },
        action: "authentication.user_login",
        target: { type: "Account", id: account.id },
        payload: {
          method: "SAML",
          accountCreated: previous === null,
          sessionId: session.sessionId,
          groups: groups.groups,
          organizationsJoined: groups.organizationsJoined,
          organizationsLeft: groups.organizationsLeft,
          invitationAccepted: invitation?.id ?? null,
        },
      });
      return {
        account,
        accountCreated: previous === null,
        sessionSecret: session.secret,
        sessionExpiresAt: session.expiresAt,
        redirectTo,
      };
    });
  } catch (error) {
    if (!(error instanceof SsoLoginRefused)) throw error;
    await recordRefusal(prisma, enterprise.id, error);
    throw error;
  }
}

/** `authentication.login_refused`, in its own transaction: the reason, never content of the response. */
async function recordRefusal(prisma: PrismaClient, enterpriseId: string, refusal: SsoLoginRefused): Promise<void> {
  const accountId = typeof refusal.details.accountId === "string" ? refusal.details.accountId : null;
  await prisma.$transaction((tx) =>
    recordAuditEvent(tx, {
      enterpriseId,
      actor: null,
      action: "authentication.login_refused",
      target: accountId ? { type: "Account", id: accountId } : { type: "Enterprise", id: enterpriseId },
      payload: { reason: refusal.reason, method: "SAML" },
    }),
  );
}
