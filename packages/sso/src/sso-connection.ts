import { X509Certificate, createHash } from "node:crypto";
import { invalidInput, serializable, type PrismaClient, type Provisioning, type SsoConnection } from "@sso-cutover/db";
import { recordAuditEvent, requireEnterpriseAdmin, requireVisibleEnterprise, type Actor } from "@sso-cutover/enterprise";

export interface AttributeMappingInput {
  login?: string | null;
  name?: string | null;
  email?: string | null;
  /** Null or empty: the IdP sends no groups (no group sync). */
  groups?: string | null;
}

export interface ConfigureSsoConnectionInput {
  enterpriseKey: string;
  idpEntityId: string;
  idpSsoUrl: string;
  idpCertificate: string;
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

export interface ParsedCertificate {
  pem: string;
  fingerprintSha256: string;
  subject: string;
  validTo: Date;
}

/** The IdP signing certificate: one PEM certificate, currently valid. */
export function parseIdpCertificate(value: string, now = new Date(), field = "input.idpCertificate"): ParsedCertificate {
  const pem = value.trim();
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----/g) ?? [];
  if (blocks.length !== 1) {
    throw invalidInput(field, "Expected exactly one PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----).");
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    throw invalidInput(field, "The certificate is not a valid PEM-encoded X.509 certificate.");
  }
  const validFrom = new Date(certificate.validFrom);
  const validTo = new Date(certificate.validTo);
  if (validTo <= now) throw invalidInput(field, `The certificate expired on ${validTo.toISOString()}.`);
  if (validFrom > now) throw invalidInput(field, `The certificate is not valid before ${validFrom.toISOString()}.`);
  return {
    pem: certificate.toString().trim(),
    fingerprintSha256: createHash("sha256").update(certificate.raw).digest("hex"),
    subject: certificate.subject,
    validTo,
  };
}

function attributeName(value: string | null | undefined, fallback: string, field: string): string {
  const name = (value ?? fallback).trim();
  if (!ATTRIBUTE_NAME.test(name)) {
    throw invalidInput(field, `"${name}" is not a valid SAML attribute name (1–256 letters, digits, . _ : / -).`);
  }
  return name;
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
  const certificate = parseIdpCertificate(input.idpCertificate, now);
  const mapping = input.attributeMapping ?? {};
  const groups = mapping.groups?.trim() ? attributeName(mapping.groups, "groups", "input.attributeMapping.groups") : null;
  const fields = {
    idpEntityId,
    idpSsoUrl,
    idpCertificate: certificate.pem,
    loginAttribute: attributeName(mapping.login, "login", "input.attributeMapping.login"),
    nameAttribute: attributeName(mapping.name, "name", "input.attributeMapping.name"),
    emailAttribute: attributeName(mapping.email, "email", "input.attributeMapping.email"),
    groupsAttribute: groups,
    provisioning: input.provisioning ?? "JIT",
    status: "ACTIVE" as const,
  };

  return serializable(prisma, async (tx) => {
    const enterprise = await requireVisibleEnterprise(tx, actor.accountId, input.enterpriseKey);
    await requireEnterpriseAdmin(tx, actor.accountId, enterprise.id);
    const existing = await tx.ssoConnection.findUnique({ where: { enterpriseId: enterprise.id } });
    const connection = await tx.ssoConnection.upsert({
      where: { enterpriseId: enterprise.id },
      create: { enterpriseId: enterprise.id, ...fields },
      update: fields,
    });
    await recordAuditEvent(tx, {
      enterpriseId: enterprise.id,
      actor,
      action: existing ? "sso_connection.updated" : "sso_connection.created",
      target: { type: "SsoConnection", id: connection.id },
      payload: {
        idpEntityId,
        idpSsoUrl,
        certificateFingerprintSha256: certificate.fingerprintSha256,
        certificateSubject: certificate.subject,
        certificateValidTo: certificate.validTo.toISOString(),
        provisioning: fields.provisioning,
        attributeMapping: {
          login: fields.loginAttribute,
          name: fields.nameAttribute,
          email: fields.emailAttribute,
          groups: fields.groupsAttribute,
        },
        status: fields.status,
      },
    });
    return connection;
  });
}
