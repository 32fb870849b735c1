import { SAML, ValidateInResponseTo, generateServiceProviderMetadata } from "@node-saml/node-saml";
import { notFound, type Enterprise, type PrismaClient, type SsoConnection, type Tx } from "@sso-cutover/db";
import { ENTERPRISE_KEY } from "@sso-cutover/enterprise";

/** How far the IdP's clock may be from ours when we check NotBefore / NotOnOrAfter. */
export const ACCEPTED_CLOCK_SKEW_MS = 120_000;

function base(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, "");
}

/** Our SP entity id for the enterprise; it is also the address of our SP metadata, as IdPs expect. */
export function spEntityId(publicUrl: string, enterpriseKey: string): string {
  return `${base(publicUrl)}/saml/metadata/${encodeURIComponent(enterpriseKey)}`;
}

/** Where the IdP posts its SAML responses for the enterprise (assertion consumer service). */
export function acsUrl(publicUrl: string, enterpriseKey: string): string {
  return `${base(publicUrl)}/saml/acs/${encodeURIComponent(enterpriseKey)}`;
}

/** Where an IdP admin downloads our SP metadata for the enterprise. */
export function metadataUrl(publicUrl: string, enterpriseKey: string): string {
  return spEntityId(publicUrl, enterpriseKey);
}

/**
 * node-saml checks NotBefore / NotOnOrAfter against the system clock; this pins them to the `now` our domain
 * functions receive, so that one moment decides every time-based rule of a login.
 */
class EnterpriseServiceProvider extends SAML {
  constructor(
    options: ConstructorParameters<typeof SAML>[0],
    private readonly nowMs: number,
  ) {
    super(options);
  }

  protected override checkTimestampsValidityError(
    _systemNowMs: number,
    notBefore: string,
    notOnOrAfter: string,
    maxTimeLimitMs?: number,
  ): Error | null {
    return super.checkTimestampsValidityError(this.nowMs, notBefore, notOnOrAfter, maxTimeLimitMs);
  }
}

export interface ServiceProviderOptions {
  publicUrl: string;
  enterpriseKey: string;
  now?: Date;
  /** The ID the next AuthnRequest gets (SP-initiated login stores it before redirecting). */
  requestId?: string;
  /** The response carries its own signature: it must then validate too, not only the assertion's. */
  responseSigned?: boolean;
}

/**
 * The SAML service provider of one enterprise's ACTIVE SSO connection. Signatures are checked by node-saml with
 * the connection's certificates only (any one of them, so that the IdP can rotate its key): the assertion must be
 * signed (an unsigned assertion is never enough), and a signature on the response around it, optional, must then
 * validate too (node-saml alone would ignore an invalid one); its audience must be our SP entity id. InResponseTo
 * is not checked here but against the SamlRequest table (see `completeSsoLogin`), so that any gateway instance can
 * complete a login and each request is used once.
 */
export function serviceProviderFor(connection: SsoConnection, options: ServiceProviderOptions): SAML {
  const issuer = spEntityId(options.publicUrl, options.enterpriseKey);
  const requestId = options.requestId;
  return new EnterpriseServiceProvider(
    {
      issuer,
      audience: issuer,
      callbackUrl: acsUrl(options.publicUrl, options.enterpriseKey),
      entryPoint: connection.idpSsoUrl,
      idpCert: connection.idpCertificates,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: options.responseSigned ?? false,
      acceptedClockSkewMs: ACCEPTED_CLOCK_SKEW_MS,
      validateInResponseTo: ValidateInResponseTo.never,
      // Let the IdP send the NameID format it is configured with; we key returning users on whatever it is.
      identifierFormat: null,
      // Asking for one exact authentication context makes IdPs that use MFA refuse the request.
      disableRequestedAuthnContext: true,
      signatureAlgorithm: "sha256",
      ...(requestId ? { generateUniqueId: () => requestId } : {}),
    },
    (options.now ?? new Date()).getTime(),
  );
}

/** The enterprise and its SSO connection when the connection is ACTIVE; NOT_FOUND otherwise, naming only the key. */
export async function requireActiveConnection(
  tx: Tx | PrismaClient,
  enterpriseKey: string,
): Promise<{ enterprise: Enterprise; connection: SsoConnection }> {
  const enterprise = ENTERPRISE_KEY.test(enterpriseKey)
    ? await tx.enterprise.findUnique({ where: { key: enterpriseKey }, include: { ssoConnection: true } })
    : null;
  if (!enterprise) {
    throw notFound(`There is no enterprise with key "${enterpriseKey}". Check the key or the link you followed.`, "enterpriseKey");
  }
  const { ssoConnection: connection, ...rest } = enterprise;
  if (!connection || connection.status !== "ACTIVE") {
    throw notFound(
      `Single sign-on is not active for enterprise "${enterpriseKey}" yet: its administrators have not finished configuring it.`,
      "enterpriseKey",
    );
  }
  return { enterprise: rest, connection };
}

/**
 * Our SP metadata for the enterprise (entity id, ACS URL, signed assertions wanted), for the IdP admin. Available
 * as soon as the enterprise exists: admins need it to set up the IdP before the connection is complete.
 */
export async function spMetadataXml(
  prisma: PrismaClient | Tx,
  { publicUrl, enterpriseKey }: { publicUrl: string; enterpriseKey: string },
): Promise<string> {
  const enterprise = ENTERPRISE_KEY.test(enterpriseKey)
    ? await prisma.enterprise.findUnique({ where: { key: enterpriseKey }, select: { id: true } })
    : null;
  if (!enterprise) throw notFound(`There is no enterprise with key "${enterpriseKey}".`, "enterpriseKey");
  const entityId = spEntityId(publicUrl, enterpriseKey);
  return generateServiceProviderMetadata({
    issuer: entityId,
    callbackUrl: acsUrl(publicUrl, enterpriseKey),
    identifierFormat: null,
    wantAssertionsSigned: true,
    // The metadata document's own ID: stable, so that the document is the same at every download.
    generateUniqueId: () => `_sp-${enterpriseKey}`,
  });
}
