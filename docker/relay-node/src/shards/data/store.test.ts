import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileColdStore } from './cold-store';
import { canonicalJson, isShardOp, type ShardOp, ShardStore } from './store';

const ops: ShardOp[] = [
  { kind: 'counter.add', key: 'c', by: 5 },
  { kind: 'kv.set', key: 'k2', value: { b: 1, a: [2, 'x'] } },
  { kind: 'kv.set', key: 'k1', value: 'v' },
  { kind: 'set.add', key: 's', element: 'z' },
  { kind: 'set.add', key: 's', element: 'a' },
  { kind: 'counter.add', key: 'c', by: -2 },
  { kind: 'kv.set', key: 'k1', value: 'w' },
];

test('apply is deterministic and answers per op', () => {
  const store = new ShardStore();
  assert.deepEqual(store.apply({ kind: 'counter.add', key: 'c', by: 3 }), { value: 3 });
  assert.deepEqual(store.apply({ kind: 'counter.reset', key: 'c' }), { value: 0 });
  assert.deepEqual(store.apply({ kind: 'kv.set', key: 'k', value: 1 }), { value: 1, version: 1 });
  assert.deepEqual(store.apply({ kind: 'kv.set', key: 'k', value: 2 }), { value: 2, version: 2 });
  assert.deepEqual(store.apply({ kind: 'kv.delete', key: 'k' }), { deleted: true });
  assert.deepEqual(store.apply({ kind: 'kv.delete', key: 'k' }), { deleted: false });
  assert.deepEqual(store.apply({ kind: 'set.add', key: 's', element: 'b' }), { added: true });
  assert.deepEqual(store.apply({ kind: 'set.add', key: 's', element: 'b' }), { added: false });
  assert.deepEqual(store.setElements('s'), ['b']);
});

test('kv.cas compares and sets in one step; kv.set with ifVersion sets only at that version', () => {
  const store = new ShardStore();
  assert.deepEqual(store.apply({ kind: 'kv.cas', key: 'k', expect: null, value: 'a' }), { applied: true, value: 'a', version: 1 });
  assert.deepEqual(store.apply({ kind: 'kv.cas', key: 'k', expect: null, value: 'b' }), { applied: false, value: 'a', version: 1 });
  assert.deepEqual(store.apply({ kind: 'kv.cas', key: 'k', expect: 'a', value: { x: [1] } }), { applied: true, value: { x: [1] }, version: 2 });
  // Compared as canonical JSON: key order does not matter.
  store.apply({ kind: 'kv.set', key: 'o', value: { b: 1, a: 2 } });
  assert.equal(store.apply({ kind: 'kv.cas', key: 'o', expect: { a: 2, b: 1 }, value: 'c' }).applied, true);
  assert.deepEqual(store.apply({ kind: 'kv.set', key: 'k', value: 'z', ifVersion: 1 }), { refused: true, value: { x: [1] }, version: 2 });
  assert.deepEqual(store.kvEntry('k'), { value: { x: [1] }, version: 2 });
  assert.deepEqual(store.apply({ kind: 'kv.set', key: 'k', value: 'z', ifVersion: 2 }), { value: 'z', version: 3 });
  assert.deepEqual(store.apply({ kind: 'kv.set', key: 'new', value: 1, ifVersion: 0 }), { value: 1, version: 1 });
  assert.equal(isShardOp({ kind: 'kv.cas', key: 'k', expect: null, value: 1 }), true);
  assert.equal(isShardOp({ kind: 'kv.cas', key: 'k', value: 1 }), false);
  assert.equal(isShardOp({ kind: 'kv.set', key: 'k', value: 1, ifVersion: -1 }), false);
});

test('equal logs give equal digests; the digest ignores insertion order of independent keys', () => {
  const a = new ShardStore();
  const b = new ShardStore();
  for (const op of ops) a.apply(op);
  for (const op of ops) b.apply(op);
  assert.equal(a.digest(), b.digest());
  assert.match(a.digest(), /^[0-9a-f]{16}$/);
  const c = new ShardStore();
  c.apply({ kind: 'set.add', key: 'x', element: '1' });
  c.apply({ kind: 'counter.add', key: 'y', by: 1 });
  const d = new ShardStore();
  d.apply({ kind: 'counter.add', key: 'y', by: 1 });
  d.apply({ kind: 'set.add', key: 'x', element: '1' });
  assert.equal(c.digest(), d.digest());
  d.apply({ kind: 'counter.add', key: 'y', by: 1 });
  assert.notEqual(c.digest(), d.digest());
});

