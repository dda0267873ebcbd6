// Test support (not a test): shard maps for unit tests, namespace `ns`, strategy rendezvous.
import type { ShardMap, ShardRecord } from '../shards/types';

/** One shard's record: `owner` first, then `replicas`; version and fence as given (default 1). */
export function shardRecord(shardId: string, owner: string, replicas: string[] = [], version = 1): ShardRecord {
  return {
    namespace: 'ns',
    shardId,
    strategyId: 'rendezvous',
    ownerNodeId: owner,
    capacityHint: 1,
    status: 0,
    version,
    checksum: 'x',
    updatedAt: '',
    replicas,
    fenceToken: version,
  };
}

/** A map at `version` holding `records` (default: shard s0 owned by `a`, fenced at the version). */
export function shardMap(version: number, records: ShardRecord[] = [shardRecord('s0', 'a', [], version)]): ShardMap {
  return { namespace: 'ns', version, strategyId: 'rendezvous', records, overrides: {}, publishedBy: 'a', publishedAt: '' };
}
