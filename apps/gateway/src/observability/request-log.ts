import { useOpenTelemetry } from "@envelop/opentelemetry";
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type Tracer, type TracerProvider } from "@opentelemetry/api";
import { getOperationAST, type DocumentNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GatewayContext } from "../context";
import type { Logger } from "../logger";
import { REQUEST_ID_HEADER, requestIdFrom } from "./request-id";

function requestIdFor(request: Request): string {
  return requestIdFrom(request.headers.get(REQUEST_ID_HEADER));
}

interface RequestRecord {
  id: string;
  started: number;
  operationName?: string;
  operationType?: string;
  principalId?: string;
  span?: Span;
}

export interface RequestObservabilityOptions {
  log: Logger;
  /** Traces requests, GraphQL operations, resolvers and database queries when given (see tracing.ts). */
  tracerProvider?: TracerProvider;
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
export function useRequestObservability({ log, tracerProvider }: RequestObservabilityOptions): Plugin<GatewayContext>[] {
  const records = new WeakMap<Request, RequestRecord>();
  const tracer = tracerProvider?.getTracer("sso-cutover-gateway");
  const requestLog: Plugin<GatewayContext> = {
    onRequest({ request }) {
      // The HTTP span (when tracing) was created around this request; otherwise the record starts here.
      if (!records.has(request)) records.set(request, { id: requestIdFor(request), started: performance.now() });
    },
    onParams({ params, request }) {
      const record = records.get(request);
      if (record && typeof params.operationName === "string") record.operationName = params.operationName;
    },
    onExecute({ args }) {
      const record = records.get(args.contextValue.request);
      if (!record) return;
      const operation = getOperationAST(args.document as DocumentNode, args.operationName);
      record.operationType = operation?.operation;
      record.operationName = operation?.name?.value ?? record.operationName;
      record.principalId = principalIdOf(args.contextValue.principal);
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
      if (record.span) {
        record.span.setAttribute("http.response.status_code", response.status);
        if (record.operationName) record.span.updateName(`${request.method} ${path} ${record.operationName}`);
        if (response.status >= 500) record.span.setStatus({ code: SpanStatusCode.ERROR });
      }
    },
  };
  if (!tracer || !tracerProvider) return [requestLog];
  // Operation and resolver spans (trivial property reads excepted); never variables or results.
  const graphqlSpans = useOpenTelemetry(
    { resolvers: true, defaultResolvers: false, variables: false, result: false },
    withoutResolverArguments(tracerProvider),
  ) as Plugin<GatewayContext>;
  return [requestLog, useHttpSpan(tracer, records), graphqlSpans];
}

/**
 * The HTTP server span: continues the caller's trace (`traceparent`) and is the active span while the request is
 * handled, so the GraphQL operation's span, and the database queries under it, are its descendants.
 */
function useHttpSpan(tracer: Tracer, records: WeakMap<Request, RequestRecord>): Plugin<GatewayContext> {
  return {
    instrumentation: {
      request({ request }, wrapped) {
        const parent = propagation.extract(ROOT_CONTEXT, request.headers, {
          get: (headers, key) => headers.get(key) ?? undefined,
          keys: (headers) => [...headers.keys()],
        });
        const url = new URL(request.url);
        const record: RequestRecord = { id: requestIdFor(request), started: performance.now() };
        const span = tracer.startSpan(
          `${request.method} ${url.pathname}`,
          {
            kind: SpanKind.SERVER,
            attributes: { "http.request.method": request.method, "url.path": url.pathname, "http.request.id": record.id },
          },
          parent,
        );
        record.span = span;
        records.set(request, record);
        const fail = (error: unknown) => {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: SpanStatusCode.ERROR });
        };
        return context.with(trace.setSpan(parent, span), () => {
          try {
            const done = wrapped();
            if (done instanceof Promise) {
              return done.then(
                () => span.end(),
                (error: unknown) => {
                  fail(error);
                  span.end();
                  throw error;
                },
              );
            }
            span.end();
            return done;
          } catch (error) {
            fail(error);
            span.end();
            throw error;
          }
        });
      },
    },
  };
}

/**
 * The resolver spans of @envelop/opentelemetry carry each resolver's arguments as JSON; arguments can hold
 * personal data (emails, logins) that has no place in a trace store, so that attribute is dropped at the source.
 */
function withoutResolverArguments(provider: TracerProvider): TracerProvider {
  return {
    getTracer(name, version, options) {
      const tracer = provider.getTracer(name, version, options);
      return {
        startSpan(spanName, spanOptions, parentContext) {
          if (spanOptions?.attributes && RESOLVER_ARGUMENTS in spanOptions.attributes) {
            const { [RESOLVER_ARGUMENTS]: _dropped, ...attributes } = spanOptions.attributes;
            return tracer.startSpan(spanName, { ...spanOptions, attributes }, parentContext);
          }
          return tracer.startSpan(spanName, spanOptions, parentContext);
        },
        startActiveSpan: tracer.startActiveSpan.bind(tracer) as Tracer["startActiveSpan"],
      };
    },
  };
}

const RESOLVER_ARGUMENTS = "graphql.resolver.args";
