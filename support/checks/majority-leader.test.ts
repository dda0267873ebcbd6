import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agreedHolder, majorityLeaderProblems } from './majority-leader';

const v = (observer: string, ...holders: string[]) => ({ observer, holders });

test('a majority naming one holder agrees; nodes naming nobody have no say', () => {
  const views = [v('n1', 'n2'), v('n2', 'n2'), v('n3', 'n2'), v('n4'), v('n5')];
  assert.deepEqual(majorityLeaderProblems(views, 5), []);
  assert.equal(agreedHolder(views), 'n2');
});

test('too few naming, two names from one node, disagreement and a deposed holder are each named', () => {
  assert.deepEqual(majorityLeaderProblems([v('n1', 'n2'), v('n2'), v('n3')], 3), ['only 1 of 3 running nodes name a leader (2 needed)']);
  assert.deepEqual(majorityLeaderProblems([v('n1', 'n1', 'n2'), v('n2', 'n2'), v('n3', 'n2')], 3), ['n1 names n1 + n2', 'nodes disagree: n1 vs n2']);
  assert.deepEqual(majorityLeaderProblems([v('n1', 'n1'), v('n2', 'n1'), v('n3', 'n1')], 3, ['n1']), ['n1 still leads']);
  assert.equal(agreedHolder([v('n1')]), undefined);
});