test('snapshot and install round-trip to the same digest, as deep copies', () => {
  const a = new ShardStore();
  for (const op of ops) a.apply(op);
  const snapshot = a.snapshot();
  const b = new ShardStore();
  b.install(JSON.parse(JSON.stringify(snapshot)));
  assert.equal(b.digest(), a.digest());
  assert.deepEqual(b.snapshot(), snapshot);
  b.apply({ kind: 'set.add', key: 's', element: 'new' });
  assert.deepEqual(a.setElements('s'), ['a', 'z']);
});

test('canonical JSON sorts keys at every level; ops are validated', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { f: 1, e: 2 }], c: null } }), '{"a":{"c":null,"d":[1,{"e":2,"f":1}]},"b":1}');
  assert.ok(isShardOp({ kind: 'counter.add', key: 'k', by: 1 }));
  assert.ok(!isShardOp({ kind: 'counter.add', key: 'k', by: 1.5 }));
  assert.ok(!isShardOp({ kind: 'nope', key: 'k' }));
});

test('an auditable entity logs every change in the same step, versioned; refused writes log nothing', () => {
  const store = new ShardStore();
  store.apply({ kind: 'kv.set', key: 'k', value: 'before', who: 'x' });
  assert.deepEqual(store.apply({ kind: 'kv.audit', key: 'k' }), { enabled: true });
  assert.deepEqual(store.apply({ kind: 'kv.audit', key: 'k' }), { enabled: false });
  store.apply({ kind: 'kv.set', key: 'k', value: 'a', ifVersion: 1, who: 'alice' });
  store.apply({ kind: 'kv.set', key: 'k', value: 'stale', ifVersion: 1, who: 'bob' });
  store.apply({ kind: 'kv.cas', key: 'k', expect: 'nope', value: 'no', who: 'bob' });
  store.apply({ kind: 'kv.cas', key: 'k', expect: 'a', value: 'b', who: 'bob' });
  store.apply({ kind: 'kv.delete', key: 'k' });
  store.apply({ kind: 'kv.set', key: 'k', value: 'again' });
  assert.deepEqual(store.auditLog('k'), [
    { version: 2, who: 'alice', what: 'set', value: 'a' },
    { version: 3, who: 'bob', what: 'cas', value: 'b' },
    { version: 0, who: 'anonymous', what: 'delete', value: null },
    { version: 1, who: 'anonymous', what: 'set', value: 'again' },
  ]);
  assert.equal(store.auditLog('other'), undefined);
  const copy = new ShardStore();
  copy.install(JSON.parse(JSON.stringify(store.snapshot())));
  assert.deepEqual(copy.auditLog('k'), store.auditLog('k'));
  assert.equal(copy.digest(), store.digest());
});

test('an evicted entity reloads with value, version and audit log; snapshots see it without reloading', () => {
  const store = new ShardStore();
  store.apply({ kind: 'kv.audit', key: 'k' });
  store.apply({ kind: 'kv.set', key: 'k', value: { big: 'x'.repeat(1 << 20) }, who: 'w' });
  store.apply({ kind: 'kv.set', key: 'j', value: 1 });
  const digest = store.digest();
  assert.equal(store.evict(), 2);
  assert.deepEqual([store.residentCount, store.evictedCount], [0, 2]);
  assert.equal(store.digest(), digest, 'the digest counts evicted entities');
  assert.deepEqual(store.kvKeys(), ['j', 'k']);
  assert.equal(store.reloads, 0);
  const refused = store.apply({ kind: 'kv.set', key: 'k', value: 'small', ifVersion: 0 });
  assert.ok(
    refused.refused && refused.version === 1 && canonicalJson(refused.value) === canonicalJson({ big: 'x'.repeat(1 << 20) }),
    'refused at version 1, 1 MiB intact',
  );
  assert.equal(store.reloads, 1);
  assert.deepEqual(
    store.auditLog('k')!.map((e) => e.version),
    [1],
  );
  assert.deepEqual([store.residentCount, store.evictedCount], [1, 1]);
});

