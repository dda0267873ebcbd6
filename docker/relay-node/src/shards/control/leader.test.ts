import { describe, test } from 'node:test';
import { seeded } from '../../defects';
import assert from 'node:assert/strict';
import type { Tracer } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ShardConfig } from '../../config';
import { MembershipTable } from '../../gossip/membership';
import type { MemberMetadata } from '../../gossip/types';
import { createLogger } from '../../log';
import { MetricsRegistry } from '../../metrics';
import type { ShardLoadReport, ShardMap } from '../types';
import { DRAINING_VALUE, SHARD_LABEL } from './drain';
import { coolest, HANDOVER_PATH, LOAD_PATH, type NodeCaller, RebalanceError, ShardLeader } from './leader';
import { ShardMapCache } from './map-cache';
import { historyEntry, type HistoryEntry, type MapStoreLike, type PublishResult, type StoredMap } from './map-store';

const quiet = createLogger({}, 'error', () => undefined);

/** In-memory store with etcd's compare-on-mod-revision semantics. */
class MemoryStore implements MapStoreLike {
  stored: StoredMap | undefined;
  entries: HistoryEntry[] = [];
  private revision = 0;
  publishes = 0;
  async read(): Promise<StoredMap | undefined> {
    return this.stored;
  }
  async publish(next: ShardMap, expected: number, previous?: ShardMap): Promise<PublishResult> {
    if ((this.stored?.modRevision ?? 0) !== expected) return { ok: false, current: this.stored };
    this.revision += 1;
    this.publishes += 1;
    this.stored = { map: next, modRevision: this.revision };
    this.entries.push(historyEntry(next, previous));
    return { ok: true, modRevision: this.revision };
  }
  async history(from: number, to: number): Promise<HistoryEntry[]> {
    return this.entries.filter((e) => e.version >= from && e.version <= to);
  }
}

const meta = (nodeId: string, labels: Record<string, string> = {}): MemberMetadata => ({
  nodeId,
  role: '',
  clusterId: 'omnirelay',
  region: 'east',
  meshVersion: '0.1.0',
  http3Support: false,
  endpoint: `${nodeId}:17421`,
  metadataVersion: 1,
  labels: { httpEndpoint: `${nodeId}:8080`, ...labels },
});

const SHARDS: ShardConfig = {
  namespace: 'mesh.control',
  ids: Array.from({ length: 16 }, (_, i) => `shard-${String(i).padStart(2, '0')}`),
  strategyId: 'rendezvous',
  replicas: 2,
  qpsBudget: 10,
  mapPollMs: 50,
  handoverTimeoutMs: 200,
  replicationTimeoutMs: 100,
  rebalanceCooldownMs: 10_000,
  entityDir: '/tmp/relay-entities',
  residentMax: 0,
  singletonKey: 'singleton/heartbeat',
};

interface Call {
  nodeId: string;
  method: string;
  path: string;
  body: unknown;
}

function setup(
  options: {
    leader?: boolean;
    loads?: Record<string, ShardLoadReport>;
    handover?: (nodeId: string) => Promise<{ status: number; body: unknown }>;
    tracer?: Tracer;
  } = {},
) {
  const table = new MembershipTable(meta('a'), { suspicionMs: 5000, leftMs: 11000 });
  for (const id of ['b', 'c']) table.recordDirect(meta(id), Date.now());
  const store = new MemoryStore();
  const cache = new ShardMapCache({ store, pollMs: 50, defects: seeded(), log: quiet });
  const calls: Call[] = [];
  const call: NodeCaller = async (nodeId, method, path, body) => {
    calls.push({ nodeId, method, path, body });
    if (path === HANDOVER_PATH)
      return options.handover
        ? options.handover(nodeId)
        : { status: 200, body: { shardId: 'x', from: nodeId, to: 'y', fenceToken: 2, index: 7, heldCalls: 1, ms: 2 } };
    if (path === LOAD_PATH) {
      const report = options.loads?.[nodeId];
      return report ? { status: 200, body: structuredClone(report) } : { status: 503, body: {} };
    }
    return { status: 404, body: {} };
  };
  const registry = new MetricsRegistry();
  let leading = options.leader ?? true;
  let now = 1_000_000;
  const leader = new ShardLeader({
    nodeId: 'a',
    httpPort: 8080,
    electionIntervalMs: 50,
    shards: SHARDS,
    table,
    store,
    cache,
    registry,
    log: quiet,
    isLeader: () => leading,
    call,
    now: () => now,
    ...(options.tracer ? { tracer: options.tracer } : {}),
  });
  return {
    table,
    store,
    cache,
    calls,
    registry,
    leader,
    setLeading: (v: boolean) => (leading = v),
    advance: (ms: number) => (now += ms),
  };
}

