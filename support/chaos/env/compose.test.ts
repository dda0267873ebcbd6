import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { topologyByName } from '../../../topologies';
import { LABEL } from '../../cluster/labels';
import { planPeerLinks } from '../../cluster/peer-links';
import { chaosFiles, CHAOS_PROJECT, proxyRoutes } from './compose';
import { generate, staleCommittedFiles } from './files';
import { withNodesPerRegion } from './resize';

interface Service {
  image: string;
  labels: Record<string, string>;
  ports?: string[];
  environment?: Record<string, string>;
  profiles?: string[];
}
const servicesOf = (text: string) => (parse(text) as { services: Record<string, Service> }).services;

test('every service is labelled as the chaos environment and publishes only on 127.0.0.1', () => {
  const services = servicesOf(generate().files['docker-compose.chaos.yml']);
  for (const [name, s] of Object.entries(services)) {
    assert.equal(s.labels[LABEL.chaos], CHAOS_PROJECT, name);
    assert.equal(s.labels[LABEL.suite], 'true', name);
    assert.equal(s.labels[LABEL.node], name, name);
    for (const p of s.ports ?? []) assert.match(p, /^127\.0\.0\.1:\d+:\d+$/, `${name} publishes ${p}`);
  }
  const kinds = new Set(Object.values(services).map((s) => s.labels[LABEL.service]));
  assert.deepEqual([...kinds].sort(), ['chaos-control', 'etcd', 'fault-proxy', 'grafana', 'otlp-receiver', 'prometheus', 'relay-node']);
  assert.deepEqual(services.grafana!.profiles, ['grafana'], 'Grafana starts only when chaos:up enables its profile');
});

test("relay nodes get the fixture's environment, the CA service and an empty defect by default", () => {
  const topology = topologyByName('GlobalLeaderWithTwoRegions');
  const services = servicesOf(chaosFiles(topology, { invocation: 'x', sharedDir: '.' })['docker-compose.chaos.yml']);
  for (const node of topology.nodes) {
    const env = services[node.id]!.environment!;
    assert.equal(env.RELAY_NODE_ID, node.id);
    assert.equal(env.RELAY_BOOTSTRAP_URL, 'http://chaos-control:4000');
    assert.equal(env.RELAY_DEFECT, '${CHAOS_DEFECT:-}');
    assert.match(env.RELAY_BOOTSTRAP_TOKEN!, /^\$\{CHAOS_BOOTSTRAP_TOKEN:-/);
  }
  assert.match(services['east-1']!.environment!.RELAY_PEER_ROUTES!, /west-1:8080=fault-proxy:\d+/);
});

test('the proxy routes are every peer path and a client route per node of a proxied region', () => {
  const topology = topologyByName('GlobalLeaderWithTwoRegions');
  const routes = proxyRoutes(topology);
  const peers = planPeerLinks(topology);
  assert.equal(routes.length, peers.length + 6);
  assert.ok(routes.some((r) => r.name === 'clients-to-east-1' && r.upstream === 'east-1:8080'));
  assert.equal(new Set(routes.map((r) => r.listen)).size, routes.length, 'every route listens on its own port');
});

test('--nodes-per-region keeps the first nodes of each region or adds replicas, and stays a valid topology', () => {
  const base = topologyByName('GlobalLeaderWithTwoRegions');
  const small = withNodesPerRegion(base, 1);
  assert.deepEqual(
    small.nodes.map((n) => n.id),
    ['global-1', 'east-1', 'west-1'],
  );
  const big = withNodesPerRegion(base, 5);
  assert.equal(big.nodes.filter((n) => n.region === 'east').length, 5);
  assert.deepEqual(
    big.nodes.filter((n) => n.region === 'west').map((n) => n.id),
    ['west-1', 'west-2', 'west-3', 'west-4', 'west-5'],
  );
  assert.throws(() => withNodesPerRegion(base, 0), /--nodes-per-region 0: must be a whole number from 1 to 20/);
  const g = generate('ShardRing', 3);
  assert.match(g.dir, /reports\/chaos\/env\/ShardRing-3-per-region$/);
  assert.match(g.files['docker-compose.chaos.yml'], /\.\.\/\.\.\/\.\.\/\.\.\/docker\/chaos\/prometheus\/rules\.yml:\/etc\/prometheus\/rules\.yml:ro/);
  assert.ok(!('fault-proxy' in servicesOf(g.files['docker-compose.chaos.yml'])), 'a topology without proxied links has no fault proxy');
});

test('an unknown topology names the known ones', () => {
  assert.throws(() => generate('Nope'), /Unknown topology "Nope"\. Known topologies: .*GlobalLeaderWithTwoRegions/);
});

test('the committed docker/chaos files are what the generator writes for the default topology', () => {
  assert.deepEqual(staleCommittedFiles(), []);
});
