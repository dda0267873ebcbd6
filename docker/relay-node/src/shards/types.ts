// The seam between the shard map (control side: computed by the global leader, published in etcd,
// cached by every node) and the shard data plane (stores, replication, handover). Shapes on the
// wire follow the contract (§4); `replicas` and `fenceToken` are extensions (feature:mesh-replicas).

/** Contract §4: statuses are integers on the wire. */
export const SHARD_STATUS = { Active: 0, Draining: 1, Paused: 2, Disabled: 3 } as const;
export type ShardStatus = (typeof SHARD_STATUS)[keyof typeof SHARD_STATUS];

export interface ShardRecord {
  namespace: string;
  shardId: string;
  strategyId: string;
  ownerNodeId: string;
  leaderId?: string;
  capacityHint: number;
  status: ShardStatus;
  /** The map version at which this record last changed (any field). */
  version: number;
  /** Hex digest of the record's routing fields (owner, replicas, status, fence). */
  checksum: string;
  updatedAt: string;
  /** Why it last changed, e.g. `rebalance-3`, `membership`, `drain:<node>`. */
  changeTicket?: string;
  /** Extension: nodes holding a synchronous copy, in preference order (the owner excluded). */
  replicas: string[];
  /** Extension: rises only when the owner changes; replicas refuse writes carrying an older one. */
  fenceToken: number;
}

/** One published version of a namespace's map (the etcd value). */
export interface ShardMap {
  namespace: string;
  version: number;
  strategyId: string;
  records: ShardRecord[];
  /** Operator and rebalance moves that override the strategy while the named node is eligible. */
  overrides: Record<string, string>;
  publishedBy: string;
  publishedAt: string;
}

/** A node's cached view of the published map (provided by the control side). */
export interface ShardMapView {
  current(): ShardMap | undefined;
  record(shardId: string): ShardRecord | undefined;
  /** Called after every version change this node observes, with the previous map (if any). */
  onChange(listener: (map: ShardMap, previous: ShardMap | undefined) => void): void;
  /** Re-reads the map from etcd now (linearizable); resolves to what it read, or undefined if unreachable. */
  refresh(): Promise<ShardMap | undefined>;
}

/** `POST /mesh/shards/handover` (global leader → current owner): hand `shardId` to `to` at `fenceToken`. */
export interface HandoverRequest {
  namespace: string;
  shardId: string;
  to: string;
  fenceToken: number;
  ticket: string;
}

export interface HandoverResult {
  shardId: string;
  from: string;
  to: string;
  fenceToken: number;
  /** The last applied log index handed over. */
  index: number;
  /** Calls that arrived during the handover and were passed on to the new owner. */
  heldCalls: number;
  ms: number;
}

/** `GET /control/shards/load`: what this node serves, for the leader's budget checks and for evidence. */
export interface ShardLoadReport {
  nodeId: string;
  /** Per-shard QPS budget (0: no budget). */
  budgetQps: number;
  /** Calls per second over the last second, all shards this node serves as owner. */
  totalQps: number;
  shards: { shardId: string; qps: number; inFlight: number; role: 'owner' | 'replica' }[];
}
