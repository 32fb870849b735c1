import { getOperationAST, Kind, type DocumentNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GatewayContext } from "../context";
import type { Logger } from "../logger";
import { REQUEST_ID_HEADER, requestIdFrom } from "./request-id";
import type { Tracing } from "./tracing";

function requestIdFor(request: Request): string {
  return requestIdFrom(request.headers.get(REQUEST_ID_HEADER));
}

interface RequestRecord {
  id: string;
  started: number;
  operationName?: string;
  operationType?: string;
  principalId?: string;
}

export interface RequestObservabilityOptions {
  log: Logger;
  /** Traces requests, GraphQL operations, resolvers and database queries when given (see tracing.ts). */
  tracing?: Pick<Tracing, "gatewayPlugins">;
}

function principalIdOf(principal: GatewayContext["principal"]): string | undefined {
  if (!principal) return undefined;
  return principal.kind === "ACCOUNT" ? principal.account.id : principal.token.id;
}

/**
 * One structured log line per request, and its request id on every response (`X-Request-Id`, the caller's when
 * well-formed). The line names the method, the path (never the query string), the GraphQL operation's name and
 * type, the status, the duration and the principal's id — never a header value, a cookie, a token, a SAML payload
 * or GraphQL variables. Registered first, so that responses ended early by a later plugin (limits, refusals, the
 * SSO and operational routes) are logged and carry the id too.
 */
export function useRequestObservability({ log, tracing }: RequestObservabilityOptions): Plugin<GatewayContext>[] {
  const records = new WeakMap<Request, RequestRecord>();
  const requestLog: Plugin<GatewayContext> = {
    onRequest({ request }) {
      records.set(request, { id: requestIdFor(request), started: performance.now() });
    },
    onParams({ params, request }) {
      const record = records.get(request);
      if (record && typeof params.operationName === "string") record.operationName = params.operationName;
    },
    // Once parsed (also when validation then refuses it): which operation the request runs.
    onParse({ context }) {
      return ({ result }) => {
        const record = records.get(context.request);
        if (!record || !result || !("kind" in result) || result.kind !== Kind.DOCUMENT) return;
        const operation = getOperationAST(result as DocumentNode, record.operationName);
        record.operationType = operation?.operation;
        record.operationName = operation?.name?.value ?? record.operationName;
      };
    },
    onExecute({ args }) {
      const record = records.get(args.contextValue.request);
      if (record) record.principalId = principalIdOf(args.contextValue.principal);
    },
    onResponse({ request, response }) {
      const record = records.get(request);
      if (!record) return;
      response.headers.set(REQUEST_ID_HEADER, record.id);
      const path = new URL(request.url).pathname;
      log.info(
        {
          requestId: record.id,
          method: request.method,
          path,
          operationName: record.operationName,
          operationType: record.operationType,
          status: response.status,
          durationMs: Math.round((performance.now() - record.started) * 10) / 10,
          principalId: record.principalId,
        },
        "request",
      );
    },
  };
  // After the request log: the tracing plugins read the request id it sets on the response.
  return [requestLog, ...(tracing?.gatewayPlugins() ?? [])];
}
