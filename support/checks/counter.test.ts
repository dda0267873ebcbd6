import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Op } from './history';
import { counterFinalReadProblems, counterProblems } from './counter';

let next = 0;
const op = (f: string, value: object, invokeMs: number, completeMs: number, outcome: Op['outcome'] = 'ok', result?: unknown): Op => ({
  index: next++,
  process: 'c',
  f,
  target: 'n',
  value,
  invokeMs,
  completeMs,
  outcome,
  result,
});
const inc = (key: string, by: number | undefined, at: number, end: number, outcome: Op['outcome'] = 'ok') =>
  op('counter::increment', by === undefined ? { key } : { key, by }, at, end, outcome);
const dec = (key: string, by: number, at: number, end: number, outcome: Op['outcome'] = 'ok') => op('counter::decrement', { key, by }, at, end, outcome);
const get = (key: string, value: number, at: number, end: number, outcome: Op['outcome'] = 'ok') =>
  op('counter::get', { key }, at, end, outcome, { key, value });
const reset = (key: string, at: number, end: number, outcome: Op['outcome'] = 'ok') => op('counter::reset', { key }, at, end, outcome, { key, value: 0 });

test('sequential increments read back exactly; by defaults to 1', () => {
  const r = counterProblems([inc('c1', undefined, 0, 1), inc('c1', 2, 2, 3), get('c1', 3, 4, 5), inc('c1', 1, 6, 7), get('c1', 4, 8, 9)], {
    minimumAcknowledged: 3,
  });
  assert.deepEqual(r.problems, []);
  assert.equal(r.reads, 2);
  assert.deepEqual(r.keys, ['c1']);
});

test('a read concurrent with an increment may see it or not, but nothing beyond', () => {
  const h = (seen: number) => [inc('c1', 5, 0, 1), inc('c1', 2, 2, 10), get('c1', seen, 3, 4)];
  assert.deepEqual(counterProblems(h(5), { minimumAcknowledged: 1 }).problems, []);
  assert.deepEqual(counterProblems(h(7), { minimumAcknowledged: 1 }).problems, []);
  assert.deepEqual(counterProblems(h(6), { minimumAcknowledged: 1 }).problems, []);
  assert.deepEqual(counterProblems(h(8), { minimumAcknowledged: 1 }).problems, ['read of "c1" at 0.00 s returned 8, outside [5, 7]']);
});

test('info increments may count, failed ones never do; the message names the range', () => {
  const ops = [inc('c1', 18, 0, 1000), inc('c1', 7, 2000, 3000, 'info'), inc('c1', 100, 4000, 5000, 'fail'), get('c1', 17, 12_300, 12_400)];
  const r = counterProblems(ops, { minimumAcknowledged: 1 });
  assert.deepEqual(r.problems, ['read of "c1" at 12.30 s returned 17, outside [18, 25]']);
  assert.deepEqual(
    r.detail.outside.map((o) => [o.lower, o.upper]),
    [[18, 25]],
  );
  assert.deepEqual(counterProblems([...ops.slice(0, 3), get('c1', 25, 12_300, 12_400)], { minimumAcknowledged: 1 }).problems, []);
  assert.match(
    counterProblems([...ops.slice(0, 3), get('c1', 125, 12_300, 12_400)], { minimumAcknowledged: 1 }).problems.join(),
    /returned 125, outside \[18, 25\]/,
  );
});

test('decrements pull the lower bound down when they may have applied and the upper bound when certain', () => {
  // certain +10, certain -3, possible -4 (info), possible +6 (concurrent ok): [10-3-4, 10-3+6] = [3, 13]
  const writes = [inc('c1', 10, 0, 1), dec('c1', 3, 2, 3), dec('c1', 4, 4, 5, 'info'), inc('c1', 6, 6, 20)];
  const r = counterProblems([...writes, get('c1', 2, 10, 11), get('c1', 3, 10, 11), get('c1', 13, 10, 11), get('c1', 14, 10, 11)], { minimumAcknowledged: 1 });
  assert.deepEqual(
    r.detail.outside.map((o) => [o.value, o.lower, o.upper]),
    [
      [2, 3, 13],
      [14, 3, 13],
    ],
  );
  // a negative `by` is an increment's way of decrementing
  assert.deepEqual(counterProblems([inc('c1', -2, 0, 1), get('c1', -2, 2, 3)], { minimumAcknowledged: 1 }).problems, []);
});

