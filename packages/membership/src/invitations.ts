import {
  DomainError,
  invalidInput,
  notFound,
  serializable,
  type Enterprise,
  type Invitation,
  type InvitationStatus,
  type Prisma,
  type PrismaClient,
  type Tx,
} from "@sso-cutover/db";
import {
  administeredEnterpriseWhere,
  enterpriseLoginUrl,
  recordAuditEvent,
  requireEnterpriseAdmin,
  requireVisibleEnterprise,
  type Actor,
} from "@sso-cutover/enterprise";

/** R3: at most this many emails per `inviteUsers` call. */
export const MAX_INVITATIONS_PER_CALL = 100;
/** R3: expiry when none is given, and the longest allowed (days). */
export const DEFAULT_INVITATION_EXPIRY_DAYS = 14;
export const MAX_INVITATION_EXPIRY_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

// The HTML living standard's "valid e-mail address" with a dotted domain required: what browsers accept in
// <input type="email">, minus intranet hosts, which an IdP never issues.
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;

/** The lower-cased, trimmed form every email comparison uses (R3: case-insensitive). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isValidEmail(email: string): boolean {
  const trimmed = email.trim();
  const at = trimmed.lastIndexOf("@");
  return trimmed.length <= 254 && at > 0 && at <= 64 && EMAIL.test(trimmed);
}

// ------------------------------------------------------------------------------------- derived status

/** R3: EXPIRED is never stored; a stored PENDING invitation whose expiry has passed reads as EXPIRED. */
export function invitationStatus(
  invitation: Pick<Invitation, "status" | "expiresAt">,
  now: Date = new Date(),
): InvitationStatus {
  if (invitation.status === "PENDING" && invitation.expiresAt <= now) return "EXPIRED";
  return invitation.status;
}

/** Where-clause selecting invitations whose derived status (see `invitationStatus`) is `status` at `now`. */
export function invitationWhereForStatus(status: InvitationStatus, now: Date = new Date()): Prisma.InvitationWhereInput {
  switch (status) {
    case "PENDING":
      return { status: "PENDING", expiresAt: { gt: now } };
    case "EXPIRED":
      return { OR: [{ status: "EXPIRED" }, { status: "PENDING", expiresAt: { lte: now } }] };
    case "ACCEPTED":
    case "REVOKED":
      return { status };
  }
}

/**
 * R15: invitations are seen by the admins of their enterprise only, since they name people who may not have an
 * account yet.
 */
export function visibleInvitationWhere(viewerAccountId: string): Prisma.InvitationWhereInput {
  return { enterprise: administeredEnterpriseWhere(viewerAccountId) };
}

/**
 * The enterprise's invitations an actor may list, optionally of one (derived) status: enterprise admins only
 * (FORBIDDEN otherwise), since invitations name people who may not have an account yet.
 */
export async function enterpriseInvitationsWhere(
  tx: Tx,
  actor: Pick<Actor, "accountId">,
  enterpriseId: string,
  { status }: { status?: InvitationStatus | null } = {},
  now: Date = new Date(),
): Promise<Prisma.InvitationWhereInput> {
  await requireEnterpriseAdmin(tx, actor.accountId, enterpriseId);
  return { enterpriseId, ...(status ? invitationWhereForStatus(status, now) : {}) };
}

// ------------------------------------------------------------------------------------------ messages

/** A ready-to-send invitation text: the enterprise's login link (R1) and when the invitation expires. */
export function invitationMessage(
  enterprise: Pick<Enterprise, "name" | "key">,
  invitation: Pick<Invitation, "email" | "expiresAt">,
  inviteLink: string,
): string {
  return [
    `You are invited to sign in to ${enterprise.name} with single sign-on (SSO).`,
    "",
    `Sign in with your company identity (${invitation.email}) here:`,
    inviteLink,
    "",
    `This invitation expires on ${formatExpiry(invitation.expiresAt)}.`,
    "After your first sign-in, link your DevOps-platform account from your account page so that you keep your access.",
  ].join("\n");
}

