// Three in-process nodes on loopback with the real RPC inbound and a shard map the test controls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { call, mapOf, NAMESPACE, request, shardState, sleep, startNodes, stopNodes, type TestNode } from './test-harness';

const ALL_ON_A = { owner: 'a', replicas: ['b', 'c'], fence: 1 };

function publish(nodes: readonly TestNode[], map: ReturnType<typeof mapOf>): void {
  for (const node of nodes) node.view.set(map);
}

async function counterOn(
  node: TestNode,
  shardId: string,
): Promise<{ value: number | undefined; digest: string; index: number; fenceToken: number; role: string }> {
  const { body } = await shardState(node, shardId);
  return { value: body.data.counters[shardId], digest: body.digest, index: body.index, fenceToken: body.fenceToken, role: body.role };
}

test('a replicated write is on every replica before the ack; a call to a non-owner is forwarded once', async (t) => {
  const nodes = await startNodes(['a', 'b', 'c']);
  t.after(() => stopNodes(nodes));
  const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
  publish(nodes, mapOf(1, ALL_ON_A));

  const answer = await call(b, 'counter::increment', { key: 's0', by: 2 });
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.body, { key: 's0', value: 2 });
  assert.equal(answer.headers['x-mesh-node'], 'a');
  assert.equal(answer.headers['x-mesh-received-by'], 'b');
  assert.equal(answer.headers['x-mesh-shard'], 's0');
  const states = await Promise.all(nodes.map((n) => counterOn(n, 's0')));
  assert.deepEqual(
    states.map((s) => s.value),
    [2, 2, 2],
  );
  assert.deepEqual(
    states.map((s) => s.role),
    ['owner', 'replica', 'replica'],
  );
  assert.ok(states.every((s) => s.digest === states[0]?.digest && s.index === 1 && s.fenceToken === 1));

  const set = await call(c, 'kv::set', { key: 'user', value: { name: 'x' } }, { 'rpc-shard-key': 's1' });
  assert.deepEqual([set.status, set.body], [200, { key: 'user', value: { name: 'x' }, version: 1 }]);
  const got = await call(b, 'kv::get', { key: 'user' }, { 'rpc-shard-key': 's1' });
  assert.deepEqual(got.body, { key: 'user', value: { name: 'x' }, version: 1 });
  const absent = await call(b, 'kv::get', { key: 'nobody' }, { 'rpc-shard-key': 's1' });
  assert.deepEqual(absent.body, { key: 'nobody', value: null, version: 0 });
  assert.deepEqual((await call(a, 'kv::keys', { key: 's1' })).body, { shardId: 's1', keys: ['user'] });
  assert.deepEqual((await call(a, 'kv::delete', { key: 'user' }, { 'rpc-shard-key': 's1' })).body, { key: 'user', deleted: true });
  assert.deepEqual((await call(c, 'set::add', { key: 's2', element: 'z' })).body, { key: 's2', added: true });
  assert.deepEqual((await call(c, 'set::add', { key: 's2', element: 'a' })).body, { key: 's2', added: true });
  assert.deepEqual((await call(b, 'set::read', { key: 's2' })).body, { key: 's2', elements: ['a', 'z'] });
  assert.deepEqual((await call(b, 'counter::decrement', { key: 's0' })).body, { key: 's0', value: 1 });
  assert.deepEqual((await call(b, 'counter::reset', { key: 's0' })).body, { key: 's0', value: 0 });
  assert.deepEqual((await call(c, 'counter::get', { key: 's0' })).body, { key: 's0', value: 0 });

  const invalid = await call(b, 'counter::increment', {});
  assert.equal(invalid.status, 400);
  assert.equal(invalid.headers['x-mesh-outcome'], 'not-applied');
  const echo = await call(b, 'echo', { hi: 1 }, { 'rpc-shard-key': 's3' });
  assert.deepEqual([echo.status, echo.headers['x-mesh-node'], echo.body], [200, 'a', { hi: 1 }]);
  assert.match(await a.metrics.registry.render(), /mesh_shard_replication_total\{mesh_outcome="success"\} \d+/);
  assert.match(await b.metrics.registry.render(), /mesh_shard_calls_total\{mesh_outcome="forwarded"\} \d+/);
});

test("a replica refuses an older fence; a deposed owner's write is indeterminate and it stops serving", async (t) => {
  const nodes = await startNodes(['a', 'b', 'c']);
  t.after(() => stopNodes(nodes));
  const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
  publish(nodes, mapOf(1, ALL_ON_A));
  assert.equal((await call(a, 'counter::increment', { key: 's0' })).status, 200);

  const stale = await request(
    b.port,
    'POST',
    '/mesh/shards/replicate',
    { 'content-type': 'application/json' },
    {
      namespace: NAMESPACE,
      shardId: 's0',
      fenceToken: 0,
      index: 2,
      op: { kind: 'counter.add', key: 's0', by: 1 },
      from: 'a',
    },
  );
  assert.equal(stale.status, 409);
  assert.equal(stale.body.fenceToken, 1);

  // b takes over at fence 2; a never sees that map.
  const v2 = mapOf(2, { owner: 'b', replicas: ['c'], fence: 2 });
  b.view.set(v2);
  c.view.set(v2);
  assert.equal((await call(b, 'counter::increment', { key: 's0' })).body.value, 2);
  const fenced = await call(a, 'counter::increment', { key: 's0' });
  assert.equal(fenced.status, 503);
  assert.equal(fenced.headers['x-mesh-outcome'], undefined);
  // Its copy still follows fence 1's log; it has heard of fence 2.
  assert.deepEqual([(await counterOn(a, 's0')).fenceToken, (await shardState(a, 's0')).body.knownFence], [1, 2]);
  const refused = await call(a, 'counter::increment', { key: 's0' });
  assert.equal(refused.status, 503);
  assert.equal(refused.headers['x-mesh-outcome'], 'not-applied');
  const [bState, cState] = await Promise.all([counterOn(b, 's0'), counterOn(c, 's0')]);
  assert.deepEqual([bState.value, cState.value, bState.digest], [2, 2, cState.digest]);
});

