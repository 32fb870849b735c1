import { linkDevopsAccountAsAdmin } from "@sso-cutover/membership";
import { linkDevopsAccountWithToken } from "@sso-cutover/tokens";
import { builder } from "../builder";
import { idOfType } from "../global-ids";
import { payloadErrors } from "./error";

export const IdentityLinkRef = builder.prismaObject("IdentityLink", {
  description: "A DOP account and the SSO account that supersedes it (one link each way).",
  fields: (t) => ({
    devopsAccount: t.relation("devopsAccount"),
    ssoAccount: t.relation("ssoAccount"),
    linkedAt: t.expose("linkedAt", { type: "DateTime" }),
    linkedBy: t.relation("linkedBy"),
  }),
});

const LinkDevopsAccountSuccess = builder.objectRef<{ linkId: string }>("LinkDevopsAccountSuccess").implement({
  fields: (t) => ({
    link: t.prismaField({
      type: IdentityLinkRef,
      resolve: (query, result, _args, context) =>
        context.prisma.identityLink.findUniqueOrThrow({ ...query, where: { id: result.linkId } }),
    }),
  }),
});

const LinkDevopsAccountInput = builder.inputType("LinkDevopsAccountInput", {
  fields: (t) => ({
    devopsAccountToken: t.string({
      required: true,
      description: "A personal access token of the DOP account: proves you hold it. Read once, never stored or logged.",
    }),
  }),
});

builder.mutationField("linkDevopsAccount", (t) =>
  t.withAuth({ account: true }).field({
    type: LinkDevopsAccountSuccess,
    errors: payloadErrors("linkDevopsAccount"),
    description:
      "R3: links the viewer's SSO account to the DOP account the token belongs to. The DOP account must be in an " +
      "organization of the SSO account's enterprise; each account links once.",
    args: { input: t.arg({ type: LinkDevopsAccountInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const { link } = await linkDevopsAccountWithToken(context.prisma, context.viewer, input, context.now);
      return { linkId: link.id };
    },
  }),
);

const LinkDevopsAccountForUserInput = builder.inputType("LinkDevopsAccountForUserInput", {
  fields: (t) => ({
    enterpriseKey: t.string({ required: true }),
    devopsAccountId: t.globalID({ required: true }),
    ssoAccountId: t.globalID({ required: true }),
  }),
});

builder.mutationField("linkDevopsAccountForUser", (t) =>
  t.withAuth({ account: true }).field({
    type: LinkDevopsAccountSuccess,
    errors: payloadErrors("linkDevopsAccountForUser"),
    description:
      "R3: an enterprise admin links a DOP account to an SSO account of the enterprise when both have the same " +
      "verified email.",
    args: { input: t.arg({ type: LinkDevopsAccountForUserInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const { link } = await linkDevopsAccountAsAdmin(
        context.prisma,
        context.viewer,
        {
          enterpriseKey: input.enterpriseKey,
          devopsAccountId: idOfType(input.devopsAccountId, "Account", "input.devopsAccountId"),
          ssoAccountId: idOfType(input.ssoAccountId, "Account", "input.ssoAccountId"),
        },
        context.now,
      );
      return { linkId: link.id };
    },
  }),
);