function formatExpiry(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} at ${iso.slice(11, 16)} UTC`;
}

/** An invitation with what is shown to the admin who sends it: the login link and the ready-to-send text. */
export interface SentInvitation {
  invitation: Invitation;
  loginUrl: string;
  message: string;
}

function sent(enterprise: Enterprise, invitation: Invitation, publicUrl: string): SentInvitation {
  const loginUrl = enterpriseLoginUrl(publicUrl, enterprise.key);
  return { invitation, loginUrl, message: invitationMessage(enterprise, invitation, loginUrl) };
}

// -------------------------------------------------------------------------------------------- invite

export interface InviteUsersInput {
  enterpriseKey: string;
  emails: readonly string[];
  expiresInDays?: number | null;
  /** Validate, check and classify every email, and compose each message, but write nothing (default false). */
  dryRun?: boolean | null;
}

export interface InvitationContext {
  /** Base URL of the server, for the enterprise login link (R1). */
  publicUrl: string;
  now?: Date;
}

export type InvitationRefusalCode = "INVALID_EMAIL" | "ALREADY_PENDING" | "ALREADY_SSO_MEMBER";

export interface InvitationRefusal {
  code: InvitationRefusalCode;
  message: string;
  /** The submitted email's position, e.g. `input.emails[3]`. */
  field: string;
}

/**
 * One per distinct submitted email, in submission order. An email that is (or, in a dry run, would be) invited has
 * the exact message it receives and its expiry; `sent` is the created invitation, null in a dry run.
 */
export type InviteUserResult =
  | { ok: true; email: string; message: string; loginUrl: string; expiresAt: Date; sent: SentInvitation | null }
  | { ok: false; email: string; refusal: InvitationRefusal };

export interface InviteUsersOutcome {
  enterprise: Enterprise;
  results: InviteUserResult[];
  dryRun: boolean;
  /** How many invitations were created (0 in a dry run, and when every email was refused: nothing is written then). */
  createdCount: number;
  /** How many emails were invited; in a dry run, how many would be. */
  invitedCount: number;
}

function requireExpiryDays(expiresInDays: number | null | undefined, field = "input.expiresInDays"): number {
  const days = expiresInDays ?? DEFAULT_INVITATION_EXPIRY_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > MAX_INVITATION_EXPIRY_DAYS) {
    throw invalidInput(
      field,
      `An invitation expires after 1 to ${MAX_INVITATION_EXPIRY_DAYS} whole days (default ${DEFAULT_INVITATION_EXPIRY_DAYS}); got ${String(expiresInDays)}.`,
    );
  }
  return days;
}

interface Candidate {
  index: number;
  email: string;
  normalized: string;
}

/**
 * R3: invites up to MAX_INVITATIONS_PER_CALL emails to sign in with the enterprise's SSO. Enterprise admins only. Emails are
 * validated and de-duplicated case-insensitively; each distinct email gets either an invitation or a typed
 * refusal. The batch is one serializable transaction with a fixed number of statements, whatever its size;
 * when every email is refused nothing is written and no audit event is recorded.
 *
 * A dry run (`dryRun: true`) makes the same checks and classification in the same serializable read, writes nothing,
 * records no audit event, and returns for each email that would be invited the exact message it would receive, with
 * the expiry a real call at `now` sets.
 */
export async function inviteUsers(
  prisma: PrismaClient,
  actor: Actor,
  input: InviteUsersInput,
  { publicUrl, now = new Date() }: InvitationContext,
): Promise<InviteUsersOutcome> {
  if (input.emails.length === 0) throw invalidInput("input.emails", "Give at least one email to invite.");
  if (input.emails.length > MAX_INVITATIONS_PER_CALL) {
    throw invalidInput(
      "input.emails",
      `At most ${MAX_INVITATIONS_PER_CALL} emails per call; got ${input.emails.length}. Send them in several batches.`,
      { max: MAX_INVITATIONS_PER_CALL, received: input.emails.length },
    );
  }
  const days = requireExpiryDays(input.expiresInDays);
  const expiresAt = new Date(now.getTime() + days * DAY_MS);

  // De-duplicate first (the first spelling wins), so that each distinct email gets exactly one result.
  const seen = new Set<string>();
  const distinct: Candidate[] = [];
  input.emails.forEach((raw, index) => {
    const normalized = normalizeEmail(raw);
    if (seen.has(normalized)) return;
    seen.add(normalized);
    distinct.push({ index, email: raw.trim(), normalized });
  });

  return serializable(prisma, async (tx) => {
    const enterprise = await requireVisibleEnterprise(tx, actor.accountId, input.enterpriseKey);
    await requireEnterpriseAdmin(tx, actor.accountId, enterprise.id);
    // An invitation hands out the enterprise login link, which leads nowhere until the connection is ACTIVE.
    const connection = await tx.ssoConnection.findUnique({ where: { enterpriseId: enterprise.id }, select: { status: true } });
    if (connection?.status !== "ACTIVE") {
      throw new DomainError(
        "PRECONDITION_FAILED",
        "Configure and activate the enterprise's SSO connection first: invitations hand out its login link.",
        "input.enterpriseKey",
      );
    }

    const valid = distinct.filter((candidate) => isValidEmail(candidate.email));
    const emails = valid.map((candidate) => candidate.normalized);
    const [pending, ssoMembers] = emails.length
      ? await Promise.all([
          tx.invitation.findMany({
            where: { enterpriseId: enterprise.id, emailNormalized: { in: emails }, ...invitationWhereForStatus("PENDING", now) },
            select: { emailNormalized: true },
          }),
          tx.account.findMany({
            where: { kind: "SSO", enterpriseId: enterprise.id, deletedAt: null, emailNormalized: { in: emails } },
            select: { emailNormalized: true },
          }),
        ])
      : [[], []];
    const pendingEmails = new Set(pending.map((row) => row.emailNormalized));
    const ssoEmails = new Set(ssoMembers.map((row) => row.emailNormalized));

    const refusals = new Map<string, InvitationRefusal>();
    const accepted: Candidate[] = [];
    for (const candidate of distinct) {
      const field = `input.emails[${candidate.index}]`;
      if (!isValidEmail(candidate.email)) {
        refusals.set(candidate.normalized, { code: "INVALID_EMAIL", field, message: `"${candidate.email}" is not a valid email address.` });
      } else if (ssoEmails.has(candidate.normalized)) {
        refusals.set(candidate.normalized, {
          code: "ALREADY_SSO_MEMBER",
          field,
          message: `${candidate.email} already signs in with this enterprise's SSO; there is no one to invite.`,
        });
      } else if (pendingEmails.has(candidate.normalized)) {
        refusals.set(candidate.normalized, {
          code: "ALREADY_PENDING",
          field,
          message: `${candidate.email} already has a pending invitation; resend it instead of inviting again.`,
        });
      } else {
        accepted.push(candidate);
      }
    }

    const loginUrl = enterpriseLoginUrl(publicUrl, enterprise.key);
    const created = new Map<string, Invitation>();
    if (accepted.length > 0 && !input.dryRun) {
      await tx.invitation.createMany({
        data: accepted.map((candidate) => ({
          enterpriseId: enterprise.id,
          email: candidate.email,
          emailNormalized: candidate.normalized,
          invitedById: actor.accountId,
          createdAt: now,
          sentAt: now,
          expiresAt,
          status: "PENDING" as const,
        })),
      });
      // No other PENDING invitation for these emails existed when this transaction began, and serializable
      // isolation keeps it so: the PENDING ones read back are exactly the ones just created.
      const rows = await tx.invitation.findMany({
        where: {
          enterpriseId: enterprise.id,
          emailNormalized: { in: accepted.map((candidate) => candidate.normalized) },
          ...invitationWhereForStatus("PENDING", now),
        },
      });
      for (const row of rows) created.set(row.emailNormalized, row);
      await recordAuditEvent(tx, {
        enterpriseId: enterprise.id,
        actor,
        action: "invitation.created",
        target: { type: "Enterprise", id: enterprise.id },
        payload: { count: rows.length, emails: accepted.map((candidate) => candidate.email), expiresAt: expiresAt.toISOString() },
      });
    }

    const results: InviteUserResult[] = distinct.map((candidate) => {
      const refusal = refusals.get(candidate.normalized);
      if (refusal) return { ok: false, email: candidate.email, refusal };
      const invitation = created.get(candidate.normalized) ?? null;
      if (!input.dryRun && !invitation) throw new Error(`invitation for ${candidate.normalized} was neither created nor refused`);
      // The message is composed from what the invitation stores (its trimmed email and expiry), whether or not it is.
      const letter = invitation ?? { email: candidate.email, expiresAt };
      const message = invitationMessage(enterprise, letter, loginUrl);
      return {
        ok: true,
        email: candidate.email,
        message,
        loginUrl,
        expiresAt: letter.expiresAt,
        sent: invitation && { invitation, loginUrl, message },
      };
    });
    return { enterprise, results, dryRun: Boolean(input.dryRun), createdCount: created.size, invitedCount: input.dryRun ? accepted.length : created.size };
  });
}

