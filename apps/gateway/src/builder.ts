import SchemaBuilder from "@pothos/core";
import DataloaderPlugin from "@pothos/plugin-dataloader";
import ErrorsPlugin from "@pothos/plugin-errors";
import PrismaPlugin from "@pothos/plugin-prisma";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import type { Actor } from "@sso-cutover/enterprise";
import type { GatewayContext } from "./context";
import { unauthorizedError } from "./auth-errors";
import { listLimit } from "./input-limits";

/** Ids one `nodes` call resolves. */
import type PrismaTypes from "./generated/pothos-prisma-types";
import { getDatamodel } from "./generated/pothos-prisma-types";
import { loadNodes, MAX_NODE_IDS } from "./visibility";

export interface AuthenticatedContext extends GatewayContext {
  viewer: Actor;
}

export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  PrismaTypes: PrismaTypes;
  AuthScopes: { account: boolean; anyPrincipal: boolean };
  AuthContexts: { account: AuthenticatedContext };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string | number };
  };
}>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, PrismaPlugin, RelayPlugin, DataloaderPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (context) => ({
      account: context.viewer !== null,
      anyPrincipal: context.principal !== null,
    }),
    unauthorizedError: (_parent, context) => unauthorizedError(context),
  },
  prisma: {
    client: (context) => context.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  relay: {
    // R15: both load through the types' visibility filters, one statement per type, at most MAX_NODE_IDS ids.
    nodeQueryOptions: {
      resolve: async (_root, args, context, info) => (await loadNodes([args.id], context, info))[0] as never,
    },
    nodesQueryOptions: {
      description: `At most ${MAX_NODE_IDS} ids; null in place of an id that does not exist or that you may not see.`,
      args: { ids: listLimit(MAX_NODE_IDS, "Global ids of the objects to fetch.") },
      resolve: async (_root, args, context, info) => (await loadNodes(args.ids, context, info)) as never,
    },
    clientMutationId: "omit",
    cursorType: "String",
    edgesFieldOptions: { nullable: false },
  },
  errors: { defaultTypes: [] },
});
