import { serializable, type Prisma, type PrismaClient, type Tx } from "@sso-cutover/db";
import { recordAuditEvent } from "@sso-cutover/enterprise";
import { invalidValue, notFound, ScimError } from "./errors";
import { groupWhere } from "./filter";
import { applyScimGroupMappings } from "./group-mappings";
import { applyPatch, normalizePatch } from "./patch";
import { etagOf, groupResource, LIST_SCHEMA, type GroupRow } from "./resources";
import type { ListRequest, ScimRequestContext } from "./users";

const MAX_DISPLAY_NAME = 256;
/** Members one group request may name (Entra ID sends at most 1,000 per PATCH; Okta pushes whole groups). */
export const MAX_GROUP_MEMBERS = 10_000;

const MEMBERS_INCLUDE = { members: { select: { accountId: true, account: { select: { scimUserName: true } } }, orderBy: { createdAt: "asc" as const } } };

interface GroupFields {
  displayName: string;
  externalId: string | null;
  /** null: the representation says nothing about members (they stay as they are). */
  memberIds: string[] | null;
}

function groupFields(body: unknown): GroupFields {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new ScimError(400, "The body must be a SCIM Group object.", "invalidSyntax");
  const resource = body as Record<string, unknown>;
  const displayName = typeof resource.displayName === "string" ? resource.displayName.trim() : "";
  if (displayName === "" || displayName.length > MAX_DISPLAY_NAME) {
    throw invalidValue(`"displayName" is required: the IdP group name (at most ${MAX_DISPLAY_NAME} characters).`);
  }
  if (resource.externalId !== undefined && resource.externalId !== null && typeof resource.externalId !== "string") {
    throw invalidValue(`"externalId" must be a string.`);
  }
  let memberIds: string[] | null = null;
  if (resource.members !== undefined && resource.members !== null) {
    if (!Array.isArray(resource.members) || resource.members.length > MAX_GROUP_MEMBERS) {
      throw invalidValue(`"members" must be a list of at most ${MAX_GROUP_MEMBERS} members.`);
    }
    memberIds = [
      ...new Set(
        resource.members.map((member: unknown, index: number) => {
          const value = (member as { value?: unknown } | null)?.value;
          if (typeof value !== "string" || value === "") throw invalidValue(`"members[${index}].value" must be the id of a user.`);
          return value;
        }),
      ),
    ];
  }
  return { displayName, externalId: (resource.externalId as string | undefined) ?? null, memberIds };
}

async function requireGroup(tx: Tx | PrismaClient, enterpriseId: string, id: string, withMembers = true): Promise<GroupRow> {
  const row = await tx.scimGroup.findFirst({ where: { id, enterpriseId }, ...(withMembers ? { include: MEMBERS_INCLUDE } : {}) });
  if (!row) throw notFound("Group", id);
  return row;
}

function checkIfMatch(row: GroupRow, ifMatch: string | null): void {
  if (ifMatch === null || ifMatch.trim() === "*") return;
  const current = etagOf(row.updatedAt);
  if (!ifMatch.split(",").map((tag) => tag.trim()).includes(current)) {
    throw new ScimError(412, `The group changed since version ${ifMatch} (now ${current}).`, "invalidVers");
  }
}

async function assertDisplayNameFree(tx: Tx, enterpriseId: string, displayName: string, exceptId: string | null): Promise<void> {
  const taken = await tx.scimGroup.findFirst({ where: { enterpriseId, displayName, ...(exceptId ? { id: { not: exceptId } } : {}) }, select: { id: true } });
  if (taken) throw new ScimError(409, `A group named "${displayName}" already exists (id ${taken.id}).`, "uniqueness");
}

/** Every member must be a SCIM user of this enterprise: another enterprise's account is as unknown as a wrong id. */
async function assertMembers(tx: Tx, enterpriseId: string, memberIds: readonly string[]): Promise<void> {
  if (memberIds.length === 0) return;
  const found = await tx.account.findMany({
    where: { id: { in: [...memberIds] }, enterpriseId, kind: "SSO", deletedAt: null, scimProvisionedAt: { not: null } },
    select: { id: true },
  });
  const known = new Set(found.map((row) => row.id));
  const unknown = memberIds.filter((id) => !known.has(id));
  if (unknown.length > 0) throw invalidValue(`No user with the id ${unknown.slice(0, 5).map((id) => `"${id}"`).join(", ")}: members must be users of this endpoint.`);
}

/** Sets the group's members to exactly `memberIds`; returns every account whose groups changed. */
async function setMembers(tx: Tx, groupId: string, current: readonly string[], memberIds: readonly string[], now: Date): Promise<{ added: string[]; removed: string[] }> {
  const wanted = new Set(memberIds);
  const have = new Set(current);
  const added = memberIds.filter((id) => !have.has(id));
  const removed = current.filter((id) => !wanted.has(id));
  if (removed.length > 0) await tx.scimGroupMember.deleteMany({ where: { groupId, accountId: { in: removed } } });
  if (added.length > 0) await tx.scimGroupMember.createMany({ data: added.map((accountId) => ({ groupId, accountId, createdAt: now })), skipDuplicates: true });
  return { added, removed };
}

function audit(tx: Tx, context: ScimRequestContext, action: string, groupId: string, payload: Record<string, unknown>) {
  return recordAuditEvent(tx, {
    enterpriseId: context.caller.enterpriseId,
    actor: { accountId: null, login: context.caller.actorLogin },
    action,
    target: { type: "ScimGroup", id: groupId },
    payload: { scimTokenId: context.caller.tokenId, ...payload },
  });
}

