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
  capability: {
    roles: 'feature:mesh-roles',
    regionalLeaders: 'feature:mesh-regional-leaders',
  },
} as const;