// --------------------------------------------------------------------------------- revoke and resend

/** The invitation, for an enterprise admin of its enterprise; NOT_FOUND when its enterprise is not visible. */
async function requireAdministeredInvitation(tx: Tx, actor: Actor, invitationId: string) {
  // R15: an invitation its enterprise's admins alone may see is, to anyone else, an invitation that does not exist.
  const invitation = await tx.invitation.findFirst({
    where: { id: invitationId, ...visibleInvitationWhere(actor.accountId) },
    include: { enterprise: true },
  });
  if (!invitation) throw notFound("No invitation with this id.", "input.invitationId");
  await requireEnterpriseAdmin(tx, actor.accountId, invitation.enterpriseId);
  return { invitation, enterprise: invitation.enterprise };
}

function refuseForStatus(status: InvitationStatus, attempted: "revoke" | "resend"): DomainError {
  const reason =
    status === "ACCEPTED"
      ? "it was already accepted: its invitee signs in with SSO"
      : "it was revoked; invite the email again instead";
  return new DomainError("CONFLICT", `Cannot ${attempted} an invitation whose status is ${status}: ${reason}.`, "input.invitationId", {
    status,
  });
}

export interface InvitationIdInput {
  invitationId: string;
}

/** R3: revokes a PENDING (or expired) invitation; an ACCEPTED or already REVOKED one is refused. */
export async function revokeInvitation(
  prisma: PrismaClient,
  actor: Actor,
  input: InvitationIdInput,
  now: Date = new Date(),
): Promise<Invitation> {
  return serializable(prisma, async (tx) => {
    const { invitation, enterprise } = await requireAdministeredInvitation(tx, actor, input.invitationId);
    if (invitation.status === "ACCEPTED" || invitation.status === "REVOKED") throw refuseForStatus(invitation.status, "revoke");
    const revoked = await tx.invitation.update({
      where: { id: invitation.id },
      data: { status: "REVOKED", revokedAt: now },
    });
    await recordAuditEvent(tx, {
      enterpriseId: enterprise.id,
      actor,
      action: "invitation.revoked",
      target: { type: "Invitation", id: invitation.id },
      payload: { email: invitation.email, statusBefore: invitationStatus(invitation, now) },
    });
    return revoked;
  });
}

