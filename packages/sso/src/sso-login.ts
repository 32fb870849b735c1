import { createHash, randomBytes } from "node:crypto";
import type { Profile } from "@node-saml/node-saml";
import { serializable, type Account, type PrismaClient, type SsoConnection, type Tx } from "@sso-cutover/db";
import { enterpriseLoginUrl, recordAuditEvent } from "@sso-cutover/enterprise";
import { acceptInvitationForLogin } from "@sso-cutover/membership";
import { REFUSAL_MESSAGES, SsoLoginRefused, idpInitiatedMessage, idpStatusMessage } from "./saml/login-refusal";
import { recordAnonymousRefusal, recordRequestRefusal } from "./saml/refusal-audit";
import { oversized, readResponseEnvelope } from "./saml/response-envelope";
import { acsUrl, requireActiveConnection, serviceProviderFor } from "./saml/service-provider";
import { attributeValues, checkSignedAssertion, refusalForValidationError } from "./saml/signed-assertion";
import { attributeNamesOf, presentAttribute } from "./attribute-mapping";
import { createSession } from "./sessions";
import { syncGroupMemberships } from "./group-sync";
import { findAccountFor, provisionSsoAccount, subjectKey, type IdpIdentity } from "./sso-accounts";

/** How long an SP-initiated login may take at the IdP before its response is refused. */
export const SAML_REQUEST_LIFETIME_MS = 10 * 60_000;
/**
 * Requests are kept this long after their expiry, so that a late or replayed response is told precisely why it is
 * refused (REQUEST_EXPIRED, REPLAYED); then they are purged, at the next login start.
 */
export const SAML_REQUEST_RETENTION_MS = 3600_000;
/**
 * Requests kept per client address: starting a 21st login from one address replaces that address's oldest request
 * (nobody is refused a login start; one address cannot fill the table).
 */
export const MAX_SAML_REQUESTS_PER_ADDRESS = 20;
const MAX_RELAY_STATE_LENGTH = 2048;
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

/**
 * A path on our own origin (`/…`, not `//…`, no backslash or control character), or null: the only places a
 * RelayState may send the browser to after login, so that the login page is no open redirect. Returned
 * percent-encoded as a URL parser encodes it (`/。x` → `/%E3%80%82x`): a Location header carries ASCII only.
 */
export function sameOriginPath(value: string | null | undefined): string | null {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_RELAY_STATE_LENGTH) return null;
  if (!value.startsWith("/") || value.startsWith("//")) return null;
  if (/[\\\u0000-\u001f\u007f]/.test(value)) return null;
  const base = "https://same-origin.invalid";
  try {
    const url = new URL(value, base);
    if (url.origin !== base) return null;
    const path = `${url.pathname}${url.search}${url.hash}`;
    return path.length <= MAX_RELAY_STATE_LENGTH ? path : null;
  } catch {
    return null;
  }
}

/**
 * How a client address is stored with its login requests: SHA-256, so that the table lists no address in clear.
 * It only groups requests by address; it is no anonymisation (an IPv4 address is found again by trying them all).
 */
export function clientAddressHash(address: string): string {
  return createHash("sha256").update(`saml-request-address:${address}`, "utf8").digest("hex");
}

export interface StartSsoLoginInput {
  publicUrl: string;
  enterpriseKey: string;
  /** The browser's network address: outstanding requests are capped per address. */
  clientAddress: string;
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
 * enterprise or no ACTIVE SSO connection: NOT_FOUND, naming only the key asked for. Keeps the table small: purges
 * requests expired for an hour, and keeps at most 20 per client address (the oldest is replaced).
 */
export async function startSsoLogin(
  prisma: PrismaClient,
  { publicUrl, enterpriseKey, clientAddress, relayState, now = new Date() }: StartSsoLoginInput,
): Promise<StartedSsoLogin> {
  const { enterprise, connection } = await requireActiveConnection(prisma, enterpriseKey);
  const requestId = `_${randomBytes(20).toString("hex")}`;
  const returnPath = sameOriginPath(relayState);
  const serviceProvider = serviceProviderFor(connection, { publicUrl, enterpriseKey, now, requestId });
  const redirectUrl = await serviceProvider.getAuthorizeUrlAsync(returnPath ?? "", undefined, {});
  const expiresAt = new Date(now.getTime() + SAML_REQUEST_LIFETIME_MS);
  const addressHash = clientAddressHash(clientAddress);
  await prisma.$transaction(async (tx) => {
    await tx.samlRequest.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - SAML_REQUEST_RETENTION_MS) } } });
    const replaced = await tx.samlRequest.findMany({
      where: { clientAddressHash: addressHash },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      skip: MAX_SAML_REQUESTS_PER_ADDRESS - 1,
      select: { id: true },
    });
    if (replaced.length > 0) await tx.samlRequest.deleteMany({ where: { id: { in: replaced.map((row) => row.id) } } });
    await tx.samlRequest.create({
      data: { id: requestId, enterpriseId: enterprise.id, relayState: returnPath, clientAddressHash: addressHash, createdAt: now, expiresAt },
    });
  });
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

