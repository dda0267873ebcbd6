import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eligibleFor, leadershipScopes, topologyByName, TopologyBuilder, TopologyError, topologyNames, validateTopology } from './index';

test('GlobalLeaderWithTwoRegions declares 7 relay nodes, 3 etcd members and the expected eligibility', () => {
  const t = topologyByName('GlobalLeaderWithTwoRegions');
  assert.equal(t.nodes.length, 7);
  assert.equal(t.etcd.length, 3);
  assert.deepEqual(leadershipScopes(t), ['global-control', 'region/east', 'region/west']);
  // Regional nodes stand by for global-control (relay-node campaigns only while they lead their region).
  assert.deepEqual(eligibleFor(t, 'global-control'), ['global-1', 'east-1', 'east-2', 'west-1', 'west-2']);
  assert.deepEqual(eligibleFor(t, 'region/east'), ['east-1', 'east-2']);
  assert.deepEqual(new Set(t.etcd.map((m) => m.region)), new Set(['global', 'east', 'west']));
  assert.ok(t.nodes.every((n) => n.mode === 'InProc'));
  assert.deepEqual(t.links, [
    { from: 'clients', to: 'east', through: 'proxy', bidirectional: false },
    { from: 'clients', to: 'west', through: 'proxy', bidirectional: false },
    { from: 'east', to: 'west', through: 'proxy', bidirectional: true },
  ]);
});

test('an unknown topology names the known ones', () => {
  assert.throws(
    () => topologyByName('Nope'),
    // Every known name, whatever topologies are added and however they sort.
    (e: Error) => e instanceof TopologyError && e.message.includes('Known topologies: ') && topologyNames().every((name) => e.message.includes(name)),
  );
});

test('validation names the offending field', () => {
  const bad = new TopologyBuilder('Bad').withRegion('east').withNode('east-1', 'west', 'regional', ['region/west']).withEtcdMember('etcd-1', 'east');
  assert.throws(
    () => bad.build(),
    (e: Error) => /nodes\.0\.region: unknown region "west"/.test(e.message),
  );
});

test('a node may not be eligible for another region', () => {
  const bad = new TopologyBuilder('Bad')
    .withRegion('east')
    .withRegion('west')
    .withNode('east-1', 'east', 'regional', ['region/west'])
    .withEtcdMember('etcd-1', 'east');
  assert.throws(() => bad.build(), /nodes\.0\.eligible\.0: "region\/west" is another region's scope/);
});

test('duplicate ids, even etcd members and bad timers are each reported', () => {
  const bad = new TopologyBuilder('Bad')
    .withRegion('east')
    .withReplica('east-1', 'east')
    .withReplica('east-1', 'east')
    .withEtcdMember('etcd-1', 'east')
    .withEtcdMember('etcd-2', 'east')
    .withTimers({ suspicionMs: 5_000, leftMs: 1_000 });
  assert.throws(
    () => bad.build(),
    (e: Error) => /nodes\.1\.id: duplicate node id/.test(e.message) && /etcd: etcd needs an odd number/.test(e.message) && /timers\.leftMs/.test(e.message),
  );
});

test('unknown fields are rejected, not ignored', () => {
  const t = topologyByName('GlobalLeaderWithTwoRegions');
  assert.throws(
    () => validateTopology({ ...t, nodez: [] }),
    /nodez: unknown field "nodez"; did you mean "nodes"\? allowed here: name, clusterId, regions, nodes, etcd, timers, links/,
  );
});