test('writes invoked after a read completed cannot be seen by it', () => {
  assert.match(
    counterProblems([inc('c1', 1, 0, 1), get('c1', 2, 2, 3), inc('c1', 1, 4, 5)], { minimumAcknowledged: 1 }).problems.join(),
    /returned 2, expected 1/,
  );
});

test('keys are independent', () => {
  const r = counterProblems([inc('a', 1, 0, 1), inc('b', 5, 0, 1), get('a', 1, 2, 3), get('b', 5, 2, 3), get('b', 1, 4, 5)], { minimumAcknowledged: 2 });
  assert.deepEqual(r.problems, ['read of "b" at 0.00 s returned 1, expected 5']);
  assert.deepEqual(r.keys, ['a', 'b']);
});

test('a leading acknowledged reset is a baseline; a reset in the middle or of unknown outcome refuses the key', () => {
  assert.deepEqual(counterProblems([reset('c1', 0, 1), inc('c1', 1, 2, 3), get('c1', 1, 4, 5)], { minimumAcknowledged: 1 }).problems, []);
  const middle = counterProblems([inc('c1', 1, 0, 1), reset('c1', 2_000, 2_100), get('c1', 0, 4_000, 5_000)], { minimumAcknowledged: 0 });
  assert.deepEqual(middle.problems, [
    'counter "c1" not checked: it was reset at 2.00 s, after other operations on it began',
    'no acknowledged counter reads to check',
  ]);
  assert.deepEqual(middle.keys, []);
  assert.match(
    counterProblems([reset('c1', 0, 1, 'info'), inc('c1', 1, 2, 3), get('c1', 1, 4, 5)], { minimumAcknowledged: 0 }).problems.join(),
    /a reset invoked at 0.00 s has an unknown outcome/,
  );
  // a failed reset changed nothing
  assert.deepEqual(counterProblems([inc('c1', 1, 0, 1), reset('c1', 2, 3, 'fail'), get('c1', 1, 4, 5)], { minimumAcknowledged: 1 }).problems, []);
});

test('too few acknowledged writes, or no reads at all, is a problem, not a pass', () => {
  assert.match(
    counterProblems([inc('c1', 1, 0, 1), get('c1', 1, 2, 3)], { minimumAcknowledged: 10 }).problems.join(),
    /only 1 acknowledged counter writes \(at least 10 needed/,
  );
  assert.deepEqual(counterProblems([inc('c1', 1, 0, 1), get('c1', 1, 2, 3, 'info')], { minimumAcknowledged: 1 }).problems, [
    'no acknowledged counter reads to check',
  ]);
});

test('final read: exactly the acknowledged sum, widened only by info writes', () => {
  const writes = [inc('c1', 1, 0, 1), inc('c1', 1, 0, 2), get('c1', 1, 1, 2), inc('c1', 3, 1, 3)];
  const exact = counterFinalReadProblems([...writes, get('c1', 5, 4_000, 4_100)], { minimumAcknowledged: 3 });
  assert.deepEqual(exact.problems, []);
  assert.equal(exact.reads, 1);
  assert.deepEqual(counterFinalReadProblems([...writes, get('c1', 4, 4_000, 4_100)], { minimumAcknowledged: 3 }).problems, [
    'final read of "c1" at 4.00 s returned 4, expected 5',
  ]);
  const info = [...writes, inc('c1', 2, 3, 4, 'info')];
  assert.deepEqual(counterFinalReadProblems([...info, get('c1', 7, 4_000, 4_100)], { minimumAcknowledged: 3 }).problems, []);
  assert.deepEqual(counterFinalReadProblems([...info, get('c1', 8, 4_000, 4_100)], { minimumAcknowledged: 3 }).problems, [
    'final read of "c1" at 4.00 s returned 8, outside [5, 7]',
  ]);
});

test('final read: one that overlapped a write, or none at all, is reported', () => {
  assert.match(
    counterFinalReadProblems([inc('c1', 1, 0, 5_000), get('c1', 1, 4_000, 4_100)], { minimumAcknowledged: 1 }).problems.join(),
    /the final read of "c1" at 4.00 s overlapped 1 acknowledged writes/,
  );
  assert.deepEqual(counterFinalReadProblems([inc('c1', 1, 0, 1)], { minimumAcknowledged: 1 }).problems, [
    'no acknowledged final read of "c1"',
    'no acknowledged counter reads to check',
  ]);
});
