import { serializable, type Prisma, type PrismaClient, type Tx } from "@sso-cutover/db";
import { recordAuditEvent } from "@sso-cutover/enterprise";
import { acceptInvitationForLogin } from "@sso-cutover/membership";
import { freeLogin, subjectKey } from "../sso-accounts";
import { invalidValue, notFound, ScimError } from "./errors";
import { userWhere } from "./filter";
import { applyScimGroupMappings } from "./group-mappings";
import { applyPatch, normalizePatch } from "./patch";
import { LIST_SCHEMA, USER_SELECT, etagOf, userResource, type ScimEmail, type StoredUserAttributes, type UserRow } from "./resources";
import type { ScimCaller } from "./tokens";

export interface ScimRequestContext {
  caller: ScimCaller;
  /** `{PUBLIC_URL}/scim/v2/{enterpriseKey}`: the base of every `location`. */
  baseUrl: string;
  now: Date;
}

const MAX_USER_NAME = 256;
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;
const EMAIL_SHAPED = /^[^\s@]+@[^\s@]+$/;

/** What a User representation (POST, PUT, or a patched one) says, checked. */
interface UserFields {
  userName: string;
  externalId: string | null;
  active: boolean | null;
  attributes: StoredUserAttributes;
  /** The primary email (else the first, else an email-shaped userName), lower-case form compared. */
  email: string | null;
  name: string;
}

function stringOrNull(value: unknown, field: string, max = 1024): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || value.length > max) throw invalidValue(`"${field}" must be a string of at most ${max} characters.`);
  return value;
}

function activeOf(value: unknown): boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  throw invalidValue(`"active" must be true or false.`);
}

function userFields(body: unknown): UserFields {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new ScimError(400, "The body must be a SCIM User object.", "invalidSyntax");
  const resource = body as Record<string, unknown>;
  const userName = stringOrNull(resource.userName, "userName", MAX_USER_NAME)?.trim() ?? "";
  if (userName === "") throw invalidValue(`"userName" is required and must not be empty.`);
  const externalId = stringOrNull(resource.externalId, "externalId");
  const displayName = stringOrNull(resource.displayName, "displayName", 255);
  let name: Record<string, string> | undefined;
  if (resource.name !== undefined && resource.name !== null) {
    if (typeof resource.name !== "object" || Array.isArray(resource.name)) throw invalidValue(`"name" must be an object.`);
    name = {};
    for (const key of ["formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"]) {
      const value = stringOrNull((resource.name as Record<string, unknown>)[key], `name.${key}`, 255);
      if (value !== null) name[key] = value;
    }
  }
  let emails: ScimEmail[] = [];
  if (resource.emails !== undefined && resource.emails !== null) {
    if (!Array.isArray(resource.emails) || resource.emails.length > 20) throw invalidValue(`"emails" must be a list of at most 20 emails.`);
    emails = resource.emails.map((entry: unknown, index: number) => {
      const item = (entry ?? {}) as Record<string, unknown>;
      const value = stringOrNull(item.value, `emails[${index}].value`, 254)?.trim() ?? "";
      if (!EMAIL.test(value)) throw invalidValue(`"emails[${index}].value" is not an email address.`);
      const type = stringOrNull(item.type, `emails[${index}].type`, 64);
      const primary = activeOf(item.primary);
      return { value, ...(type !== null ? { type } : {}), ...(primary !== null ? { primary } : {}) };
    });
  }
  const email = emails.find((entry) => entry.primary)?.value ?? emails[0]?.value ?? (EMAIL.test(userName) ? userName : null);
  const given = [name?.givenName, name?.familyName].filter(Boolean).join(" ");
  return {
    userName,
    externalId,
    active: activeOf(resource.active),
    attributes: { ...(name ? { name } : {}), ...(displayName !== null ? { displayName } : {}), ...(emails.length > 0 ? { emails } : {}) },
    email,
    name: (displayName || name?.formatted || given || userName).slice(0, 255),
  };
}

/** The enterprise's SCIM users: SSO accounts the IdP provisioned and has not deleted. */
function scimUsersWhere(enterpriseId: string): Prisma.AccountWhereInput {
  return { enterpriseId, kind: "SSO", deletedAt: null, scimProvisionedAt: { not: null } };
}

async function requireUser(tx: Tx | PrismaClient, enterpriseId: string, id: string): Promise<UserRow> {
  const row = await tx.account.findFirst({ where: { ...scimUsersWhere(enterpriseId), id }, select: USER_SELECT });
  if (!row) throw notFound("User", id);
  return row;
}

/** RFC 7644 §3.14: a write with `If-Match` applies only to the version named. */
function checkIfMatch(row: UserRow, ifMatch: string | null): void {
  if (ifMatch === null || ifMatch.trim() === "*") return;
  const current = etagOf(row.scimUpdatedAt ?? row.scimProvisionedAt ?? row.createdAt);
  const accepted = ifMatch.split(",").map((tag) => tag.trim());
  if (!accepted.includes(current)) throw new ScimError(412, `The user changed since version ${ifMatch} (now ${current}).`, "invalidVers");
}

