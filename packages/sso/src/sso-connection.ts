import { X509Certificate, createHash } from "node:crypto";
import { invalidInput, serializable, type PrismaClient, type Provisioning, type SsoConnection } from "@sso-cutover/db";
import { recordAuditEvent, requireEnterpriseAdmin, requireVisibleEnterprise, type Actor } from "@sso-cutover/enterprise";
import { DEFAULT_ATTRIBUTE_NAMES, type AttributeNames, type MappedAttribute } from "./attribute-mapping";

/**
 * The attribute names to read, one per attribute. An attribute left out (or null) accepts the names common IdPs
 * send (`DEFAULT_ATTRIBUTE_NAMES`); so does a mapping left out. `groups: ""` turns group sync off.
 */
export interface AttributeMappingInput {
  login?: string | null;
  name?: string | null;
  email?: string | null;
  groups?: string | null;
}

export interface ConfigureSsoConnectionInput {
  enterpriseKey: string;
  idpEntityId: string;
  idpSsoUrl: string;
  /** The IdP's signing certificate (PEM); or give `idpCertificates`. */
  idpCertificate?: string | null;
  /** Up to three certificates (PEM) while the IdP rotates its key: any one of them validates a response. */
  idpCertificates?: readonly string[] | null;
  provisioning?: Provisioning | null;
  attributeMapping?: AttributeMappingInput | null;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
const ATTRIBUTE_NAME = /^[\w.:/\-]{1,256}$/;

/** The IdP's SSO URL: https, or http only to a loopback host (a local test IdP). */
export function parseIdpSsoUrl(value: string, field = "input.idpSsoUrl"): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw invalidInput(field, `"${value}" is not a URL; expected the IdP's https SSO URL.`);
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw invalidInput(field, "The IdP SSO URL must use https (http is accepted only for localhost).");
  }
  if (url.username || url.password) throw invalidInput(field, "The IdP SSO URL must not contain credentials.");
  return url.toString();
}

/** At most this many IdP certificates are trusted at once: the current one and the next ones of a key rotation. */
export const MAX_IDP_CERTIFICATES = 3;
/** `setupProgress` warns this long before the newest IdP certificate expires. */
export const CERTIFICATE_EXPIRY_WARNING_MS = 30 * 24 * 3600_000;

/** What an admin needs to know of an IdP certificate to tell it from another and to plan its rotation. */
export interface IdpCertificateInfo {
  pem: string;
  /** SHA-256 of the DER encoding, lower-case hex: what IdP consoles show to identify the certificate. */
  fingerprintSha256: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
}

function describe(certificate: X509Certificate): IdpCertificateInfo {
  return {
    pem: certificate.toString().trim(),
    fingerprintSha256: createHash("sha256").update(certificate.raw).digest("hex"),
    subject: certificate.subject,
    notBefore: new Date(certificate.validFrom),
    notAfter: new Date(certificate.validTo),
  };
}

/** A stored IdP certificate as it is now (expired ones included): for `ssoConnection.idpCertificates`. */
export function describeIdpCertificate(pem: string): IdpCertificateInfo {
  return describe(new X509Certificate(pem));
}

/** An IdP signing certificate given by an admin: one PEM certificate, currently valid. */
export function parseIdpCertificate(value: string, now = new Date(), field = "input.idpCertificate"): IdpCertificateInfo {
  const pem = value.trim();
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----/g) ?? [];
  if (blocks.length !== 1) {
    throw invalidInput(
      field,
      "Expected exactly one PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----); " +
        "to trust several during a key rotation, list them in idpCertificates.",
    );
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    throw invalidInput(field, "The certificate is not a valid PEM-encoded X.509 certificate.");
  }
  const info = describe(certificate);
  if (info.notAfter <= now) throw invalidInput(field, `The certificate expired on ${info.notAfter.toISOString()}.`);
  if (info.notBefore > now) throw invalidInput(field, `The certificate is not valid before ${info.notBefore.toISOString()}.`);
  return info;
}

/**
 * The certificates a configuration gives: `idpCertificate` (one, as before) or `idpCertificates` (one to three,
 * each checked on its own, no duplicates). Every error names the exact field, e.g. `input.idpCertificates[1]`.
 */
export function parseIdpCertificates(
  input: Pick<ConfigureSsoConnectionInput, "idpCertificate" | "idpCertificates">,
  now = new Date(),
): IdpCertificateInfo[] {
  const single = input.idpCertificate ?? null;
  const list = input.idpCertificates ?? null;
  if (single !== null && list !== null) {
    throw invalidInput("input.idpCertificates", "Give either idpCertificate (one certificate) or idpCertificates (up to 3), not both.");
  }
  if (list === null) {
    if (single === null) {
      throw invalidInput("input.idpCertificate", "The IdP's signing certificate is required (idpCertificate, or idpCertificates for up to 3).");
    }
    return [parseIdpCertificate(single, now)];
  }
  if (list.length === 0) throw invalidInput("input.idpCertificates", "List at least one certificate.");
  if (list.length > MAX_IDP_CERTIFICATES) {
    throw invalidInput(
      "input.idpCertificates",
      `At most ${MAX_IDP_CERTIFICATES} certificates are trusted at once (the current one and the next ones of a key rotation); got ${list.length}.`,
    );
  }
  const certificates = list.map((pem, index) => parseIdpCertificate(pem, now, `input.idpCertificates[${index}]`));
  certificates.forEach((certificate, index) => {
    const first = certificates.findIndex((other) => other.fingerprintSha256 === certificate.fingerprintSha256);
    if (first !== index) {
      throw invalidInput(`input.idpCertificates[${index}]`, `The same certificate as input.idpCertificates[${first}] (listed twice).`);
    }
  });
  return certificates;
}

