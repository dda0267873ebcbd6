import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Op } from '../checks/history';
import { elections, leaseSegments, type LeadershipObservation } from '../checks/leadership-history';
import { renderTimeline } from './timeline-svg';

const obs = (o: Partial<LeadershipObservation> & Pick<LeadershipObservation, 'kind' | 'atMs'>): LeadershipObservation => ({
  observer: 'n1',
  scope: 'global-control',
  ...o,
});

test('elections: one per scope and term, at the earliest report', () => {
  const e = elections([
    obs({ kind: 'Snapshot', leaderId: 'a', term: 1, atMs: 120 }),
    obs({ kind: 'Observed', leaderId: 'a', term: 1, atMs: 100, observer: 'n2' }),
    obs({ kind: 'Elected', leaderId: 'b', term: 2, atMs: 5_000 }),
    obs({ kind: 'Expired', leaderId: 'a', term: 1, atMs: 4_000 }),
  ]);
  assert.deepEqual(
    e.map((x) => [x.leaderId, x.term, x.atMs]),
    [
      ['a', 1, 100],
      ['b', 2, 5_000],
    ],
  );
});

test('lease segments end at the observed end or the next term, and stay open otherwise', () => {
  const s = leaseSegments([
    obs({ kind: 'Elected', leaderId: 'a', term: 1, atMs: 100 }),
    obs({ kind: 'Expired', leaderId: 'a', term: 1, atMs: 4_000 }),
    obs({ kind: 'Elected', leaderId: 'b', term: 2, atMs: 5_000 }),
  ]);
  assert.deepEqual(
    s.map((x) => [x.leaderId, x.startMs, x.endMs]),
    [
      ['a', 100, 4_000],
      ['b', 5_000, undefined],
    ],
  );
});

test('the picture holds one mark per op, lease, election and fault window, with escaped text', () => {
  const ops: Op[] = [
    { index: 0, process: 'client→n1', f: 'echo', target: 'n1', invokeMs: 10, completeMs: 30, outcome: 'ok' },
    { index: 1, process: 'client→n2', f: 'echo', target: 'n2', invokeMs: 12, completeMs: 50, outcome: 'fail', error: '<boom>' },
  ];
  const svg = renderTimeline({
    title: 'A & B',
    endMs: 6_000,
    ops,
    leases: [{ scope: 'global-control', leaderId: 'a', term: 1, startMs: 100, endMs: 4_000 }],
    elections: [{ scope: 'global-control', leaderId: 'a', term: 1, atMs: 100 }],
    faults: [{ name: 'pause', target: 'a', startMs: 1_000, endMs: 3_000 }],
    verdicts: [
      { checker: 'no split brain', outcome: 'ok', atMs: 5_000 },
      { checker: 'terms increase', outcome: 'failed', atMs: 5_000 },
      { checker: 'linearizable', step: 'the key-value history of shard-21 is linearizable', outcome: 'unknown', atMs: 5_000 },
    ],
  });
  assert.equal(svg.match(/class="verdict verdict-ok"/g)?.length, 1);
  assert.equal(svg.match(/class="verdict verdict-failed"/g)?.length, 1);
  assert.equal(svg.match(/class="verdict verdict-unknown"/g)?.length, 1);
  // Named by the step's phrase, cut to the label column, whole in its tooltip.
  assert.match(svg, /<title>\? the key-value history of shard-21 is linearizable<\/title>\? the key-value history of…<\/text>/);
  assert.match(svg, /✘ terms increase/);
  assert.match(svg, /^<svg [^>]*class="timeline"/);
  assert.match(svg, /<title>Timeline: A &amp; B<\/title>/);
  assert.equal(svg.match(/class="op op-/g)?.length, 2);
  assert.equal(svg.match(/class="op op-fail"/g)?.length, 1);
  assert.equal(svg.match(/class="lease"/g)?.length, 1);
  assert.equal(svg.match(/class="election"/g)?.length, 1);
  assert.equal(svg.match(/class="fault-window"/g)?.length, 1);
  assert.ok(!svg.includes('<boom>'));
});
