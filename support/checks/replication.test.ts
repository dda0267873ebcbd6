import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Op } from './history';
import { ackedWithoutReplicaProblems, type ReplicaDownWindow } from './replication';

const op = (index: number, f: string, invokeMs: number, completeMs: number, outcome: Op['outcome'], shardKey = 'shard-11'): Op => ({
  index,
  process: `c${index}`,
  f,
  target: 'ring-2',
  shardKey,
  invokeMs,
  completeMs,
  outcome,
});

const window: ReplicaDownWindow = { shardId: 'shard-11', replica: 'ring-4', downFromMs: 10_000, droppedAtMs: 13_000 };

test('writes refused while the map still listed the down replica, acknowledged before and after: right', () => {
  const ops = [
    op(0, 'counter::increment', 9_000, 9_010, 'ok'), // before the crash
    op(1, 'counter::increment', 10_500, 11_500, 'info'), // refused: outcome unknown
    op(2, 'set::add', 11_000, 11_200, 'fail'),
    op(3, 'set::add', 13_500, 13_520, 'ok'), // after the map dropped it
  ];
  const result = ackedWithoutReplicaProblems(ops, window);
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.attempted, { info: 1, fail: 1 });
});

test('a write acknowledged inside the window is a problem, naming the op, the node and the times', () => {
  const result = ackedWithoutReplicaProblems([op(7, 'set::add', 10_100, 10_150, 'ok'), op(8, 'counter::increment', 10_200, 10_900, 'info')], window);
  assert.deepEqual(result.problems, [
    'set::add #7 through ring-2 was acknowledged at 10.15 s, while the map still listed ring-4, down since 10.00 s (dropped from the map at 13.00 s)',
  ]);
  assert.deepEqual(result.attempted, { ok: 1, info: 1 });
});

test('reads, other shards and writes answered after the map changed are not judged', () => {
  const ops = [
    op(0, 'set::read', 10_100, 10_150, 'ok'),
    op(1, 'set::add', 10_100, 10_150, 'ok', 'shard-12'),
    op(2, 'set::add', 12_900, 13_100, 'ok'), // answered once the owner may have had the new map
    op(3, 'counter::increment', 11_000, 11_100, 'fail'),
  ];
  assert.deepEqual(ackedWithoutReplicaProblems(ops, window).problems, []);
});

test('no write in the window, or no window at all, cannot pass', () => {
  assert.match(
    ackedWithoutReplicaProblems([op(0, 'set::add', 9_000, 9_010, 'ok')], window).problems[0]!,
    /no write to shard-11 was attempted while the map still listed ring-4/,
  );
  assert.match(ackedWithoutReplicaProblems([], { ...window, droppedAtMs: 9_000 }).problems[0]!, /not after it went down/);
});