/** What a login reads from the response, and which groups attribute carried the groups (null: none was sent). */
function identityFrom(profile: Profile, connection: SsoConnection): { identity: IdpIdentity; groupsAttribute: string | null } {
  const subject = typeof profile.nameID === "string" ? profile.nameID.trim() : "";
  if (!subject || subject.length > 1024) throw new SsoLoginRefused("MISSING_SUBJECT", REFUSAL_MESSAGES.MISSING_SUBJECT);
  const names = attributeNamesOf(connection);
  const attributes = (profile.attributes ?? {}) as Record<string, unknown>;
  const read = (accepted: readonly string[]): { name: string | null; values: string[] } => {
    const name = presentAttribute(attributes, accepted);
    return { name, values: attributeValues(profile, name) };
  };
  const idpLogin = read(names.login).values[0] ?? subject;
  const name = (read(names.name).values[0] ?? idpLogin).slice(0, 255);
  const emailAttribute = read(names.email);
  const email = emailAttribute.values[0] ?? null;
  if (email !== null && (email.length > 254 || !EMAIL.test(email))) {
    throw new SsoLoginRefused("INVALID_ATTRIBUTES", REFUSAL_MESSAGES.INVALID_ATTRIBUTES, {
      attribute: emailAttribute.name,
      expected: "an email address",
    });
  }
  const groups = read(names.groups);
  return { identity: { subject, idpLogin, name, email, groups: [...new Set(groups.values)] }, groupsAttribute: groups.name };
}

/**
 * Refuses a post to the assertion consumer service whose body is larger than any accepted response could make
 * (`MAX_ACS_FORM_BYTES`), before it is read: audited like every refusal no outstanding request stands behind.
 * NOT_FOUND for an unknown enterprise or an inactive connection, as `completeSsoLogin`.
 */
export async function refuseOversizedSsoResponse(
  prisma: PrismaClient,
  { enterpriseKey, now = new Date() }: { enterpriseKey: string; now?: Date },
): Promise<SsoLoginRefused> {
  const { enterprise } = await requireActiveConnection(prisma, enterpriseKey);
  const refusal = oversized();
  await recordAnonymousRefusal(prisma, { enterpriseId: enterprise.id, refusal, now });
  return refusal;
}

/**
 * The assertion consumer service: validates the IdP's response and signs the user in.
 *
 * Cheap checks first, before any signature work: size, nesting and element count of the XML (one streaming
 * pass), then the request it answers — an outstanding request of this enterprise, used once (R1: an unsolicited
 * response is refused with the one-click link). Then the strict SP policy: status Success, no SHA-1 anywhere, no
 * signature outside the response and its assertion, every signature present valid with one of the connection's
 * certificates (the assertion's always required), our audience, destination and recipient, validity windows with
 * 2 minutes of skew.
 *
 * On success, one transaction: request consumption, JIT account, R2 group sync, R3 invitation acceptance,
 * lastLoginAt, session, the `authentication.user_login` audit event — and `respond`, which builds what is sent to
 * the browser: when it throws, the transaction rolls back and nothing of the login remains (the request stays
 * usable). Refusals are audited (`authentication.login_refused`, reason only): one event per refusal that answers
 * an outstanding request (which it then uses up), one counted event per reason, enterprise and hour for the
 * others, which anyone can send.
 */
