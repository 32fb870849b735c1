import {
  MAX_IDP_CERTIFICATES,
  acsUrl,
  configureSsoConnection,
  describeIdpCertificate,
  metadataUrl,
  newestCertificate,
  spEntityId,
  type IdpCertificateInfo,
} from "@sso-cutover/sso";
import { builder } from "../builder";
import { listLimit } from "../input-limits";
import { Provisioning, SsoConnectionStatus } from "./enums";
import { payloadErrors } from "./error";

export const SsoConnectionRef = builder.prismaNode("SsoConnection", {
  id: { field: "id" },
  // node(id) answers null, not an error, for an id the viewer may not see.
  nullable: true,
  findUnique: (id, context) => ({
    id,
    enterprise: { permissions: { some: { accountId: context.viewer?.accountId ?? "" } } },
  }),
  fields: (t) => ({
    idpEntityId: t.exposeString("idpEntityId"),
    idpSsoUrl: t.exposeString("idpSsoUrl"),
    idpCertificate: t.string({
      description: "The IdP's newest signing certificate (PEM, public); all of them are in idpCertificates.",
      resolve: (connection) => newestCertificate(connection.idpCertificates.map(describeIdpCertificate))?.pem ?? "",
    }),
    idpCertificates: t.field({
      type: [IdpCertificateRef],
      description: `The IdP signing certificates trusted (1 to ${MAX_IDP_CERTIFICATES}), in the order configured: a response signed with any one validates.`,
      resolve: (connection) => connection.idpCertificates.map(describeIdpCertificate),
    }),
    provisioning: t.expose("provisioning", { type: Provisioning }),
    status: t.expose("status", { type: SsoConnectionStatus }),
    attributeMapping: t.field({
      type: AttributeMappingRef,
      resolve: (connection) => ({
        login: connection.loginAttribute,
        name: connection.nameAttribute,
        email: connection.emailAttribute,
        groups: connection.groupsAttribute,
      }),
    }),
    spEntityId: t.string({
      description: "Our SAML service provider entity id for this enterprise: copy it into the IdP (audience).",
      select: { enterprise: { select: { key: true } } },
      resolve: (connection, _args, context) => spEntityId(context.config.PUBLIC_URL, connection.enterprise.key),
    }),
    acsUrl: t.string({
      description: "Where the IdP posts SAML responses (assertion consumer service URL, HTTP-POST binding).",
      select: { enterprise: { select: { key: true } } },
      resolve: (connection, _args, context) => acsUrl(context.config.PUBLIC_URL, connection.enterprise.key),
    }),
    metadataUrl: t.string({
      description: "Our SP metadata (entity id, ACS URL) for the IdP admin to import.",
      select: { enterprise: { select: { key: true } } },
      resolve: (connection, _args, context) => metadataUrl(context.config.PUBLIC_URL, connection.enterprise.key),
    }),
    enterprise: t.relation("enterprise"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

const IdpCertificateRef = builder.objectRef<IdpCertificateInfo>("IdpCertificate").implement({
  description: "An IdP signing certificate the SSO connection trusts.",
  fields: (t) => ({
    pem: t.exposeString("pem", { description: "The certificate, PEM (public)." }),
    fingerprintSha256: t.exposeString("fingerprintSha256", {
      description: "SHA-256 of the certificate (DER), lower-case hex: compare it with the one your IdP shows.",
    }),
    subject: t.exposeString("subject"),
    notBefore: t.expose("notBefore", { type: "DateTime" }),
    notAfter: t.expose("notAfter", { type: "DateTime", description: "When the certificate expires." }),
    expired: t.boolean({ resolve: (certificate, _args, context) => certificate.notAfter <= context.now }),
  }),
});

interface AttributeMapping {
  login: string;
  name: string;
  email: string;
  groups: string | null;
}

const AttributeMappingRef = builder.objectRef<AttributeMapping>("AttributeMapping").implement({
  description: "Names of the SAML attributes read at login.",
  fields: (t) => ({
    login: t.exposeString("login"),
    name: t.exposeString("name"),
    email: t.exposeString("email"),
    groups: t.exposeString("groups", { nullable: true, description: "Null: the IdP sends no groups." }),
  }),
});

const AttributeMappingInput = builder.inputType("AttributeMappingInput", {
  fields: (t) => ({
    login: t.string({ required: false, defaultValue: "login" }),
    name: t.string({ required: false, defaultValue: "name" }),
    email: t.string({ required: false, defaultValue: "email" }),
    groups: t.string({ required: false, defaultValue: "groups" }),
  }),
});

const ConfigureSsoConnectionInput = builder.inputType("ConfigureSsoConnectionInput", {
  fields: (t) => ({
    enterpriseKey: t.string({ required: true }),
    idpEntityId: t.string({ required: true }),
    idpSsoUrl: t.string({ required: true, description: "https (http only for localhost)." }),
    idpCertificate: t.string({ required: false, description: "The IdP's signing certificate, PEM (or give idpCertificates)." }),
    idpCertificates: t.stringList({
      required: false,
      ...listLimit(
        MAX_IDP_CERTIFICATES,
        "IdP signing certificates (PEM) while the IdP rotates its key: add the next one next to " +
          "the current one, then remove the old one once the IdP has switched. Replaces the whole list.",
      ),
    }),
    provisioning: t.field({ type: Provisioning, required: false, defaultValue: "JIT" }),
    attributeMapping: t.field({ type: AttributeMappingInput, required: false }),
  }),
});

const ConfigureSsoConnectionSuccess = builder
  .objectRef<{ ssoConnectionId: string; enterpriseId: string }>("ConfigureSsoConnectionSuccess")
  .implement({
    fields: (t) => ({
      ssoConnection: t.prismaField({
        type: SsoConnectionRef,
        resolve: (query, result, _args, context) =>
          context.prisma.ssoConnection.findUniqueOrThrow({ ...query, where: { id: result.ssoConnectionId } }),
      }),
      enterprise: t.prismaField({
        type: "Enterprise",
        resolve: (query, result, _args, context) =>
          context.prisma.enterprise.findUniqueOrThrow({ ...query, where: { id: result.enterpriseId } }),
      }),
    }),
  });

builder.mutationField("configureSsoConnection", (t) =>
  t.withAuth({ account: true }).field({
    type: ConfigureSsoConnectionSuccess,
    errors: payloadErrors("configureSsoConnection"),
    description: "Creates or updates the enterprise's SSO connection and activates it. Enterprise admins only.",
    args: { input: t.arg({ type: ConfigureSsoConnectionInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const connection = await configureSsoConnection(context.prisma, context.viewer, input, context.now);
      return { ssoConnectionId: connection.id, enterpriseId: connection.enterpriseId };
    },
  }),
);
