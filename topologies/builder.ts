// A fluent topology builder in the testcontainers style: each `with…` returns the builder, `build()`
// validates against the schema and returns an immutable Topology.
import {
  CLIENTS,
  GLOBAL_SCOPE,
  regionScope,
  validateTopology,
  type LinkInput,
  type Mode,
  type NodeInput,
  type Role,
  type ShardSettings,
  type Timers,
  type Topology,
  type TopologyInput,
} from './schema';

/** Short timers: scenarios converge in seconds, with margin for a busy 2-core machine. */
export const FAST_TIMERS: Timers = {
  leaseTtlMs: 3_000,
  electionIntervalMs: 250,
  electionWindowMs: 5_000,
  gossipIntervalMs: 250,
  gossipFanout: 3,
  suspicionMs: 2_000,
  leftMs: 5_000,
  etcdHeartbeatMs: 100,
  etcdElectionMs: 1_000,
  forwardTimeoutMs: 2_000,
};

/** The cluster id a topology gets unless it names one: its name in kebab case (`ShardRing` → `shard-ring`). */
export function clusterIdFor(name: string): string {
  return name
    .replace(/([a-z])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .slice(0, 32)
    .replace(/-+$/, '');
}

export class TopologyBuilder {
  private readonly draft: {
    name: string;
    clusterId: string;
    regions: string[];
    nodes: NodeInput[];
    etcd: TopologyInput['etcd'];
    timers: Timers;
    links: LinkInput[];
    shards: Partial<ShardSettings>;
  };

  constructor(name: string) {
    this.draft = { name, clusterId: clusterIdFor(name), regions: [], nodes: [], etcd: [], timers: { ...FAST_TIMERS }, links: [], shards: {} };
  }

  withRegion(name: string): this {
    this.draft.regions.push(name);
    return this;
  }

  /** `mode` defaults to `Edge` for role `edge` and `InProc` otherwise. */
  withNode(id: string, region: string, role: Role, eligible: string[] = [], mode?: Mode): this {
    this.draft.nodes.push({ id, region, role, eligible, ...(mode ? { mode } : {}) });
    return this;
  }

  /** A node eligible to lead the cluster (`global-control`). */
  withGlobalNode(id: string, region: string): this {
    return this.withNode(id, region, 'global', [GLOBAL_SCOPE]);
  }

  /** A node eligible to lead its region (`region/<name>`). */
  withRegionalNode(id: string, region: string): this {
    return this.withNode(id, region, 'regional', [regionScope(region)]);
  }

  withReplica(id: string, region: string, eligible: string[] = []): this {
    return this.withNode(id, region, 'replica', eligible);
  }

  /** An edge ingress node (role `edge`, mode `Edge`): where clients enter a region. */
  withEdgeNode(id: string, region: string): this {
    return this.withNode(id, region, 'edge', [], 'Edge');
  }

  withEtcdMember(id: string, region: string): this {
    this.draft.etcd.push({ id, region });
    return this;
  }

  /**
   * A path routed through the fault proxy: `from` is a region or `"clients"`, `to` a region. The cluster
   * fixture starts the proxy and routes the path through it (support/cluster/peer-links.ts).
   */
  withLink(from: string, to: string, opts: { bidirectional?: boolean } = {}): this {
    this.draft.links.push({ from, to, through: 'proxy', bidirectional: opts.bidirectional ?? false });
    return this;
  }

  /** `clients → region`: the region's ingress goes through the proxy. */
  withClientLink(region: string): this {
    return this.withLink(CLIENTS, region);
  }

  withTimers(timers: Partial<Timers>): this {
    Object.assign(this.draft.timers, timers);
    return this;
  }

  /** Shard settings (namespace, strategy, replicas, per-shard QPS budget); unset fields keep their defaults. */
  withShards(settings: Partial<ShardSettings>): this {
    Object.assign(this.draft.shards, settings);
    return this;
  }

  build(): Topology {
    return validateTopology(this.draft, `topology "${this.draft.name}"`);
  }
}
