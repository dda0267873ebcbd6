// The node's metrics on the OpenTelemetry metrics SDK, rendered as Prometheus text for
// `/omnirelay/metrics` by the OpenTelemetry Prometheus serializer. Instruments are created on the
// contract's meters (OmniRelay.Core.Leadership, OmniRelay.Core.Gossip, OmniRelay.Transport.Http, ...;
// shard metrics, an extension, on OmniRelay.Mesh.Shards) under their Prometheus names, so the exposed
// names and label keys are the ones scrapers already read. The wrappers keep a small imperative API
// (`counter.inc`, `gauge.set/replace`, `histogram.observe`) for the call sites.
import type { Attributes, Counter as OtelCounter, Histogram as OtelHistogram, Meter } from '@opentelemetry/api';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { defaultResource, type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, InstrumentType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

type Labels = Readonly<Record<string, string>>;

/** Meter (instrumentation scope) names: the contract's, plus the extensions' own. */
export const METERS = {
  leadership: 'OmniRelay.Core.Leadership',
  gossip: 'OmniRelay.Core.Gossip',
  peers: 'OmniRelay.Core.Peers',
  http: 'OmniRelay.Transport.Http',
  rpc: 'OmniRelay.Rpc',
  shards: 'OmniRelay.Mesh.Shards',
  /** Other extension metrics (mesh_*): the tracer's name too. */
  mesh: 'OmniRelay.Mesh',
  /** Process and etcd gateway metrics: not part of the contract. */
  process: 'relay-node',
} as const;

/** The meter a metric belongs to when the caller does not name one, by its name's prefix. */
export function meterFor(name: string): string {
  if (name.startsWith('mesh_leadership_')) return METERS.leadership;
  if (name.startsWith('mesh_gossip_')) return METERS.gossip;
  if (name.startsWith('mesh_shard_')) return METERS.shards;
  if (name.startsWith('omnirelay_http_')) return METERS.http;
  if (name.startsWith('rpc_')) return METERS.rpc;
  if (name.startsWith('mesh_')) return METERS.mesh;
  return METERS.process;
}

/** Series per metric before the SDK folds new label sets into an overflow series (its default is 2000). */
const CARDINALITY_LIMIT = 100_000;

/**
 * A pull reader: collects when the metrics route is scraped. Counters and histograms are cumulative
 * (Prometheus semantics); observable gauges are collected as delta so that a series the gauge no
 * longer reports (e.g. a gossip status with no members left) disappears instead of keeping its
 * last value, as the SDK does for cumulative asynchronous instruments.
 */
class ScrapeReader extends MetricReader {
  constructor() {
    super({
      aggregationTemporalitySelector: (type) => (type === InstrumentType.OBSERVABLE_GAUGE ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE),
      cardinalitySelector: () => CARDINALITY_LIMIT,
    });
  }

  protected override async onShutdown(): Promise<void> {}

  protected override async onForceFlush(): Promise<void> {}
}

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {}
}

export class Counter extends Metric {
  private readonly instrument: OtelCounter<Attributes>;

  constructor(meter: Meter, name: string, help: string) {
    super(name, help, 'counter');
    this.instrument = meter.createCounter(name, { description: help });
  }

  /** `by` 0 creates the series with value 0 (zero-valued series scrapers can rely on). */
  inc(labels: Labels = {}, by = 1): void {
    this.instrument.add(by, labels);
  }
}

/** An observable gauge backed by the last value set per label set. */
export class Gauge extends Metric {
  private readonly series = new Map<string, { labels: Labels; value: number }>();

  constructor(meter: Meter, name: string, help: string) {
    super(name, help, 'gauge');
    meter.createObservableGauge(name, { description: help }).addCallback((result) => {
      for (const { labels, value } of this.series.values()) result.observe(value, labels);
    });
  }

  set(labels: Labels, value: number): void {
    this.series.set(seriesKey(labels), { labels, value });
  }

  /** Replaces every series, for gauges recomputed from a snapshot at scrape time. */
  replace(values: ReadonlyArray<[Labels, number]>): void {
    this.series.clear();
    for (const [labels, value] of values) this.set(labels, value);
  }
}

/** An explicit-bucket histogram: cumulative `_bucket{le}` series plus `_sum` and `_count` in Prometheus text. */
export class Histogram extends Metric {
  private readonly instrument: OtelHistogram<Attributes>;

  constructor(
    meter: Meter,
    name: string,
    help: string,
    readonly buckets: readonly number[],
  ) {
    super(name, help, 'histogram');
    this.instrument = meter.createHistogram(name, { description: help, advice: { explicitBucketBoundaries: [...buckets] } });
  }

  observe(labels: Labels, value: number): void {
    this.instrument.record(value, labels);
  }
}

export class MetricsRegistry {
  private readonly reader = new ScrapeReader();
  private readonly provider = new MeterProvider({ resource: describe({}), readers: [this.reader] });
  private readonly collectors: Array<() => void> = [];
  // No otel_scope_* labels: the exposed label keys are exactly the ones the instruments record.
  private readonly serializer = new PrometheusSerializer(undefined, false, undefined, false, true);
  private resource: Resource = describe({});

  /**
   * The resource exposed as Prometheus `target_info` (service.name, service.instance.id, ...). Settable
   * after construction, so that RelayMetrics's instruments can stay field initializers.
   */
  setResource(attributes: Attributes): void {
    this.resource = describe(attributes);
  }

  meter(name: string): Meter {
    return this.provider.getMeter(name);
  }

  counter(name: string, help: string, meter = meterFor(name)): Counter {
    return new Counter(this.meter(meter), name, help);
  }

