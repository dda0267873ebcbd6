// Two in-process nodes in different regions (the data-plane test harness) gossiping for real over
// mutual TLS (certificates from the suite's in-memory CA): a saturated owner's pressure reaches the
// other region's ingress through gossip metadata, the ingress sheds calls for it, and stops once the
// pressure clears. With pressure-not-propagated the ingress never learns of it.
import { seeded } from '../defects';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { testIdentities } from '../testing/test-identities';
import { loadConfig } from '../config';
import { GossipAgent } from '../gossip/agent';
import { createLogger } from '../log';
import { call, mapOf, request, sleep, startNodes, stopNodes, type TestNode } from '../shards/data/test-harness';

const GOSSIP_INTERVAL_MS = 100;
const SCOPE = { 'x-mesh-scope': 'mesh.read' };

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** east-1 (region east, owns every shard, budget 2/s, global-control) and west-1 (region west), gossiping. */
async function startPair(t: TestContext, eastDefects = ''): Promise<{ east: TestNode; west: TestNode }> {
  const ports = { 'east-1': await freePort(), 'west-1': await freePort() };
  const nodes = await startNodes(['east-1', 'west-1'], {
    'east-1': { env: { RELAY_REGION: 'east', RELAY_SHARD_QPS_BUDGET: '2' }, defects: eastDefects, leader: true },
    'west-1': { env: { RELAY_REGION: 'west' } },
  });
  const [east, west] = nodes as [TestNode, TestNode];
  // The harness advertises made-up gossip endpoints: point them at the real listeners.
  for (const node of nodes) {
    node.table.updateLocalMetadata(({ metadataVersion: _v, ...rest }) => ({ ...rest, endpoint: `127.0.0.1:${ports[node.id as keyof typeof ports]}` }));
  }
  east.table.recordDirect(west.table.localMetadata, Date.now());
  west.table.recordDirect(east.table.localMetadata, Date.now());

  const identities = await testIdentities(nodes.map((n) => n.id));
  const agents: GossipAgent[] = [];
  for (const node of nodes) {
    const config = loadConfig({
      RELAY_NODE_ID: node.id,
      RELAY_GOSSIP_PORT: String(ports[node.id as keyof typeof ports]),
      RELAY_GOSSIP_INTERVAL_MS: String(GOSSIP_INTERVAL_MS),
    });
    const agent = new GossipAgent({
      config,
      table: node.table,
      metrics: node.metrics,
      log: createLogger({ node: node.id }, 'error', () => undefined),
      defects: seeded(),
    });
    const issued = identities.get(node.id)!;
    await agent.start({
      nodeId: node.id,
      privateKeyPem: issued.privateKeyPem,
      certificatePem: issued.certificatePem,
      caCertificatePem: issued.caCertificatePem,
      expiresAt: issued.notAfter,
    });
    agents.push(agent);
  }
  t.after(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await stopNodes(nodes);
  });
  const map = mapOf(1, { owner: 'east-1', replicas: [], fence: 1 });
  for (const node of nodes) node.view.set(map);
  return { east, west };
}

/** east-1's level as west-1 sees it (GET /control/pressure on west-1). */
async function eastSeenFromWest(west: TestNode): Promise<{ level: string; shards: string[] } | undefined> {
  const answer = await request(west.port, 'GET', '/control/pressure', SCOPE);
  return (answer.body.members as Array<{ nodeId: string; level: string; shards: string[] }>).find((m) => m.nodeId === 'east-1');
}

