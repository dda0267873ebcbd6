// A fluent topology builder in the testcontainers style: each `with…` returns the builder, `build()`
// validates against the schema and returns an immutable Topology.
import { GLOBAL_SCOPE, regionScope, validateTopology, type Role, type Timers, type Topology, type TopologyInput } from './schema';

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
};

export class TopologyBuilder {
  private readonly draft: { name: string; clusterId: string; regions: string[]; nodes: NonNullable<TopologyInput['nodes']>; etcd: TopologyInput['etcd']; timers: Timers };

  constructor(name: string) {
    this.draft = { name, clusterId: name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase().slice(0, 32), regions: [], nodes: [], etcd: [], timers: { ...FAST_TIMERS } };
  }

  withRegion(name: string): this {
    this.draft.regions.push(name);
    return this;
  }

  withNode(id: string, region: string, role: Role, eligible: string[] = []): this {
    this.draft.nodes.push({ id, region, role, eligible });
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

  withReplica(id: string, region: string): this {
    return this.withNode(id, region, 'replica');
  }

  withEtcdMember(id: string, region: string): this {
    this.draft.etcd.push({ id, region });
    return this;
  }

  withTimers(timers: Partial<Timers>): this {
    Object.assign(this.draft.timers, timers);
    return this;
  }

  build(): Topology {
    return validateTopology(this.draft, `topology "${this.draft.name}"`);
  }
}
