import {
  enterpriseInvitationsWhere,
  invitationMessage,
  invitationStatus,
  inviteUsers,
  resendInvitation,
  revokeInvitation,
  type InvitationRefusal,
  type InviteUserResult,
  MAX_INVITATIONS_PER_CALL,
} from "@sso-cutover/membership";
import { enterpriseLoginUrl } from "@sso-cutover/enterprise";
import { builder } from "../builder";
import { idOfType } from "../global-ids";
import { listLimit } from "../input-limits";
import { EnterpriseRef } from "./enterprise";
import { payloadErrors } from "./error";

export const InvitationStatus = builder.enumType("InvitationStatus", {
  description: "EXPIRED is derived from `expiresAt` at the time of the request: a PENDING invitation past its expiry reads EXPIRED.",
  values: ["PENDING", "ACCEPTED", "EXPIRED", "REVOKED"] as const,
});

export const InvitationRef = builder.prismaNode("Invitation", {
  id: { field: "id" },
  description: "An invitation to sign in with the enterprise's SSO (R3). Visible to enterprise admins only.",
  findUnique: (id, context) => ({
    id,
    enterprise: { permissions: { some: { accountId: context.viewer?.accountId ?? "", permission: "ADMINISTER_ENTERPRISE" } } },
  }),
  fields: (t) => ({
    email: t.exposeString("email"),
    status: t.field({
      type: InvitationStatus,
      resolve: (invitation, _args, context) => invitationStatus(invitation, context.now),
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    sentAt: t.expose("sentAt", { type: "DateTime", description: "When it was last sent (created or resent)." }),
    expiresAt: t.expose("expiresAt", { type: "DateTime" }),
    acceptedAt: t.expose("acceptedAt", { type: "DateTime", nullable: true }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true }),
    invitedBy: t.relation("invitedBy"),
    acceptedBy: t.relation("acceptedBy", { nullable: true, description: "The SSO account whose first login accepted it." }),
    enterprise: t.relation("enterprise"),
    loginUrl: t.string({
      description: "The enterprise login URL the invitee signs in at (R1).",
      select: { enterprise: { select: { key: true } } },
      resolve: (invitation, _args, context) => enterpriseLoginUrl(context.config.PUBLIC_URL, invitation.enterprise.key),
    }),
    message: t.string({
      description: "A ready-to-send text with the enterprise's login link and the expiry date.",
      select: { enterprise: { select: { key: true, name: true } } },
      resolve: (invitation, _args, context) =>
        invitationMessage(invitation.enterprise, invitation, enterpriseLoginUrl(context.config.PUBLIC_URL, invitation.enterprise.key)),
    }),
  }),
});

builder.objectField(EnterpriseRef, "invitations", (t) =>
  t.withAuth({ account: true }).prismaConnection({
    type: InvitationRef,
    cursor: "id",
    nullable: true,
    defaultSize: 20,
    maxSize: 100,
    description: "Invitations, newest first, optionally of one status. Enterprise admins only (FORBIDDEN otherwise).",
    args: { status: t.arg({ type: InvitationStatus, required: false }) },
    resolve: async (query, enterprise, args, context) =>
      context.prisma.invitation.findMany({
        ...query,
        where: await enterpriseInvitationsWhere(context.prisma, context.viewer, enterprise.id, { status: args.status }, context.now),
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      }),
  }),
);

// ------------------------------------------------------------------------------------------ inviteUsers

const InvitationErrorCode = builder.enumType("InvitationErrorCode", {
  values: ["INVALID_EMAIL", "ALREADY_PENDING", "ALREADY_SSO_MEMBER"] as const,
});

const InvitationErrorRef = builder.objectRef<InvitationRefusal & { email: string }>("InvitationError").implement({
  description: "Why one email of an `inviteUsers` call was not invited; the other emails are not affected.",
  fields: (t) => ({
    code: t.field({ type: InvitationErrorCode, resolve: (error) => error.code }),
    message: t.exposeString("message"),
    field: t.exposeString("field", { description: "The email's position in the input, e.g. `input.emails[3]`." }),
    email: t.exposeString("email"),
  }),
});

const InviteUserResultRef = builder.objectRef<InviteUserResult>("InviteUserResult").implement({
  description:
    "One per distinct email submitted (case-insensitive), in submission order: an invitation (in a dry run, the message " +
    "that would be sent) or an error.",
  fields: (t) => ({
    email: t.exposeString("email"),
    invitation: t.prismaField({
      type: InvitationRef,
      nullable: true,
      description: "The created invitation; null when the email was refused, and in a dry run.",
      // Prisma batches these lookups by id into one query per request.
      resolve: (query, result, _args, context) =>
        result.ok && result.sent ? context.prisma.invitation.findUnique({ ...query, where: { id: result.sent.invitation.id } }) : null,
    }),
    message: t.string({
      nullable: true,
      description:
        "The text sent to this email (in a dry run, the exact text a real call with the same input would send): the " +
        "enterprise login link and the expiry. Null when the email was refused.",
      resolve: (result) => (result.ok ? result.message : null),
    }),
    error: t.field({
      type: InvitationErrorRef,
      nullable: true,
      resolve: (result) => (result.ok ? null : { ...result.refusal, email: result.email }),
    }),
  }),
});

const InviteUsersInput = builder.inputType("InviteUsersInput", {
  fields: (t) => ({
    enterpriseKey: t.string({ required: true }),
    emails: t.stringList({ required: true, ...listLimit(MAX_INVITATIONS_PER_CALL, "Emails to invite; de-duplicated case-insensitively.") }),
    expiresInDays: t.int({ required: false, description: "1 to 30; default 14." }),
    dryRun: t.boolean({
      required: false,
      defaultValue: false,
      description:
        "Preview: make every check and compose each message, change nothing (no invitation, no audit event). Each " +
        "result's `message` is what the real call with the same input sends, with the expiry it sets.",
    }),
  }),
});

interface InviteUsersShape {
  enterpriseId: string;
  dryRun: boolean;
  invitedCount: number;
  results: InviteUserResult[];
}

const InviteUsersSuccess = builder.objectRef<InviteUsersShape>("InviteUsersSuccess").implement({
  fields: (t) => ({
    enterprise: t.prismaField({
      type: EnterpriseRef,
      resolve: (query, result, _args, context) =>
        context.prisma.enterprise.findUniqueOrThrow({ ...query, where: { id: result.enterpriseId } }),
    }),
    dryRun: t.exposeBoolean("dryRun", { description: "true: nothing was written; the results say what a real call would do." }),
    invitedCount: t.exposeInt("invitedCount", {
      description: "Invitations created (in a dry run, that a real call would create); 0 when every email was refused.",
    }),
    results: t.field({ type: [InviteUserResultRef], resolve: (result) => result.results }),
  }),
});

builder.mutationField("inviteUsers", (t) =>
  t.withAuth({ account: true }).field({
    type: InviteUsersSuccess,
    errors: payloadErrors("inviteUsers"),
    description:
      "R3: invites people to sign in with the enterprise's SSO, in one transaction; `dryRun` previews the messages. Enterprise admins only.",
    args: { input: t.arg({ type: InviteUsersInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const outcome = await inviteUsers(context.prisma, context.viewer, input, { publicUrl: context.config.PUBLIC_URL, now: context.now });
      return { enterpriseId: outcome.enterprise.id, dryRun: outcome.dryRun, invitedCount: outcome.invitedCount, results: outcome.results };
    },
  }),
);

// ------------------------------------------------------------------------------- revoke and resend

/** The payload of a mutation that changed one invitation. */
function invitationSuccess(name: string) {
  return builder.objectRef<{ invitationId: string }>(name).implement({
    fields: (t) => ({
      invitation: t.prismaField({
        type: InvitationRef,
        resolve: (query, result, _args, context) =>
          context.prisma.invitation.findUniqueOrThrow({ ...query, where: { id: result.invitationId } }),
      }),
    }),
  });
}

const RevokeInvitationInput = builder.inputType("RevokeInvitationInput", {
  fields: (t) => ({ invitationId: t.globalID({ required: true }) }),
});

builder.mutationField("revokeInvitation", (t) =>
  t.withAuth({ account: true }).field({
    type: invitationSuccess("RevokeInvitationSuccess"),
    errors: payloadErrors("revokeInvitation"),
    description: "R3: revokes a pending (or expired) invitation. Enterprise admins only.",
    args: { input: t.arg({ type: RevokeInvitationInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const invitationId = idOfType(input.invitationId, "Invitation", "input.invitationId");
      const invitation = await revokeInvitation(context.prisma, context.viewer, { invitationId }, context.now);
      return { invitationId: invitation.id };
    },
  }),
);

const ResendInvitationInput = builder.inputType("ResendInvitationInput", {
  fields: (t) => ({
    invitationId: t.globalID({ required: true }),
    expiresInDays: t.int({ required: false, description: "1 to 30, counted from now; default 14." }),
  }),
});

builder.mutationField("resendInvitation", (t) =>
  t.withAuth({ account: true }).field({
    type: invitationSuccess("ResendInvitationSuccess"),
    errors: payloadErrors("resendInvitation"),
    description: "R3: sends the same invitation again with a new expiry. Refused for ACCEPTED and REVOKED ones.",
    args: { input: t.arg({ type: ResendInvitationInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const invitationId = idOfType(input.invitationId, "Invitation", "input.invitationId");
      const resent = await resendInvitation(
        context.prisma,
        context.viewer,
        { invitationId, expiresInDays: input.expiresInDays },
        { publicUrl: context.config.PUBLIC_URL, now: context.now },
      );
      return { invitationId: resent.invitation.id };
    },
  }),
);