test('an index gap makes the replica install a snapshot and end identical', async (t) => {
  const nodes = await startNodes(['a', 'b', 'c']);
  t.after(() => stopNodes(nodes));
  const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
  publish(nodes, mapOf(1, { owner: 'a', replicas: ['b'], fence: 1 }));
  for (let i = 0; i < 3; i += 1) await call(a, 'counter::increment', { key: 's0' });
  await call(a, 'kv::set', { key: 's0', value: 'v' });
  assert.equal((await counterOn(c, 's0')).index, 0);

  publish(nodes, mapOf(2, ALL_ON_A));
  assert.equal((await call(b, 'counter::increment', { key: 's0' })).body.value, 4);
  const [aState, cState] = await Promise.all([counterOn(a, 's0'), counterOn(c, 's0')]);
  assert.deepEqual([cState.value, cState.index, cState.digest], [4, 5, aState.digest]);
  assert.match(await c.metrics.registry.render(), /mesh_shard_snapshots_total 1/);
});

test('owner takeover: the first surviving replica serves its copy at the new fence', async (t) => {
  const nodes = await startNodes(['a', 'b', 'c']);
  t.after(() => stopNodes(nodes));
  const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
  publish(nodes, mapOf(1, ALL_ON_A));
  await call(a, 'counter::increment', { key: 's0' });
  await call(a, 'counter::increment', { key: 's0' });

  publish(nodes, mapOf(2, { owner: 'b', replicas: ['c'], fence: 2 }));
  const answer = await call(c, 'counter::increment', { key: 's0' });
  assert.deepEqual([answer.status, answer.headers['x-mesh-node'], answer.body.value], [200, 'b', 3]);
  assert.ok(b.logs.some((l) => l.msg === "shard takeover: serving the local copy at the map's fence" && l.shardId === 's0' && l.fenceToken === 2));
  const [bState, cState, aState] = await Promise.all([counterOn(b, 's0'), counterOn(c, 's0'), counterOn(a, 's0')]);
  assert.deepEqual([bState.role, bState.fenceToken, cState.fenceToken, cState.digest, aState.role], ['owner', 2, 2, bState.digest, 'none']);
});

test('a restarted owner that the map still names recovers the shard from its replicas before serving', async (t) => {
  const nodes = await startNodes(['a', 'b', 'c']);
  const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
  publish(nodes, mapOf(1, ALL_ON_A));
  for (let i = 0; i < 3; i += 1) await call(a, 'counter::increment', { key: 's0' });
  await stopNodes([a]);
  const [restarted] = (await startNodes(['a'], {}, { b: b.port, c: c.port })) as [TestNode];
  t.after(() => stopNodes([restarted, b, c]));
  restarted.view.set(mapOf(1, ALL_ON_A));
  assert.deepEqual((await call(restarted, 'counter::increment', { key: 's0' })).body, { key: 's0', value: 4 });
  const [rState, bState] = await Promise.all([counterOn(restarted, 's0'), counterOn(b, 's0')]);
  assert.deepEqual([rState.index, rState.digest], [4, bState.digest]);
});

test('handover moves the state; a call held during the handover is served by the new owner', async (t) => {
  // A slow stub replica keeps the shard lock busy so the handover has to wait for the write in flight.
  const stub = await slowReplica(300);
  const nodes = await startNodes(['a', 'b', 'c'], {}, { d: stub.port });
  t.after(async () => {
    await stopNodes(nodes);
    stub.close();
  });
  const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
  const [first, result, second] = await handoverWithHeldCall(nodes, stub);
  assert.deepEqual([first.status, first.headers['x-mesh-node'], first.body.value], [200, 'a', 1]);
  assert.equal(result.status, 200);
  assert.deepEqual({ ...result.body, ms: 0 }, { shardId: 's0', from: 'a', to: 'b', fenceToken: 2, index: 1, heldCalls: 1, ms: 0 });
  assert.deepEqual([second.status, second.headers['x-mesh-node'], second.headers['x-mesh-received-by'], second.body.value], [200, 'b', 'c', 2]);
  const bState = await counterOn(b, 's0');
  assert.deepEqual([bState.role, bState.fenceToken, bState.index, bState.value], ['owner', 2, 2, 2]);
  assert.equal((await counterOn(a, 's0')).role, 'none');

  publish(nodes, mapOf(2, { owner: 'b', replicas: ['c'], fence: 2 }));
  assert.deepEqual((await call(a, 'counter::increment', { key: 's0' })).body, { key: 's0', value: 3 });
  assert.equal((await counterOn(c, 's0')).digest, (await counterOn(b, 's0')).digest);
});

test('a handover waits for the write under way, not for the calls queued behind it: those go to the new owner', async (t) => {
  const stub = await slowReplica(300);
  const nodes = await startNodes(['a', 'b', 'c'], {}, { d: stub.port });
  t.after(async () => {
    await stopNodes(nodes);
    stub.close();
  });
  const [a, b] = nodes as [TestNode, TestNode, TestNode];
  publish(nodes, mapOf(1, { owner: 'a', replicas: ['d'], fence: 1 }));
  const inFlight = call(a, 'counter::increment', { key: 's0' });
  await stub.received(1);
  // Three more writes queue for the shard lock behind the one being replicated (each would take 300 ms).
  const queued = [1, 2, 3].map(() => call(a, 'counter::increment', { key: 's0' }));
  await sleep(50);
  const started = Date.now();
  const handover = await handOver(a, 'b', 'rebalance-1');
  const handoverMs = Date.now() - started;
  assert.equal(handover.status, 200);
  assert.ok(handoverMs < 600, `the handover took ${handoverMs} ms: it waited for the queued writes`);
  assert.deepEqual([handover.body.index, handover.body.heldCalls], [1, 3]);
  assert.equal((await inFlight).headers['x-mesh-node'], 'a');
  const answers = await Promise.all(queued);
  assert.deepEqual(
    answers.map((r) => [r.status, r.headers['x-mesh-node']]),
    [
      [200, 'b'],
      [200, 'b'],
      [200, 'b'],
    ],
  );
  assert.deepEqual(answers.map((r) => r.body.value).sort(), [2, 3, 4]);
  assert.equal((await counterOn(b, 's0')).value, 4);
});

