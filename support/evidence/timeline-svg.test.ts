import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Op } from '../checks/history';
import { elections, leaseSegments, type LeadershipObservation } from '../checks/leadership-history';
import { nodeStates, renderTimeline } from './timeline-svg';

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

test('overlapping faults each get a lane with their label, nodes a lane of their states, and a legend explains them', () => {
  const svg = renderTimeline({
    title: 'chained',
    endMs: 20_000,
    ops: [],
    leases: [
      { scope: 'global-control', leaderId: 'global-1', term: 1, startMs: 0, endMs: 400 },
      { scope: 'global-control', leaderId: 'east-1', term: 2, startMs: 400 },
    ],
    elections: [],
    faults: [
      { name: 'latency', target: 'clients → region east', startMs: 0, endMs: 12_000, subject: { kind: 'link', where: 'clients → region east' } },
      {
        name: 'partition',
        target: 'west: west-1 west-2 | rest: east-1 east-2 global-1',
        startMs: 2_000,
        endMs: 10_000,
        subject: { kind: 'groups', groups: { west: ['west-1', 'west-2'], rest: ['east-1', 'east-2', 'global-1'] } },
      },
      { name: 'crash', target: 'east-3', startMs: 4_000, endMs: 12_000, subject: { kind: 'node', node: 'east-3' } },
      {
        name: 'pause',
        target: 'a target long enough that it would run past the right edge of the plot if drawn after its start',
        startMs: 19_000,
        endMs: 20_000,
      },
    ],
  });
  const lanes = [...svg.matchAll(/<g class="fault-lane" data-fault="([^"]+)" data-lane="(\d+)">/g)].map((m) => [m[1], Number(m[2])]);
  assert.deepEqual(lanes, [
    ['latency', 0],
    ['partition', 1],
    ['crash', 2],
    ['pause', 3],
  ]);
  const states = [...svg.matchAll(/class="node-state" data-node="([^"]+)" data-state="([^"]+)"/g)].map((m) => `${m[1]} ${m[2]}`);
  assert.deepEqual(states.sort(), ['east-3 crashed', 'west-1 cut off', 'west-2 cut off']);
  // The label of a fault late in the run ends at the plot's right edge instead of running past it.
  assert.match(svg, /<text class="fault-label" x="1068\.0" text-anchor="end"[^>]*><title>pause: a target long enough/);
  assert.match(svg, /<title>crash: east-3<\/title>crash: east-3<\/text>/);
  // A lease too short for its holder's name leaves the name to the tooltip.
  assert.ok(!svg.includes('>global-1 (term 1)</text>'));
  assert.ok(svg.includes('>east-1 (term 2)</text>'));
  assert.match(svg, /<g class="legend">.*node crashed.*node cut off.*op failed/);
});

test('node states: a node fault names its node, a partition cuts off all but its largest group, loss makes every side lossy', () => {
  assert.deepEqual(nodeStates({ name: 'graceful stop', target: 'n1', startMs: 0, subject: { kind: 'node', node: 'n1' } }), [{ node: 'n1', state: 'stopped' }]);
  assert.deepEqual(
    nodeStates({ name: 'partition', target: '', startMs: 0, subject: { kind: 'groups', groups: { a: ['n1'], b: ['n2', 'n3'], c: ['n4'] } } }).map(
      (s) => s.node,
    ),
    ['n1', 'n4'],
  );
  assert.deepEqual(
    nodeStates({ name: 'packet loss', target: '', startMs: 0, subject: { kind: 'groups', groups: { a: ['n1'], b: ['n2'] } } }).map((s) => s.state),
    ['lossy', 'lossy'],
  );
  assert.deepEqual(nodeStates({ name: 'latency', target: 'region east', startMs: 0, subject: { kind: 'link', where: 'region east' } }), []);
});
