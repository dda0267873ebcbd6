import { TopologyBuilder } from './builder';

/**
 * A global node and two regions, east and west, each with two regional-leader-eligible nodes and a
 * shard replica (7 relay nodes), plus a 3-member etcd cluster with one member per site. Clients reach
 * east and west through the fault proxy, and east ↔ west goes through it too.
 */
export function globalLeaderWithTwoRegions(): TopologyBuilder {
  return new TopologyBuilder('GlobalLeaderWithTwoRegions')
    .withRegion('global')
    .withRegion('east')
    .withRegion('west')
    .withGlobalNode('global-1', 'global')
    .withRegionalNode('east-1', 'east')
    .withRegionalNode('east-2', 'east')
    .withReplica('east-3', 'east')
    .withRegionalNode('west-1', 'west')
    .withRegionalNode('west-2', 'west')
    .withReplica('west-3', 'west')
    .withEtcdMember('etcd-global', 'global')
    .withEtcdMember('etcd-east', 'east')
    .withEtcdMember('etcd-west', 'west')
    .withClientLink('east')
    .withClientLink('west')
    .withLink('east', 'west', { bidirectional: true });
}
