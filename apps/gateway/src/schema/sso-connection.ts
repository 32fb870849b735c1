import {
  MAX_IDP_CERTIFICATES,
  acsUrl,
  attributeNamesOf,
  configureSsoConnection,
  describeIdpCertificate,
  metadataUrl,
  newestCertificate,
  spEntityId,
  type AttributeNames,
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
    attributeMapping: t.field({ type: AttributeMappingRef, resolve: (connection) => attributeNamesOf(connection) }),
    groupsReceivedAt: t.expose("groupsReceivedAt", {
      type: "DateTime",
      nullable: true,
      description:
        "The first sign-in, since the groups attribute names were last set, whose response carried a groups attribute; " +
        "null: none has (setupProgress then warns NO_GROUPS_RECEIVED once anyone has signed in).",
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

const AcceptedAttributeNamesRef = builder.objectRef<AttributeNames>("AcceptedAttributeNames").implement({
  description: "Every SAML attribute name read for each attribute, in order: the first one a response carries wins.",
  fields: (t) => ({
    login: t.stringList({ resolve: (names) => [...names.login] }),
    name: t.stringList({ resolve: (names) => [...names.name] }),
    email: t.stringList({ resolve: (names) => [...names.email] }),
    groups: t.stringList({ resolve: (names) => [...names.groups], description: "Empty: group sync is off." }),
  }),
});

const AttributeMappingRef = builder.objectRef<AttributeNames>("AttributeMapping").implement({
  description: "Names of the SAML attributes read at login: each field is the preferred name, `accepted` lists all of them.",
  fields: (t) => ({
    login: t.string({ resolve: (names) => names.login[0] ?? "" }),
    name: t.string({ resolve: (names) => names.name[0] ?? "" }),
    email: t.string({ resolve: (names) => names.email[0] ?? "" }),
    groups: t.string({ nullable: true, description: "Null: group sync is off.", resolve: (names) => names.groups[0] ?? null }),
    accepted: t.field({ type: AcceptedAttributeNamesRef, resolve: (names) => names }),
  }),
});

const AttributeMappingInput = builder.inputType("AttributeMappingInput", {
  description:
    "One SAML attribute name per attribute. Left out or null: the names common IdPs send (Okta, Entra ID, Google, " +
    "Keycloak; see AttributeMapping.accepted). `groups: \"\"` turns group sync off.",
  fields: (t) => ({
    login: t.string({ required: false }),
    name: t.string({ required: false }),
    email: t.string({ required: false }),
    groups: t.string({ required: false }),
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
    attributeMapping: t.field({
      type: AttributeMappingInput,
      required: false,
      description: "Left out: the names common IdPs send, for every attribute (groups included).",
    }),
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
