import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Op } from './history';
import { drainRefusalProblems, everyCallSucceededProblems, hotNodeAvoidedProblems, type Pick } from './calls';

const op = (i: number, outcome: Op['outcome'], shardKey = 's7', process = `c${i}`): Op => ({
  index: i,
  process,
  f: 'kv::set',
  target: 'n1',
  shardKey,
  invokeMs: i * 100,
  completeMs: i * 100 + 5,
  ...(outcome ? { outcome } : {}),
});

test('every call on the shard ok, and enough of them: right; final reads and other shards are not counted', () => {
  const ops = [...Array.from({ length: 4 }, (_, i) => op(i, 'ok')), op(9, 'fail', 's8'), op(10, 'info', 's7', 'final')];
  assert.deepEqual(everyCallSucceededProblems(ops, 's7', 4), { problems: [], calls: 4, notOk: 0 });
});

test('a failed or unfinished call is named; too few calls cannot pass', () => {
  const result = everyCallSucceededProblems([op(1, 'ok'), { ...op(2, undefined), error: undefined }, { ...op(3, 'info'), error: 'socket hang up' }], 's7', 10);
  assert.deepEqual(result.problems, [
    'kv::set by c2 via n1 at 0.20 s: never completed',
    'kv::set by c3 via n1 at 0.30 s: info socket hang up',
    'only 3 calls on s7: too few to judge',
  ]);
  assert.equal(result.notOk, 2);
});

test('a draining node answers 503 with Retry-After 1; anything else is named', () => {
  assert.deepEqual(drainRefusalProblems('n1', 503, '1'), []);
  assert.deepEqual(drainRefusalProblems('n1', 200, undefined), ['n1 answered HTTP 200, not 503', 'n1 sent Retry-After null, not 1']);
});

test('the hot node gets less than an even share of the free picks in its window; pinned and outside picks do not count', () => {
  const picks: Pick[] = [
    ...Array.from({ length: 30 }, (_, i): Pick => ({ peer: i % 3 === 0 ? 'hot' : 'cool', atMs: 1000 + i, pinned: false })),
    ...Array.from({ length: 50 }, (_, i): Pick => ({ peer: 'hot', atMs: 1000 + i, pinned: true })),
    { peer: 'hot', atMs: 10, pinned: false },
  ];
  const window = { hot: 'hot', fromMs: 1000, toMs: 2000, peers: 2, minimum: 20 };
  const ok = hotNodeAvoidedProblems(picks, window);
  assert.deepEqual(ok.problems, []);
  assert.deepEqual(ok.counts, { hot: 10, cool: 20 });
  const even = hotNodeAvoidedProblems(picks, { ...window, peers: 3 });
  assert.deepEqual(even.problems, ["hot got 33.3% of the chooser's picks (an even share is 33.3%)"]);
  assert.deepEqual(hotNodeAvoidedProblems(picks, { ...window, minimum: 40 }).problems, [
    'only 30 calls were left to the chooser while hot was hot: too few to judge',
  ]);
});
