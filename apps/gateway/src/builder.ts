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
export const MAX_NODES_PER_REQUEST = 100;
import type PrismaTypes from "./generated/pothos-prisma-types";
import { getDatamodel } from "./generated/pothos-prisma-types";

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
    clientMutationId: "omit",
    cursorType: "String",
    edgesFieldOptions: { nullable: false },
    nodesQueryOptions: { args: { ids: listLimit(MAX_NODES_PER_REQUEST, "Global ids of the objects to fetch.") } },
  },
  errors: { defaultTypes: [] },
});
