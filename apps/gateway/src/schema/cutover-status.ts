import { CUTOVER_STATUSES, cutoverStatusesForViewer } from "@sso-cutover/membership";
import { builder } from "../builder";
import { AccountRef } from "./account";
import { enterpriseScopedKey, parseEnterpriseScopedKey } from "./enterprise-scoped-key";

export const CutoverStatus = builder.enumType("CutoverStatus", {
  description:
    "Where a member stands in the cutover of an enterprise. DOP accounts: NOT_INVITED, INVITED (a pending or " +
    "accepted invitation for its email, not linked yet), LINKED, DOP_REMOVED (linked, then deleted or removed from " +
    "every organization of the enterprise). SSO accounts: SSO_ACTIVE (not linked), LINKED, DOP_REMOVED.",
  values: CUTOVER_STATUSES,
});

builder.objectField(AccountRef, "cutoverStatus", (t) =>
  t.loadable({
    type: CutoverStatus,
    nullable: true,
    description:
      "In the enterprise named, or else the account's own (an SSO account's, its linked SSO account's, or the only " +
      "enterprise of its organizations); null when that enterprise is not visible or the account is not a member.",
    args: { enterpriseKey: t.arg.string({ required: false }) },
    load: (keys: string[], context) =>
      cutoverStatusesForViewer(context.prisma, context.viewer?.accountId ?? "", keys.map(parseEnterpriseScopedKey), context.now),
    resolve: (account, args) => enterpriseScopedKey(account.id, args.enterpriseKey),
  }),
);
