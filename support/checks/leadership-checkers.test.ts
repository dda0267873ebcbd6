import { test } from 'node:test';
import assert from 'node:assert/strict';
import { electionWindowProblems, leasesSeen, monotonicityProblems, splitBrainProblems, type LeadersSnapshot } from './leadership-checkers';
import type { LeadershipObservation } from './leadership-history';

const token = (leaderId: string, fenceToken: number, term: number, issuedAtMs: number, expiresAtMs: number, scope = 'global-control') => ({
  scope,
  leaderId,
  fenceToken,
  term,
  issuedAtMs,
  expiresAtMs,
});
const snap = (observer: string, atMs: number, ...tokens: ReturnType<typeof token>[]): LeadersSnapshot => ({ observer, atMs, tokens });

test('a clean handover is not split brain: the old holder stops claiming before the new one starts', () => {
  const history = [
    snap('a', 1_000, token('a', 10, 1, 0, 4_000)),
    snap('a', 2_000, token('a', 10, 1, 0, 5_000)),
    snap('b', 2_000, token('a', 10, 1, 0, 5_000)), // b observing a is not a claim
    snap('b', 6_000, token('b', 14, 2, 5_500, 9_000)),
    snap('a', 7_000, token('a', 10, 1, 0, 5_000), token('b', 14, 2, 5_500, 9_000)), // a's own token is expired: not a claim
  ];
  assert.deepEqual(splitBrainProblems(history), []);
});

test('two nodes claiming one scope over overlapping periods is split brain', () => {
  const history = [
    snap('a', 1_000, token('a', 10, 1, 0, 4_000)),
    snap('b', 6_000, token('b', 14, 2, 5_500, 9_000)),
    snap('a', 7_000, token('a', 10, 1, 0, 10_000)), // a resumed and still claims
  ];
  const [problem] = splitBrainProblems(history);
  assert.match(problem!, /global-control: a \(fence 10, claimed 1\.00 s–7\.00 s\) and b \(fence 14, claimed 6\.00 s–6\.00 s\) both acted as leader/);
});

test('polls of one round are timed when sent: a successor issued after that instant does not overlap its predecessor', () => {
  // CI: a's last claim and b's first claim came from polls sent at the same instant (24.09 s); b was issued after
  // the poll was sent (and after a's lease ran out), and answered a moment later.
  const history = [
    snap('a', 23_000, token('a', 18, 5, 15_000, 24_200)),
    snap('a', 24_090, token('a', 18, 5, 15_000, 24_200)),
    snap('b', 24_090, token('b', 21, 6, 24_250, 30_000)),
  ];
  assert.deepEqual(splitBrainProblems(history), []);
  // The same polls, but a still claims after b was issued: split brain.
  const overlapping = [...history, snap('a', 24_300, token('a', 18, 5, 15_000, 27_000))];
  assert.match(
    splitBrainProblems(overlapping)[0]!,
    /a \(fence 18, claimed 23\.00 s–24\.30 s\) and b \(fence 21, claimed 24\.25 s–24\.25 s\) both acted as leader/,
  );
});

test('terms and fences must increase per scope', () => {
  const leases = leasesSeen([snap('x', 1_000, token('a', 10, 3, 0, 4_000)), snap('x', 6_000, token('b', 14, 3, 5_000, 9_000))], []);
  assert.match(monotonicityProblems(leases).join('\n'), /term did not increase: fence 10 had term 3 \(a\), fence 14 has term 3 \(b\)/);
  const backwards = leasesSeen([snap('x', 1_000, token('a', 20, 1, 0, 4_000)), snap('x', 6_000, token('b', 14, 2, 5_000, 9_000))], []);
  assert.match(monotonicityProblems(backwards).join('\n'), /a later lease has a lower fence: b \(fence 14/);
  const fine = leasesSeen([snap('x', 1_000, token('a', 10, 1, 0, 4_000)), snap('x', 6_000, token('b', 14, 2, 5_000, 9_000))], []);
  assert.deepEqual(monotonicityProblems(fine), []);
});

test('an election slower than the window, and a scope left vacant, are reported', () => {
  const slow = leasesSeen([snap('x', 1_000, token('a', 10, 1, 0, 3_000)), snap('x', 12_000, token('b', 14, 2, 11_000, 15_000))], []);
  assert.match(electionWindowProblems(slow, 5_000, 13_000).join('\n'), /vacant from 3\.00 s .* until b was elected at 11\.00 s: 8\.00 s > window 5\.00 s/);
  const vacant = leasesSeen([snap('x', 1_000, token('a', 10, 1, 0, 3_000))], []);
  assert.match(electionWindowProblems(vacant, 5_000, 20_000).join('\n'), /no leader since a's lease \(fence 10\) ended at 3\.00 s/);
  const quick = leasesSeen([snap('x', 1_000, token('a', 10, 1, 0, 3_000)), snap('x', 4_000, token('b', 14, 2, 3_400, 9_000))], []);
  assert.deepEqual(electionWindowProblems(quick, 5_000, 5_000), []);
});

test('a release ends a lease at the release, not at its expiry', () => {
  const released: LeadershipObservation = { observer: 'a', kind: 'SteppedDown', scope: 'global-control', leaderId: 'a', term: 1, fenceToken: 10, atMs: 2_000 };
  const leases = leasesSeen([snap('x', 1_000, token('a', 10, 1, 0, 9_000)), snap('x', 9_000, token('b', 14, 2, 8_500, 12_000))], [released]);
  assert.match(electionWindowProblems(leases, 5_000, 9_000).join('\n'), /vacant from 2\.00 s/);
});

test('a lease that changes hands without a new fence is reported', () => {
  const leases = leasesSeen([snap('x', 1_000, token('a', 10, 1, 0, 4_000)), snap('x', 6_000, token('b', 10, 1, 0, 9_000))], []);
  assert.match(monotonicityProblems(leases).join('\n'), /fence 10 \(term 1\) was held by a and b: the lease changed hands without a new fence/);
});