/** POST /Groups: a group the IdP pushes; its members join organization groups only through explicit mappings (R14). */
export async function createScimGroup(prisma: PrismaClient, context: ScimRequestContext, body: unknown) {
  const fields = groupFields(body);
  const { caller, now } = context;
  return serializable(prisma, async (tx) => {
    await assertDisplayNameFree(tx, caller.enterpriseId, fields.displayName, null);
    const members = fields.memberIds ?? [];
    await assertMembers(tx, caller.enterpriseId, members);
    const group = await tx.scimGroup.create({
      data: { enterpriseId: caller.enterpriseId, displayName: fields.displayName, externalId: fields.externalId, createdAt: now, updatedAt: now },
    });
    await setMembers(tx, group.id, [], members, now);
    const effects = await applyScimGroupMappings(tx, caller.enterpriseId, members, now);
    await audit(tx, context, "scim.group_created", group.id, { displayName: fields.displayName, membersAdded: members.length, ...effects });
    return groupResource(await requireGroup(tx, caller.enterpriseId, group.id), context.baseUrl);
  });
}

export async function getScimGroup(prisma: PrismaClient, context: ScimRequestContext, id: string, withMembers: boolean) {
  return groupResource(await requireGroup(prisma, context.caller.enterpriseId, id, withMembers), context.baseUrl);
}

export async function listScimGroups(prisma: PrismaClient, context: ScimRequestContext, request: ListRequest, withMembers: boolean) {
  const where: Prisma.ScimGroupWhereInput = { AND: [{ enterpriseId: context.caller.enterpriseId }, groupWhere(request.filter)] };
  const [totalResults, rows] = await Promise.all([
    prisma.scimGroup.count({ where }),
    request.count === 0
      ? Promise.resolve([])
      : prisma.scimGroup.findMany({
          where,
          ...(withMembers ? { include: MEMBERS_INCLUDE } : {}),
          orderBy: [{ createdAt: "asc" }, { id: "asc" }],
          skip: request.startIndex - 1,
          take: request.count,
        }),
  ]);
  return {
    schemas: [LIST_SCHEMA],
    totalResults,
    startIndex: request.startIndex,
    itemsPerPage: rows.length,
    Resources: rows.map((row) => groupResource(row, context.baseUrl)),
  };
}

async function writeGroup(tx: Tx, context: ScimRequestContext, current: GroupRow, fields: GroupFields, method: string) {
  const { caller, now } = context;
  const renamed = fields.displayName !== current.displayName;
  if (renamed) await assertDisplayNameFree(tx, caller.enterpriseId, fields.displayName, current.id);
  const currentIds = (current.members ?? []).map((member) => member.accountId);
  if (fields.memberIds !== null) await assertMembers(tx, caller.enterpriseId, fields.memberIds.filter((id) => !currentIds.includes(id)));
  await tx.scimGroup.update({ where: { id: current.id }, data: { displayName: fields.displayName, externalId: fields.externalId, updatedAt: now } });
  const { added, removed } = fields.memberIds === null ? { added: [], removed: [] } : await setMembers(tx, current.id, currentIds, fields.memberIds, now);
  // A rename changes which mappings apply to every member.
  const affected = renamed ? [...new Set([...currentIds, ...added])] : [...added, ...removed];
  const effects = await applyScimGroupMappings(tx, caller.enterpriseId, affected, now);
  await audit(tx, context, "scim.group_updated", current.id, {
    method,
    displayName: fields.displayName,
    ...(renamed ? { previousDisplayName: current.displayName } : {}),
    membersAdded: added.length,
    membersRemoved: removed.length,
    ...effects,
  });
  return groupResource(await requireGroup(tx, caller.enterpriseId, current.id), context.baseUrl);
}

export async function replaceScimGroup(prisma: PrismaClient, context: ScimRequestContext, id: string, body: unknown, ifMatch: string | null) {
  const fields = groupFields(body);
  return serializable(prisma, async (tx) => {
    const current = await requireGroup(tx, context.caller.enterpriseId, id);
    checkIfMatch(current, ifMatch);
    return writeGroup(tx, context, current, { ...fields, memberIds: fields.memberIds ?? [] }, "PUT");
  });
}

/** PATCH /Groups/{id}: members add / remove (by value list or `members[value eq "…"]`), displayName replace. */
export async function patchScimGroup(prisma: PrismaClient, context: ScimRequestContext, id: string, body: unknown, ifMatch: string | null) {
  const operations = normalizePatch(body);
  return serializable(prisma, async (tx) => {
    const current = await requireGroup(tx, context.caller.enterpriseId, id);
    checkIfMatch(current, ifMatch);
    const resource = groupResource(current, context.baseUrl);
    const patched = applyPatch({ ...resource, members: (resource.members as unknown[] | undefined) ?? [] }, operations);
    return writeGroup(tx, context, current, groupFields(patched), "PATCH");
  });
}

/** DELETE /Groups/{id}: its members leave the organization groups it mapped them to (under R9), then it is gone. */
export async function deleteScimGroup(prisma: PrismaClient, context: ScimRequestContext, id: string, ifMatch: string | null): Promise<void> {
  const { caller, now } = context;
  await serializable(prisma, async (tx) => {
    const current = await requireGroup(tx, caller.enterpriseId, id);
    checkIfMatch(current, ifMatch);
    const memberIds = (current.members ?? []).map((member) => member.accountId);
    await tx.scimGroup.delete({ where: { id } });
    const effects = await applyScimGroupMappings(tx, caller.enterpriseId, memberIds, now);
    await audit(tx, context, "scim.group_deleted", id, { displayName: current.displayName, membersRemoved: memberIds.length, ...effects });
  });
}
