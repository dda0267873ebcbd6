// Hand-written Prometheus text exposition (no client library: the node bundles Node built-ins only).
// Names follow the contract's OpenTelemetry meters with dots turned into underscores.
type Labels = Readonly<Record<string, string>>;

interface Series {
  labels: Labels;
  value: number;
}

abstract class Metric {
  protected readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge",
  ) {}

  protected entry(labels: Labels): Series {
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
    let series = this.series.get(key);
    if (!series) {
      series = { labels, value: 0 };
      this.series.set(key, series);
    }
    return series;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, value } of this.series.values()) {
      const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
      lines.push(`${this.name}${pairs.length ? `{${pairs.join(",")}}` : ""} ${formatValue(value)}`);
    }
    return lines.join("\n");
  }
}

export class Counter extends Metric {
  constructor(name: string, help: string) {
    super(name, help, "counter");
  }

  inc(labels: Labels = {}, by = 1): void {
    this.entry(labels).value += by;
  }
}

export class Gauge extends Metric {
  constructor(name: string, help: string) {
    super(name, help, "gauge");
  }

  set(labels: Labels, value: number): void {
    this.entry(labels).value = value;
  }

  /** Replaces every series, for gauges recomputed from a snapshot at scrape time. */
  replace(values: ReadonlyArray<[Labels, number]>): void {
    this.series.clear();
    for (const [labels, value] of values) this.set(labels, value);
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];
  private readonly collectors: Array<() => void> = [];

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }

  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help));
  }

  /** Runs before each scrape (for gauges derived from live state). */
  onCollect(collector: () => void): void {
    this.collectors.push(collector);
  }

  render(): string {
    for (const collect of this.collectors) collect();
    return `${this.metrics.map((m) => m.render()).join("\n")}\n`;
  }

  private add<T extends Metric>(metric: T): T {
    this.metrics.push(metric);
    return metric;
  }
}

/** The node's metrics, created once and shared by the components that record them. */
export class RelayMetrics {
  readonly registry = new MetricsRegistry();
  readonly leadershipTransitions = this.registry.counter(
    "mesh_leadership_transitions_total",
    "Leadership events observed by this node (mesh.scope, mesh.scope_kind, mesh.leader, mesh.transition).",
  );
  readonly gossipMembers = this.registry.gauge("mesh_gossip_members", "Gossip members by status, this node included.");
  readonly gossipMessages = this.registry.counter(
    "mesh_gossip_messages_total",
    "Gossip messages by direction (inbound|outbound) and outcome (success|failure|rejected).",
  );
  readonly gossipRtt = this.registry.gauge("mesh_gossip_rtt_ms", "Last measured gossip round trip per peer, in milliseconds.");
  readonly gossipViewSize = this.registry.gauge("mesh_gossip_view_size", "Members known to this node, itself excluded.");
  readonly gossipFanout = this.registry.gauge("mesh_gossip_fanout", "Targets contacted in the last gossip round.");
  readonly httpRequestsStarted = this.registry.counter(
    "omnirelay_http_requests_started_total",
    "Unary RPC requests started by the HTTP inbound.",
  );
  readonly httpRequestsCompleted = this.registry.counter(
    "omnirelay_http_requests_completed_total",
    "Unary RPC requests completed by the HTTP inbound, by procedure, status code and outcome.",
  );
  readonly etcdRequests = this.registry.counter("relay_etcd_requests_total", "etcd gateway calls by operation and outcome.");
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
