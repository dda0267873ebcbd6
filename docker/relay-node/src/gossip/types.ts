// Gossip wire shapes (contract §5, field names as in OmniRelay's MeshGossipModels).
export type MemberStatus = 'Alive' | 'Suspect' | 'Left';

export const GOSSIP_SCHEMA = 'v1';
export const MAX_MEMBERS_PER_ENVELOPE = 32;

export interface MemberMetadata {
  nodeId: string;
  role: string;
  clusterId: string;
  region: string;
  meshVersion: string;
  http3Support: boolean;
  /** `host:gossipPort` other nodes dial. */
  endpoint: string;
  metadataVersion: number;
  labels: Record<string, string>;
}

export interface MemberSnapshot {
  nodeId: string;
  status: MemberStatus;
  /** ISO-8601; a node stamps its own entry with its clock when it sends. */
  lastSeen?: string;
  rttMs?: number;
  metadata: MemberMetadata;
}

export interface GossipEnvelope {
  schema: string;
  timestamp: string;
  sequence: number;
  sender: MemberMetadata;
  members: MemberSnapshot[];
}

export interface ShuffleEnvelope {
  /** `host:port` of the sender's gossip endpoint. */
  sender: string;
  endpoints: string[];
}

/** Gossip label a draining node advertises (shards/control/drain.ts); the leader places no shard on it. */
export const SHARD_LABEL = 'mesh.shards';
export const DRAINING_VALUE = 'draining';
