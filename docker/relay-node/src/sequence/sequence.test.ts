import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSequenceTxn, classifySequenceFailure, decodeSequence, sequenceKey, sequenceName } from './sequence';

const kv = (key: string, value: string, createRevision: number, modRevision: number) => ({ key, value, createRevision, modRevision, version: 1, lease: '0' });

test('the sequence key and name', () => {
  assert.equal(sequenceKey('default'), '/omnirelay/sequence/default');
  assert.equal(sequenceName({}), 'default');
  assert.equal(sequenceName({ name: 'orders.v2' }), 'orders.v2');
  for (const bad of ['', 'a/b', '-x', 7, 'x'.repeat(65)]) assert.throws(() => sequenceName({ name: bad }), /name/, String(bad));
});

test("the transaction is fenced on the global lease and guarded by the sequence's mod_revision", () => {
  const txn = buildSequenceTxn('default', 42, { value: 9, modRevision: 77 });
  assert.deepEqual(txn.compare, [
    { key: '/omnirelay/leases/global-control', target: 'CREATE', result: 'EQUAL', value: 42 },
    { key: '/omnirelay/sequence/default', target: 'MOD', result: 'EQUAL', value: 77 },
  ]);
  assert.deepEqual(txn.success, [{ put: { key: '/omnirelay/sequence/default', value: '10' } }]);
  assert.deepEqual(txn.failure, [{ range: { key: '/omnirelay/leases/global-control' } }, { range: { key: '/omnirelay/sequence/default' } }]);
});

test('an absent sequence starts at 0 and is compared with mod_revision 0', () => {
  const read = decodeSequence(undefined);
  assert.deepEqual(read, { value: 0, modRevision: 0 });
  assert.equal(buildSequenceTxn('s', 1, read).compare[1]?.value, 0);
  assert.deepEqual(buildSequenceTxn('s', 1, read).success[0], { put: { key: '/omnirelay/sequence/s', value: '1' } });
  assert.deepEqual(decodeSequence(kv('k', '12', 3, 8)), { value: 12, modRevision: 8 });
});

test('a failure tells a deposed leader from a moved sequence', () => {
  const lease = (fence: number, leaderId: string) => ({
    kind: 'range' as const,
    kvs: [kv('/omnirelay/leases/global-control', JSON.stringify({ leaderId, term: 2 }), fence, fence)],
  });
  const seq = { kind: 'range' as const, kvs: [kv('/omnirelay/sequence/default', '15', 5, 90)] };
  assert.deepEqual(classifySequenceFailure(42, [lease(50, 'east-1'), seq]), { kind: 'deposed', holder: 'east-1' });
  assert.deepEqual(classifySequenceFailure(42, [{ kind: 'range', kvs: [] }, seq]), { kind: 'deposed', holder: undefined });
  assert.deepEqual(classifySequenceFailure(42, [lease(42, 'global-1'), seq]), { kind: 'contended', current: { value: 15, modRevision: 90 } });
});
