import { test } from 'node:test';
import { seeded } from '../../defects';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../log';
import type { ShardMap, ShardRecord } from '../types';
import { ShardMapCache } from './map-cache';
import { shardMap, shardRecord } from '../../testing/shard-maps';
import type { MapWatchOptions, StoredMap } from './map-store';

const quiet = createLogger({}, 'error', () => undefined);

const map = (version: number, owner = 'a'): ShardMap => shardMap(version, [shardRecord('s0', owner, [], version)]);

function fakeStore() {
  const state = { current: undefined as StoredMap | undefined, reads: 0, fail: false };
  return {
    state,
    read: async (): Promise<StoredMap | undefined> => {
      state.reads++;
      if (state.fail) throw new Error('etcd down');
      return state.current;
    },
  };
}

test('polls, tells listeners about each newer version, never rolls back', async () => {
  const store = fakeStore();
  const cache = new ShardMapCache({ store, pollMs: 10, defects: seeded(), log: quiet });
  const seen: [number, number | undefined][] = [];
  cache.onChange((m, p) => seen.push([m.version, p?.version]));
  cache.start();
  await sleep(30);
  assert.equal(cache.current(), undefined);
  store.state.current = { map: map(1), modRevision: 5 };
  await sleep(40);
  store.state.current = { map: map(2, 'b'), modRevision: 6 };
  await sleep(40);
  assert.equal(cache.current()?.version, 2);
  assert.equal(cache.record('s0')?.ownerNodeId, 'b');
  store.state.current = { map: map(1), modRevision: 5 }; // a lagging read
  await sleep(40);
  assert.equal(cache.current()?.version, 2);
  cache.stop();
  assert.deepEqual(seen, [
    [1, undefined],
    [2, 1],
  ]);
});

test('refresh reads now; undefined when etcd is unreachable (the view is kept)', async () => {
  const store = fakeStore();
  const cache = new ShardMapCache({ store, pollMs: 10_000, defects: seeded(), log: quiet });
  store.state.current = { map: map(3), modRevision: 1 };
  assert.equal((await cache.refresh())?.version, 3);
  store.state.fail = true;
  assert.equal(await cache.refresh(), undefined);
  assert.equal(cache.current()?.version, 3);
});

test('subscribe can stop listening; offer ignores older versions', () => {
  const cache = new ShardMapCache({ store: undefined, pollMs: 10, defects: seeded(), log: quiet });
  const seen: number[] = [];
  const stop = cache.subscribe((m) => seen.push(m.version));
  cache.offer(map(1));
  cache.offer(map(1));
  stop();
  cache.offer(map(2));
  assert.deepEqual(seen, [1]);
  assert.equal(cache.current()?.version, 2);
});

test('seeded defect stale-shard-map: takes a newer map only when it places shards on a node the current one does not', async () => {
  const store = fakeStore();
  const cache = new ShardMapCache({ store, pollMs: 10, defects: seeded('stale-shard-map'), log: quiet });
  const seen: number[] = [];
  cache.onChange((m) => seen.push(m.version));
  cache.start();
  await sleep(30);
  // Bootstrap: each version brings a node the last one did not place, so each is taken.
  store.state.current = { map: twoShards(1, ['a', 'a', 1], ['a', 'a', 1]), modRevision: 1 };
  await sleep(40);
  store.state.current = { map: twoShards(2, ['a', 'b', 2], ['b', 'a', 2]), modRevision: 2 };
  await sleep(40);
  assert.equal(cache.current()?.version, 2);
  // A move among the same nodes is never taken, by poll or by offer.
  store.state.current = { map: twoShards(3, ['b', 'a', 3], ['b', 'a', 3]), modRevision: 3 };
  await sleep(60);
  assert.equal(cache.current()?.version, 2);
  assert.equal(cache.record('s0')?.ownerNodeId, 'a', 'still routes s0 to its old owner');
  assert.equal((await cache.refresh())?.version, 2, 'refresh answers with the old map too');
  cache.offer(twoShards(4, ['a', 'b', 4], ['a', 'b', 4]));
  assert.equal(cache.current()?.version, 2);
  // A node joining is taken again.
  cache.offer(twoShards(5, ['c', 'b', 5], ['b', 'a', 5]));
  assert.equal(cache.current()?.version, 5);
  assert.deepEqual(seen, [1, 2, 5]);
  cache.stop();
});

/** Shard s0 placed `s0` (owner first, then replicas), s1 placed `s1`; each record's version as given. */
function twoShards(version: number, s0: [string, string, number], s1: [string, string, number]): ShardMap {
  const record = (shardId: string, [owner, replica, recordVersion]: [string, string, number]): ShardRecord =>
    shardRecord(shardId, owner, [replica], recordVersion);
  return shardMap(version, [record('s0', s0), record('s1', s1)]);
}

