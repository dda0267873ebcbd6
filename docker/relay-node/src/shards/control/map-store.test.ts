// The map store against a real etcd (Debian's etcd-server); skipped when no etcd binary exists.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdClient } from '../../leadership/etcd-client';
import { type LocalEtcd, skipWithoutEtcd, startLocalEtcd } from '../../testing/local-etcd';
import { historyKey, ShardMapStore } from './map-store';
import { planMap, type PlanInput } from './planner';

const base = (nodes: string[]): PlanInput => ({
  namespace: 'ns-store',
  shardIds: ['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7'],
  strategyId: 'rendezvous',
  replicas: 1,
  nodes: nodes.map((nodeId) => ({ nodeId })),
  overrides: {},
  leaderId: 'leader',
  now: new Date('2025-01-01T00:00:00Z'),
  ticket: 'membership',
});

describe('ShardMapStore on a real etcd', { skip: skipWithoutEtcd }, () => {
  let local: LocalEtcd | undefined;
  let store: ShardMapStore;
  let etcd: EtcdClient;

  before(async () => {
    local = await startLocalEtcd();
    etcd = new EtcdClient({ endpoints: [local.endpoint] });
    store = new ShardMapStore(etcd, 'ns-store');
  });

  after(() => local?.stop());

  test('history keys are zero-padded to 12 digits', () => {
    assert.equal(historyKey('ns', 42), '/omnirelay/shards/ns/history/000000000042');
  });

  test('publish, read back, conflict on a stale mod revision, history for diff', async () => {
    assert.equal(await store.read(), undefined);
    const v1 = planMap(undefined, base(['a', 'b', 'c'])).map!;
    const first = await store.publish(v1, 0);
    assert.ok(first.ok);
    const read1 = await store.read();
    assert.deepEqual(read1?.map, v1);
    assert.equal(read1?.modRevision, first.ok ? first.modRevision : -1);

    // A second publish "from nothing" (another leader that read no map) conflicts.
    const rival = await store.publish({ ...v1, publishedBy: 'rival' }, 0);
    assert.equal(rival.ok, false);
    if (!rival.ok) assert.equal(rival.current?.map.version, 1, 'a conflict returns what is there');

    const v2 = planMap(v1, base(['a', 'b'])).map!;
    const second = await store.publish(v2, read1!.modRevision, v1);
    assert.ok(second.ok);
    // Publishing again on the same (now stale) read fails and leaves v2 in place.
    const stale = await store.publish({ ...v2, version: 3 }, read1!.modRevision, v1);
    assert.equal(stale.ok, false);
    assert.equal((await store.read())?.map.version, 2);

    const history = await store.history(1, 2);
    assert.deepEqual(
      history.map((h) => h.version),
      [1, 2],
    );
    assert.equal(history[0]!.changes.length, 8, 'the first version lists every record');
    assert.ok(history[0]!.changes.every((c) => c.previous === undefined));
    const changed = v2.records.filter((r) => r.version === 2);
    assert.deepEqual(
      history[1]!.changes.map((c) => c.current),
      changed,
    );
    for (const change of history[1]!.changes) {
      assert.equal(change.previous?.shardId, change.current.shardId);
      assert.equal(change.previous?.version, 1);
    }
    assert.deepEqual(
      (await store.history(2, 2)).map((h) => h.version),
      [2],
    );
    assert.deepEqual(await store.history(3, 10), []);
    assert.deepEqual(await store.history(5, 1), []);
  });

  test('watch delivers every version published after the revision it starts from, until aborted', async () => {
    const watched = new ShardMapStore(etcd, 'ns-watch');
    const v1 = planMap(undefined, { ...base(['a', 'b']), namespace: 'ns-watch' }).map!;
    const first = await watched.publish(v1, 0);
    assert.ok(first.ok);
    const seen: number[] = [];
    const progress: number[] = [];
    const abort = new AbortController();
    let established!: () => void;
    const created = new Promise<void>((resolve) => (established = resolve));
    const following = watched.watch({
      afterModRevision: first.modRevision,
      signal: abort.signal,
      onMap: (stored) => seen.push(stored.map.version),
      onProgress: (revision) => {
        progress.push(revision);
        established();
      },
    });
    await created;
    let previous = v1;
    let mod = first.modRevision;
    for (const nodes of [['a'], ['a', 'b', 'c']]) {
      const next = planMap(previous, { ...base(nodes), namespace: 'ns-watch' }).map!;
      const result = await watched.publish(next, mod, previous);
      assert.ok(result.ok);
      mod = result.ok ? result.modRevision : 0;
      previous = next;
    }
    for (let i = 0; i < 50 && seen.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    abort.abort();
    await following;
    assert.deepEqual(seen, [2, 3]);
    assert.ok(progress.at(-1)! >= mod, `progress ${progress.join(',')} reached ${mod}`);
  });

  test('history ranges across a digit boundary (9 → 11)', async () => {
    const other = new ShardMapStore(etcd, 'ns-digits');
    let previous = undefined as ReturnType<typeof planMap>['map'];
    let mod = 0;
    const members = [['a'], ['a', 'b']];
    for (let v = 1; v <= 12; v++) {
      const plan = planMap(previous, { ...base(members[v % 2]!), namespace: 'ns-digits' });
      const result = await other.publish(plan.map!, mod, previous);
      assert.ok(result.ok);
      mod = result.ok ? result.modRevision : 0;
      previous = plan.map;
    }
    assert.deepEqual(
      (await other.history(9, 11)).map((h) => h.version),
      [9, 10, 11],
    );
    assert.deepEqual((await other.history(1, 999_999_999_999)).length, 12);
  });
});