export interface ResendInvitationInput extends InvitationIdInput {
  expiresInDays?: number | null;
}

/**
 * R3: sends the same invitation again with a new expiry counted from now. Allowed for PENDING and EXPIRED
 * invitations; refused for ACCEPTED and REVOKED ones, and when reviving an expired one would make a second
 * pending invitation for its email or its invitee already signs in with SSO.
 */
export async function resendInvitation(
  prisma: PrismaClient,
  actor: Actor,
  input: ResendInvitationInput,
  { publicUrl, now = new Date() }: InvitationContext,
): Promise<SentInvitation> {
  const days = requireExpiryDays(input.expiresInDays);
  return serializable(prisma, async (tx) => {
    const { invitation, enterprise } = await requireAdministeredInvitation(tx, actor, input.invitationId);
    if (invitation.status === "ACCEPTED" || invitation.status === "REVOKED") throw refuseForStatus(invitation.status, "resend");
    const [otherPending, ssoMember] = await Promise.all([
      tx.invitation.findFirst({
        where: {
          id: { not: invitation.id },
          enterpriseId: enterprise.id,
          emailNormalized: invitation.emailNormalized,
          ...invitationWhereForStatus("PENDING", now),
        },
        select: { id: true },
      }),
      tx.account.findFirst({
        where: { kind: "SSO", enterpriseId: enterprise.id, deletedAt: null, emailNormalized: invitation.emailNormalized },
        select: { login: true },
      }),
    ]);
    if (ssoMember) {
      throw new DomainError(
        "CONFLICT",
        `${invitation.email} already signs in with this enterprise's SSO (account ${ssoMember.login}); there is no one to invite.`,
        "input.invitationId",
        { reason: "ALREADY_SSO_MEMBER" },
      );
    }
    if (otherPending) {
      throw new DomainError(
        "CONFLICT",
        `${invitation.email} has another pending invitation; resend that one instead.`,
        "input.invitationId",
        { reason: "ALREADY_PENDING", pendingInvitationId: otherPending.id },
      );
    }
    const expiresAt = new Date(now.getTime() + days * DAY_MS);
    const resent = await tx.invitation.update({ where: { id: invitation.id }, data: { sentAt: now, expiresAt } });
    await recordAuditEvent(tx, {
      enterpriseId: enterprise.id,
      actor,
      action: "invitation.resent",
      target: { type: "Invitation", id: invitation.id },
      payload: {
        email: invitation.email,
        statusBefore: invitationStatus(invitation, now),
        previousExpiresAt: invitation.expiresAt.toISOString(),
        expiresAt: expiresAt.toISOString(),
      },
    });
    return sent(enterprise, resent, publicUrl);
  });
}