test('a forwarded call at a non-owner waits for an install, else answers 503 not-applied', async (t) => {
  const nodes = await startNodes(['a', 'b', 'c']);
  t.after(() => stopNodes(nodes));
  const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
  const nobody = await call(a, 'counter::increment', { key: 's0' });
  assert.deepEqual([nobody.status, nobody.headers['x-mesh-outcome']], [503, 'not-applied']);

  publish(nodes, mapOf(1, ALL_ON_A));
  // Forwarded by a node with an older map: one more hop to the owner c's map names.
  const rerouted = await call(c, 'counter::increment', { key: 's0' }, { 'x-mesh-forwarded-by': 'b' });
  assert.deepEqual([rerouted.status, rerouted.headers['x-mesh-node']], [200, 'a']);
  // Already on its second hop: c must not forward it a third time; it waits for news, then refuses.
  const started = Date.now();
  const refused = await call(c, 'counter::increment', { key: 's0' }, { 'x-mesh-forwarded-by': 'b', 'x-mesh-handover-hop': 'a' });
  assert.deepEqual([refused.status, refused.headers['x-mesh-outcome'], refused.headers['x-mesh-node']], [503, 'not-applied', 'c']);
  assert.ok(Date.now() - started >= 900);

  const waiting = call(c, 'counter::increment', { key: 's0' }, { 'x-mesh-forwarded-by': 'a', 'x-mesh-handover-hop': 'a' });
  await sleep(200);
  const install = await request(
    c.port,
    'POST',
    '/mesh/shards/install',
    { 'content-type': 'application/json' },
    {
      shardId: 's0',
      fenceToken: 2,
      index: 7,
      state: { counters: { s0: 10 }, kv: {}, sets: {} },
      from: 'a',
    },
  );
  assert.equal(install.status, 200);
  const served = await waiting;
  assert.deepEqual([served.status, served.headers['x-mesh-node'], served.headers['x-mesh-received-by'], served.body.value], [200, 'c', 'a', 11]);
  void b;
});

test('pingpong alternates between the owners of a and b', async (t) => {
  const nodes = await startNodes(['a', 'b', 'c']);
  t.after(() => stopNodes(nodes));
  const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
  publish(nodes, mapOf(1, ALL_ON_A, { s1: { owner: 'b', replicas: ['c'], fence: 1 } }));
  const answer = await call(c, 'pingpong::play', { a: 's0', b: 's1', rounds: 2 });
  assert.equal(answer.status, 200);
  assert.equal(answer.headers['x-mesh-node'], 'a');
  assert.deepEqual(
    answer.body.hops.map((h: { key: string; servedBy: string }) => `${h.key}@${h.servedBy}`),
    ['s0@a', 's1@b', 's0@a', 's1@b'],
  );
  assert.equal((await counterOn(a, 's0')).value, 2);
  assert.equal((await counterOn(b, 's1')).value, 2);
});

test('budget: calls over budget wait up to 2 s, then 429 not-applied; load is reported under mesh.read', async (t) => {
  const nodes = await startNodes(['a'], { a: { env: { RELAY_SHARD_QPS_BUDGET: '2' } } });
  t.after(() => stopNodes(nodes));
  const [a] = nodes as [TestNode];
  publish(nodes, mapOf(1, { owner: 'a', replicas: [], fence: 1 }));
  const answers = await Promise.all(Array.from({ length: 10 }, () => call(a, 'counter::increment', { key: 's0' })));
  const ok = answers.filter((x) => x.status === 200);
  const throttled = answers.filter((x) => x.status === 429);
  assert.deepEqual([ok.length, throttled.length], [6, 4]);
  assert.ok(throttled.every((x) => x.headers['x-mesh-outcome'] === 'not-applied' && x.headers['rpc-status'] === 'ResourceExhausted'));
  const load = await request(a.port, 'GET', '/control/shards/load', { 'x-mesh-scope': 'mesh.read' });
  assert.equal(load.status, 200);
  assert.equal(load.body.budgetQps, 2);
  assert.ok(load.body.shards.some((s: { shardId: string; role: string }) => s.shardId === 's0' && s.role === 'owner'));
  const forbidden = await request(a.port, 'GET', '/control/shards/load', {});
  assert.equal(forbidden.status, 403);
  assert.match(String(forbidden.headers['content-type']), /problem\+json/);
  assert.match(await a.metrics.registry.render(), /mesh_shard_calls_total\{mesh_outcome="throttled"\} 4/);
});

// ---- seeded defects ---------------------------------------------------------------------------

test('kv::cas applies once per expected value, on every copy; a stale ifVersion is refused not-applied', async (t) => {
  const nodes = await startNodes(['a', 'b', 'c']);
  t.after(() => stopNodes(nodes));
  const [a, b] = nodes as [TestNode, TestNode, TestNode];
  publish(nodes, mapOf(1, ALL_ON_A));
  const h = { 'rpc-shard-key': 's0' };
  assert.deepEqual((await call(b, 'kv::cas', { key: 'r', expect: null, value: 'v1' }, h)).body, { key: 'r', applied: true, value: 'v1', version: 1 });
  // Ten concurrent calls expecting v1: exactly one applies.
  const racing = await Promise.all(Array.from({ length: 10 }, (_, i) => call(i % 2 ? a : b, 'kv::cas', { key: 'r', expect: 'v1', value: `w${i}` }, h)));
  assert.equal(racing.filter((r) => r.body.applied === true).length, 1);
  const states = await Promise.all(nodes.map((n) => shardState(n, 's0')));
  assert.ok(
    states.every((s) => s.body.digest === states[0]!.body.digest),
    'every copy decided alike',
  );
  const stale = await call(b, 'kv::set', { key: 'r', value: 'late', ifVersion: 1 }, h);
  assert.equal(stale.status, 400);
  assert.equal(stale.headers['x-mesh-outcome'], 'not-applied');
  assert.match(JSON.stringify(stale.body), /ifVersion 1 is stale, the key is at version 2/);
  assert.deepEqual((await call(b, 'kv::set', { key: 'r', value: 'next', ifVersion: 2 }, h)).body, { key: 'r', value: 'next', version: 3 });
  assert.equal((await call(b, 'kv::cas', { key: 'r', value: 'x' }, h)).status, 400);
});