const drainPeer = (table: MembershipTable, id: string): void => {
  table.recordDirect({ ...meta(id, { [SHARD_LABEL]: DRAINING_VALUE }), metadataVersion: 2 }, Date.now());
};

describe('ShardLeader', () => {
  test('publishes only as leader, and only real changes', async () => {
    const t = setup({ leader: false });
    assert.deepEqual(await t.leader.tick(), { published: false, reason: 'not-leader' });
    assert.equal(t.store.publishes, 0);
    t.setLeading(true);
    const first = await t.leader.tick();
    assert.ok(first.published);
    assert.equal(first.map.version, 1);
    assert.ok(first.map.records.every((r) => r.changeTicket === 'bootstrap' && ['a', 'b', 'c'].includes(r.ownerNodeId)));
    assert.equal(t.cache.current()?.version, 1, "the leader's own view takes its publish at once");
    assert.deepEqual(await t.leader.tick(), { published: false, reason: 'unchanged' });
    assert.equal(t.calls.length, 0, 'a first map hands nothing over');
    const text = await t.registry.render();
    assert.match(text, /mesh_shard_map_version\{mesh_namespace="mesh.control"\} 1/);
    const owned = t.store.stored!.map.records.filter((r) => r.ownerNodeId === 'a').length;
    assert.match(text, new RegExp(`mesh_shard_owned\\{mesh_namespace="mesh.control"\\} ${owned}\n`));
  });

  test("a draining peer's shards move away with a handover at the new fence", async () => {
    const t = setup();
    await t.leader.tick();
    const before = t.store.stored!.map;
    const ownedByC = before.records.filter((r) => r.ownerNodeId === 'c').map((r) => r.shardId);
    assert.ok(ownedByC.length > 0);
    drainPeer(t.table, 'c');
    const outcome = await t.leader.tick();
    assert.ok(outcome.published);
    assert.equal(outcome.map.version, 2);
    const handovers = t.calls.filter((c) => c.path === HANDOVER_PATH);
    assert.deepEqual(handovers.map((c) => (c.body as { shardId: string }).shardId).sort(), [...ownedByC].sort());
    for (const c of handovers) {
      assert.equal(c.nodeId, 'c');
      assert.equal(c.method, 'POST');
      const body = c.body as { namespace: string; to: string; fenceToken: number; ticket: string };
      assert.equal(body.namespace, 'mesh.control');
      assert.equal(body.fenceToken, 2);
      assert.equal(body.ticket, 'drain:c');
      assert.ok(['a', 'b'].includes(body.to));
    }
    assert.ok(outcome.map.records.every((r) => r.ownerNodeId !== 'c' && !r.replicas.includes('c')));
    const text = await t.registry.render();
    assert.match(text, new RegExp(`mesh_shard_moves_total\\{mesh_namespace="mesh.control",mesh_reason="drain"\\} ${ownedByC.length}`));
    assert.match(text, /mesh_shard_handover_duration_ms_count \d+/);
  });

  test('the leader hands over its own shards through itself; a dead owner gets no handover', async () => {
    const t = setup();
    await t.leader.tick();
    const map = t.store.stored!.map;
    // The leader drains: its shards are handed over by calling its own endpoint.
    t.table.updateLocalMetadata((m) => ({ ...m, labels: { ...m.labels, [SHARD_LABEL]: DRAINING_VALUE } }));
    await t.leader.tick();
    const own = map.records.filter((r) => r.ownerNodeId === 'a').length;
    assert.equal(t.calls.filter((c) => c.nodeId === 'a' && c.path === HANDOVER_PATH).length, own);
    // A node that is gone (no longer Alive) is not asked.
    const u = setup();
    await u.leader.tick();
    const table = u.table as unknown as { members: Map<string, { lastSeenMs: number }> };
    table.members.get('b')!.lastSeenMs = Date.now() - 20_000;
    u.table.sweep(Date.now());
    const moved = await u.leader.tick();
    assert.ok(moved.published && moved.moves.length > 0);
    assert.equal(u.calls.filter((c) => c.path === HANDOVER_PATH).length, 0);
    assert.ok(Object.values(moved.published ? moved.handovers : {}).every((h) => h.status === 'skipped'));
  });

  test('moves are counted and traced by reason: failover from a dead owner, placement when a node joins', async () => {
    const exporter = new InMemorySpanExporter();
    const processor = new SimpleSpanProcessor({ exporter });
    const t = setup({ tracer: new TracerProvider({ spanProcessors: [processor] }).getTracer('test') });
    await t.leader.tick();
    const members = (t.table as unknown as { members: Map<string, { lastSeenMs: number }> }).members;
    members.get('b')!.lastSeenMs = Date.now() - 20_000;
    t.table.sweep(Date.now());
    const failover = await t.leader.tick();
    assert.ok(failover.published && failover.moves.length > 0 && failover.moves.every((m) => m.from === 'b'));
    t.table.recordDirect(meta('d'), Date.now());
    const placement = await t.leader.tick();
    assert.ok(placement.published && placement.moves.length > 0 && placement.moves.every((m) => m.from !== 'b'));
    const text = await t.registry.render();
    assert.match(text, new RegExp(`mesh_shard_moves_total\\{mesh_namespace="mesh.control",mesh_reason="failover"\\} ${failover.moves.length}\n`));
    assert.match(text, new RegExp(`mesh_shard_moves_total\\{mesh_namespace="mesh.control",mesh_reason="placement"\\} ${placement.moves.length}\n`));
    await processor.forceFlush();
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'mesh.shard.move');
    assert.equal(spans.length, failover.moves.length + placement.moves.length);
    const move = failover.moves[0]!;
    const span = spans.find((s) => s.attributes['mesh.shard_id'] === move.shardId && s.attributes['mesh.map_version'] === 2);
    assert.deepEqual(span?.attributes, {
      'mesh.namespace': 'mesh.control',
      'mesh.shard_id': move.shardId,
      'mesh.from_node': 'b',
      'mesh.to_node': move.to,
      'mesh.reason': 'failover',
      'mesh.map_version': 2,
      'mesh.fence_token': 2,
      'mesh.handover': 'skipped',
    });
  });

  test('a handover that times out or fails still publishes', async () => {
    const t = setup({ handover: () => Promise.reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' })) });
    await t.leader.tick();
    drainPeer(t.table, 'b');
    const outcome = await t.leader.tick();
    assert.ok(outcome.published);
    assert.ok(Object.values(outcome.handovers).every((h) => h.status === 'timeout'));
  });

  test('operator rebalance: override, handover to the old owner, errors', async () => {
    const t = setup();
    await t.leader.tick();
    const record = t.store.stored!.map.records[0]!;
    const to = ['a', 'b', 'c'].find((n) => n !== record.ownerNodeId)!;
    const result = await t.leader.rebalance(record.shardId, to);
    assert.equal(result.from, record.ownerNodeId);
    assert.equal(result.to, to);
    assert.equal(result.version, 2);
    assert.equal(result.handover.status, 'completed');
    assert.equal(result.handover.index, 7, "the old owner's HandoverResult fields are carried");
    assert.equal(result.handover.heldCalls, 1);
    assert.equal(typeof result.handover.ms, 'number');
    const published = t.store.stored!.map;
    assert.equal(published.records[0]!.ownerNodeId, to);
    assert.equal(published.records[0]!.changeTicket, 'rebalance-2');
    assert.equal(published.overrides[record.shardId], to);
    assert.match(await t.registry.render(), /mesh_shard_moves_total\{mesh_namespace="mesh.control",mesh_reason="rebalance"\} 1/);

    const same = await t.leader.rebalance(record.shardId, to);
    assert.equal(same.version, 2, 'already there: nothing published');
    await assert.rejects(t.leader.rebalance('nope', 'b'), (e: unknown) => e instanceof RebalanceError && e.status === 404);
    await assert.rejects(t.leader.rebalance(record.shardId, 'zz'), (e: unknown) => e instanceof RebalanceError && e.status === 409);
    t.setLeading(false);
    await assert.rejects(t.leader.rebalance(record.shardId, 'b'), (e: unknown) => e instanceof RebalanceError && e.status === 503);
  });

  test('load: a shard over budget moves to its coolest replica once per cooldown', async () => {
    const loads: Record<string, ShardLoadReport> = {};
    const t = setup({ loads });
    await t.leader.tick();
    const record = t.store.stored!.map.records[0]!;
    const [r1, r2] = record.replicas as [string, string];
    const report = (nodeId: string, totalQps: number, shards: ShardLoadReport['shards'] = []): ShardLoadReport => ({ nodeId, budgetQps: 10, totalQps, shards });
    loads[record.ownerNodeId] = report(record.ownerNodeId, 50, [{ shardId: record.shardId, qps: 40, inFlight: 1, role: 'owner' }]);
    loads[r1] = report(r1, 30);
    loads[r2] = report(r2, 5);
    const outcome = await t.leader.balance();
    assert.ok(outcome?.published);
    const moved = outcome.map.records[0]!;
    assert.equal(moved.ownerNodeId, r2, 'the coolest replica');
    assert.equal(moved.changeTicket, `rebalance-${outcome.map.version}`);
    assert.match(await t.registry.render(), /mesh_shard_moves_total\{mesh_namespace="mesh.control",mesh_reason="rebalance"\} 1/);

    // The new owner is hot too, but the shard moved within the cooldown: left alone.
    loads[r2] = report(r2, 45, [{ shardId: record.shardId, qps: 40, inFlight: 0, role: 'owner' }]);
    loads[record.ownerNodeId] = report(record.ownerNodeId, 10);
    assert.equal(await t.leader.balance(), undefined);
    t.advance(SHARDS.rebalanceCooldownMs + 1);
    const again = await t.leader.balance();
    assert.ok(again?.published);
  });

  test('load: a new leader inherits the cooldown from the map', async () => {
    const loads: Record<string, ShardLoadReport> = {};
    const t = setup({ loads });
    await t.leader.tick();
    const record = t.store.stored!.map.records[0]!;
    const to = record.replicas[0]!;
    await t.leader.rebalance(record.shardId, to);
    // Another leader, same store, no memory of the move.
    const u = setup({ loads });
    u.store.stored = t.store.stored;
    u.cache.offer(t.store.stored!.map);
    loads[to] = { nodeId: to, budgetQps: 10, totalQps: 50, shards: [{ shardId: record.shardId, qps: 40, inFlight: 0, role: 'owner' }] };
    for (const n of ['a', 'b', 'c'].filter((n) => n !== to)) loads[n] = { nodeId: n, budgetQps: 10, totalQps: 0, shards: [] };
    assert.equal(await u.leader.balance(), undefined);
    u.advance(SHARDS.rebalanceCooldownMs + 1);
    assert.ok((await u.leader.balance())?.published);
  });

  test('load: a shard placed by a membership change a moment ago may move for its load at once', async () => {
    const loads: Record<string, ShardLoadReport> = {};
    const t = setup({ loads });
    await t.leader.tick();
    // A node joins: the next round places some shards on it (placement, not a move for load).
    t.table.recordDirect(meta('d'), Date.now());
    t.advance(1_000);
    const placed = await t.leader.tick();
    assert.ok(placed.published);
    const record = placed.map.records.find((r) => r.changeTicket === 'membership' && r.version === placed.map.version);
    assert.ok(record, 'the join moved at least one shard');
    t.advance(1_000);
    for (const n of ['a', 'b', 'c', 'd']) loads[n] = { nodeId: n, budgetQps: 10, totalQps: 0, shards: [] };
    loads[record.ownerNodeId] = {
      nodeId: record.ownerNodeId,
      budgetQps: 10,
      totalQps: 50,
      shards: [{ shardId: record.shardId, qps: 40, inFlight: 0, role: 'owner' }],
    };
    const outcome = await t.leader.balance();
    assert.ok(outcome?.published, 'the cooldown follows moves for load only (RELAY_REBALANCE_COOLDOWN_MS)');
    const moved = outcome.map.records.find((r) => r.shardId === record.shardId)!;
    assert.ok(record.replicas.includes(moved.ownerNodeId));
    assert.equal(moved.changeTicket, `rebalance-${outcome.map.version}`);
  });

  test("load: no move when it would not lower the owner's load", async () => {
    const loads: Record<string, ShardLoadReport> = {};
    const t = setup({ loads });
    await t.leader.tick();
    const record = t.store.stored!.map.records[0]!;
    loads[record.ownerNodeId] = {
      nodeId: record.ownerNodeId,
      budgetQps: 10,
      totalQps: 20,
      shards: [{ shardId: record.shardId, qps: 20, inFlight: 0, role: 'owner' }],
    };
    for (const r of record.replicas) loads[r] = { nodeId: r, budgetQps: 10, totalQps: 25, shards: [] };
    assert.equal(await t.leader.balance(), undefined);
  });

  test('coolest: lowest totalQps, ties by node id, nodes without a report skipped', () => {
    const r = (nodeId: string, totalQps: number): ShardLoadReport => ({ nodeId, budgetQps: 0, totalQps, shards: [] });
    const loads = new Map([
      ['b', r('b', 5)],
      ['c', r('c', 5)],
      ['d', r('d', 1)],
    ]);
    assert.equal(coolest(['c', 'b'], loads), 'b');
    assert.equal(coolest(['c', 'd', 'x'], loads), 'd');
    assert.equal(coolest(['x'], loads), undefined);
  });
});
