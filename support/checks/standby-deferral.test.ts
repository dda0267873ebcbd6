import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LeaseSeen } from './leadership-checkers';
import { standbyDeferralProblems } from './standby-deferral';

let fence = 0;
const lease = (leaderId: string, issuedAtMs: number, end: { expiresAtMs?: number; releasedAtMs?: number } = {}): LeaseSeen => ({
  scope: 'global-control',
  fence: ++fence,
  term: fence,
  leaderId,
  holders: [leaderId],
  firstSeenMs: issuedAtMs + 100,
  issuedAtMs,
  ...end,
});
const judge = (leases: LeaseSeen[]) => standbyDeferralProblems(leases, { scope: 'global-control', dedicated: ['global-1'], minGapMs: 2500 });

test('a standby that took the lease a deferral after the vacancy passes', () => {
  const r = judge([lease('global-1', 0, { expiresAtMs: 10_000 }), lease('east-1', 13_100)]);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.takeovers, [{ from: 'global-1', to: 'east-1', vacantFromMs: 10_000, electedAtMs: 13_100, gapMs: 3100 }]);
});

test('a standby that took it at once is found, with the times', () => {
  const r = judge([lease('global-1', 0, { expiresAtMs: 10_000 }), lease('east-1', 10_300)]);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]!, /east-1 took global-control at 10\.30 s, 0\.30 s after global-1's lease ended at 10\.00 s: sooner than the 2\.50 s/);
});

test('a release ends the lease when it comes before the expiry; the dedicated node winning it back is not judged', () => {
  const r = judge([
    lease('global-1', 0, { expiresAtMs: 12_000, releasedAtMs: 9_000 }),
    lease('global-1', 9_500, { expiresAtMs: 20_000 }),
    lease('west-1', 23_000),
  ]);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(
    r.takeovers.map((t) => [t.to, t.gapMs]),
    [['west-1', 3000]],
  );
});

test('no takeover from the dedicated node judges nothing: a problem', () => {
  assert.match(
    judge([lease('global-1', 0)]).problems[0]!,
    /no node other than global-1 took global-control from it after a vacancy: nothing was judged \(1 leases/,
  );
});

test('a standby that won the bootstrap lease (term 1) is the same failure', () => {
  const r = judge([{ ...lease('east-1', 0), term: 1 }, lease('global-1', 9000)]);
  assert.match(r.problems[0]!, /east-1 won global-control at bootstrap \(term 1\), not the dedicated global-1: a standby did not defer/);
});
