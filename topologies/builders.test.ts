import { test } from 'node:test';
import assert from 'node:assert/strict';
import { edgeFanOut, eligibleFor, leadershipScopes, linksOf, shardRing, topologyByName, TopologyBuilder, TopologyError } from './index';

test('ShardRing: one region of 5 replicas, all candidates for global-control, 3 etcd members there', () => {
  const t = topologyByName('ShardRing');
  assert.equal(t.name, 'ShardRing');
  assert.equal(t.clusterId, 'shard-ring');
  assert.deepEqual(t.regions, ['ring']);
  assert.deepEqual(
    t.nodes.map((n) => n.id),
    ['ring-1', 'ring-2', 'ring-3', 'ring-4', 'ring-5'],
  );
  assert.ok(t.nodes.every((n) => n.role === 'replica' && n.region === 'ring' && n.mode === 'InProc'));
  assert.deepEqual(leadershipScopes(t), ['global-control']);
  assert.deepEqual(
    eligibleFor(t, 'global-control'),
    t.nodes.map((n) => n.id),
  );
  assert.equal(t.etcd.length, 3);
  assert.ok(t.etcd.every((m) => m.region === 'ring'));
  assert.deepEqual(t.links, []);
});

test('ShardRing takes its size', () => {
  assert.deepEqual(
    shardRing(3)
      .build()
      .nodes.map((n) => n.id),
    ['ring-1', 'ring-2', 'ring-3'],
  );
  assert.equal(shardRing(7).build().nodes.length, 7);
  assert.throws(() => shardRing(0), TopologyError);
  assert.throws(() => shardRing(2.5), /whole number/);
});

test('EdgeFanOut: edge ingress per region in front of 2 backends, a global node, 3 etcd members over the sites', () => {
  const t = topologyByName('EdgeFanOut');
  assert.deepEqual(t.regions, ['global', 'east', 'west']);
  const edges = t.nodes.filter((n) => n.role === 'edge');
  assert.deepEqual(
    edges.map((n) => [n.id, n.region, n.mode]),
    [
      ['edge-east-1', 'east', 'Edge'],
      ['edge-west-1', 'west', 'Edge'],
    ],
  );
  assert.ok(edges.every((n) => n.eligible.length === 0));
  const backends = t.nodes.filter((n) => n.role === 'replica');
  assert.deepEqual(
    backends.map((n) => n.id),
    ['east-1', 'east-2', 'west-1', 'west-2'],
  );
  assert.ok(t.nodes.filter((n) => n.role !== 'edge').every((n) => n.mode === 'InProc'));
  assert.deepEqual(eligibleFor(t, 'global-control'), ['global-1']);
  assert.deepEqual(eligibleFor(t, 'region/east'), ['east-1']);
  assert.deepEqual(eligibleFor(t, 'region/west'), ['west-1']);
  assert.deepEqual(
    t.etcd.map((m) => [m.id, m.region]),
    [
      ['etcd-global', 'global'],
      ['etcd-east', 'east'],
      ['etcd-west', 'west'],
    ],
  );
  assert.deepEqual(
    t.links.map((l) => `${l.from}${l.bidirectional ? '<->' : '->'}${l.to}/${l.through}`),
    ['clients->east/proxy', 'clients->west/proxy', 'east<->west/proxy'],
  );
  assert.deepEqual(linksOf(t, 'west').length, 2);
});

test('EdgeFanOut scales per region and links every pair of regions', () => {
  const t = edgeFanOut({ regions: ['east', 'west', 'south'], edgesPerRegion: 2, backendsPerRegion: 3 }).build();
  assert.equal(t.nodes.filter((n) => n.role === 'edge').length, 6);
  assert.equal(t.nodes.filter((n) => n.role === 'replica').length, 9);
  assert.ok(t.nodes.some((n) => n.id === 'edge-south-2'));
  assert.equal(t.etcd.length, 3);
  assert.equal(t.links.filter((l) => l.bidirectional).length, 3);
  const lone = edgeFanOut({ regions: ['east'] }).build();
  assert.deepEqual(
    lone.etcd.map((m) => m.region),
    ['global', 'east', 'global'],
  );
  assert.throws(() => edgeFanOut({ backendsPerRegion: 0 }), /backendsPerRegion/);
});

test('role edge and mode Edge go together', () => {
  const base = () => new TopologyBuilder('Modes').withRegion('east').withEtcdMember('etcd-1', 'east');
  assert.equal(base().withNode('e-1', 'east', 'edge').build().nodes[0]!.mode, 'Edge', 'mode defaults to Edge for role edge');
  assert.equal(base().withNode('e-1', 'east', 'replica', [], 'Sidecar').build().nodes[0]!.mode, 'Sidecar');
  assert.throws(() => base().withNode('e-1', 'east', 'edge', [], 'InProc').build(), /nodes\.0\.mode: role "edge" runs in mode "Edge", got "InProc"/);
  assert.throws(() => base().withNode('e-1', 'east', 'replica', [], 'Edge').build(), /nodes\.0\.mode: mode "Edge" is for role "edge"/);
});
