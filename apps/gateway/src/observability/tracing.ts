import { useOpenTelemetry } from "@envelop/opentelemetry";
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type Tracer, type TracerProvider } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { PrismaInstrumentation, registerInstrumentations } from "@prisma/instrumentation";
import { traceDirectReads } from "@sso-cutover/db";
import type { Plugin } from "graphql-yoga";
import type { GatewayContext } from "../context";
import { REQUEST_ID_HEADER } from "./request-id";

// This module is loaded only when tracing is configured (main.ts, OTEL_EXPORTER_OTLP_ENDPOINT): OpenTelemetry's SDK
// takes about a second to load, which a server without a collector never pays.

export interface Tracing {
  tracerProvider: TracerProvider;
  /** The gateway's tracing plugins: the HTTP span, and the GraphQL operation and resolver spans under it. */
  gatewayPlugins(): Plugin<GatewayContext>[];
  /** Sends the spans still buffered. */
  flush(): Promise<void>;
  /** Sends the spans still buffered and stops tracing (at shutdown). */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  exporter: SpanExporter;
  serviceName?: string;
  /** Export each span as it ends (tests) rather than in batches (production). */
  exportEachSpan?: boolean;
}

/**
 * Starts OpenTelemetry tracing for this process: a tracer provider exporting to `exporter`, W3C trace context
 * (`traceparent`) propagation, the async-local context that carries the current span through awaits, and Prisma's
 * instrumentation, whose `prisma:client:db_query` spans (SQL text with placeholders, never values) nest under the
 * request and the GraphQL operation that ran them; the hand-written reads sent straight to the pool are `db_query`
 * spans, alike.
 */
export function startTracing({ exporter, serviceName = "sso-cutover", exportEachSpan = false }: TracingOptions): Tracing {
  const tracerProvider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors: [exportEachSpan ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)],
  });
  // Global: the async-local context manager, the W3C propagator and the provider Prisma's instrumentation reads.
  tracerProvider.register();
  const unregister = registerInstrumentations({ tracerProvider, instrumentations: [new PrismaInstrumentation()] });
  // The reads sent straight to the pool (`readRows`), which Prisma's instrumentation does not see.
  traceDirectReads(tracerProvider);
  return {
    tracerProvider,
    gatewayPlugins: () => [
      useHttpSpan(tracerProvider.getTracer("sso-cutover-gateway")),
      // Operation and resolver spans (trivial property reads excepted); never variables or results.
      useOpenTelemetry(
        { resolvers: true, defaultResolvers: false, variables: false, result: false },
        withoutResolverArguments(tracerProvider),
      ) as Plugin<GatewayContext>,
    ],
    flush: () => tracerProvider.forceFlush(),
    async shutdown() {
      unregister();
      traceDirectReads(null);
      await tracerProvider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/**
 * Tracing to an OTLP/HTTP collector when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the exporter reads it and the other
 * standard `OTEL_EXPORTER_OTLP_*` variables itself); null when it is not.
 */
export async function startOtlpTracing(environment: NodeJS.ProcessEnv = process.env): Promise<Tracing | null> {
  if (!environment.OTEL_EXPORTER_OTLP_ENDPOINT && !environment.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return null;
  const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
  return startTracing({ exporter: new OTLPTraceExporter(), serviceName: environment.OTEL_SERVICE_NAME || undefined });
}

/**
 * The HTTP server span: continues the caller's trace (`traceparent`) and is the active span while the request is
 * handled, so the GraphQL operation's span, and the database queries, are its descendants.
 */
function useHttpSpan(tracer: Tracer): Plugin<GatewayContext> {
  const spans = new WeakMap<Request, Span>();
  const fail = (span: Span, error: unknown) => {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
  };
  return {
    instrumentation: {
      request({ request }, wrapped) {
        const parent = propagation.extract(ROOT_CONTEXT, request.headers, {
          get: (headers, key) => headers.get(key) ?? undefined,
          keys: (headers) => [...headers.keys()],
        });
        const path = new URL(request.url).pathname;
        const span = tracer.startSpan(
          `${request.method} ${path}`,
          { kind: SpanKind.SERVER, attributes: { "http.request.method": request.method, "url.path": path } },
          parent,
        );
        spans.set(request, span);
        return context.with(trace.setSpan(parent, span), () => {
          try {
            const done = wrapped();
            if (done instanceof Promise) {
              return done.then(
                () => span.end(),
                (error: unknown) => {
                  fail(span, error);
                  span.end();
                  throw error;
                },
              );
            }
            span.end();
            return done;
          } catch (error) {
            fail(span, error);
            span.end();
            throw error;
          }
        });
      },
    },
    onResponse({ request, response }) {
      const span = spans.get(request);
      if (!span) return;
      span.setAttribute("http.response.status_code", response.status);
      const requestId = response.headers.get(REQUEST_ID_HEADER);
      if (requestId) span.setAttribute("http.request.id", requestId);
      if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    },
  };
}

const RESOLVER_ARGUMENTS = "graphql.resolver.args";

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
