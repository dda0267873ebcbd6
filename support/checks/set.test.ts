import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Op } from './history';
import { setProblems } from './set';

let next = 0;
const add = (key: string, element: string, invokeMs: number, completeMs: number, outcome: Op['outcome'] = 'ok'): Op => ({
  index: next++,
  process: 'c',
  f: 'set::add',
  target: 'n',
  value: { key, element },
  invokeMs,
  completeMs,
  outcome,
});
const read = (key: string, elements: string[], invokeMs: number, completeMs: number, outcome: Op['outcome'] = 'ok'): Op => ({
  index: next++,
  process: 'c',
  f: 'set::read',
  target: 'n',
  value: { key },
  invokeMs,
  completeMs,
  outcome,
  result: { key, elements },
});

test('every acknowledged add present in the final read passes; info adds may go either way', () => {
  const r = setProblems(
    [
      add('s1', 'a', 0, 1),
      add('s1', 'b', 0, 1),
      add('s1', 'c', 2, 3, 'info'),
      add('s1', 'd', 2, 3, 'info'),
      add('s1', 'e', 2, 3, 'fail'),
      read('s1', ['a', 'b', 'c'], 10, 11),
    ],
    { minimumAcknowledged: 2 },
  );
  assert.deepEqual(r.problems, []);
  assert.deepEqual([r.acknowledged, r.lost, r.unexpected, r.recoveredInfo], [2, 0, 0, 1]);
  assert.deepEqual(r.detail[0]!.recoveredInfo, ['c']);
  assert.equal(r.detail[0]!.unrecoveredInfo, 1);
});

test('only the last acknowledged read counts', () => {
  const r = setProblems([add('s1', 'a', 0, 1), read('s1', [], 0, 1), read('s1', ['a'], 5, 6), read('s1', [], 7, 8, 'info')], { minimumAcknowledged: 1 });
  assert.deepEqual(r.problems, []);
  assert.equal(r.detail[0]!.finalReadAtMs, 5);
});

test('lost acknowledged adds are listed, the first ten then a count', () => {
  const elements = Array.from({ length: 15 }, (_, i) => `e${i}`);
  const r = setProblems([...elements.map((e) => add('s1', e, 0, 1_000)), read('s1', ['e0', 'e1', 'e2'], 2_000, 2_500)], { minimumAcknowledged: 1 });
  assert.deepEqual(r.problems, [
    'set "s1" lost 12 of 15 acknowledged adds (read at 2.00 s): "e3", "e4", "e5", "e6", "e7", "e8", "e9", "e10", "e11", "e12" … and 2 more',
  ]);
  assert.equal(r.lost, 12);
});

test('an element whose adds all failed, or that nobody added, is unexpected', () => {
  const r = setProblems([add('s1', 'a', 0, 1), add('s1', 'x', 0, 1, 'fail'), read('s1', ['a', 'x', 'ghost'], 1_000, 1_100)], { minimumAcknowledged: 1 });
  assert.deepEqual(r.problems, [
    'set "s1" holds 1 elements whose adds all failed (read at 1.00 s): "x"',
    'set "s1" holds 1 elements nobody added (read at 1.00 s): "ghost"',
  ]);
  assert.equal(r.unexpected, 2);
  // a failed attempt and a later info one: may be present
  assert.deepEqual(
    setProblems([add('s1', 'x', 0, 1, 'fail'), add('s1', 'x', 2, 3, 'info'), add('s1', 'a', 0, 1), read('s1', ['a', 'x'], 5, 6)], { minimumAcknowledged: 1 })
      .problems,
    [],
  );
});

test('an add invoked after the read completed cannot be in it; one still in flight during the read may be missing', () => {
  assert.match(
    setProblems([add('s1', 'a', 0, 1), read('s1', ['a', 'b'], 5, 6), add('s1', 'b', 7, 8)], { minimumAcknowledged: 1 }).problems.join(),
    /nobody added .*"b"/,
  );
  const r = setProblems([add('s1', 'a', 0, 1), add('s1', 'b', 4, 9), read('s1', ['a'], 5, 6)], { minimumAcknowledged: 1 });
  assert.deepEqual(r.problems, []);
  assert.equal(r.detail[0]!.concurrent, 1);
});

test('sets are independent; a set with no acknowledged read is a problem', () => {
  const r = setProblems([add('s1', 'a', 0, 1), add('s2', 'a', 0, 1), read('s1', ['a'], 2, 3), add('s3', 'z', 0, 1), read('s3', ['z'], 2, 3, 'info')], {
    minimumAcknowledged: 1,
  });
  assert.deepEqual(r.problems, [
    'set "s2" had 1 acknowledged adds but no acknowledged read: nothing was checked',
    'set "s3" had 1 acknowledged adds but no acknowledged read: nothing was checked',
  ]);
  assert.deepEqual(r.keys, ['s1']);
});

test('duplicates in a read are reported', () => {
  assert.match(
    setProblems([add('s1', 'a', 0, 1), read('s1', ['a', 'a'], 2, 3)], { minimumAcknowledged: 1 }).problems.join(),
    /listed 1 elements more than once .*"a"/,
  );
});

test('too few acknowledged adds is a problem, not a pass', () => {
  assert.deepEqual(setProblems([add('s1', 'a', 0, 1, 'info'), read('s1', [], 2, 3)], { minimumAcknowledged: 5 }).problems, [
    'only 0 acknowledged adds were checked (at least 5 needed for the check to mean anything)',
  ]);
});
