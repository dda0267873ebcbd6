import { test } from 'node:test';
import assert from 'node:assert/strict';
import { edgeFanOut, topologyByName } from '../../topologies';
import { etcdCommand, etcdEndpointsFor, relayNodeEnv, seedsFor } from './specs';

const t = topologyByName('GlobalLeaderWithTwoRegions');
const node = (id: string) => t.nodes.find((n) => n.id === id)!;

test('seeds are the first node of each region, never the node itself', () => {
  assert.equal(seedsFor(t, node('east-3')), 'global-1@global-1:17421,east-1@east-1:17421,west-1@west-1:17421');
  assert.equal(seedsFor(t, node('east-1')), 'global-1@global-1:17421,west-1@west-1:17421');
});

test("etcd endpoints list the node's own region first", () => {
  assert.equal(etcdEndpointsFor(t, node('west-2')).split(',')[0], 'http://etcd-west:2379');
});

test('a defect is seeded on all nodes, or only on the named ones', () => {
  const opts = { bootstrapUrl: 'http://gw:1', bootstrapToken: 'x' };
  assert.equal(relayNodeEnv(t, node('east-1'), { ...opts, defect: { name: 'gossip-silent' } }).RELAY_DEFECT, 'gossip-silent');
  assert.equal(relayNodeEnv(t, node('east-1'), { ...opts, defect: { name: 'gossip-silent', nodes: ['west-1'] } }).RELAY_DEFECT, undefined);
  assert.equal(relayNodeEnv(t, node('east-1'), opts).RELAY_ELIGIBLE_SCOPES, 'region/east,global-control');
});

test("etcd members form one cluster with the topology's timers", () => {
  const cmd = etcdCommand(t, t.etcd[0]!, 'scn');
  assert.ok(cmd.includes('--initial-cluster=etcd-global=http://etcd-global:2380,etcd-east=http://etcd-east:2380,etcd-west=http://etcd-west:2380'));
  assert.ok(cmd.includes(`--election-timeout=${t.timers.etcdElectionMs}`));
});

test('each node is told its deployment mode', () => {
  const opts = { bootstrapUrl: 'http://gw:1', bootstrapToken: 'x' };
  assert.equal(relayNodeEnv(t, node('east-1'), opts).RELAY_MODE, 'InProc');
  const edge = edgeFanOut().build();
  const ingress = edge.nodes.find((n) => n.id === 'edge-east-1')!;
  assert.equal(relayNodeEnv(edge, ingress, opts).RELAY_MODE, 'Edge');
  assert.equal(relayNodeEnv(edge, ingress, opts).RELAY_ROLE, 'edge');
});