/** The newest certificate: the one valid from the latest moment (then the one valid the longest). */
export function newestCertificate<T extends Pick<IdpCertificateInfo, "notBefore" | "notAfter">>(certificates: readonly T[]): T | null {
  return certificates.reduce<T | null>((newest, certificate) => {
    if (!newest) return certificate;
    const later = certificate.notBefore.getTime() - newest.notBefore.getTime() || certificate.notAfter.getTime() - newest.notAfter.getTime();
    return later > 0 ? certificate : newest;
  }, null);
}

/**
 * Warnings for `setupProgress` about the connection's certificates: all expired (the IdP has surely moved to a
 * key we do not know), or the newest expiring within 30 days (time to add the IdP's next certificate).
 */
export function certificateWarnings(pems: readonly string[], now = new Date()): string[] {
  const certificates = pems.map(describeIdpCertificate);
  const newest = newestCertificate(certificates);
  if (!newest) return [];
  if (certificates.every((certificate) => certificate.notAfter <= now)) {
    return [
      `Every IdP certificate of the SSO connection has expired (the newest on ${newest.notAfter.toISOString()}): ` +
        "add the IdP's current signing certificate (idpCertificates) so that sign-ins keep working.",
    ];
  }
  if (newest.notAfter.getTime() - now.getTime() <= CERTIFICATE_EXPIRY_WARNING_MS) {
    return [
      `The newest IdP certificate (SHA-256 ${newest.fingerprintSha256}) expires on ${newest.notAfter.toISOString()}: ` +
        "add the IdP's next signing certificate next to it (idpCertificates, up to 3) before the IdP switches keys.",
    ];
  }
  return [];
}

function attributeName(value: string, field: string): string {
  const name = value.trim();
  if (!ATTRIBUTE_NAME.test(name)) {
    throw invalidInput(field, `"${name}" is not a valid SAML attribute name (1–256 letters, digits, . _ : / -).`);
  }
  return name;
}

/** The names each attribute accepts: the one given, else the defaults; `groups: ""` accepts none (no group sync). */
export function parseAttributeMapping(mapping: AttributeMappingInput | null | undefined): AttributeNames {
  const names = (attribute: MappedAttribute): readonly string[] => {
    const given = mapping?.[attribute];
    if (given === undefined || given === null) return DEFAULT_ATTRIBUTE_NAMES[attribute];
    if (attribute === "groups" && given.trim() === "") return [];
    return [attributeName(given, `input.attributeMapping.${attribute}`)];
  };
  return { login: names("login"), name: names("name"), email: names("email"), groups: names("groups") };
}

/**
 * Creates or updates the enterprise's SSO connection and activates it. Enterprise admins only; every field is
 * checked before anything is written, and the change is one transaction with its audit event (R13).
 */
export async function configureSsoConnection(
  prisma: PrismaClient,
  actor: Actor,
  input: ConfigureSsoConnectionInput,
  now = new Date(),
): Promise<SsoConnection> {
  const idpEntityId = input.idpEntityId.trim();
  if (idpEntityId.length === 0) throw invalidInput("input.idpEntityId", "The IdP entity id must not be empty.");
  if (idpEntityId.length > 1024) throw invalidInput("input.idpEntityId", "The IdP entity id is longer than 1024 characters.");
  const idpSsoUrl = parseIdpSsoUrl(input.idpSsoUrl);
  const certificates = parseIdpCertificates(input, now);
  const mapping = parseAttributeMapping(input.attributeMapping);
  const fields = {
    idpEntityId,
    idpSsoUrl,
    idpCertificates: certificates.map((certificate) => certificate.pem),
    loginAttributes: [...mapping.login],
    nameAttributes: [...mapping.name],
    emailAttributes: [...mapping.email],
    groupsAttributes: [...mapping.groups],
    provisioning: input.provisioning ?? "JIT",
    status: "ACTIVE" as const,
  };

  return serializable(prisma, async (tx) => {
    const enterprise = await requireVisibleEnterprise(tx, actor.accountId, input.enterpriseKey);
    await requireEnterpriseAdmin(tx, actor.accountId, enterprise.id);
    const existing = await tx.ssoConnection.findUnique({ where: { enterpriseId: enterprise.id } });
    // Other groups names: whether the IdP sends groups is to be seen again from the next login on.
    const groupsNamesChanged = existing !== null && existing.groupsAttributes.join("\n") !== fields.groupsAttributes.join("\n");
    const connection = await tx.ssoConnection.upsert({
      where: { enterpriseId: enterprise.id },
      create: { enterpriseId: enterprise.id, ...fields },
      update: { ...fields, ...(groupsNamesChanged ? { firstLoginAt: null, groupsReceivedAt: null } : {}) },
    });
    await recordAuditEvent(tx, {
      enterpriseId: enterprise.id,
      actor,
      action: existing ? "sso_connection.updated" : "sso_connection.created",
      target: { type: "SsoConnection", id: connection.id },
      payload: {
        idpEntityId,
        idpSsoUrl,
        certificates: certificates.map((certificate) => ({
          fingerprintSha256: certificate.fingerprintSha256,
          subject: certificate.subject,
          notBefore: certificate.notBefore.toISOString(),
          notAfter: certificate.notAfter.toISOString(),
        })),
        provisioning: fields.provisioning,
        attributeMapping: {
          login: fields.loginAttributes,
          name: fields.nameAttributes,
          email: fields.emailAttributes,
          groups: fields.groupsAttributes,
        },
        status: fields.status,
      },
    });
    return connection;
  });
}