async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (ok(value)) return { value, ms: Date.now() - started };
    if (Date.now() - started > timeoutMs) assert.fail(`condition not met within ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    await sleep(10);
  }
}

const increment = (node: TestNode): ReturnType<typeof call> => call(node, 'counter::increment', { key: 'k' }, { 'rpc-shard-key': 's0' });

test("a saturated owner's pressure reaches the other region's ingress through gossip; the ingress sheds until it clears", async (t) => {
  const { east, west } = await startPair(t);
  await until(
    () => eastSeenFromWest(west),
    (m) => m !== undefined,
    2000,
  );

  // Over budget on the owner itself: burst 2, 4 queued (0.5..2 s), 2 refused.
  const burst = Array.from({ length: 8 }, () => increment(east));
  const refused = await Promise.race(burst.map((p) => p.then((a) => (a.status === 429 ? a : new Promise<never>(() => undefined)))));
  const firstRefusalAt = Date.now();
  assert.equal(refused.headers['rpc-status'], 'ResourceExhausted');
  assert.equal(refused.headers['rpc-error-code'], 'resource-exhausted');
  assert.equal(refused.headers['retry-after'], '1');
  assert.equal(refused.headers['x-mesh-throttled'], 'east/east-1/s0');
  assert.equal(refused.headers['x-mesh-outcome'], 'not-applied');
  assert.equal(refused.headers['x-mesh-node'], 'east-1');
  assert.deepEqual(
    { ...refused.body, message: '' },
    {
      message: '',
      status: 'RESOURCE_EXHAUSTED',
      code: 'resource-exhausted',
      metadata: { 'omnirelay.status': 'ResourceExhausted', 'omnirelay.transport': 'http', scope: 'shard', shardId: 's0', nodeId: 'east-1', region: 'east' },
    },
  );

  // Gossip carries it to west-1 within a round or two.
  const seen = await until(
    () => eastSeenFromWest(west),
    (m) => m?.level === 'saturated',
    2000,
  );
  assert.deepEqual(seen.value?.shards, ['s0']);
  const propagationMs = Date.now() - firstRefusalAt;
  t.diagnostic(`pressure seen by the other region after ${propagationMs} ms (gossip interval ${GOSSIP_INTERVAL_MS} ms)`);
  assert.ok(propagationMs < 5 * GOSSIP_INTERVAL_MS, `took ${propagationMs} ms`);

  // The ingress sheds 3 in 4 of its calls for s0 itself; the admitted ones go to the owner.
  const viaWest = await Promise.all(Array.from({ length: 8 }, () => increment(west)));
  const shed = viaWest.filter((a) => a.headers['x-mesh-node'] === 'west-1');
  assert.equal(shed.length, 6);
  for (const answer of shed) {
    assert.deepEqual(
      [answer.status, answer.headers['rpc-status'], answer.headers['x-mesh-throttled'], answer.headers['retry-after'], answer.headers['x-mesh-outcome']],
      [429, 'ResourceExhausted', 'east/east-1/s0', '2', 'not-applied'],
    );
    assert.deepEqual(answer.body.metadata, {
      'omnirelay.status': 'ResourceExhausted',
      'omnirelay.transport': 'http',
      scope: 'shard',
      shardId: 's0',
      nodeId: 'east-1',
      region: 'east',
      throttledBy: 'west-1',
    });
  }
  // Forwarded ones were answered by the owner: served, or refused by its budget (X-Mesh-Throttled relayed back).
  for (const answer of viaWest.filter((a) => a.headers['x-mesh-node'] === 'east-1')) {
    assert.ok(answer.status === 200 || (answer.status === 429 && answer.headers['x-mesh-throttled'] === 'east/east-1/s0'), `${answer.status}`);
    assert.equal(answer.headers['x-mesh-received-by'], 'west-1');
  }
  const westReport = await request(west.port, 'GET', '/control/pressure', SCOPE);
  assert.equal(westReport.body.nodeId, 'west-1');
  assert.equal(westReport.body.local.level, 'ok');
  assert.equal('recorded' in westReport.body, false);
  assert.match(await west.metrics.registry.render(), /mesh_backpressure_throttled_total\{[^}]*\} 6/);
  await Promise.all(burst);

  // Calm: 2 s without a refusal or a long wait, then one more gossip round.
  const cleared = await until(
    () => eastSeenFromWest(west),
    (m) => m?.level === 'ok',
    5000,
  );
  t.diagnostic(`cleared at the other region ${cleared.ms} ms after the burst finished`);
  const after = await increment(west);
  assert.deepEqual([after.status, after.headers['x-mesh-node'], after.headers['x-mesh-throttled']], [200, 'east-1', undefined]);

  // The global leader (east-1 here) recorded the episode, closed.
  const leaderReport = await request(east.port, 'GET', '/control/pressure', SCOPE);
  const episodes = leaderReport.body.recorded as Array<{ nodeId: string; region: string; level: string; shards: string[]; clearedAt?: string }>;
  assert.deepEqual(
    episodes.map((e) => [e.nodeId, e.region, e.level, e.shards, typeof e.clearedAt]),
    [['east-1', 'east', 'saturated', ['s0'], 'string']],
  );
  const forbidden = await request(east.port, 'GET', '/control/pressure', {});
  assert.equal(forbidden.status, 403);
  assert.match(String(forbidden.headers['content-type']), /problem\+json/);
});

test('pressure-not-propagated: the owner refuses locally, but the other region never learns of it and forwards everything', async (t) => {
  const { east, west } = await startPair(t, 'pressure-not-propagated');
  await until(
    () => eastSeenFromWest(west),
    (m) => m !== undefined,
    2000,
  );
  const burst = Array.from({ length: 8 }, () => increment(east));
  const refused = await Promise.race(burst.map((p) => p.then((a) => (a.status === 429 ? a : new Promise<never>(() => undefined)))));
  assert.equal(refused.headers['x-mesh-throttled'], 'east/east-1/s0');
  const local = await request(east.port, 'GET', '/control/pressure', SCOPE);
  assert.deepEqual([local.body.local.level, local.body.local.published], ['saturated', false]);
  await sleep(5 * GOSSIP_INTERVAL_MS);
  assert.equal((await eastSeenFromWest(west))?.level, 'ok');
  const viaWest = await Promise.all(Array.from({ length: 4 }, () => increment(west)));
  assert.ok(viaWest.every((a) => a.headers['x-mesh-node'] === 'east-1'));
  await Promise.all(burst);
});