for (const defect of [false, true]) {
  test(`a move among other nodes: ${defect ? 'shard-map-ignores-others-moves keeps the older map' : 'every node takes the new map'}`, async () => {
    const store = fakeStore();
    const cache = new ShardMapCache({ store, pollMs: 10_000, nodeId: 'c', defects: defect ? seeded('shard-map-ignores-others-moves') : seeded(), log: quiet });
    store.state.current = { map: twoShards(1, ['a', 'b', 1], ['c', 'a', 1]), modRevision: 1 };
    assert.equal((await cache.refresh())?.version, 1);
    // s0 moves from a to b (a becomes its replica): c owns or replicates neither copy.
    store.state.current = { map: twoShards(2, ['b', 'a', 2], ['c', 'a', 1]), modRevision: 2 };
    await cache.refresh();
    assert.equal(cache.current()?.version, defect ? 1 : 2);
    assert.equal(cache.record('s0')?.ownerNodeId, defect ? 'a' : 'b');
    // A change to c's own shard is taken, and with it everything before.
    store.state.current = { map: twoShards(3, ['b', 'a', 2], ['c', 'b', 3]), modRevision: 3 };
    await cache.refresh();
    assert.equal(cache.current()?.version, 3);
    assert.equal(cache.record('s0')?.ownerNodeId, 'b');
  });
}

/** A store whose watch the test drives: `push` delivers a map, `end` breaks the stream, `fail` refuses new watches. */
function watchedStore() {
  const base = fakeStore();
  const state = { watches: 0, fail: false, afters: [] as number[], live: undefined as MapWatchOptions | undefined, end: () => undefined as void };
  const watch = (options: MapWatchOptions): Promise<void> => {
    state.watches++;
    state.afters.push(options.afterModRevision);
    if (state.fail) return Promise.reject(new Error('etcd down'));
    state.live = options;
    options.onProgress(1);
    return new Promise<void>((resolve) => {
      state.end = () => resolve();
      options.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  };
  const push = (stored: StoredMap): void => {
    base.state.current = stored;
    state.live?.onMap(stored);
    state.live?.onProgress(stored.modRevision);
  };
  return { ...base, watch, push, watchState: state };
}

test('a watched version is taken at once; reads slow to the safety interval while the watch stands', async () => {
  const store = watchedStore();
  const cache = new ShardMapCache({ store, pollMs: 10, safetyPollMs: 10_000, defects: seeded(), log: quiet });
  cache.start();
  await sleep(30);
  const readsWhileWatching = store.state.reads;
  store.push({ map: map(1), modRevision: 7 });
  assert.equal(cache.current()?.version, 1);
  await sleep(60);
  assert.ok(store.state.reads - readsWhileWatching <= 1, `${store.state.reads - readsWhileWatching} reads while the watch stood`);
  store.watchState.fail = true; // the stream breaks and etcd refuses new watches: reads every pollMs
  store.watchState.end();
  await sleep(60);
  assert.ok(store.state.reads - readsWhileWatching >= 3, `only ${store.state.reads - readsWhileWatching} reads after the watch broke`);
  assert.equal(store.watchState.afters.at(-1), 7);
  cache.stop();
});

test('a watch that cannot be established leaves the cache reading every pollMs', async () => {
  const store = watchedStore();
  store.watchState.fail = true;
  const cache = new ShardMapCache({ store, pollMs: 10, safetyPollMs: 10_000, defects: seeded(), log: quiet });
  cache.start();
  store.state.current = { map: map(2), modRevision: 3 };
  await sleep(80);
  cache.stop();
  assert.equal(cache.current()?.version, 2);
  assert.ok(store.state.reads >= 4, `${store.state.reads} reads`);
  assert.ok(store.watchState.watches >= 2, 'the watch is tried again');
});

test('a watch gone silent is restarted when a read finds a version it never reported', async () => {
  const store = watchedStore();
  const cache = new ShardMapCache({ store, pollMs: 10, safetyPollMs: 20, defects: seeded(), log: quiet });
  cache.start();
  await sleep(10);
  store.state.current = { map: map(4), modRevision: 9 }; // written to etcd; the watched member says nothing
  await sleep(120);
  cache.stop();
  assert.equal(cache.current()?.version, 4);
  assert.ok(store.watchState.watches >= 2, 'the silent watch was replaced');
  assert.ok(store.watchState.afters.includes(9), `later watches start after the map read: ${store.watchState.afters}`);
});
