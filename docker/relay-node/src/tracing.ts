// Spans over OTLP/HTTP (extension `feature:mesh-shard-telemetry`), with the OpenTelemetry trace SDK:
// tracer `OmniRelay.Mesh`, resource service.name=relay-node, service.instance.id=<node id>,
// mesh.region=<region>. Enabled only when RELAY_OTLP_ENDPOINT is set; spans are batched (200 ms) and
// sent as OTLP/JSON to `<endpoint>/v1/traces`. Components take an optional `Tracer` and record
// nothing without one.
import type { Attributes, Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { clock } from './clock';

export const TRACER_NAME = 'OmniRelay.Mesh';

export const SPAN_NAMES = {
  leadershipTransition: 'mesh.leadership.transition',
  shardMove: 'mesh.shard.move',
  failover: 'mesh.failover',
} as const;

/** How long finished spans wait before being sent (a test sees them within a second). */
export const SCHEDULED_DELAY_MS = 200;

export function meshResourceAttributes(nodeId: string, region: string): Attributes {
  return { 'service.name': 'relay-node', 'service.instance.id': nodeId, 'mesh.region': region };
}

export interface Tracing {
  /** Undefined when tracing is disabled (no RELAY_OTLP_ENDPOINT). */
  readonly tracer: Tracer | undefined;
  /** Sends what is buffered and stops; bounded by `timeoutMs` (a receiver that is gone must not hold up exit). */
  shutdown(timeoutMs?: number): Promise<void>;
}

export interface TracingOptions {
  /** Base URL of an OTLP/HTTP receiver, e.g. http://otlp-receiver:4318; undefined disables tracing. */
  endpoint: string | undefined;
  nodeId: string;
  region: string;
  /** Tests: replaces the batch processor and OTLP exporter. */
  processor?: SpanProcessor;
}

export function createTracing(options: TracingOptions): Tracing {
  if (options.endpoint === undefined && options.processor === undefined) {
    return { tracer: undefined, shutdown: async () => undefined };
  }
  const processor =
    options.processor ??
    new BatchSpanProcessor({
      exporter: new OTLPTraceExporter({ url: tracesUrl(options.endpoint!), timeoutMillis: 2000 }),
      scheduledDelayMillis: SCHEDULED_DELAY_MS,
      maxQueueSize: 8192,
      maxExportBatchSize: 512,
    });
  const provider = new TracerProvider({
    resource: defaultResource().merge(resourceFromAttributes(meshResourceAttributes(options.nodeId, options.region))),
    spanProcessors: [processor],
  });
  return {
    tracer: provider.getTracer(TRACER_NAME),
    async shutdown(timeoutMs = 1000) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      });
      await Promise.race([provider.shutdown().catch(() => undefined), deadline]);
      clearTimeout(timer);
    },
  };
}

/** `<base>/v1/traces` (the OTLP/HTTP path for traces). */
export function tracesUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

/** Records an instantaneous span (start = end = `at`), or one from `start` to `at`. */
export function recordSpan(tracer: Tracer | undefined, name: string, attributes: Attributes, times: { start?: number; end?: number } = {}): void {
  if (!tracer) return;
  // Dates, not numbers: the SDK reads a number below the process's time origin as performance.now().
  const end = new Date(times.end ?? clock.now());
  const span = tracer.startSpan(name, { attributes, startTime: times.start === undefined ? end : new Date(times.start) });
  span.end(end);
}
