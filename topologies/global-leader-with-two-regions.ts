import { TopologyBuilder } from './builder';
import { GLOBAL_SCOPE, regionScope } from './schema';

/**
 * A global node and two regions, east and west, each with two regional-leader-eligible nodes and a
 * shard replica (7 relay nodes), plus a 3-member etcd cluster with one member per site. Clients reach
 * east and west through the fault proxy, and east ↔ west goes through it too.
 *
 * The regional nodes are eligible for `global-control` too: relay-node keeps them on standby for it
 * (a regional leader campaigns only after `global-control` has been vacant for a while), so the
 * dedicated global node wins at bootstrap and a regional leader takes over only when it is gone.
 */
export function globalLeaderWithTwoRegions(): TopologyBuilder {
  return new TopologyBuilder('GlobalLeaderWithTwoRegions')
    .withRegion('global')
    .withRegion('east')
    .withRegion('west')
    .withGlobalNode('global-1', 'global')
    .withNode('east-1', 'east', 'regional', [regionScope('east'), GLOBAL_SCOPE])
    .withNode('east-2', 'east', 'regional', [regionScope('east'), GLOBAL_SCOPE])
    .withReplica('east-3', 'east')
    .withNode('west-1', 'west', 'regional', [regionScope('west'), GLOBAL_SCOPE])
    .withNode('west-2', 'west', 'regional', [regionScope('west'), GLOBAL_SCOPE])
    .withReplica('west-3', 'west')
    .withEtcdMember('etcd-global', 'global')
    .withEtcdMember('etcd-east', 'east')
    .withEtcdMember('etcd-west', 'west')
    .withClientLink('east')
    .withClientLink('west')
    .withLink('east', 'west', { bidirectional: true });
}
