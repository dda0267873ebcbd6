import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LeadersSnapshot } from './leadership-checkers';
import type { LeadershipObservation } from './leadership-history';
import { promotionRevokedProblems, type PromotionRecord } from './promotion';

const scope = 'global-control';
const tok = (leaderId: string, fenceToken: number, issuedAtMs: number, expiresAtMs: number) => ({
  scope,
  leaderId,
  term: fenceToken,
  fenceToken,
  issuedAtMs,
  expiresAtMs,
});
// global-1 holds fence 3, renewing every second until it is frozen at 10 s (own deadline 12.75 s).
const incumbentPolls: LeadersSnapshot[] = [8000, 9000, 10_000].map((at) => ({ observer: 'global-1', atMs: at, tokens: [tok('global-1', 3, 1000, at + 2750)] }));
const promotedAt = (issuedAtMs: number): LeadersSnapshot[] => [
  { observer: 'west-2', atMs: issuedAtMs + 50, tokens: [tok('west-2', 8, issuedAtMs, issuedAtMs + 3000)] },
];
const record: PromotionRecord = { scope, candidate: 'west-2', incumbent: 'global-1', answer: { method: 'revoked', previousLeaderId: 'global-1' } };

test("a lease that began well before the frozen incumbent's deadline, with no release: revoked", () => {
  assert.deepEqual(promotionRevokedProblems(record, [...incumbentPolls, ...promotedAt(10_200)], []), []);
});

test('a promotion that waited the incumbent out fails, whatever it answered', () => {
  const problems = promotionRevokedProblems(record, [...incumbentPolls, ...promotedAt(13_100)], []);
  assert.deepEqual(problems, [
    "west-2's lease (fence 8) began at 13.10 s, 0.35 s after global-1's lease (fence 3) ran out at 12.75 s: it was waited out, not revoked",
  ]);
  assert.match(promotionRevokedProblems(record, [...incumbentPolls, ...promotedAt(12_500)], [])[0]!, /only 0\.25 s before/);
});

test('a release by the incumbent, a wrong answer, or no promotion in the history are problems', () => {
  const released: LeadershipObservation[] = [{ observer: 'global-1', kind: 'SteppedDown', scope, leaderId: 'global-1', term: 3, fenceToken: 3, atMs: 10_100 }];
  assert.match(promotionRevokedProblems(record, [...incumbentPolls, ...promotedAt(10_200)], released)[0]!, /released its lease \(fence 3\) itself at 10\.10 s/);
  const answered = promotionRevokedProblems(
    { ...record, answer: { method: 'released', previousLeaderId: 'east-1' } },
    [...incumbentPolls, ...promotedAt(10_200)],
    [],
  );
  assert.deepEqual(answered, ['the promotion answered method "released", not "revoked"', 'the promotion named east-1 as the previous holder, not global-1']);
  assert.match(promotionRevokedProblems(record, incumbentPolls, [])[0]!, /the lease history shows no promotion/);
});
