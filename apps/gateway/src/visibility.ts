import { brandWithType, createContextCache } from "@pothos/core";
import { queryFromInfo } from "@pothos/plugin-prisma";
import { invalidInput, notFound, type PrismaClient } from "@sso-cutover/db";
import {
  visibleAuditEventWhere,
  visibleEnterpriseWhere,
  visibleOrganizationWhere,
  visibleGroupWhere,
  visibleSsoConnectionWhere,
  visibleSsoGroupMappingWhere,
} from "@sso-cutover/enterprise";
import {
  visibleAccountWhere,
  visibleIdentityLinkWhere,
  visibleInvitationWhere,
  visibleOrganizationPermissionWhere,
} from "@sso-cutover/membership";
import { visibleTokenWhere } from "@sso-cutover/tokens";
import DataLoader from "dataloader";
import {
  defaultFieldResolver,
  getNamedType,
  getNullableType,
  isListType,
  isAbstractType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from "graphql";
import type { GatewayContext } from "./context";

/**
 * R15, wired once: every GraphQL type whose objects belong to an enterprise, with the domain filter that decides who
 * may see them. `enforceVisibility` applies the filter to every field returning the type, and `node`/`nodes` load
 * through it, so a field added tomorrow shows only what its type allows; a new Prisma-backed or Node type missing
 * here stops the schema from building.
 */
interface TypeVisibility {
  /** The Prisma delegate holding the rows. */
  model:
    | "enterprise"
    | "organization"
    | "account"
    | "invitation"
    | "token"
    | "identityLink"
    | "ssoConnection"
    | "auditEvent"
    | "group"
    | "ssoGroupMapping"
    | "orgPermission";
  where: (viewerAccountId: string) => object;
  /** For a type not built by the Prisma plugin: what its objects need loaded (`node`/`nodes`). */
  nodeQuery?: object;
}

export const TYPE_VISIBILITY: Readonly<Record<string, TypeVisibility>> = {
  Enterprise: { model: "enterprise", where: visibleEnterpriseWhere },
  Organization: { model: "organization", where: visibleOrganizationWhere },
  Account: { model: "account", where: visibleAccountWhere },
  Invitation: { model: "invitation", where: visibleInvitationWhere },
  IdentityLink: { model: "identityLink", where: visibleIdentityLinkWhere },
  SsoConnection: { model: "ssoConnection", where: visibleSsoConnectionWhere },
  AuditEvent: { model: "auditEvent", where: visibleAuditEventWhere },
  OrganizationGroup: { model: "group", where: visibleGroupWhere },
  SsoGroupMapping: { model: "ssoGroupMapping", where: visibleSsoGroupMappingWhere },
  OrganizationPermissionGrant: { model: "orgPermission", where: visibleOrganizationPermissionWhere },
  Token: { model: "token", where: visibleTokenWhere, nodeQuery: { include: { projects: { include: { project: true } } } } },
};

/** The most ids one `nodes` call may name: each type is then loaded in one statement of bounded size. */
export const MAX_NODE_IDS = 100;

interface Delegate {
  findMany(args: object): Promise<{ id: string }[]>;
}

function delegate(prisma: PrismaClient, model: TypeVisibility["model"]): Delegate {
  return prisma[model] as unknown as Delegate;
}

function viewerAccountId(context: GatewayContext): string {
  return context.viewer?.accountId ?? "";
}

/**
 * Per request and type: the answers known so far (recorded by the reads that applied the filter, or loaded by a
 * batch), so that a field whose objects are all known passes them on at once; only the others are asked for. A plan
 * listing thousands of memberships would otherwise wait for a promise per account and per organization shown, which
 * cost more CPU (and garbage) than the plan itself.
 */
const knownVisibility = createContextCache(() => new Map<string, Map<string, boolean>>());

function knownAnswers(context: GatewayContext, typename: string): Map<string, boolean> {
  const known = knownVisibility(context);
  let answers = known.get(typename);
  if (!answers) known.set(typename, (answers = new Map()));
  return answers;
}

/** Per request and type: which of the ids not known yet the viewer may see, asked for a whole batch in one statement. */
const visibleIdLoaders = createContextCache((context: GatewayContext) => {
  const loaders = new Map<string, DataLoader<string, boolean>>();
  return (typename: string): DataLoader<string, boolean> => {
    let loader = loaders.get(typename);
    if (!loader) {
      const { model, where } = TYPE_VISIBILITY[typename]!;
      loader = new DataLoader(async (ids: readonly string[]) => {
        const visible = await delegate(context.prisma, model).findMany({
          where: { AND: [{ id: { in: [...ids] } }, where(viewerAccountId(context))] },
          select: { id: true },
        });
        const visibleIds = new Set(visible.map((row) => row.id));
        const answers = knownAnswers(context, typename);
        return ids.map((id) => {
          answers.set(id, visibleIds.has(id));
          return visibleIds.has(id);
        });
      });
      loaders.set(typename, loader);
    }
    return loader;
  };
});

/**
 * The type's filter for this request's viewer, to put in the query that reads the objects: with
 * `readThroughVisibility` on the rows it returns, the field then costs no statement of its own to filter them.
 */
export function visibilityWhere(context: GatewayContext, typename: keyof typeof TYPE_VISIBILITY): object {
  return TYPE_VISIBILITY[typename]!.where(viewerAccountId(context));
}

/**
 * Records that these rows were read by a query that applied their type's filter (`visibilityWhere`) in the same
 * statement, so that the field returning them does not ask again. Rows read any other way are still checked.
 */
export function readThroughVisibility<T extends { id: string }>(
  context: GatewayContext,
  typename: keyof typeof TYPE_VISIBILITY,
  rows: readonly T[],
): T[] {
  const answers = knownAnswers(context, typename);
  for (const row of rows) answers.set(row.id, true);
  return [...rows];
}

/**
 * Records ids that a domain read showed the viewer may see by the type's rule (its answer says which, e.g. the
 * accounts of an access review), so that the fields returning them do not ask again.
 */
export function shownVisibleBy(context: GatewayContext, typename: keyof typeof TYPE_VISIBILITY, ids: readonly string[]): void {
  const answers = knownAnswers(context, typename);
  for (const id of ids) answers.set(id, true);
}

/**
 * Organizations of an enterprise whose admin the viewer was just checked to be (`requireEnterpriseAdmin`): R15 shows
 * every organization of an enterprise to the holders of a permission there (`visibleOrganizationWhere` through
 * `visibleEnterpriseWhere`), so the fields returning them need not ask the database again. Organizations of any other
 * enterprise are left to the usual check.
 */
export function organizationsOfAdministeredEnterprise(
  context: GatewayContext,
  enterpriseId: string,
  organizations: Iterable<{ id: string; enterpriseId: string | null }>,
): void {
  const answers = knownAnswers(context, "Organization");
  for (const organization of organizations) {
    if (organization.enterpriseId === enterpriseId) answers.set(organization.id, true);
  }
}

/**
 * Accounts that are members of an enterprise whose admin the viewer was just checked to be, as the domain guarantees
 * them (e.g. `enterpriseMembersAmong`): R15 shows every member of an enterprise to the holders of a permission there
 * (`visibleAccountWhere` through `visibleEnterpriseWhere`), so the fields returning them need not ask the database.
 */
export function membersOfAdministeredEnterprise(context: GatewayContext, accounts: Iterable<{ id: string }>): void {
  seenBeforeTheChange(context, "Account", [...accounts].map((account) => account.id));
}

/**
 * Objects a mutation checked as visible to the viewer before it changed them (e.g. DOP accounts it just removed from
 * the enterprise): its payload may show them although the viewer no longer sees them afterwards.
 */
export function seenBeforeTheChange(context: GatewayContext, typename: keyof typeof TYPE_VISIBILITY, ids: readonly string[]): void {
  const answers = knownAnswers(context, typename);
  for (const id of ids) answers.set(id, true);
}

function idOf(typename: string, object: unknown): string {
  const id = (object as { id?: unknown } | null)?.id;
  if (typeof id !== "string") throw new Error(`An object of type ${typename} was resolved without its id.`);
  return id;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/**
 * `onlyVisible` without waiting, when every object is already known to be visible (or, in a list, known either
 * way); undefined when some answer is still to be asked (then `onlyVisible` decides).
 */
function visibleNow(value: unknown, typename: string, isList: boolean, context: GatewayContext): unknown {
  if (value === null || value === undefined) return value;
  const answers = knownVisibility(context).get(typename);
  if (!answers) return undefined;
  if (isList) {
    if (!Array.isArray(value)) return undefined;
    const present: unknown[] = [];
    for (const item of value) {
      if (item === null || item === undefined) continue;
      if (isPromiseLike(item)) return undefined;
      const answer = answers.get(idOf(typename, item));
      if (answer === undefined) return undefined;
      if (answer) present.push(item);
    }
    return present;
  }
  return answers.get(idOf(typename, value)) === true ? value : undefined;
}

/**
 * Keeps what the viewer may see: a list loses the others, a single object becomes null (NOT_FOUND where non-null).
 * Answers already known this request (read through the filter, or asked before) are used as they are; the others are
 * asked for in one statement per type and batch, and known from then on.
 */
async function onlyVisible(
  value: unknown,
  typename: string,
  field: GraphQLField<unknown, GatewayContext>,
  context: GatewayContext,
): Promise<unknown> {
  if (value === null || value === undefined) return value;
  const answers = knownAnswers(context, typename);
  if (isListType(getNullableType(field.type))) {
    const list = value as unknown[];
    const items = list.some(isPromiseLike) ? await Promise.all(list) : list;
    const present = items.filter((item) => item !== null && item !== undefined);
    const unknown = [...new Set(present.map((item) => idOf(typename, item)).filter((id) => !answers.has(id)))];
    // The loader records its answers (an id it could not answer stays unknown: hidden).
    if (unknown.length > 0) await visibleIdLoaders(context)(typename).loadMany(unknown);
    return present.filter((item) => answers.get(idOf(typename, item)) === true);
  }
  const id = idOf(typename, value);
  if (!answers.has(id)) await visibleIdLoaders(context)(typename).load(id);
  if (answers.get(id) === true) return value;
  if (isNonNullType(field.type)) throw notFound("Not found.");
  return null;
}

/**
 * Wraps the resolver of every field whose type (or list item type) is in `TYPE_VISIBILITY`, so that what it returns
 * passes the type's filter. Refuses a schema with a Prisma-backed or Node type that has no filter.
 */
export function enforceVisibility(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    const isNode = type.getInterfaces().some((iface) => iface.name === "Node");
    if ((isNode || type.extensions.pothosPrismaModel) && !TYPE_VISIBILITY[type.name]) {
      throw new Error(`R15: the type ${type.name} belongs to an enterprise but has no visibility filter in TYPE_VISIBILITY.`);
    }
    for (const field of Object.values(type.getFields()) as GraphQLField<unknown, GatewayContext>[]) {
      const named = getNamedType(field.type);
      if (isAbstractType(named)) {
        // Only `node`/`nodes` may return enterprise-owned objects through an interface or union: they load through
        // `loadNodes`. Anywhere else the objects' types would be known only at run time, after this check.
        const guarded = schema.getPossibleTypes(named).filter((possible) => TYPE_VISIBILITY[possible.name]);
        if (guarded.length > 0 && !(type.name === "Query" && (field.name === "node" || field.name === "nodes"))) {
          throw new Error(`R15: ${type.name}.${field.name} returns ${named.name}, which may hide an enterprise-owned object.`);
        }
        continue;
      }
      if (!TYPE_VISIBILITY[named.name]) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      // Known once per field rather than at each of the thousands of objects a large list (a cutover plan) shows.
      const isList = isListType(getNullableType(field.type));
      field.resolve = (source, args, context, info) => {
        const value = resolve(source, args, context, info);
        if (!isPromiseLike(value)) {
          const passed = visibleNow(value, named.name, isList, context);
          if (passed !== undefined) return passed;
        }
        return Promise.resolve(value).then((resolved) => onlyVisible(resolved, named.name, field, context));
      };
    }
  }
  return schema;
}

/**
 * `node` and `nodes`: at most `MAX_NODE_IDS` ids; each type named is loaded, visibility included, in one statement.
 * An id the viewer may not see, of an unknown type or of a type that is not a Node answers null in its place.
 */
export async function loadNodes(
  ids: readonly ({ typename: string; id: string } | null | undefined)[],
  context: GatewayContext,
  info: GraphQLResolveInfo,
): Promise<unknown[]> {
  if (ids.length > MAX_NODE_IDS) {
    throw invalidInput("ids", `At most ${MAX_NODE_IDS} ids per request (got ${ids.length}).`);
  }
  const nodeType = info.schema.getType("Node");
  const nodeTypes = new Set(nodeType && isAbstractType(nodeType) ? info.schema.getPossibleTypes(nodeType).map((type) => type.name) : []);
  const byType = new Map<string, Set<string>>();
  for (const globalId of ids) {
    if (!globalId || !nodeTypes.has(globalId.typename) || !TYPE_VISIBILITY[globalId.typename]) continue;
    let typeIds = byType.get(globalId.typename);
    if (!typeIds) byType.set(globalId.typename, (typeIds = new Set()));
    typeIds.add(globalId.id);
  }
  const loaded = new Map<string, Map<string, unknown>>();
  await Promise.all(
    [...byType].map(async ([typename, typeIds]) => {
      const { model, where, nodeQuery } = TYPE_VISIBILITY[typename]!;
      const query = nodeQuery ?? (await queryFromInfo({ context, info, typeName: typename, awaitSelections: true }));
      const rows = await delegate(context.prisma, model).findMany({
        ...query,
        where: { AND: [{ id: { in: [...typeIds] } }, where(viewerAccountId(context))] },
      });
      const answers = knownAnswers(context, typename);
      // An answer already known is kept (another field may have shown the object as visible before a change).
      for (const id of typeIds) if (!answers.has(id)) answers.set(id, false);
      const byId = new Map<string, unknown>();
      for (const row of rows) {
        brandWithType(row, typename as never);
        answers.set(row.id, true);
        byId.set(row.id, row);
      }
      loaded.set(typename, byId);
    }),
  );
  return ids.map((globalId) => (globalId ? (loaded.get(globalId.typename)?.get(globalId.id) ?? null) : null));
}

