import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PeersView } from '../fabric/contract';
import { NEMESIS, type Op } from './history';
import { gossipDivergedProblems, isolatedHandedOutProblems, splitsIn } from './partition-effects';

const view = (statuses: Record<string, string>): PeersView =>
  ({ generatedAt: '', localNodeId: '', peers: Object.entries(statuses).map(([nodeId, status]) => ({ nodeId, status })) }) as unknown as PeersView;

test('gossip views diverge when every node of each side sees someone of the other side not Alive', () => {
  const sides = [
    ['a', ['n1']],
    ['b', ['n2', 'n3']],
  ] as const;
  const diverged = new Map([
    ['n1', view({ n2: 'Suspect', n3: 'Alive' })],
    ['n2', view({ n1: 'Left' })],
    ['n3', view({ n1: 'Suspect' })],
  ]);
  assert.deepEqual(gossipDivergedProblems(sides, diverged), []);
  const stillOne = new Map([
    ['n1', view({ n2: 'Alive', n3: 'Alive' })],
    ['n2', view({ n1: 'Left' })],
  ]);
  // n3 reported no view, so it sees nobody Alive: only n1 is wrong.
  assert.deepEqual(gossipDivergedProblems(sides, stillOne), ['n1 (a) still sees every node of the other side Alive']);
});

const draw = (target: string, invokeMs: number, completeMs: number, outcome: Op['outcome']): Op => ({
  index: 0,
  process: 'c',
  f: 'sequence::next',
  target,
  invokeMs,
  completeMs,
  outcome,
  result: { value: 7 },
});

/** The nemesis's ops for one fault: asked at `askedMs`, in effect at `startMs`, heal begun at `stopMs`. */
function nemesis(id: number, fault: string, groups: Record<string, string[]>, askedMs: number, startMs: number, stopMs?: number): Op[] {
  const value = { fault, id, subject: { kind: 'groups', groups } };
  const start: Op = { index: 0, process: NEMESIS, f: 'start', target: fault, value, invokeMs: askedMs, completeMs: startMs, outcome: 'info' };
  return stopMs === undefined
    ? [start]
    : [start, { index: 0, process: NEMESIS, f: 'stop', target: fault, value, invokeMs: stopMs, completeMs: stopMs + 50, outcome: 'info' }];
}

test('an isolated node acknowledging a draw inside its window is named; outside the window or refused is fine', () => {
  const cut = nemesis(1, 'partition', { isolated: ['n1'], rest: ['n2'] }, 800, 1000, 6000);
  assert.deepEqual(
    isolatedHandedOutProblems([
      ...cut,
      draw('n1', 500, 600, 'ok'),
      draw('n1', 900, 1100, 'ok'),
      draw('n1', 2000, 2100, 'fail'),
      draw('n2', 2000, 2100, 'ok'),
      draw('n1', 5900, 6100, 'ok'),
    ]),
    [],
  );
  assert.deepEqual(isolatedHandedOutProblems([...cut, draw('n1', 2000, 2100, 'ok')]), ['n1 handed out {"value":7} at 2.00 s while isolated']);
});

test('a split still holding has no end: every later acknowledgement by the isolated node counts', () => {
  assert.equal(isolatedHandedOutProblems([...nemesis(1, 'partition', { isolated: ['n1'], rest: ['n2'] }, 0, 100), draw('n1', 90_000, 90_100, 'ok')]).length, 1);
});

test('no split with an isolated group, nothing checked: that cannot pass', () => {
  assert.deepEqual(isolatedHandedOutProblems([draw('n1', 2000, 2100, 'ok')]), ['no node was isolated, so nothing was checked']);
  assert.deepEqual(isolatedHandedOutProblems(nemesis(1, 'partition', { west: ['n1'], east: ['n2'] }, 0, 100, 900)), [
    'no node was isolated, so nothing was checked',
  ]);
});

test('splits are read from the nemesis ops: partitions and bridges that took effect, not loss or a failed start', () => {
  const failed: Op = { ...nemesis(3, 'partition', { isolated: ['n3'] }, 0, 10)[0]!, error: 'iptables: permission denied' };
  const ops = [
    ...nemesis(1, 'partition', { a: ['n1'], b: ['n2'] }, 0, 100, 900),
    ...nemesis(2, 'loss', { a: ['n1'], b: ['n2'] }, 1000, 1100, 1900),
    failed,
    ...nemesis(4, 'bridge', { a: ['n1'], bridge: ['n2'], b: ['n3'] }, 2000, 2100),
  ];
  assert.deepEqual(splitsIn(ops), [
    { groups: { a: ['n1'], b: ['n2'] }, startMs: 100, endMs: 900 },
    { groups: { a: ['n1'], bridge: ['n2'], b: ['n3'] }, startMs: 2100 },
  ]);
});
