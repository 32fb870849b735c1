import { context, propagation, trace, type TracerProvider } from "@opentelemetry/api";
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { PrismaInstrumentation, registerInstrumentations } from "@prisma/instrumentation";

export interface Tracing {
  tracerProvider: TracerProvider;
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
 * GraphQL operation that ran them. Called only when tracing is configured: nothing here is loaded otherwise.
 */
export function startTracing({ exporter, serviceName = "sso-cutover", exportEachSpan = false }: TracingOptions): Tracing {
  const tracerProvider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors: [exportEachSpan ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)],
  });
  // Global: the async-local context manager, the W3C propagator and the provider Prisma's instrumentation reads.
  tracerProvider.register();
  const unregister = registerInstrumentations({ tracerProvider, instrumentations: [new PrismaInstrumentation()] });
  return {
    tracerProvider,
    flush: () => tracerProvider.forceFlush(),
    async shutdown() {
      unregister();
      await tracerProvider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/**
 * Tracing to an OTLP/HTTP collector when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the exporter reads it and the other
 * standard `OTEL_EXPORTER_OTLP_*` variables itself); null, at no cost, when it is not.
 */
export async function startOtlpTracing(environment: NodeJS.ProcessEnv = process.env): Promise<Tracing | null> {
  if (!environment.OTEL_EXPORTER_OTLP_ENDPOINT && !environment.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return null;
  const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
  return startTracing({ exporter: new OTLPTraceExporter(), serviceName: environment.OTEL_SERVICE_NAME || undefined });
}
