import { ORG_PERMISSIONS, accessReviewsForViewer, type AccessReviewRow, type EnterpriseAccessReview, type OrganizationAccess } from "@sso-cutover/membership";
import { builder } from "../builder";
import { AccountRef } from "./account";
import { readThroughVisibility, shownVisibleBy } from "../visibility";
import { EnterpriseRef, viewerPermissionsReadWith } from "./enterprise";
import { enterpriseScopedKey, parseEnterpriseScopedKey } from "./enterprise-scoped-key";
import { OrgPermissionKind } from "./enums";
import { OrganizationRef } from "./organization";

const AccessRequirement = builder.enumType("AccessRequirement", {
  description: "Something an SSO account can lack compared with its DOP account: the membership or one permission.",
  values: ["MEMBERSHIP", ...ORG_PERMISSIONS] as const,
});

const AccessReviewStatus = builder.enumType("AccessReviewStatus", {
  values: ["OK", "MISSING_MEMBERSHIP", "MISSING_PERMISSIONS"] as const,
});

const OrganizationAccessRef = builder.objectRef<OrganizationAccess>("OrganizationAccess").implement({
  fields: (t) => ({
    member: t.exposeBoolean("member", { description: "Member directly or through a group of the organization." }),
    permissions: t.field({
      type: [OrgPermissionKind],
      description: "Effective permissions, held directly or through groups.",
      resolve: (access) => access.permissions,
    }),
  }),
});

const AccessReviewRowRef = builder.objectRef<AccessReviewRow>("AccessReviewRow").implement({
  description: "R4: one organization of the enterprise: what the DOP account has against what the SSO account has.",
  fields: (t) => ({
    organization: t.field({ type: OrganizationRef, resolve: (row) => row.organization }),
    dop: t.field({ type: OrganizationAccessRef, resolve: (row) => row.dop }),
    sso: t.field({ type: OrganizationAccessRef, resolve: (row) => row.sso }),
    missingOnSso: t.field({
      type: [AccessRequirement],
      description: "What the SSO account lacks: MEMBERSHIP first, then each permission.",
      resolve: (row) => row.missingOnSso,
    }),
    status: t.field({ type: AccessReviewStatus, resolve: (row) => row.status }),
  }),
});

const AccessReviewRef = builder.objectRef<EnterpriseAccessReview>("AccessReview").implement({
  description: "R4: access parity of one person (a DOP account and the SSO account linked to it) in one enterprise.",
  fields: (t) => ({
    enterprise: t.field({ type: EnterpriseRef, resolve: (review) => review.enterprise }),
    devopsAccount: t.field({ type: AccountRef, nullable: true, resolve: (review) => review.devopsAccount }),
    ssoAccount: t.field({ type: AccountRef, nullable: true, resolve: (review) => review.ssoAccount }),
    organizations: t.field({
      type: [AccessReviewRowRef],
      description: "One row per organization of the enterprise, by key.",
      resolve: (review) => review.organizations,
    }),
    status: t.field({ type: AccessReviewStatus, description: "The worst status among the rows.", resolve: (review) => review.status }),
  }),
});

builder.objectField(AccountRef, "accessReview", (t) =>
  t.loadable({
    type: AccessReviewRef,
    nullable: true,
    description:
      "R4: in the enterprise named, or else the account's own (an SSO account's, its linked SSO account's, or the " +
      "only enterprise of its organizations). Null unless you are this person (either linked account) or an admin " +
      "of that enterprise, and the account is a member of it.",
    args: { enterpriseKey: t.arg.string({ required: false }) },
    load: async (keys: string[], context) => {
      const reviews = await accessReviewsForViewer(context.prisma, { accountId: context.viewer?.accountId ?? "" }, keys.map(parseEnterpriseScopedKey));
      // R15: what the review's statement showed the viewer may see, and the viewer's permissions it read there.
      for (const review of reviews) {
        if (!review) continue;
        readThroughVisibility(context, "Enterprise", [review.enterprise]);
        readThroughVisibility(context, "Organization", review.organizations.map((row) => row.organization));
        shownVisibleBy(context, "Account", review.accountIdsSeen);
        viewerPermissionsReadWith(context, review.enterprise.id, review.viewerPermissions);
      }
      return reviews;
    },
    resolve: (account, args) => enterpriseScopedKey(account.id, args.enterpriseKey),
  }),
);