/** An auditable entity changed by two callers, handed over from a to b, evicted on b, changed again. */
async function auditThroughHandover(defects = '') {
  const nodes = await startNodes(['a', 'b', 'c'], { a: { defects } });
  const [a, b] = nodes as [TestNode, TestNode, TestNode];
  publish(nodes, mapOf(1, ALL_ON_A));
  const h = { 'rpc-shard-key': 's0' };
  assert.deepEqual((await call(a, 'kv::traits', { key: 'e', auditable: true }, h)).body, { key: 'e', traits: ['versioned', 'auditable'] });
  await call(a, 'kv::set', { key: 'e', value: 'v1', ifVersion: 0 }, { ...h, 'rpc-caller': 'alice' });
  await call(a, 'kv::set', { key: 'e', value: 'v2', ifVersion: 1, who: 'bob' }, h);
  assert.equal((await handOver(a, 'b', 'audit-1')).status, 200);
  publish(nodes, mapOf(2, { owner: 'b', replicas: ['a', 'c'], fence: 2 }));
  const evicted = await request(
    b.port,
    'POST',
    '/control/shards/evict',
    { 'content-type': 'application/json', 'x-mesh-scope': 'mesh.operate' },
    { shardId: 's0' },
  );
  const stale = await call(b, 'kv::set', { key: 'e', value: 'late', ifVersion: 1, who: 'carol' }, h);
  await call(b, 'kv::set', { key: 'e', value: 'v3', ifVersion: 2, who: 'carol' }, h);
  const audit = await call(a, 'kv::audit', { key: 'e' }, h);
  const states = await Promise.all(nodes.map((n) => shardState(n, 's0')));
  await stopNodes(nodes);
  return { evicted, stale, audit, digests: new Set(states.map((st) => st.body.digest)) };
}

test('an entity with both traits keeps its audit log and refuses stale versions through a handover and an eviction', async () => {
  const { evicted, stale, audit, digests } = await auditThroughHandover();
  assert.deepEqual([evicted.status, evicted.body.evicted], [200, 1]);
  assert.deepEqual([stale.status, stale.headers['x-mesh-outcome']], [400, 'not-applied']);
  assert.deepEqual(audit.body, {
    key: 'e',
    auditable: true,
    entries: [
      { version: 1, who: 'alice', what: 'set', value: 'v1' },
      { version: 2, who: 'bob', what: 'set', value: 'v2' },
      { version: 3, who: 'carol', what: 'set', value: 'v3' },
    ],
  });
  assert.equal(digests.size, 1, 'every copy alike');
});

test('audit-lost-on-handover: the audit log restarts at the handover', async () => {
  const { audit, digests } = await auditThroughHandover('audit-lost-on-handover');
  assert.deepEqual(audit.body.entries, [{ version: 3, who: 'carol', what: 'set', value: 'v3' }]);
  // The old owner, a replica at the new fence already, keeps its full log: the copies differ too.
  assert.equal(digests.size, 2);
});

/** Timers scheduled on a (one of them cancelled), then the shard handed over to b before they are due. */
async function timersThroughHandover(defects = '') {
  const nodes = await startNodes(['a', 'b', 'c'], { a: { defects }, b: { defects } });
  const [a, b] = nodes as [TestNode, TestNode, TestNode];
  publish(nodes, mapOf(1, ALL_ON_A));
  const h = { 'rpc-shard-key': 's0' };
  const scheduled = await call(b, 'timer::schedule', { id: 't1', delayMs: 400, payload: { job: 1 } }, h);
  await call(a, 'timer::schedule', { id: 't2', delayMs: 400 }, h);
  const cancel = await call(a, 'timer::cancel', { id: 't2' }, h);
  assert.equal((await handOver(a, 'b', 'timers-1')).status, 200);
  publish(nodes, mapOf(2, { owner: 'b', replicas: ['a', 'c'], fence: 2 }));
  await sleep(900);
  const fires = await call(a, 'timer::fires', {}, h);
  await stopNodes(nodes);
  return { scheduled, cancel, timers: fires.body.timers as Array<Record<string, unknown>> };
}

test('a timer fires once, when due, on the node that owns its shard then; a cancelled one never fires', async () => {
  const { scheduled, cancel, timers } = await timersThroughHandover();
  assert.deepEqual([scheduled.status, scheduled.body.state, scheduled.body.created, scheduled.body.scheduledBy], [200, 'scheduled', true, 'a']);
  assert.deepEqual(cancel.body, { id: 't2', cancelled: true, state: 'cancelled' });
  const [t1, t2] = timers as [Record<string, number | string>, Record<string, unknown>];
  assert.deepEqual([t1.state, t1.firings, t1.firedBy, t1.firedAtFence], ['fired', 1, 'b', 2]);
  assert.ok((t1.firedAt as number) >= (t1.dueAt as number), 'not before it was due');
  assert.deepEqual([t2.state, t2.firings], ['cancelled', 0]);
});

test('timer-not-rearmed-after-failover: a timer taken over with its shard never fires', async () => {
  const { timers } = await timersThroughHandover('timer-not-rearmed-after-failover');
  assert.deepEqual([timers[0]!.state, timers[0]!.firings], ['scheduled', 0]);
});

