import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PeersView } from '../fabric/contract';
import type { Op } from './history';
import { gossipDivergedProblems, isolatedHandedOutProblems } from './partition-effects';

const view = (statuses: Record<string, string>): PeersView => ({ generatedAt: '', localNodeId: '', peers: Object.entries(statuses).map(([nodeId, status]) => ({ nodeId, status })) }) as unknown as PeersView;

test('gossip views diverge when every node of each side sees someone of the other side not Alive', () => {
  const sides = [['a', ['n1']], ['b', ['n2', 'n3']]] as const;
  const diverged = new Map([['n1', view({ n2: 'Suspect', n3: 'Alive' })], ['n2', view({ n1: 'Left' })], ['n3', view({ n1: 'Suspect' })]]);
  assert.deepEqual(gossipDivergedProblems(sides, diverged), []);
  const stillOne = new Map([['n1', view({ n2: 'Alive', n3: 'Alive' })], ['n2', view({ n1: 'Left' })]]);
  // n3 reported no view, so it sees nobody Alive: only n1 is wrong.
  assert.deepEqual(gossipDivergedProblems(sides, stillOne), ['n1 (a) still sees every node of the other side Alive']);
});

const draw = (target: string, invokeMs: number, completeMs: number, outcome: Op['outcome']): Op => ({ index: 0, process: 'c', f: 'sequence::next', target, invokeMs, completeMs, outcome, result: { value: 7 } });

test('an isolated node acknowledging a draw inside its window is named; outside the window or refused is fine', () => {
  const split = { groups: { isolated: ['n1'], rest: ['n2'] }, startMs: 1000, durationMs: 5000 };
  assert.deepEqual(isolatedHandedOutProblems([draw('n1', 500, 600, 'ok'), draw('n1', 2000, 2100, 'fail'), draw('n2', 2000, 2100, 'ok'), draw('n1', 5900, 6100, 'ok')], [split]), []);
  assert.deepEqual(isolatedHandedOutProblems([draw('n1', 2000, 2100, 'ok')], [split]), ['n1 handed out {"value":7} at 2.00 s while isolated']);
});

test('no split, nothing checked: that cannot pass', () => {
  assert.deepEqual(isolatedHandedOutProblems([], []), ['no node was isolated, so nothing was checked']);
});