test('beyond maxResident the least recently used entities leave memory; an install empties the cold store', () => {
  const store = new ShardStore({ maxResident: 2 });
  for (const key of ['a', 'b', 'c']) store.apply({ kind: 'kv.set', key, value: key });
  assert.deepEqual([store.residentCount, store.evictedCount], [2, 1]);
  assert.equal(store.kvEntry('a')?.value, 'a', 'a was evicted, and comes back');
  assert.deepEqual([store.residentCount, store.evictedCount, store.evictions], [2, 1, 2]);
  const other = new ShardStore();
  other.apply({ kind: 'kv.set', key: 'z', value: 1 });
  store.install(other.snapshot());
  assert.deepEqual([store.kvKeys(), store.evictedCount], [['z'], 0]);
});

test('FileColdStore keeps one file per evicted entity and starts empty', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cold-'));
  try {
    const cold = new FileColdStore(join(dir, 's0'));
    const store = new ShardStore({ cold });
    store.apply({ kind: 'kv.set', key: 'a/b', value: 'v' });
    store.evict();
    assert.equal(readdirSync(join(dir, 's0')).length, 1);
    assert.equal(store.kvEntry('a/b')?.value, 'v');
    assert.equal(readdirSync(join(dir, 's0')).length, 0);
    store.evict();
    assert.equal(new FileColdStore(join(dir, 's0')).size, 0);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a timer record fires once: a second firing and a firing after a cancel are refused by the record', () => {
  const store = new ShardStore();
  const schedule = (key: string, dueAt: number) => store.apply({ kind: 'timer.schedule', key, dueAt, payload: { n: 1 }, by: 'a' });
  assert.equal(schedule('t1', 100).created, true);
  assert.equal(schedule('t1', 999).created, false, 'scheduling an id again changes nothing');
  schedule('t2', 50);
  schedule('t3', 500);
  assert.deepEqual(store.dueTimers(99), ['t2']);
  assert.deepEqual(store.dueTimers(100), ['t2', 't1']);
  const fire = (key: string) => store.apply({ kind: 'timer.fire', key, firedAt: 120, by: 'b', fence: 3 });
  assert.equal(fire('t1').fired, true);
  assert.equal(fire('t1').fired, false);
  assert.deepEqual(store.apply({ kind: 'timer.cancel', key: 't3' }).cancelled, true);
  assert.equal(fire('t3').fired, false);
  assert.equal(store.apply({ kind: 'timer.cancel', key: 't1' }).cancelled, false);
  assert.deepEqual(store.dueTimers(1000), ['t2']);
  const t1 = store.timerRecords().find((t) => t.id === 't1');
  assert.deepEqual(t1, { id: 't1', dueAt: 100, payload: { n: 1 }, state: 'fired', scheduledBy: 'a', firings: 1, firedAt: 120, firedBy: 'b', firedAtFence: 3 });
  const copy = new ShardStore();
  copy.install(JSON.parse(JSON.stringify(store.snapshot())));
  assert.deepEqual(copy.timerRecords(), store.timerRecords());
  assert.equal(copy.digest(), store.digest());
  assert.ok(isShardOp({ kind: 'timer.fire', key: 't', firedAt: 1, by: 'x', fence: 1 }));
  assert.ok(!isShardOp({ kind: 'timer.schedule', key: 't', payload: null, by: 'x' }));
});

test('singleton tenures are granted only at a newer fence; beats count only for the current tenure', () => {
  const store = new ShardStore();
  const acquire = (runner: string, fence: number, at: number) => store.apply({ kind: 'singleton.acquire', key: 's', runner, fence, at }).acquired;
  const beat = (runner: string, fence: number) => store.apply({ kind: 'singleton.beat', key: 's', runner, fence, at: 0 }).beat;
  assert.equal(acquire('a', 1, 100), true);
  assert.equal(beat('a', 1), true);
  assert.equal(acquire('a', 1, 150), true, 'the holder again at its fence: granted, no new tenure');
  assert.equal(acquire('b', 2, 200), true);
  assert.equal(beat('a', 1), false, 'the old tenure beats no more');
  assert.equal(acquire('c', 2, 250), false, 'not at a fence already granted');
  assert.equal(beat('b', 2), true);
  assert.deepEqual(store.singleton('s'), {
    key: 's',
    heartbeats: 2,
    history: [
      { runner: 'a', fence: 1, since: 100, until: 200, beats: 1 },
      { runner: 'b', fence: 2, since: 200, beats: 1 },
    ],
  });
});
