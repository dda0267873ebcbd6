import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LeadersSnapshot } from './leadership-checkers';
import { leaderKeptProblems } from './leader-kept';

const token = (leaderId: string, fenceToken: number, atMs: number) => ({
  scope: 'global-control',
  leaderId,
  term: fenceToken,
  fenceToken,
  issuedAtMs: 0,
  expiresAtMs: atMs + 3000,
});
const poll = (observer: string, atMs: number, holder?: [string, number]): LeadersSnapshot => ({
  observer,
  atMs,
  tokens: holder ? [token(holder[0], holder[1], atMs)] : [],
});
const side = ['ring-1', 'ring-2', 'ring-3'];
const every = (from: number, to: number, holder: (observer: string, at: number) => [string, number] | undefined) =>
  side.flatMap((o) => Array.from({ length: (to - from) / 250 + 1 }, (_, i) => poll(o, from + i * 250, holder(o, from + i * 250))));
const judge = (snapshots: LeadersSnapshot[]) =>
  leaderKeptProblems({ snapshots, scope: 'global-control', side, fromMs: 5000, toMs: 15_000, maxSilenceMs: 3000 });

test('the side names one holder with one fence for the whole window: kept', () => {
  const v = judge(every(5000, 15_000, () => ['ring-1', 3]));
  assert.deepEqual(v.problems, []);
  assert.deepEqual(v.kept, { leaderId: 'ring-1', fenceToken: 3 });
});

test('a re-election of the same node (new fence) during the split is not keeping the leader', () => {
  const v = judge(every(5000, 15_000, (_, at) => (at < 9000 ? ['ring-1', 3] : at < 9500 ? undefined : ['ring-1', 5])));
  assert.equal(v.problems.length, 3);
  assert.match(v.problems[0]!, /^ring-1 named ring-1 \(fence 5\) at 9\.50 s, not ring-1 \(fence 3\), and so in \d+ more polls$/);
});

test('another holder, a holder from the other side, and a long silence are each named', () => {
  const v = judge([
    ...every(5000, 15_000, (o, at) =>
      o === 'ring-2' && at >= 6000 && at < 10_000 ? undefined : o === 'ring-3' && at > 12_000 ? ['ring-3', 9] : ['ring-1', 3],
    ),
  ]);
  assert.deepEqual(v.problems, [
    'ring-2 named no holder of global-control for 4.00 s from 6.00 s (at most 3.00 s allowed)',
    'ring-3 named ring-3 (fence 9) at 12.25 s, not ring-1 (fence 3), and so in 11 more polls',
  ]);
  const away = leaderKeptProblems({
    snapshots: every(5000, 15_000, () => ['ring-5', 2]),
    scope: 'global-control',
    side,
    fromMs: 5000,
    toMs: 15_000,
    maxSilenceMs: 3000,
  });
  assert.match(away.problems[0]!, /ring-5, the holder of global-control at the start, is not on this side/);
});

test('a short silence (moving to another etcd member) is allowed; no polls, or nobody named, cannot pass', () => {
  assert.deepEqual(judge(every(5000, 15_000, (_, at) => (at >= 7000 && at < 8000 ? undefined : ['ring-1', 3]))).problems, []);
  assert.match(judge([]).problems[0]!, /no node of ring-1, ring-2, ring-3 named a holder/);
  const quiet = judge(every(5000, 15_000, (o) => (o === 'ring-3' ? undefined : ['ring-1', 3])).filter((x) => x.observer !== 'ring-2'));
  assert.deepEqual(quiet.problems, [
    'ring-2 answered no leaders poll while the split held: nothing shows what it saw',
    'ring-3 named no holder of global-control for 10.00 s from 5.00 s (at most 3.00 s allowed)',
  ]);
});
