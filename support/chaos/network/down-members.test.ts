import assert from 'node:assert/strict';
import { test } from 'node:test';
import { specIds, withoutDown } from './down-members';

test('a spec without its down members keeps what can still be cut, and nothing when a side is emptied', () => {
  const groups = { kind: 'groups', groups: { west: ['w1', 'w2'], rest: ['e1', 'g1'] } } as const;
  assert.deepEqual(specIds(groups), ['w1', 'w2', 'e1', 'g1']);
  assert.equal(withoutDown(groups, new Set()), groups);
  assert.deepEqual(withoutDown(groups, new Set(['w1'])), { kind: 'groups', groups: { west: ['w2'], rest: ['e1', 'g1'] } });
  assert.equal(withoutDown(groups, new Set(['w1', 'w2'])), undefined, 'one group left: nothing to cut');
  assert.deepEqual(withoutDown({ kind: 'one-way', from: ['a'], to: ['b', 'c'] }, new Set(['c'])), { kind: 'one-way', from: ['a'], to: ['b'] });
  assert.equal(withoutDown({ kind: 'one-way', from: ['a'], to: ['b'] }, new Set(['a'])), undefined);
  assert.deepEqual(
    withoutDown(
      {
        kind: 'pairs',
        cut: [
          ['a', 'b'],
          ['a', 'c'],
        ],
        nodes: ['d', 'c'],
        label: 'x',
      },
      new Set(['c']),
    ),
    {
      kind: 'pairs',
      cut: [['a', 'b']],
      nodes: ['d'],
      label: 'x',
    },
  );
  assert.deepEqual(withoutDown({ kind: 'loss', between: { a: ['a', 'x'], b: ['b'] }, probability: 0.2 }, new Set(['x'])), {
    kind: 'loss',
    between: { a: ['a'], b: ['b'] },
    probability: 0.2,
  });
  assert.equal(withoutDown({ kind: 'loss', between: { a: ['a'], b: ['b'] }, probability: 0.2 }, new Set(['b'])), undefined);
});