/** A workflow of five 150-ms steps started on a; s0 handed to b mid-run; the workflow and its counters once done. */
async function workflowThroughHandover(defects = '') {
  const nodes = await startNodes(['a', 'b', 'c'], { a: { defects }, b: { defects } });
  const [a, b] = nodes as [TestNode, TestNode, TestNode];
  publish(nodes, mapOf(1, ALL_ON_A));
  const h = { 'rpc-shard-key': 's0' };
  const steps = Array.from({ length: 5 }, (_, i) => ({ key: `sink-${i}`, sleepMs: 150 }));
  const started = await call(b, 'workflow::run', { id: 'w1', steps }, h);
  await sleep(400);
  assert.equal((await handOver(a, 'b', 'workflow-1')).status, 200);
  publish(nodes, mapOf(2, { owner: 'b', replicas: ['a', 'c'], fence: 2 }, { s1: ALL_ON_A, s2: ALL_ON_A, s3: ALL_ON_A }));
  let w = (await call(a, 'workflow::get', { id: 'w1' }, h)).body;
  for (let i = 0; i < 40 && w.state !== 'completed'; i++) {
    await sleep(100);
    w = (await call(a, 'workflow::get', { id: 'w1' }, h)).body;
  }
  const counters = await Promise.all(steps.map(async (s) => (await call(a, 'counter::get', { key: s.key })).body.value as number));
  await stopNodes(nodes);
  return { started, w, counters };
}

test('a workflow resumes on the new owner from its journal: each activity applied once, in order', async () => {
  const { started, w, counters } = await workflowThroughHandover();
  assert.deepEqual(started.body, { id: 'w1', state: 'running', next: 0, steps: 5, created: true });
  assert.equal(w.state, 'completed');
  assert.deepEqual(
    w.journal.map((e: { step: number; outcome: string }) => [e.step, e.outcome]),
    [0, 1, 2, 3, 4].map((i) => [i, 'done']),
  );
  assert.deepEqual(new Set(w.journal.map((e: { by: string }) => e.by)), new Set(['a', 'b']), 'both owners ran steps');
  assert.deepEqual(counters, [1, 1, 1, 1, 1]);
});

test('activity-reexecuted-on-replay: the new owner applies the completed steps again', async () => {
  const { w, counters } = await workflowThroughHandover('activity-reexecuted-on-replay');
  assert.equal(w.state, 'completed');
  assert.ok(
    counters.some((n) => n > 1),
    `some activity applied twice: ${counters.join(',')}`,
  );
});

test('a failed workflow is retried from the failed step; a repeated dedup key changes nothing', async (t) => {
  const nodes = await startNodes(['a', 'b']);
  t.after(() => stopNodes(nodes));
  const [a] = nodes as [TestNode, TestNode];
  publish(nodes, mapOf(1, { owner: 'a', replicas: ['b'], fence: 1 }));
  const h = { 'rpc-shard-key': 's0' };
  await call(a, 'workflow::run', { id: 'w2', steps: [{ key: 'x0' }, { key: 'x1', by: 5 }, { key: 'x2' }], failAt: 1 }, h);
  const settle = async (state: string) => {
    for (let i = 0; i < 30; i++) {
      const w = (await call(a, 'workflow::get', { id: 'w2' }, h)).body;
      if (w.state === state) return w;
      await sleep(50);
    }
    throw new Error(`w2 never ${state}`);
  };
  const failed = await settle('failed');
  assert.deepEqual([failed.next, failed.journal.map((e: { outcome: string }) => e.outcome)], [1, ['done', 'failed']]);
  assert.deepEqual((await call(a, 'workflow::retry', { id: 'w2' }, h)).body, { id: 'w2', state: 'running', next: 1, steps: 3, retried: true });
  const done = await settle('completed');
  assert.deepEqual(
    done.journal.map((e: { step: number; outcome: string }) => `${e.step}:${e.outcome}`),
    ['0:done', '1:failed', '1:done', '2:done'],
  );
  assert.deepEqual((await call(a, 'counter::get', { key: 'x1' })).body.value, 5);
  assert.deepEqual((await call(a, 'counter::increment', { key: 'x1', by: 5, dedup: 'w2/1' })).body, { key: 'x1', value: 5, duplicate: true });
  assert.equal((await call(a, 'workflow::run', { id: 'w3', steps: [{ key: '' }] }, h)).status, 400);
  assert.equal((await call(a, 'workflow::get', { id: 'nope' }, h)).status, 404);
});

test('circular calls between entities: A → B → A → B, each message kept once, nothing held across a hop', async (t) => {
  const nodes = await startNodes(['a', 'b', 'c']);
  t.after(() => stopNodes(nodes));
  const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
  publish(nodes, mapOf(1, ALL_ON_A, { s1: { owner: 'b', replicas: ['c'], fence: 1 }, s2: { owner: 'c', replicas: ['a'], fence: 1 } }));
  const sent = await call(c, 'entity::send_to', { from: 'ping', to: 'pong', message: 'm1', replies: 2 });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  assert.deepEqual(
    sent.body.hops.map((h: { to: string }) => h.to),
    ['pong', 'ping', 'pong'],
  );
  const inbox = async (key: string) =>
    (await call(a, 'entity::messages', { key })).body.messages.map((m: { msgId: string; from: string }) => `${m.from}:${m.msgId}`);
  assert.deepEqual(await inbox('pong'), ['ping:ping>pong:"m1"', 'ping:ping>pong:"m1"/2/1']);
  assert.deepEqual(await inbox('ping'), ['pong:ping>pong:"m1"/2']);
  // The same message again is kept once.
  assert.equal((await call(b, 'entity::send_to', { from: 'ping', to: 'pong', message: 'm1' })).status, 200);
  assert.equal((await inbox('pong')).length, 2);
  assert.equal((await call(a, 'entity::send_to', { from: 'ping', to: 'pong', message: 'x', replies: 11 })).status, 400);
});

