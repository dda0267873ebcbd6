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
    readonly type: "counter" | "gauge" | "histogram",
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

/** Cumulative buckets plus `_sum` and `_count`, as Prometheus histograms are exposed. */
export class Histogram extends Metric {
  private readonly observations = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  constructor(
    name: string,
    help: string,
    readonly buckets: readonly number[],
  ) {
    super(name, help, "histogram");
  }

  observe(labels: Labels, value: number): void {
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
    let entry = this.observations.get(key);
    if (!entry) {
      entry = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.observations.set(key, entry);
    }
    this.buckets.forEach((bound, i) => {
      if (value <= bound) entry.counts[i] = (entry.counts[i] ?? 0) + 1;
    });
    entry.sum += value;
    entry.count += 1;
  }

  override render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, counts, sum, count } of this.observations.values()) {
      const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
      const with_ = (extra: string): string => `{${[...pairs, ...(extra ? [extra] : [])].join(",")}}`;
      this.buckets.forEach((bound, i) => lines.push(`${this.name}_bucket${with_(`le="${formatValue(bound)}"`)} ${counts[i] ?? 0}`));
      lines.push(`${this.name}_bucket${with_('le="+Inf"')} ${count}`);
      lines.push(`${this.name}_sum${pairs.length ? `{${pairs.join(",")}}` : ""} ${formatValue(sum)}`);
      lines.push(`${this.name}_count${pairs.length ? `{${pairs.join(",")}}` : ""} ${count}`);
    }
    return lines.join("\n");
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

  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
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
  readonly leadershipElectionDuration = this.registry.histogram(
    "mesh_leadership_election_duration_ms",
    "Time from a scope becoming vacant (as this node observed it) to a holder being observed or elected, in milliseconds.",
    [50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000],
  );
  readonly leadershipSplitBrain = this.registry.counter(
    "mesh_leadership_split_brain_total",
    "Times this node saw two different holders with unexpired leases for one scope in one observation.",
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
