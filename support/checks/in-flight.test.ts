import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Op } from './history';
import { inFlightAcrossMoveProblems } from './in-flight';

const slow = (index: number, invokeMs: number, completeMs: number | undefined, outcome: Op['outcome'], servedBy?: string, error?: string): Op => ({
  index,
  process: `slow-${index + 1}`,
  f: 'slow::call',
  target: 'ring-1',
  shardKey: 'shard-42',
  invokeMs,
  ...(completeMs === undefined ? {} : { completeMs }),
  ...(outcome ? { outcome } : {}),
  ...(servedBy ? { result: { servedBy } } : {}),
  ...(error ? { error } : {}),
});

test('calls that ran across the move and finished on the original owner are right', () => {
  const calls = [slow(0, 1000, 31_000, 'ok', 'ring-1'), slow(1, 1000, 31_000, 'ok', 'ring-1')];
  assert.deepEqual(inFlightAcrossMoveProblems({ calls, owner: 'ring-1', movedAtMs: 12_000 }), []);
});

test('a call cut off, or answered elsewhere, is a problem', () => {
  const calls = [slow(0, 1000, 12_500, 'info', undefined, 'socket hang up'), slow(1, 1000, 31_000, 'ok', 'ring-3')];
  assert.deepEqual(inFlightAcrossMoveProblems({ calls, owner: 'ring-1', movedAtMs: 12_000 }), [
    'slow call 1: info socket hang up',
    'slow call 2 was answered by ring-3, not ring-1',
  ]);
});

test('calls that all ended before the move tested nothing: the premise fails, naming the times', () => {
  const problems = inFlightAcrossMoveProblems({ calls: [slow(0, 1000, 5000, 'ok', 'ring-1')], owner: 'ring-1', movedAtMs: 12_000 });
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /no slow call was in flight when the move was seen at 12\.00 s \(the last ended at 5\.00 s\)/);
});

test('no calls, or no move, cannot pass', () => {
  assert.deepEqual(inFlightAcrossMoveProblems({ calls: [], owner: 'ring-1', movedAtMs: 1 }), ['no slow call was started']);
  assert.match(inFlightAcrossMoveProblems({ calls: [slow(0, 0, 30_000, 'ok', 'ring-1')], owner: 'ring-1', movedAtMs: undefined })[0]!, /never seen moving/);
});
