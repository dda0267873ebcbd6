import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Op } from './history';
import { lostWritesProblems } from './kv-lost-writes';

let next = 0;
const set = (key: string, value: string, invokeMs: number, completeMs: number | undefined, outcome: Op['outcome'] = 'ok'): Op => ({
  index: next++,
  process: 'vc-1',
  f: 'kv::set',
  target: 'n1',
  value: { key, value },
  invokeMs,
  ...(completeMs === undefined ? {} : { completeMs }),
  outcome,
});
const del = (key: string, invokeMs: number, completeMs: number): Op => ({
  index: next++,
  process: 'vc-1',
  f: 'kv::delete',
  target: 'n1',
  value: { key },
  invokeMs,
  completeMs,
  outcome: 'ok',
});
const final = (key: string, value: string | null, invokeMs = 100, process = 'final:' + key): Op => ({
  index: next++,
  process,
  f: 'kv::get',
  target: 'n2',
  value: { key },
  invokeMs,
  completeMs: invokeMs + 1,
  outcome: 'ok',
  result: { key, value, version: 1 },
});
const judge = (ops: Op[], minimumAcknowledged = 1) => lostWritesProblems(ops, { minimumAcknowledged });

test('the final read showing the last acknowledged write passes', () => {
  const r = judge([set('k', 'a', 0, 1), set('k', 'b', 2, 3), final('k', 'b')]);
  assert.deepEqual(r.problems, []);
  assert.equal(r.keys, 1);
  assert.equal(r.acknowledged, 2);
});

test('a lost last write nobody read is found: linearizability alone would pass this history', () => {
  const r = judge([set('k', 'a', 0, 1), set('k', 'b', 2, 3), final('k', null)]);
  assert.equal(r.lost, 1);
  assert.match(
    r.problems[0]!,
    /1 acknowledged writes lost: "k": the final read found no value, but the last acknowledged write "b" \(op \d+ through n1, 0\.00 s–0\.00 s\) was acknowledged/,
  );
});

test('an overwritten value read back is stale; a value nobody wrote is unexpected', () => {
  const r = judge([set('k', 'a', 0, 1), set('k', 'b', 2, 3), final('k', 'a'), set('j', 'x', 0, 1), final('j', 'zzz')]);
  assert.equal(r.stale, 1);
  assert.equal(r.unexpected, 1);
  assert.match(r.problems.join('\n'), /"k": the final read found "a", written by op \d+ and overwritten by the last acknowledged write "b"/);
  assert.match(r.problems.join('\n'), /"j": the final read found "zzz", which no client wrote/);
});

test('concurrent acknowledged writes: either may be last', () => {
  const ops = [set('k', 'a', 0, 10), set('k', 'b', 5, 8)];
  assert.deepEqual(judge([...ops, final('k', 'a')]).problems, []);
  assert.deepEqual(judge([...ops, final('k', 'b')]).problems, []);
});

test('an info write may have taken effect or not; a failed one must not show', () => {
  const ops = [set('k', 'a', 0, 1), set('k', 'b', 2, undefined, 'info'), set('k', 'c', 3, 4, 'fail')];
  assert.deepEqual(judge([...ops, final('k', 'a')]).problems, []);
  const recovered = judge([...ops, final('k', 'b')]);
  assert.deepEqual(recovered.problems, []);
  assert.equal(recovered.recoveredInfo, 1);
  assert.equal(judge([...ops, final('k', 'c')]).unexpected, 1);
});

test('a key whose only writes were info needs nothing, even absent', () => {
  assert.deepEqual(judge([set('k', 'a', 0, 1), set('j', 'b', 2, undefined, 'info'), final('k', 'a'), final('j', null)]).problems, []);
});

test('an acknowledged delete last: absent is right, the deleted value is stale', () => {
  const ops = [set('k', 'a', 0, 1), del('k', 2, 3)];
  assert.deepEqual(judge([...ops, final('k', null)]).problems, []);
  assert.equal(judge([...ops, final('k', 'a')]).stale, 1);
});

test('a key with acknowledged writes and no final read, or a read overlapping a write, checks nothing: a problem', () => {
  const r = judge([set('k', 'a', 0, 1), set('j', 'b', 0, 200), final('j', 'b'), set('m', 'c', 0, 1), final('m', 'c', 50, 'vc-2')]);
  assert.match(
    r.problems.join('\n'),
    /3 keys with acknowledged writes but no final read after them: nothing was checked: j \(read at 0\.10 s overlaps an acknowledged write that completed at 0\.20 s\); k; m/,
  );
});

test('too few acknowledged writes to judge is a problem', () => {
  assert.match(judge([set('k', 'a', 0, 1), final('k', 'a')], 50).problems[0]!, /only 1 key-value writes were acknowledged \(at least 50 needed to judge\)/);
});
