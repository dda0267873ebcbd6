import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopologyBuilder, topologyByName } from '../../topologies';
import { peerRoutesFor, planPeerLinks } from './peer-links';

const twoRegions = () =>
  new TopologyBuilder('Peers')
    .withRegion('east')
    .withRegion('west')
    .withReplica('e1', 'east')
    .withReplica('e2', 'east')
    .withReplica('w1', 'west')
    .withEtcdMember('etcd-1', 'east');

test('a one-way region link proxies each caller→callee pair on both ports, and nothing back', () => {
  const links = planPeerLinks(twoRegions().withLink('east', 'west').build());
  assert.deepEqual(
    links.map((l) => [l.name, l.upstream, l.listenPort]),
    [
      ['peer-e1-to-w1-http', 'w1:8080', 9000],
      ['peer-e1-to-w1-gossip', 'w1:17421', 9001],
      ['peer-e2-to-w1-http', 'w1:8080', 9002],
      ['peer-e2-to-w1-gossip', 'w1:17421', 9003],
    ],
  );
  assert.equal(peerRoutesFor(links, 'e1', 'fault-proxy'), 'w1:8080=fault-proxy:9000,w1:17421=fault-proxy:9001');
  assert.equal(peerRoutesFor(links, 'w1', 'fault-proxy'), '', 'west still dials east direct');
});

test('a bidirectional link proxies both directions; client links add no peer paths', () => {
  const links = planPeerLinks(twoRegions().withClientLink('east').withLink('east', 'west', { bidirectional: true }).build());
  assert.equal(links.length, 8);
  assert.equal(
    peerRoutesFor(links, 'w1', 'fault-proxy'),
    'e1:8080=fault-proxy:9004,e1:17421=fault-proxy:9005,e2:8080=fault-proxy:9006,e2:17421=fault-proxy:9007',
  );
  assert.deepEqual(planPeerLinks(twoRegions().withClientLink('east').build()), []);
});

test('GlobalLeaderWithTwoRegions: east ↔ west is proxied, the global node talks to both direct', () => {
  const links = planPeerLinks(topologyByName('GlobalLeaderWithTwoRegions'));
  assert.equal(links.length, 3 * 3 * 2 * 2);
  assert.ok(links.every((l) => l.fromRegion !== 'global' && l.toRegion !== 'global'));
  assert.equal(new Set(links.map((l) => l.listenPort)).size, links.length, 'one port each');
});