async function assertUserNameFree(tx: Tx, enterpriseId: string, userName: string, exceptId: string | null): Promise<void> {
  const taken = await tx.account.findFirst({
    where: { enterpriseId, scimUserNameNormalized: userName.toLowerCase(), ...(exceptId ? { id: { not: exceptId } } : {}) },
    select: { id: true },
  });
  if (taken) throw new ScimError(409, `A user with the userName "${userName}" already exists (id ${taken.id}).`, "uniqueness");
}

function audit(tx: Tx, context: ScimRequestContext, action: string, accountId: string, payload: Record<string, unknown>) {
  return recordAuditEvent(tx, {
    enterpriseId: context.caller.enterpriseId,
    actor: { accountId: null, login: context.caller.actorLogin },
    action,
    target: { type: "Account", id: accountId },
    payload: { scimTokenId: context.caller.tokenId, ...payload },
  });
}

/**
 * R20 deprovisioning, within the request: the account stops authenticating (sessions ended now, every PAT refused
 * while `deactivatedAt` is set — authentication reads it with the token), it cannot sign in; its memberships,
 * history and audit stay, so a reactivation gives the person back what they had.
 */
async function deactivate(tx: Tx, accountId: string, now: Date): Promise<number> {
  await tx.account.update({ where: { id: accountId }, data: { deactivatedAt: now } });
  const ended = await tx.session.updateMany({ where: { accountId, revokedAt: null }, data: { revokedAt: now } });
  return ended.count;
}

function accountData(fields: UserFields, now: Date) {
  return {
    scimUserName: fields.userName,
    scimUserNameNormalized: fields.userName.toLowerCase(),
    scimExternalId: fields.externalId,
    scimAttributes: fields.attributes as Prisma.InputJsonValue,
    scimUpdatedAt: now,
    name: fields.name,
    ...(fields.email !== null ? { email: fields.email, emailNormalized: fields.email.toLowerCase(), emailVerified: true } : {}),
  };
}

/**
 * POST /Users. One person, one SSO account (R16): an SSO account of the enterprise with the same subject or email
 * (case-insensitive) that SCIM does not manage yet is taken over (seeded, JIT-created, or deleted over SCIM
 * earlier) rather than duplicated; else a new SSO account is created. Its pending invitation is accepted (R3).
 */