test('send-holds-entity-lock: a reply back to the sender waits for its lock and the circle fails', async (t) => {
  const nodes = await startNodes(['a', 'b'], { a: { defects: 'send-holds-entity-lock' }, b: { defects: 'send-holds-entity-lock' } });
  t.after(() => stopNodes(nodes));
  const [a] = nodes as [TestNode, TestNode];
  publish(nodes, mapOf(1, { owner: 'a', replicas: ['b'], fence: 1 }));
  assert.equal((await call(a, 'entity::send_to', { from: 'ping', to: 'pong', message: 'one-way' })).status, 200, 'no reply: no circle');
  const circle = await call(a, 'entity::send_to', { from: 'ping', to: 'pong', message: 'circle', replies: 1 });
  assert.notEqual(circle.status, 200);
});

test('the singleton task runs on the owner of its shard, and moves with it at a newer fence', async (t) => {
  const on = { env: { RELAY_SINGLETON_KEY: 'singleton/heartbeat' } };
  const nodes = await startNodes(['a', 'b'], { a: on, b: on });
  t.after(() => stopNodes(nodes));
  const [a, b] = nodes as [TestNode, TestNode];
  publish(nodes, mapOf(1, { owner: 'a', replicas: ['b'], fence: 1 }));
  const status = async (n: TestNode) => (await request(n.port, 'GET', '/control/singleton', { 'x-mesh-scope': 'mesh.read' })).body;
  for (let i = 0; i < 20 && !(await status(a)).running; i++) await sleep(100);
  assert.deepEqual([(await status(a)).running, (await status(a)).fence, (await status(b)).running], [true, 1, false]);
  publish(nodes, mapOf(2, { owner: 'b', replicas: ['a'], fence: 2 }));
  for (let i = 0; i < 20 && !(await status(b)).running; i++) await sleep(100);
  await sleep(300);
  assert.deepEqual([(await status(a)).running, (await status(b)).running, (await status(b)).fence], [false, true, 2]);
  const record = (await call(a, 'singleton::status', {})).body;
  assert.deepEqual(
    record.history.map((h: { runner: string; fence: number; until?: number }) => [h.runner, h.fence, h.until !== undefined]),
    [
      ['a', 1, true],
      ['b', 2, false],
    ],
  );
  assert.ok(record.history.every((h: { beats: number }) => h.beats > 0) && record.heartbeats > 1, JSON.stringify(record));
});

test('a deposed owner made owner again takes the newer replica copy before serving its own', async (t) => {
  const nodes = await startNodes(['a', 'b', 'c']);
  t.after(() => stopNodes(nodes));
  const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
  const h = { 'rpc-shard-key': 's0' };
  publish(nodes, mapOf(1, ALL_ON_A));
  await call(a, 'kv::set', { key: 'k', value: 'at-1' }, h);
  // a is cut off from the map: b owns s0 at fence 2 and writes; a, still at fence 1, is refused by b.
  const fence2 = mapOf(2, { owner: 'b', replicas: ['c'], fence: 2 });
  b.view.set(fence2);
  c.view.set(fence2);
  await call(b, 'kv::set', { key: 'k', value: 'at-2' }, h);
  assert.notEqual((await call(a, 'kv::set', { key: 'k', value: 'late' }, h)).status, 200);
  // The map comes back to a and names it owner at fence 3: its fence-1 copy is behind c's.
  publish(nodes, mapOf(3, { owner: 'a', replicas: ['b', 'c'], fence: 3 }));
  assert.deepEqual((await call(a, 'kv::get', { key: 'k' }, h)).body, { key: 'k', value: 'at-2', version: 2 });
  const digests = new Set(await Promise.all(nodes.map(async (n) => (await shardState(n, 's0')).body.digest)));
  assert.equal(digests.size, 1);
});

test('cas-not-atomic: concurrent calls expecting the same value both apply', async (t) => {
  const nodes = await startNodes(['a', 'b'], { a: { defects: 'cas-not-atomic' } });
  t.after(() => stopNodes(nodes));
  const [a] = nodes as [TestNode, TestNode];
  publish(nodes, mapOf(1, { owner: 'a', replicas: ['b'], fence: 1 }));
  const h = { 'rpc-shard-key': 's0' };
  await call(a, 'kv::cas', { key: 'r', expect: null, value: 'v1' }, h);
  const racing = await Promise.all(Array.from({ length: 10 }, (_, i) => call(a, 'kv::cas', { key: 'r', expect: 'v1', value: `w${i}` }, h)));
  assert.ok(racing.filter((r) => r.body.applied === true).length > 1, 'more than one applied');
});

test('ack-before-replication: right after the ack a replica lacks the acknowledged write', async (t) => {
  const nodes = await startNodes(['a', 'b'], { a: { defects: 'ack-before-replication' } });
  t.after(() => stopNodes(nodes));
  const [a, b] = nodes as [TestNode, TestNode];
  publish(nodes, mapOf(1, { owner: 'a', replicas: ['b'], fence: 1 }));
  assert.equal((await call(a, 'counter::increment', { key: 's0' })).body.value, 1);
  assert.equal((await counterOn(b, 's0')).value, undefined);
  await sleep(1400);
  assert.equal((await counterOn(b, 's0')).value, 1);
});

for (const defect of [false, true]) {
  test(`slow call in flight across a move: ${defect ? 'drop-inflight-on-move cuts it off' : 'finishes on the old owner'}`, async (t) => {
    const nodes = await startNodes(['a', 'b'], defect ? { a: { defects: 'drop-inflight-on-move' } } : {});
    t.after(() => stopNodes(nodes));
    publish(nodes, mapOf(1, { owner: 'a', replicas: ['b'], fence: 1 }));
    const slow = call(nodes[0] as TestNode, 'slow::call', { ms: 600 }, { 'rpc-shard-key': 's0' });
    await sleep(150);
    publish(nodes, mapOf(2, { owner: 'b', replicas: ['a'], fence: 2 }));
    if (defect) {
      await assert.rejects(slow);
    } else {
      const answer = await slow;
      assert.deepEqual([answer.status, answer.headers['x-mesh-node'], answer.body], [200, 'a', { sleptMs: 600, shardId: 's0' }]);
    }
  });
}

