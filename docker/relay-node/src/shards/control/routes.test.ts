// The control routes on an in-process HTTP server, with an in-memory history and a fake leader.
import { seeded } from '../../defects';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_SHARD_IDS } from '../../config';
import { MembershipTable } from '../../gossip/membership';
import type { MemberMetadata } from '../../gossip/types';
import { RouteTable } from '../../http/routes';
import { createLogger } from '../../log';
import { NodeState } from '../../state';
import type { ShardMap } from '../types';
import { DrainController } from './drain';
import { RebalanceError, type RebalanceResult } from './leader';
import { ShardMapCache } from './map-cache';
import { historyEntry, type HistoryEntry } from './map-store';
import { planMap, type PlanInput } from './planner';
import { shardControlRoutes } from './routes';

const quiet = createLogger({}, 'error', () => undefined);
const NS = 'mesh.control';

const plan = (previous: ShardMap | undefined, nodes: string[], overrides: Partial<PlanInput> = {}): ShardMap =>
  planMap(previous, {
    namespace: NS,
    shardIds: DEFAULT_SHARD_IDS,
    strategyId: 'rendezvous',
    replicas: 2,
    nodes: nodes.map((nodeId) => ({ nodeId })),
    overrides: {},
    leaderId: 'a',
    now: new Date('2025-01-01T00:00:00Z'),
    ticket: (c) => (c.from === undefined ? 'bootstrap' : 'membership'),
    ...overrides,
  }).map!;

const meta = (nodeId: string, httpEndpoint: string): MemberMetadata => ({
  nodeId,
  role: '',
  clusterId: 'c',
  region: 'r',
  meshVersion: '0',
  http3Support: false,
  endpoint: `${nodeId}:1`,
  metadataVersion: 1,
  labels: { httpEndpoint },
});

interface Node {
  url: string;
  server: Server;
  cache: ShardMapCache;
  entries: HistoryEntry[];
  rebalances: [string, string | undefined][];
  state: NodeState;
}