export async function completeSsoLogin(prisma: PrismaClient, input: CompleteSsoLoginInput): Promise<CompletedSsoLogin>;
export async function completeSsoLogin<T>(
  prisma: PrismaClient,
  input: CompleteSsoLoginInput,
  respond: (login: CompletedSsoLogin) => T | Promise<T>,
): Promise<T>;
export async function completeSsoLogin<T>(
  prisma: PrismaClient,
  input: CompleteSsoLoginInput,
  respond: (login: CompletedSsoLogin) => T | Promise<T> = (login) => login as T,
): Promise<T> {
  const now = input.now ?? new Date();
  const { enterprise, connection } = await requireActiveConnection(prisma, input.enterpriseKey);
  const consumerUrl = acsUrl(input.publicUrl, input.enterpriseKey);
  // Set once the response is known to answer an outstanding request of this enterprise.
  let outstandingRequestId: string | null = null;

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
    outstandingRequestId = request.id;

    // node-saml reads the status only when the response has no assertion: a signed assertion inside a
    // `Requester` response would be accepted.
    if (envelope.status.code !== "Success") {
      throw new SsoLoginRefused("IDP_ERROR", idpStatusMessage(envelope.status), {
        status: envelope.status.code,
        secondLevelStatus: envelope.status.secondLevel,
      });
    }
    if (envelope.refusedAlgorithms.length > 0) {
      throw new SsoLoginRefused("WEAK_ALGORITHM", REFUSAL_MESSAGES.WEAK_ALGORITHM, {
        algorithms: envelope.refusedAlgorithms,
      });
    }
    if (envelope.misplacedSignature) throw new SsoLoginRefused("INVALID_SIGNATURE", REFUSAL_MESSAGES.INVALID_SIGNATURE);

    const serviceProvider = serviceProviderFor(connection, {
      publicUrl: input.publicUrl,
      enterpriseKey: input.enterpriseKey,
      now,
      responseSigned: envelope.responseSigned,
    });
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
    const { identity, groupsAttribute } = identityFrom(profile, connection);
    const redirectTo = sameOriginPath(request.relayState) ?? sameOriginPath(input.relayState) ?? "/";

    return await serializable(prisma, async (tx) => {
      // Used once, whichever gateway instance gets there first: a replay finds it consumed.
      const consumed = await tx.samlRequest.updateMany({
        where: { id: inResponseTo, enterpriseId: enterprise.id, consumedAt: null, expiresAt: { gt: now } },
        data: { consumedAt: now },
      });
      if (consumed.count !== 1) throw new SsoLoginRefused("REPLAYED", REFUSAL_MESSAGES.REPLAYED);

      // R20: with SCIM provisioning, only the accounts SCIM provisioned sign in (no JIT creation), and SCIM owns
      // their groups (no login-time group sync).
      const scimProvisioning = connection.provisioning === "SCIM";
      if (scimProvisioning) {
        const found = await findAccountFor(tx, enterprise.id, identity, subjectKey(identity.subject));
        if (!found?.account.scimProvisionedAt) throw new SsoLoginRefused("NOT_PROVISIONED", REFUSAL_MESSAGES.NOT_PROVISIONED);
      }
      const { account, previous } = await provisionSsoAccount(tx, { enterpriseId: enterprise.id, identity, now });
      if (account.deletedAt) {
        throw new SsoLoginRefused("ACCOUNT_DELETED", REFUSAL_MESSAGES.ACCOUNT_DELETED, { accountId: account.id });
      }
      if (account.deactivatedAt) {
        throw new SsoLoginRefused("ACCOUNT_DEACTIVATED", REFUSAL_MESSAGES.ACCOUNT_DEACTIVATED, { accountId: account.id });
      }
      const groups = scimProvisioning
        ? await scimManagedGroups(tx, enterprise.id, account.id)
        : await syncGroupMemberships(tx, { enterpriseId: enterprise.id, accountId: account.id, idpGroups: identity.groups, now });
      // R3 looks at the account as it was before this login: only a first login accepts an invitation.
      const invitation = await acceptInvitationForLogin(tx, {
        enterpriseId: enterprise.id,
        account: { ...account, lastLoginAt: previous?.lastLoginAt ?? null },
        now,
      });
      // What setupProgress needs to tell "the IdP sends no groups" (NO_GROUPS_RECEIVED): written once each, so
      // that logins do not all update the connection's row.
      if (connection.groupsAttributes.length > 0 && (connection.firstLoginAt === null || (groupsAttribute !== null && connection.groupsReceivedAt === null))) {
        await tx.ssoConnection.updateMany({ where: { id: connection.id, firstLoginAt: null }, data: { firstLoginAt: now } });
        if (groupsAttribute !== null) {
          await tx.ssoConnection.updateMany({ where: { id: connection.id, groupsReceivedAt: null }, data: { groupsReceivedAt: now } });
        }
      }
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
          groupsAttribute,
          organizationsJoined: groups.organizationsJoined,
          organizationsLeft: groups.organizationsLeft,
          invitationAccepted: invitation?.id ?? null,
        },
      });
      // Inside the transaction: a response that cannot be built (or sent) leaves nothing behind.
      return await respond({
        account,
        accountCreated: previous === null,
        sessionSecret: session.secret,
        sessionExpiresAt: session.expiresAt,
        redirectTo,
      });
    });
  } catch (error) {
    if (!(error instanceof SsoLoginRefused)) throw error;
    if (outstandingRequestId !== null) {
      await recordRequestRefusal(prisma, { enterpriseId: enterprise.id, requestId: outstandingRequestId, refusal: error, now });
    } else {
      await recordAnonymousRefusal(prisma, { enterpriseId: enterprise.id, refusal: error, now });
    }
    throw error;
  }
}

/** R20: at a login under SCIM provisioning, the groups are those SCIM gave the account; the login changes none. */
async function scimManagedGroups(tx: Tx, enterpriseId: string, accountId: string) {
  const rows = await tx.scimGroupMember.findMany({ where: { accountId, group: { enterpriseId } }, select: { group: { select: { displayName: true } } } });
  return { groups: rows.map((row) => row.group.displayName).sort(), organizationsJoined: [] as string[], organizationsLeft: [] as string[] };
}