  gauge(name: string, help: string, meter = meterFor(name)): Gauge {
    return new Gauge(this.meter(meter), name, help);
  }

  histogram(name: string, help: string, buckets: readonly number[], meter = meterFor(name)): Histogram {
    return new Histogram(this.meter(meter), name, help, buckets);
  }

  /** Runs before each scrape (for gauges derived from live state). */
  onCollect(collector: () => void): void {
    this.collectors.push(collector);
  }

  /** Prometheus text (format 0.0.4) of everything recorded so far. */
  async render(): Promise<string> {
    for (const collect of this.collectors) collect();
    const { resourceMetrics } = await this.reader.collect();
    const text = this.serializer.serialize({ ...resourceMetrics, resource: this.resource });
    return text.endsWith('\n') ? text : `${text}\n`;
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

export interface RelayMetricsOptions {
  resource?: Attributes;
  /** Reported as process_start_time_seconds; default: this process's start. */
  startTimeSeconds?: number;
}

/** This process's start, in unix seconds (millisecond precision). */
export function processStartSeconds(): number {
  return Math.round(performance.timeOrigin) / 1000;
}

/** The node's metrics, created once and shared by the components that record them. */
export class RelayMetrics {
  readonly registry = new MetricsRegistry();
  readonly processStartTime = this.registry.gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', METERS.process);
  readonly leadershipTransitions = this.registry.counter(
    'mesh_leadership_transitions_total',
    'Leadership events observed by this node (mesh.scope, mesh.scope_kind, mesh.leader, mesh.transition).',
    METERS.leadership,
  );
  readonly leadershipElectionDuration = this.registry.histogram(
    'mesh_leadership_election_duration_ms',
    'Time from a scope becoming vacant (as this node observed it) to a holder being observed or elected, in milliseconds.',
    [50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000],
    METERS.leadership,
  );
  readonly leadershipSplitBrain = this.registry.counter(
    'mesh_leadership_split_brain_total',
    'Times this node saw two different holders with unexpired leases for one scope in one observation.',
    METERS.leadership,
  );
  readonly gossipMembers = this.registry.gauge('mesh_gossip_members', 'Gossip members by status, this node included.', METERS.gossip);
  readonly gossipMessages = this.registry.counter(
    'mesh_gossip_messages_total',
    'Gossip messages by direction (inbound|outbound) and outcome (success|failure|rejected).',
    METERS.gossip,
  );
  readonly gossipRtt = this.registry.gauge('mesh_gossip_rtt_ms', 'Last measured gossip round trip per peer, in milliseconds.', METERS.gossip);
  readonly gossipViewSize = this.registry.gauge('mesh_gossip_view_size', 'Members known to this node, itself excluded.', METERS.gossip);
  readonly gossipFanout = this.registry.gauge('mesh_gossip_fanout', 'Targets contacted in the last gossip round.', METERS.gossip);
  readonly httpRequestsStarted = this.registry.counter('omnirelay_http_requests_started_total', 'Unary RPC requests started by the HTTP inbound.', METERS.http);
  readonly httpRequestsCompleted = this.registry.counter(
    'omnirelay_http_requests_completed_total',
    'Unary RPC requests completed by the HTTP inbound, by procedure, status code and outcome.',
    METERS.http,
  );
  readonly httpRequestDuration = this.registry.histogram(
    'omnirelay_http_request_duration_ms',
    'Unary RPC requests by the HTTP inbound, from the first byte to the answer, by procedure and outcome, in milliseconds.',
    [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    METERS.http,
  );
  // The chaos environment's alert rules and dashboards (docker/chaos) query these three.
  readonly leadershipHeld = this.registry.gauge(
    'mesh_leadership_is_leader',
    'Per leadership scope this node campaigns for or holds (mesh_scope, mesh_scope_kind): 1 while it holds the lease by its own clock, else 0. Two nodes at 1 for one scope is split brain.',
    METERS.leadership,
  );
  readonly leadershipTerm = this.registry.gauge(
    'mesh_leadership_term',
    "The term of each scope's holder as this node sees it (mesh_scope, mesh_leader).",
    METERS.leadership,
  );
  readonly certificateExpiry = this.registry.gauge(
    'mesh_tls_certificate_expiry_timestamp_seconds',
    "When this node's current gossip certificate expires, in unix seconds (absent until it enrolled).",
    METERS.gossip,
  );
  readonly etcdRequests = this.registry.counter('relay_etcd_requests_total', 'etcd gateway calls by operation and outcome.', METERS.process);
  // Backpressure (feature:mesh-backpressure, docs/backpressure.md).
  readonly backpressureRejections = this.registry.counter(
    'mesh_backpressure_rejections_total',
    "Calls this node's budgets refused with 429, by mesh_scope (shard|node) and mesh_region.",
  );
  readonly backpressureTransitions = this.registry.counter(
    'mesh_backpressure_transitions_total',
    "Changes of this node's pressure level, by the new mesh_level (ok|elevated|saturated) and mesh_region.",
  );
  readonly backpressureThrottled = this.registry.counter(
    'mesh_backpressure_throttled_total',
    "Calls this node shed as ingress for a pressured owner in another region, by mesh_origin_region (the owner's) and mesh_region.",
  );

  constructor(options: RelayMetricsOptions = {}) {
    if (options.resource) this.registry.setResource(options.resource);
    this.processStartTime.set({}, options.startTimeSeconds ?? processStartSeconds());
  }
}

function describe(attributes: Attributes): Resource {
  return defaultResource().merge(resourceFromAttributes({ 'service.name': 'relay-node', ...attributes }));
}

function seriesKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
