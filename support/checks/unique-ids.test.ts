import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Op } from './history';
import { uniqueIdsProblems } from './unique-ids';

const op = (index: number, value: number | undefined, outcome: Op['outcome'] = 'ok'): Op => ({
  index,
  process: 'c',
  f: 'sequence::next',
  target: 'n',
  invokeMs: index,
  completeMs: index + 1,
  outcome,
  result: value === undefined ? undefined : { value },
});
const valueOf = (o: Op) => (o.result as { value?: number } | undefined)?.value;

test('distinct acknowledged values pass; failed and unknown ops do not count', () => {
  const r = uniqueIdsProblems([op(0, 1), op(1, 2), op(2, 2, 'info'), op(3, 2, 'fail'), op(4, 3)], valueOf, 3);
  assert.deepEqual(r.problems, []);
  assert.equal(r.acknowledged, 3);
});

test('a repeated value is reported with the ops that got it', () => {
  const r = uniqueIdsProblems([op(0, 1), op(1, 2), op(2, 2)], valueOf, 1);
  assert.deepEqual(r.problems, ['value 2 was handed out 2 times (ops 1, 2)']);
});

test('too few acknowledged operations is a problem, not a pass', () => {
  assert.match(uniqueIdsProblems([op(0, 1)], valueOf, 10).problems.join(), /only 1 acknowledged operations/);
});
