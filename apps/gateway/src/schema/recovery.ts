import { generateRecoveryPassword, recoveryAccesses, type GeneratedRecoveryPassword, type RecoveryAccess } from "@sso-cutover/enterprise";
import { builder } from "../builder";
import { AccountRef } from "./account";
import { payloadErrors } from "./error";

const RecoveryAccessRef = builder.objectRef<RecoveryAccess>("RecoveryAccess").implement({
  description: "Whether the account can get back in with a recovery password when the IdP is unavailable (R12).",
  fields: (t) => ({
    configured: t.exposeBoolean("configured", {
      description: "A recovery password exists and is unused: each one opens a single recovery session (R17).",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", nullable: true }),
    usedAt: t.expose("usedAt", {
      type: "DateTime",
      nullable: true,
      description: "When the last recovery password was used to sign in; generate a new one to be covered again.",
    }),
  }),
});

builder.objectField(AccountRef, "recoveryAccess", (t) =>
  t.loadable({
    type: RecoveryAccessRef,
    nullable: true,
    description: "Visible to the account itself and to the admins of its enterprise; null for anyone else.",
    load: async (accountIds: string[], context) => {
      const accesses = await recoveryAccesses(context.prisma, context.viewer?.accountId ?? "", accountIds);
      return accountIds.map((id) => accesses.get(id) ?? null);
    },
    resolve: (account) => account.id,
  }),
);

const GenerateRecoveryPasswordInput = builder.inputType("GenerateRecoveryPasswordInput", {
  fields: (t) => ({ enterpriseKey: t.string({ required: true }) }),
});

const GeneratedRecoveryPasswordRef = builder.objectRef<GeneratedRecoveryPassword>("GeneratedRecoveryPassword").implement({
  fields: (t) => ({
    password: t.exposeString("password", { description: "Shown this once: store it offline. Only its hash is kept." }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    replacedPrevious: t.exposeBoolean("replacedPrevious"),
    account: t.prismaField({
      type: "Account",
      resolve: (query, result, _args, context) =>
        context.prisma.account.findUniqueOrThrow({ ...query, where: { id: result.accountId } }),
    }),
  }),
});

builder.mutationField("generateRecoveryPassword", (t) =>
  t.withAuth({ account: true }).field({
    type: GeneratedRecoveryPasswordRef,
    errors: payloadErrors("generateRecoveryPassword"),
    description: "R12: enterprise admins signed in with SSO; regenerating replaces the previous password.",
    args: { input: t.arg({ type: GenerateRecoveryPasswordInput, required: true }) },
    resolve: (_root, { input }, context) => generateRecoveryPassword(context.prisma, context.viewer, input, context.now),
  }),
);
