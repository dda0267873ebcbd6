import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cutOffClaimProblems } from './cut-off-claims';
import type { LeadersSnapshot } from './leadership-checkers';

const claim = (observer: string, atMs: number, leaderId = observer): LeadersSnapshot => ({
  observer,
  atMs,
  tokens: [{ scope: 'region/west', leaderId, term: 2, fenceToken: 14, issuedAtMs: 0, expiresAtMs: atMs + 2_000 }],
});
const cut = { startMs: 2_000, endMs: 10_000, nodes: ['west-1', 'west-2'] };

test('a cut-off node may claim its lease until it could have run out, not after', () => {
  const stepsDown = [
    claim('west-1', 2_500),
    claim('west-1', 4_900),
    { observer: 'west-1', atMs: 6_000, tokens: [] },
    { observer: 'west-2', atMs: 7_000, tokens: [] },
  ];
  assert.deepEqual(cutOffClaimProblems(stepsDown, [cut], 3_500, 12_000), []);
  const keepsActing = [claim('west-1', 2_500), claim('west-1', 6_000), claim('west-1', 9_750), claim('east-1', 8_000)];
  assert.deepEqual(cutOffClaimProblems(keepsActing, [cut], 3_500, 12_000), [
    'west-1 claimed region/west (fence 14) from 6.00 s to 9.75 s, 4.00 s into the cut (allowed: 3.50 s)',
  ]);
});

test('a node naming another holder is no claim; after the heal nothing counts; nothing judged is not a pass', () => {
  assert.deepEqual(cutOffClaimProblems([claim('west-2', 7_000, 'west-1'), claim('west-1', 11_000)], [cut], 3_500, 12_000), []);
  assert.match(cutOffClaimProblems([claim('west-1', 3_000)], [cut], 3_500, 12_000)[0]!, /nothing was checked/);
  assert.match(cutOffClaimProblems([], [], 3_500, 12_000)[0]!, /no cut was recorded/);
});