export async function createScimUser(prisma: PrismaClient, context: ScimRequestContext, body: unknown): Promise<Record<string, unknown>> {
  const fields = userFields(body);
  const { caller, now } = context;
  return serializable(prisma, async (tx) => {
    await assertUserNameFree(tx, caller.enterpriseId, fields.userName, null);
    const subjects = [...new Set([subjectKey(fields.userName), fields.userName])];
    const emails = [...new Set([fields.email, EMAIL_SHAPED.test(fields.userName) ? fields.userName : null].filter((value): value is string => value !== null).map((value) => value.toLowerCase()))];
    const existing = await tx.account.findFirst({
      where: {
        enterpriseId: caller.enterpriseId,
        kind: "SSO",
        deletedAt: null,
        OR: [{ ssoSubject: { in: subjects } }, ...(emails.length > 0 ? [{ emailNormalized: { in: emails } }] : [])],
      },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    if (existing?.scimProvisionedAt) {
      throw new ScimError(409, `This person is already provisioned as the user ${existing.id} (userName "${existing.scimUserName}").`, "uniqueness");
    }
    const active = fields.active ?? true;
    const account = existing
      ? await tx.account.update({
          where: { id: existing.id },
          data: { ...accountData(fields, now), scimProvisionedAt: now, deactivatedAt: active ? null : (existing.deactivatedAt ?? now) },
        })
      : await tx.account.create({
          data: {
            ...accountData(fields, now),
            login: await freeLogin(tx, fields.userName),
            kind: "SSO",
            enterpriseId: caller.enterpriseId,
            scimProvisionedAt: now,
            createdAt: now,
            deactivatedAt: active ? null : now,
          },
        });
    if (!active) await deactivate(tx, account.id, now);
    const invitation = await acceptInvitationForLogin(tx, { enterpriseId: caller.enterpriseId, account, now });
    await audit(tx, context, "scim.user_provisioned", account.id, {
      userName: fields.userName,
      matched: existing ? "EXISTING_ACCOUNT" : "CREATED",
      active,
      invitationAccepted: invitation?.id ?? null,
    });
    return userResource(await requireUser(tx, caller.enterpriseId, account.id), context.baseUrl);
  });
}

export async function getScimUser(prisma: PrismaClient, context: ScimRequestContext, id: string): Promise<Record<string, unknown>> {
  return userResource(await requireUser(prisma, context.caller.enterpriseId, id), context.baseUrl);
}

export interface ListRequest {
  filter: string | null;
  startIndex: number;
  count: number;
}

/** GET /Users: the filter and the page run in SQL (no enterprise is read whole); totalResults counts the filter's matches. */
export async function listScimUsers(prisma: PrismaClient, context: ScimRequestContext, request: ListRequest): Promise<Record<string, unknown>> {
  const where: Prisma.AccountWhereInput = { AND: [scimUsersWhere(context.caller.enterpriseId), userWhere(request.filter)] };
  const [totalResults, rows] = await Promise.all([
    prisma.account.count({ where }),
    request.count === 0
      ? Promise.resolve([])
      : prisma.account.findMany({ where, select: USER_SELECT, orderBy: [{ scimProvisionedAt: "asc" }, { id: "asc" }], skip: request.startIndex - 1, take: request.count }),
  ]);
  return {
    schemas: [LIST_SCHEMA],
    totalResults,
    startIndex: request.startIndex,
    itemsPerPage: rows.length,
    Resources: rows.map((row) => userResource(row, context.baseUrl)),
  };
}

/** Writes a user's new state (PUT or PATCH), deprovisioning or reactivating it when `active` changes. */
async function writeUser(tx: Tx, context: ScimRequestContext, current: UserRow, fields: UserFields, method: string) {
  const { caller, now } = context;
  if (fields.userName.toLowerCase() !== (current.scimUserName ?? "").toLowerCase()) {
    await assertUserNameFree(tx, caller.enterpriseId, fields.userName, current.id);
  }
  const wasActive = current.deactivatedAt === null;
  const active = fields.active ?? wasActive;
  await tx.account.update({
    where: { id: current.id },
    data: { ...accountData(fields, now), ...(active && !wasActive ? { deactivatedAt: null } : {}) },
  });
  let sessionsEnded = 0;
  if (!active && wasActive) sessionsEnded = await deactivate(tx, current.id, now);
  const action = active === wasActive ? "scim.user_updated" : active ? "scim.user_reactivated" : "scim.user_deactivated";
  await audit(tx, context, action, current.id, { method, userName: fields.userName, active, ...(sessionsEnded > 0 ? { sessionsEnded } : {}) });
  return userResource(await requireUser(tx, caller.enterpriseId, current.id), context.baseUrl);
}

/** PUT /Users/{id}: the representation replaces the user's (an absent `active` keeps the current state). */
export async function replaceScimUser(prisma: PrismaClient, context: ScimRequestContext, id: string, body: unknown, ifMatch: string | null) {
  const fields = userFields(body);
  return serializable(prisma, async (tx) => {
    const current = await requireUser(tx, context.caller.enterpriseId, id);
    checkIfMatch(current, ifMatch);
    return writeUser(tx, context, current, fields, "PUT");
  });
}

/** PATCH /Users/{id}: RFC 7644 §3.5.2 operations (Okta and Entra ID dialects normalized), applied by scim-patch. */
export async function patchScimUser(prisma: PrismaClient, context: ScimRequestContext, id: string, body: unknown, ifMatch: string | null) {
  const operations = normalizePatch(body);
  return serializable(prisma, async (tx) => {
    const current = await requireUser(tx, context.caller.enterpriseId, id);
    checkIfMatch(current, ifMatch);
    const patched = applyPatch(userResource(current, context.baseUrl), operations);
    return writeUser(tx, context, current, userFields(patched), "PATCH");
  });
}

/**
 * DELETE /Users/{id}: the user is deprovisioned (as `active: false`) and leaves SCIM — later GETs answer 404, its
 * SCIM groups lose it (organization groups follow through the explicit mappings, under R9), and a later POST of the
 * same person takes the account over again. The account, its history and audit stay.
 */
export async function deleteScimUser(prisma: PrismaClient, context: ScimRequestContext, id: string, ifMatch: string | null): Promise<void> {
  const { caller, now } = context;
  await serializable(prisma, async (tx) => {
    const current = await requireUser(tx, caller.enterpriseId, id);
    checkIfMatch(current, ifMatch);
    const sessionsEnded = current.deactivatedAt === null ? await deactivate(tx, id, now) : 0;
    const groups = await tx.scimGroupMember.findMany({ where: { accountId: id }, select: { groupId: true } });
    await tx.scimGroupMember.deleteMany({ where: { accountId: id } });
    if (groups.length > 0) await tx.scimGroup.updateMany({ where: { id: { in: groups.map((row) => row.groupId) } }, data: { updatedAt: now } });
    const effects = await applyScimGroupMappings(tx, caller.enterpriseId, [id], now);
    await tx.account.update({
      where: { id },
      data: { scimProvisionedAt: null, scimUserName: null, scimUserNameNormalized: null, scimExternalId: null, scimUpdatedAt: now },
    });
    await audit(tx, context, "scim.user_deleted", id, { userName: current.scimUserName, sessionsEnded, ...effects });
  });
}
