import { scim } from "@sso-cutover/sso";
import { builder } from "../builder";
import { payloadErrors } from "./error";
import { SsoConnectionRef } from "./sso-connection";

interface ScimTokenInfo {
  lastFour: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

const ScimTokenInfoRef = builder.objectRef<ScimTokenInfo>("ScimTokenInfo").implement({
  description: "R20: the enterprise's active SCIM token, as much as may be shown of it (the secret is never stored).",
  fields: (t) => ({
    display: t.string({ description: "`sqscim_…` and the last four characters.", resolve: (token) => `${scim.SCIM_TOKEN_PREFIX}…${token.lastFour}` }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    lastUsedAt: t.expose("lastUsedAt", { type: "DateTime", nullable: true, description: "Updated at most once a minute." }),
  }),
});

builder.prismaObjectFields(SsoConnectionRef, (t) => ({
  scimBaseUrl: t.string({
    description: "R20: the SCIM 2.0 base URL of the enterprise, to paste into the IdP (Okta: SCIM connector base URL; Entra ID: Tenant URL).",
    select: { enterprise: { select: { key: true } } },
    resolve: (connection, _args, context) => scim.scimBaseUrl(context.config.PUBLIC_URL, connection.enterprise.key),
  }),
  scimToken: t.field({
    type: ScimTokenInfoRef,
    nullable: true,
    description: "R20: the active SCIM token (createScimToken), or null when there is none.",
    select: { enterprise: { select: { scimTokens: { where: { revokedAt: null }, orderBy: { createdAt: "desc" }, take: 1 } } } },
    resolve: (connection) => connection.enterprise.scimTokens[0] ?? null,
  }),
  lastScimRequestAt: t.expose("lastScimRequestAt", {
    type: "DateTime",
    nullable: true,
    description: "R20: when the IdP last called the SCIM endpoint (to the minute); null: never.",
  }),
}));

const ScimTokenInput = builder.inputType("ScimTokenInput", {
  fields: (t) => ({ enterpriseKey: t.string({ required: true }) }),
});

const CreatedScimTokenRef = builder.objectRef<scim.CreatedScimToken & { baseUrl: string }>("CreatedScimToken").implement({
  description: "R20: a new SCIM token. The secret is shown this once; only its hash is kept.",
  fields: (t) => ({
    token: t.exposeString("secret", { description: "`sqscim_…`: paste it into the IdP (Okta: API token; Entra ID: Secret token)." }),
    scimBaseUrl: t.exposeString("baseUrl"),
    display: t.string({ resolve: (created) => `${scim.SCIM_TOKEN_PREFIX}…${created.lastFour}` }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

const RevokedScimTokenRef = builder.objectRef<{ revoked: number; baseUrl: string }>("RevokedScimToken").implement({
  fields: (t) => ({
    revoked: t.exposeInt("revoked", { description: "Tokens revoked (1: an enterprise has at most one)." }),
    scimBaseUrl: t.exposeString("baseUrl"),
  }),
});

builder.mutationField("createScimToken", (t) =>
  t.withAuth({ account: true }).field({
    type: CreatedScimTokenRef,
    errors: payloadErrors("createScimToken"),
    description:
      "R20: a SCIM token for the enterprise's SCIM endpoint (enterprise admins); replaces the active one. Accepted only on " +
      "/scim/v2/<enterpriseKey>, never by the GraphQL API.",
    args: { input: t.arg({ type: ScimTokenInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const created = await scim.createScimToken(context.prisma, context.viewer, input.enterpriseKey, context.now);
      return { ...created, baseUrl: scim.scimBaseUrl(context.config.PUBLIC_URL, created.enterpriseKey) };
    },
  }),
);

builder.mutationField("revokeScimToken", (t) =>
  t.withAuth({ account: true }).field({
    type: RevokedScimTokenRef,
    errors: payloadErrors("revokeScimToken"),
    description: "R20: revokes the enterprise's SCIM token (enterprise admins): the IdP's next SCIM request is refused.",
    args: { input: t.arg({ type: ScimTokenInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const revoked = await scim.revokeScimToken(context.prisma, context.viewer, input.enterpriseKey, context.now);
      return { revoked: revoked.revoked, baseUrl: scim.scimBaseUrl(context.config.PUBLIC_URL, revoked.enterpriseKey) };
    },
  }),
);