async function startNode(options: { nodeId: string; leader: boolean; leaderId?: () => string | undefined; table?: MembershipTable }): Promise<Node> {
  const cache = new ShardMapCache({ store: undefined, pollMs: 10, defects: seeded(), log: quiet });
  const entries: HistoryEntry[] = [];
  const rebalances: [string, string | undefined][] = [];
  const state = new NodeState({ enrollment: false, etcd: false, etcdStaleMs: 3000 });
  const table = options.table ?? new MembershipTable(meta(options.nodeId, '127.0.0.1:1'), { suspicionMs: 5000, leftMs: 11000 });
  const routes = new RouteTable(
    shardControlRoutes({
      nodeId: options.nodeId,
      namespace: NS,
      shardIds: DEFAULT_SHARD_IDS,
      replicas: 2,
      httpPort: 1,
      forwardTimeoutMs: 1000,
      handoverTimeoutMs: 1000,
      view: cache,
      store: { history: async (from, to) => entries.filter((e) => e.version >= from && e.version <= to) },
      leader: {
        rebalance: async (shardId: string, to?: string): Promise<RebalanceResult> => {
          rebalances.push([shardId, to]);
          if (shardId === 'missing') throw new RebalanceError(404, 'shards.control.shard.missing', 'no such shard');
          if (to === 'zz') throw new RebalanceError(409, 'shards.control.target.ineligible', 'not eligible');
          return { shardId, from: 'a', to: to ?? 'b', version: 9, handover: { status: 'completed', ms: 3 } };
        },
      },
      isLeader: () => options.leader,
      leaderId: options.leaderId ?? (() => (options.leader ? options.nodeId : undefined)),
      table,
      drain: new DrainController({ nodeId: options.nodeId, state, table, view: cache, log: quiet, pollMs: 10 }),
      log: quiet,
    }),
  );
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    void routes.dispatch(req, res, url).then((handled) => {
      if (!handled) {
        res.writeHead(418);
        res.end('not mine');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, cache, entries, rebalances, state };
}

/** Publishes a map into a node's view and history, as the store and cache would. */
function publish(node: Node, next: ShardMap): void {
  node.entries.push(historyEntry(next, node.cache.current()));
  node.cache.offer(next);
}

const read = { 'x-mesh-scope': 'mesh.read' };
const operate = { 'x-mesh-scope': 'mesh.operate' };
const post = (body: unknown, headers: Record<string, string> = operate): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

describe('shard control routes', () => {
  let node: Node;
  let v1: ShardMap;
  let v2: ShardMap;

  before(async () => {
    node = await startNode({ nodeId: 'a', leader: true });
    v1 = plan(undefined, ['a', 'b', 'c', 'd']);
    publish(node, v1);
    v2 = plan(v1, ['a', 'b', 'c']);
    publish(node, v2);
  });

  after(() => {
    node.server.closeAllConnections();
    node.server.close();
  });

  test('x-mesh-scope: missing or wrong → 403 problem+json; separators and case are tolerated', async () => {
    const none = await fetch(`${node.url}/control/shards`);
    assert.equal(none.status, 403);
    assert.match(none.headers.get('content-type') ?? '', /application\/problem\+json/);
    const body = (await none.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['code', 'detail', 'metadata', 'status', 'title', 'type']);
    assert.equal(body.status, 403);
    assert.equal((await fetch(`${node.url}/control/shards`, { headers: { 'x-mesh-scope': 'mesh.write' } })).status, 403);
    for (const scope of ['mesh.read', 'a b mesh.read', 'x,MESH.READ', 'x;mesh.operate']) {
      assert.equal((await fetch(`${node.url}/control/shards`, { headers: { 'x-mesh-scope': scope } })).status, 200, scope);
    }
    // diff and simulate need mesh.operate
    assert.equal((await fetch(`${node.url}/control/shards/diff`, { headers: read })).status, 403);
    assert.equal((await fetch(`${node.url}/control/shards/diff`, { headers: { 'x-mesh-scope': 'mesh.read;mesh.operate' } })).status, 200);
    assert.equal((await fetch(`${node.url}/control/shards/simulate`, post({ namespace: NS, nodes: [{ nodeId: 'a' }] }, read))).status, 403);
    assert.equal((await fetch(`${node.url}/control/shards/rebalance`, post({ shardId: 'shard-00' }, read))).status, 403);
  });

  test('list: version headers, paging with an opaque cursor, filters', async () => {
    const first = await fetch(`${node.url}/control/shards?pageSize=10`, { headers: read });
    assert.equal(first.headers.get('etag'), 'W/"shards-2"');
    assert.equal(first.headers.get('x-omnirelay-shards-version'), '2');
    const page = (await first.json()) as { items: { shardId: string }[]; nextCursor?: string; version: number };
    assert.equal(page.version, 2);
    assert.equal(page.items.length, 10);
    const seen = page.items.map((i) => i.shardId);
    let cursor = page.nextCursor;
    while (cursor) {
      const next = (await (
        await fetch(`${node.url}/control/shards?pageSize=10&cursor=${encodeURIComponent(cursor)}`, { headers: read })
      ).json()) as typeof page;
      seen.push(...next.items.map((i) => i.shardId));
      cursor = next.nextCursor;
    }
    assert.deepEqual(seen, [...DEFAULT_SHARD_IDS].sort());

    const all = (await (await fetch(`${node.url}/control/shards`, { headers: read })).json()) as { items: unknown[]; nextCursor?: string };
    assert.equal(all.items.length, 64, 'default page size 100');
    assert.equal(all.nextCursor, undefined, 'no cursor on the last page (nulls omitted)');
    assert.equal((await fetch(`${node.url}/control/shards?pageSize=500`, { headers: read })).status, 200);
    assert.equal((await fetch(`${node.url}/control/shards?pageSize=501`, { headers: read })).status, 400);
    assert.equal((await fetch(`${node.url}/control/shards?pageSize=0`, { headers: read })).status, 400);
    assert.equal((await fetch(`${node.url}/control/shards?cursor=***`, { headers: read })).status, 400);

    const owned = (await (await fetch(`${node.url}/control/shards?owner=b`, { headers: read })).json()) as { items: { ownerNodeId: string }[] };
    assert.equal(owned.items.length, v2.records.filter((r) => r.ownerNodeId === 'b').length);
    assert.ok(owned.items.every((i) => i.ownerNodeId === 'b'));
    const search = (await (await fetch(`${node.url}/control/shards?search=D-0`, { headers: read })).json()) as { items: { shardId: string }[] };
    assert.deepEqual(
      search.items.map((i) => i.shardId),
      DEFAULT_SHARD_IDS.slice(0, 10),
    );
    for (const status of ['0', 'Active', 'active,paused']) {
      const r = (await (await fetch(`${node.url}/control/shards?status=${status}`, { headers: read })).json()) as { items: unknown[] };
      assert.equal(r.items.length, 64, status);
    }
    const paused = (await (await fetch(`${node.url}/control/shards?status=2`, { headers: read })).json()) as { items: unknown[] };
    assert.equal(paused.items.length, 0);
    assert.equal((await fetch(`${node.url}/control/shards?status=bogus`, { headers: read })).status, 400);
    const other = (await (await fetch(`${node.url}/control/shards?namespace=other`, { headers: read })).json()) as { items: unknown[] };
    assert.equal(other.items.length, 0);
  });

  test("diff: items with position, current, previous and the change's history record", async () => {
    const res = await fetch(`${node.url}/control/shards/diff?fromVersion=2&toVersion=2`, { headers: operate });
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      items: { position: number; current: { shardId: string; ownerNodeId: string }; previous?: { ownerNodeId: string }; history: Record<string, unknown> }[];
      lastPosition: number;
    };
    const changed = v2.records.filter((r) => r.version === 2);
    assert.equal(body.items.length, changed.length);
    assert.equal(body.lastPosition, 2);
    for (const item of body.items) {
      assert.equal(item.position, 2);
      assert.ok(item.previous);
      assert.equal(item.history.version, 2);
      assert.equal(item.history.actor, 'a');
      assert.equal(item.history.ownerNodeId, item.current.ownerNodeId);
      if (item.previous.ownerNodeId !== item.current.ownerNodeId) {
        assert.equal(item.history.previousOwnerNodeId, 'd');
        assert.equal(item.history.reason, 'membership');
      }
    }
    const everything = (await (await fetch(`${node.url}/control/shards/diff`, { headers: operate })).json()) as { items: { position: number }[] };
    assert.equal(everything.items.length, 64 + changed.length);
    const none = (await (await fetch(`${node.url}/control/shards/diff?fromVersion=9`, { headers: operate })).json()) as Record<string, unknown>;
    assert.deepEqual(none, { items: [] });
    assert.equal((await fetch(`${node.url}/control/shards/diff?fromVersion=x`, { headers: operate })).status, 400);
  });

  test('watch: retry first, then one shard.diff event per changed record; Last-Event-ID replays', async () => {
    const abort = new AbortController();
    const res = await fetch(`${node.url}/control/shards/watch`, { headers: { ...read, 'last-event-id': '1' }, signal: abort.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const until = async (predicate: (t: string) => boolean): Promise<void> => {
      while (!predicate(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += decoder.decode(value, { stream: true });
      }
    };
    const changed2 = v2.records.filter((r) => r.version === 2).length;
    const count = (t: string, id: number): number => t.split(`id: ${id}\nevent: shard.diff\n`).length - 1;
    await until((t) => count(t, 2) === changed2);
    assert.ok(text.startsWith('retry: 2000\n\n'));
    assert.equal(count(text, 1), 0, 'replay starts after the Last-Event-ID');

    const v3 = plan(v2, ['a', 'b', 'c'], { overrides: { [v2.records[0]!.shardId]: v2.records[0]!.replicas[0]! }, ticket: 'rebalance-3' });
    publish(node, v3);
    await until((t) => count(t, 3) === v3.records.filter((r) => r.version === 3).length);
    const event = text.slice(text.indexOf('id: 3\n'));
    const data = JSON.parse(event.split('\n')[2]!.slice('data: '.length)) as {
      position: number;
      current: { shardId: string };
      history: { reason: string; changeTicket: string };
    };
    assert.equal(data.position, 3);
    assert.equal(data.history.reason, 'rebalance');
    assert.equal(data.history.changeTicket, 'rebalance-3');
    abort.abort();
    v2 = v3;
  });

  test('simulate: shapes, and 400 problem+json on an unknown strategy or no nodes', async () => {
    const res = await fetch(
      `${node.url}/control/shards/simulate`,
      post({ namespace: NS, strategyId: 'rendezvous', nodes: [{ nodeId: 'a', weight: 1, region: 'east', zone: 'z1' }, { nodeId: 'b' }] }),
    );
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      namespace: string;
      strategyId: string;
      generatedAt: string;
      assignments: { shardId: string; ownerNodeId: string; replicas: string[] }[];
      changes: { shardId: string; currentOwner: string; proposedOwner: string; changesOwner: boolean }[];
    };
    assert.equal(body.namespace, NS);
    assert.equal(body.strategyId, 'rendezvous');
    assert.ok(!Number.isNaN(Date.parse(body.generatedAt)));
    assert.equal(body.assignments.length, 64);
    assert.ok(body.assignments.every((a) => ['a', 'b'].includes(a.ownerNodeId) && a.replicas.length === 1));
    const current = new Map(v2.records.map((r) => [r.shardId, r.ownerNodeId]));
    assert.ok(body.changes.length > 0);
    for (const c of body.changes) {
      assert.equal(c.currentOwner, current.get(c.shardId));
      assert.notEqual(c.proposedOwner, c.currentOwner);
      assert.equal(c.changesOwner, true);
    }
    for (const bad of [{ namespace: NS, strategyId: 'nope', nodes: [{ nodeId: 'a' }] }, { namespace: NS, nodes: [] }, { nodes: [{ nodeId: 'a' }] }]) {
      const r = await fetch(`${node.url}/control/shards/simulate`, post(bad));
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.match(r.headers.get('content-type') ?? '', /problem\+json/);
      assert.match(((await r.json()) as { code: string }).code, /^shards\.control\./);
    }
    assert.equal((await fetch(`${node.url}/control/shards/simulate`, { ...post({}), body: 'not json' })).status, 400);
  });

  test('rebalance on the leader: result, 404 and 409 as problem+json', async () => {
    const ok = await fetch(`${node.url}/control/shards/rebalance`, post({ namespace: NS, shardId: 'shard-01', to: 'c' }));
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { shardId: 'shard-01', from: 'a', to: 'c', version: 9, handover: { status: 'completed', ms: 3 } });
    assert.equal((await fetch(`${node.url}/control/shards/rebalance`, post({ shardId: 'missing' }))).status, 404);
    assert.equal((await fetch(`${node.url}/control/shards/rebalance`, post({ shardId: 'shard-01', to: 'zz' }))).status, 409);
    assert.equal((await fetch(`${node.url}/control/shards/rebalance`, post({ namespace: 'other', shardId: 'shard-01' }))).status, 404);
    assert.equal((await fetch(`${node.url}/control/shards/rebalance`, post({}))).status, 400);
  });

  test('rebalance on a follower is forwarded to the leader and its answer relayed', async () => {
    const table = new MembershipTable(meta('f', '127.0.0.1:1'), { suspicionMs: 5000, leftMs: 11000 });
    table.recordDirect(meta('a', node.url.slice('http://'.length)), Date.now());
    const follower = await startNode({ nodeId: 'f', leader: false, leaderId: () => 'a', table });
    try {
      const before = node.rebalances.length;
      const res = await fetch(`${follower.url}/control/shards/rebalance`, post({ shardId: 'shard-02' }));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-mesh-node'), 'a');
      assert.equal(((await res.json()) as { to: string }).to, 'b');
      assert.deepEqual(node.rebalances.slice(before), [['shard-02', undefined]]);
      assert.deepEqual(follower.rebalances, []);
      const missing = await fetch(`${follower.url}/control/shards/rebalance`, post({ shardId: 'missing' }));
      assert.equal(missing.status, 404);
      // A forwarded request reaching a non-leader is not forwarded again.
      const loop = await fetch(`${follower.url}/control/shards/rebalance`, post({ shardId: 'shard-02' }, { ...operate, 'x-mesh-forwarded-by': 'z' }));
      assert.equal(loop.status, 503);
    } finally {
      follower.server.closeAllConnections();
      follower.server.close();
    }
  });

  test('upgrade: GET, drain 202 then 409, resume 200; no scope header needed', async () => {
    const get = await fetch(`${node.url}/control/upgrade`);
    assert.equal(get.status, 200);
    const snap = (await get.json()) as { state: number; ownedShards: number; replicaShards: number; activeRequests: number };
    assert.equal(snap.state, 0);
    assert.equal(snap.ownedShards, v2.records.filter((r) => r.ownerNodeId === 'a').length);
    assert.equal(snap.replicaShards, v2.records.filter((r) => r.replicas.includes('a')).length);
    assert.equal(snap.activeRequests, 0);
    const drain = await fetch(`${node.url}/control/upgrade/drain`, post({ reason: 'upgrade' }, {}));
    assert.equal(drain.status, 202);
    const drained = (await drain.json()) as { state: number; reason: string; startedAt: string };
    assert.equal(drained.state, 1);
    assert.equal(drained.reason, 'upgrade');
    assert.ok(drained.startedAt);
    assert.equal(node.state.draining, true);
    const again = await fetch(`${node.url}/control/upgrade/drain`, post({ reason: 'again' }, {}));
    assert.equal(again.status, 409);
    assert.match(again.headers.get('content-type') ?? '', /problem\+json/);
    const resume = await fetch(`${node.url}/control/upgrade/resume`, { method: 'POST' });
    assert.equal(resume.status, 200);
    assert.equal(((await resume.json()) as { state: number }).state, 0);
    assert.equal(node.state.draining, false);
    // an empty drain body is fine
    assert.equal((await fetch(`${node.url}/control/upgrade/drain`, { method: 'POST' })).status, 202);
    await fetch(`${node.url}/control/upgrade/resume`, { method: 'POST' });
  });

  test("routes it does not own fall through (e.g. the data plane's /control/shards/load)", async () => {
    assert.equal((await fetch(`${node.url}/control/shards/load`)).status, 418);
    assert.equal((await fetch(`${node.url}/control/shards/handover`, { method: 'POST' })).status, 418);
  });
});