test('replica-never-catches-up: after a gap the replica applies on top of what it has', async (t) => {
  const nodes = await startNodes(['a', 'b', 'c'], { b: { defects: 'replica-never-catches-up' } });
  t.after(() => stopNodes(nodes));
  const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
  publish(nodes, mapOf(1, { owner: 'a', replicas: ['c'], fence: 1 }));
  for (let i = 0; i < 3; i += 1) await call(a, 'counter::increment', { key: 's0' });
  publish(nodes, mapOf(2, ALL_ON_A));
  assert.equal((await call(a, 'counter::increment', { key: 's0' })).status, 200);
  const [aState, bState, cState] = await Promise.all([counterOn(a, 's0'), counterOn(b, 's0'), counterOn(c, 's0')]);
  assert.deepEqual([aState.value, cState.value, bState.value, bState.index], [4, 4, 1, 4]);
  assert.equal(cState.digest, aState.digest);
  assert.notEqual(bState.digest, aState.digest);
});

for (const defect of [false, true]) {
  test(`a deposed owner's read: ${defect ? 'kv-stale-read answers its stale copy' : 'the barrier refuses it'}`, async (t) => {
    const nodes = await startNodes(['a', 'b', 'c'], defect ? { a: { defects: 'kv-stale-read' } } : {});
    t.after(() => stopNodes(nodes));
    const read = await readThroughDeposedOwner(nodes);
    if (defect) assert.deepEqual([read.status, read.body.value], [200, 'old']);
    else assert.deepEqual([read.status, read.headers['x-mesh-outcome']], [503, 'not-applied']);
  });
}

for (const defect of [false, true]) {
  test(`drain with writes queued in flight: ${defect ? 'drain-acks-inflight acks them unapplied' : 'they finish'}`, async (t) => {
    const env = { RELAY_SHARD_QPS_BUDGET: '1' };
    const nodes = await startNodes(['a'], { a: defect ? { env, defects: 'drain-acks-inflight' } : { env } });
    t.after(() => stopNodes(nodes));
    const [a] = nodes as [TestNode];
    publish(nodes, mapOf(1, { owner: 'a', replicas: [], fence: 1 }));
    const started = Date.now();
    const calls = Array.from({ length: 3 }, () => call(a, 'counter::increment', { key: 's0' }));
    await sleep(150);
    a.plane.onDrain();
    const answers = await Promise.all(calls);
    assert.ok(answers.every((x) => x.status === 200));
    await sleep(defect ? 2200 : 0);
    const value = (await counterOn(a, 's0')).value;
    if (defect) {
      assert.ok(Date.now() - started < 3000);
      assert.equal(value, 1);
    } else {
      assert.ok(Date.now() - started >= 1900);
      assert.equal(value, 3);
    }
  });
}

for (const defect of [false, true]) {
  test(`an owner failover promotes the first replica: ${defect ? 'replicate-skips-first-replica left it empty, writes are lost' : 'it holds every acknowledged write'}`, async (t) => {
    const nodes = await startNodes(
      ['a', 'b', 'c', 'd'],
      defect ? { a: { defects: 'replicate-skips-first-replica' }, b: { defects: 'replicate-skips-first-replica' } } : {},
    );
    t.after(() => stopNodes(nodes));
    const [a, b, c, d] = nodes as [TestNode, TestNode, TestNode, TestNode];
    publish(nodes, mapOf(1, { owner: 'a', replicas: ['b', 'c'], fence: 1 }));
    for (let i = 0; i < 3; i += 1) assert.equal((await call(a, 'counter::increment', { key: 's0' })).status, 200);
    assert.deepEqual([(await counterOn(b, 's0')).value, (await counterOn(c, 's0')).value], defect ? [undefined, 3] : [3, 3]);

    // a is gone; the next in rendezvous order takes over, the one after it joins the replicas.
    const v2 = mapOf(2, { owner: 'b', replicas: ['c', 'd'], fence: 2 });
    for (const node of [b, c, d]) node.view.set(v2);
    const answer = await call(c, 'counter::increment', { key: 's0' });
    assert.deepEqual([answer.status, answer.headers['x-mesh-node'], answer.body.value], [200, 'b', defect ? 1 : 4]);
  });
}

for (const defect of [false, true]) {
  test(`an owner cut off from its replicas: ${defect ? 'read-barrier-ignores-unreachable answers from its copy' : 'the barrier refuses the read'}`, async (t) => {
    const nodes = await startNodes(['a', 'b', 'c'], defect ? { a: { defects: 'read-barrier-ignores-unreachable' } } : {});
    t.after(() => stopNodes([nodes[0] as TestNode]));
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
    publish(nodes, mapOf(1, ALL_ON_A));
    await call(a, 'kv::set', { key: 'k', value: 'old' }, { 'rpc-shard-key': 's0' });
    await stopNodes([b, c]); // the replicas no longer answer at all (as behind a partition)
    const read = await call(a, 'kv::get', { key: 'k' }, { 'rpc-shard-key': 's0' });
    if (defect) assert.deepEqual([read.status, read.body.value], [200, 'old']);
    else assert.deepEqual([read.status, read.headers['x-mesh-outcome']], [503, 'not-applied']);
  });
}

test('read-barrier-ignores-unreachable still fails a read that a replica refuses', async (t) => {
  const nodes = await startNodes(['a', 'b', 'c'], { a: { defects: 'read-barrier-ignores-unreachable' } });
  t.after(() => stopNodes(nodes));
  const read = await readThroughDeposedOwner(nodes);
  assert.deepEqual([read.status, read.headers['x-mesh-outcome']], [503, 'not-applied']);
});

