import { acsUrl, configureSsoConnection, metadataUrl, spEntityId } from "@sso-cutover/sso";
import { builder } from "../builder";
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
    idpCertificate: t.exposeString("idpCertificate", { description: "The IdP's signing certificate (PEM, public)." }),
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
    idpCertificate: t.string({ required: true, description: "The IdP's signing certificate, PEM." }),
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
