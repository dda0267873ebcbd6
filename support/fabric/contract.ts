// The host contract as the suite reads it (../shared/reference/omnirelay-contract.md). Only fields the
// suite uses are typed; everything else is kept as evidence untouched.

export interface Readiness {
  status: 'ok' | 'unavailable';
  mode: 'live' | 'ready';
  issues: string[];
  activeRequests: number;
  draining: boolean;
}

export interface Introspection {
  service: string;
  status: string;
  mode: string;
  capabilities: string[];
  procedures: { unary: { name: string; encoding?: string }[] } & Record<string, unknown>;
  /** Extension (`feature:mesh-roles`). */
  mesh?: { nodeId: string; region: string; role: string; clusterId?: string; eligibleScopes?: string[] };
}

export type PeerStatus = 'Alive' | 'Suspect' | 'Left';

export interface PeerMetadata {
  role: string;
  clusterId: string;
  region: string;
  meshVersion?: string;
  endpoint?: string;
  metadataVersion?: number;
  labels?: Record<string, string>;
}

export interface Peer {
  nodeId: string;
  status: PeerStatus;
  lastSeen: string;
  rttMs?: number;
  metadata: PeerMetadata;
}

export interface PeersView {
  schemaVersion?: string | number;
  generatedAt: string;
  localNodeId: string;
  peers: Peer[];
}

export interface LeaseToken {
  scope: string;
  scopeKind: number;
  leaderId: string;
  term: number;
  fenceToken: number;
  issuedAt: string;
  expiresAt: string;
  labels?: Record<string, string>;
}

export interface LeadersView {
  generatedAt: string;
  tokens: LeaseToken[];
}

export interface RpcResponse {
  status: number;
  /** `Rpc-Status` when present (errors). */
  rpcStatus?: string;
  /** Extension header (`feature:mesh-roles`): the node that answered. */
  answeredBy?: string;
  headers: Record<string, string>;
  body: unknown;
}

/** Extension (`feature:mesh-promotion`): the answer to `POST /control/leaders/promote`. */
export interface Promotion {
  scope: string;
  previousLeaderId?: string;
  leaderId: string;
  term: number;
  fenceToken: number;
  method: 'released' | 'revoked' | 'vacant' | 'held';
  message?: string;
}

/** Extension headers and capability names the suite relies on (contract §8). */
export const EXT = {
  answeredByHeader: 'x-mesh-node',
  /** Geo affinity (feature:mesh-geo-affinity): the client's home region in, the serving region and the decision out. */
  homeRegionHeader: 'x-mesh-home-region',
  servedRegionHeader: 'x-mesh-served-region',
  /** Backpressure (feature:mesh-backpressure): on a 429, `<region>/<node>/<shardId>` of the pressured owner. */
  throttledHeader: 'x-mesh-throttled',
  capability: {
    roles: 'feature:mesh-roles',
    regionalLeaders: 'feature:mesh-regional-leaders',
    replicas: 'feature:mesh-replicas',
    rebalance: 'feature:mesh-rebalance',
  },
} as const;

// ── shards (contract §4; `replicas` and `fenceToken` are extensions, feature:mesh-replicas) ─────────

/** Contract §4: integers on the wire. */
export const SHARD_STATUS = { 0: 'Active', 1: 'Draining', 2: 'Paused', 3: 'Disabled' } as const;

export interface ShardRecord {
  namespace: string;
  shardId: string;
  strategyId: string;
  ownerNodeId: string;
  leaderId?: string;
  capacityHint: number;
  status: number;
  version: number;
  checksum: string;
  updatedAt: string;
  changeTicket?: string;
  replicas?: string[];
  fenceToken?: number;
}

/** `GET /control/shards`, every page gathered, plus the version header the node sent. */
export interface ShardsView {
  version: number;
  items: ShardRecord[];
}

/** Extension: `GET /control/shards/load`. */
export interface ShardLoad {
  nodeId: string;
  budgetQps: number;
  totalQps: number;
  shards: { shardId: string; qps: number; inFlight: number; role: 'owner' | 'replica' }[];
}

/** Extension: `GET /control/shards/state?shardId=`: one node's copy of one shard. */
export interface ShardCopy {
  nodeId: string;
  shardId: string;
  role: 'owner' | 'replica' | 'none';
  fenceToken: number;
  index: number;
  digest: string;
  data: unknown;
}

/** Extension (feature:mesh-singleton): `GET /control/singleton`, whether this node runs the singleton task. */
export interface SingletonView {
  nodeId: string;
  key: string;
  shardId: string;
  running: boolean;
  fence?: number;
  since?: number;
  beats: number;
}

/** Extension (feature:mesh-entity-traits): the answer to `POST /control/shards/evict`. */
export interface Eviction {
  nodeId: string;
  shardId: string;
  /** Entities that left memory. */
  evicted: number;
  resident: number;
}

/** Extension (feature:mesh-rebalance): the answer to `POST /control/shards/rebalance`. */
export interface Rebalance {
  shardId: string;
  from: string;
  to: string;
  version: number;
  handover?: { ms: number; heldCalls: number; index: number } | null;
}

// ── backpressure (extension, feature:mesh-backpressure; docker/relay-node/docs/backpressure.md) ──────

export type PressureLevel = 'ok' | 'elevated' | 'saturated';

/** One node's pressure as gossip shows it (its `mesh.pressure` label); `ok` without one. */
export interface MemberPressure {
  nodeId: string;
  region: string;
  status: PeerStatus;
  level: PressureLevel;
  shards: string[];
  since?: string;
}

/** An episode of pressure on one node, as the global-control holder recorded it. */
export interface PressureEpisode {
  nodeId: string;
  region: string;
  level: PressureLevel;
  shards: string[];
  since?: string;
  firstSeenAt: string;
  lastSeenAt: string;
  clearedAt?: string;
}

/** Extension: `GET /control/pressure`. `recorded` only on the node holding global-control. */
export interface PressureView {
  generatedAt: string;
  nodeId: string;
  local: {
    nodeId: string;
    region: string;
    level: PressureLevel;
    /** The node budget's own level. */
    node: PressureLevel;
    shards: string[];
    since?: string;
    published: boolean;
    budgets: { shardQps: number; nodeQps: number };
  };
  members: MemberPressure[];
  recorded?: PressureEpisode[];
}

/** Contract §4: `GET /control/upgrade` (states Active 0, Draining 1, Drained 2, Failed 3). */
export interface UpgradeView {
  state: number;
  reason?: string;
  ownedShards?: number;
  replicaShards?: number;
  activeRequests?: number;
}

/** The header every /control/shards route needs (contract §4); `mesh.operate` for simulate, diff, rebalance. */
export const MESH_SCOPE_HEADER = 'x-mesh-scope';
/** Extension: an error answer with this header value promises the call had no effect. */
export const MESH_OUTCOME_HEADER = 'x-mesh-outcome';