for (const defect of [false, true]) {
  test(`a replica catching up from a snapshot: ${defect ? 'catch-up-skips-triggering-entry leaves it one entry behind' : 'it applies the entry and ends identical'}`, async (t) => {
    const nodes = await startNodes(['a', 'b', 'c'], defect ? { c: { defects: 'catch-up-skips-triggering-entry' } } : {});
    t.after(() => stopNodes(nodes));
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
    publish(nodes, mapOf(1, { owner: 'a', replicas: ['b'], fence: 1 }));
    for (let i = 0; i < 3; i += 1) await call(a, 'counter::increment', { key: 's0' });
    publish(nodes, mapOf(2, ALL_ON_A)); // c joins the replicas, holding nothing
    for (const expected of [4, 5]) {
      const answer = await call(b, 'counter::increment', { key: 's0' });
      assert.deepEqual([answer.status, answer.body.value], [200, expected], 'acknowledged either way');
      const [aState, cState] = await Promise.all([counterOn(a, 's0'), counterOn(c, 's0')]);
      if (defect) assert.deepEqual([cState.value, cState.index, aState.index], [expected - 1, aState.index - 1, expected]);
      else assert.deepEqual([cState.value, cState.index, cState.digest], [expected, aState.index, aState.digest]);
    }
  });
}

/** A replica stub that answers every entry 200 after `ms`, keeping the owner's write (and its shard lock) busy. */
async function slowReplica(ms: number): Promise<{ port: number; close: () => void; received: (n: number) => Promise<void> }> {
  let count = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const stub = http.createServer((req, res) => {
    count++;
    for (const w of waiters.filter((x) => x.n <= count)) w.resolve();
    req.resume();
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), ms);
  });
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  return {
    port: (stub.address() as AddressInfo).port,
    close: () => {
      stub.closeAllConnections();
      stub.close();
    },
    /** Resolves once the stub has received its `n`-th replication request: a write is then in flight. */
    received: (n) => (count >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
  };
}

for (const defect of [false, true]) {
  test(`a call held during a handover: ${defect ? 'held-calls-refused-after-handover answers it 503' : 'it is passed on to the new owner'}`, async (t) => {
    const stub = await slowReplica(300);
    const nodes = await startNodes(['a', 'b', 'c'], defect ? { a: { defects: 'held-calls-refused-after-handover' } } : {}, { d: stub.port });
    t.after(async () => {
      await stopNodes(nodes);
      stub.close();
    });
    const [first, result, second] = await handoverWithHeldCall(nodes, stub);
    assert.deepEqual([first.status, result.status, result.body.heldCalls], [200, 200, 1]);
    if (defect) assert.deepEqual([second.status, second.headers['x-mesh-node'], second.headers['x-mesh-outcome']], [503, 'a', 'not-applied']);
    else assert.deepEqual([second.status, second.headers['x-mesh-node'], second.body.value], [200, 'b', 2]);
    assert.equal((await counterOn(nodes[1] as TestNode, 's0')).value, defect ? 1 : 2);
  });
}

for (const defect of [false, true]) {
  test(`a write in flight when a drain starts: ${defect ? 'drain-hands-over-early-snapshot leaves it out of the handover' : 'the handover carries it'}`, async (t) => {
    const stub = await slowReplica(300);
    const nodes = await startNodes(['a', 'b'], defect ? { a: { defects: 'drain-hands-over-early-snapshot' } } : {}, { d: stub.port });
    t.after(async () => {
      await stopNodes(nodes);
      stub.close();
    });
    const [a, b] = nodes as [TestNode, TestNode];
    publish(nodes, mapOf(1, { owner: 'a', replicas: ['d'], fence: 1 }));
    assert.equal((await call(a, 'counter::increment', { key: 's0' })).body.value, 1);
    const inFlight = call(a, 'counter::increment', { key: 's0' });
    await stub.received(2); // the second write is being replicated: in flight when the drain starts
    a.plane.onDrain();
    const acknowledged = await inFlight;
    assert.deepEqual([acknowledged.status, acknowledged.body.value], [200, 2], 'acknowledged either way');
    const handover = await handOver(a, 'b', 'drain:a');
    assert.equal(handover.status, 200);
    const moved = await counterOn(b, 's0');
    assert.deepEqual([moved.role, moved.value, moved.index], defect ? ['owner', 1, 1] : ['owner', 2, 2]);
  });
}

/**
 * a owns s0 (its replica d answers slowly): a write in flight on a, then a handover a → b, then a write
 * through c that a holds while it hands over. Answers [in-flight write, handover, held write].
 */
async function handoverWithHeldCall(nodes: TestNode[], stub: { received: (n: number) => Promise<void> }) {
  const [a, , c] = nodes as [TestNode, TestNode, TestNode];
  publish(nodes, mapOf(1, { owner: 'a', replicas: ['d'], fence: 1 }));
  const inFlight = call(a, 'counter::increment', { key: 's0' });
  await stub.received(1); // the write is being replicated: in flight when the handover starts
  const handover = handOver(a, 'b', 'rebalance-1');
  await sleep(50);
  const held = call(c, 'counter::increment', { key: 's0' });
  return Promise.all([inFlight, handover, held]);
}

/** a writes "old" to k on s0, the map moves s0 to b (with c) without telling a, b writes "new": a's read of k. */
async function readThroughDeposedOwner(nodes: TestNode[]) {
  const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
  publish(nodes, mapOf(1, ALL_ON_A));
  await call(a, 'kv::set', { key: 'k', value: 'old' }, { 'rpc-shard-key': 's0' });
  const v2 = mapOf(2, { owner: 'b', replicas: ['c'], fence: 2 });
  b.view.set(v2);
  c.view.set(v2);
  await call(b, 'kv::set', { key: 'k', value: 'new' }, { 'rpc-shard-key': 's0' });
  return call(a, 'kv::get', { key: 'k' }, { 'rpc-shard-key': 's0' });
}

/** `POST /mesh/shards/handover` of s0 to `to` at fence 2, sent to `from`. */
function handOver(from: TestNode, to: string, ticket: string) {
  return request(
    from.port,
    'POST',
    '/mesh/shards/handover',
    { 'content-type': 'application/json' },
    { namespace: NAMESPACE, shardId: 's0', to, fenceToken: 2, ticket },
  );
}
