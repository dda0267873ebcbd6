import { TopologyBuilder } from './builder';
import { TopologyError } from './schema';

/**
 * The smallest shape for election scenarios: one region, `ring`, of `n` replica nodes (`ring-1` … `ring-n`,
 * default 5) with no regional layer, every one of them a candidate for `global-control`, and a 3-member
 * etcd cluster in the same region (it tolerates the loss of one member).
 */
export function shardRing(n = 5): TopologyBuilder {
  if (!Number.isInteger(n) || n < 1) throw new TopologyError(`shardRing: the ring needs a whole number of nodes, at least 1; got ${n}`);
  const builder = new TopologyBuilder('ShardRing').withRegion('ring');
  for (let i = 1; i <= n; i++) builder.withReplica(`ring-${i}`, 'ring', ['global-control']);
  return builder.withEtcdMember('etcd-ring-1', 'ring').withEtcdMember('etcd-ring-2', 'ring').withEtcdMember('etcd-ring-3', 'ring');
}
