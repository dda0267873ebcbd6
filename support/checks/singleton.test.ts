import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runningStretches, type SingletonObservation, singletonProblems, type Tenure } from './singleton';

const obs = (node: string, atMs: number, fence?: number): SingletonObservation => ({
  node,
  requestMs: atMs,
  responseMs: atMs + 5,
  running: fence !== undefined,
  ...(fence === undefined ? {} : { fence }),
});
const tenure = (runner: string, fence: number, beats = 3): Tenure => ({ runner, fence, since: fence * 1000, beats });
const record = (history: Tenure[]) => ({ key: 'singleton/heartbeat', history, heartbeats: history.reduce((n, t) => n + t.beats, 0) });

// n1 runs at fence 1 until 1.0 s, then nobody, then n2 at fence 2 from 2.0 s.
const handover = [
  obs('n1', 0, 1),
  obs('n2', 0),
  obs('n1', 1000, 1),
  obs('n2', 1000),
  obs('n1', 1500),
  obs('n2', 1500),
  obs('n1', 2000),
  obs('n2', 2000, 2),
  obs('n2', 2500, 2),
];

test('running stretches: certainly running from the first response to the last request', () => {
  assert.deepEqual(runningStretches(handover), [
    { node: 'n1', fence: 1, fromMs: 5, toMs: 1000, observations: 2 },
    { node: 'n2', fence: 2, fromMs: 2005, toMs: 2500, observations: 2 },
  ]);
});

test('one runner at a time, fences rising, every runner with its tenure: valid', () => {
  const { problems, detail } = singletonProblems(handover, record([tenure('n1', 1), tenure('n2', 2)]), { minimumTenures: 2 });
  assert.deepEqual(problems, []);
  assert.deepEqual([detail.tenures, detail.heartbeats], [2, 6]);
});

test('a cut-off runner that runs on beside the next one is two runners at once', () => {
  // n1 is seen running again at fence 1 from 2.2 s: a second stretch, beside n2's.
  const both = [...handover, obs('n1', 2200, 1), obs('n1', 2600, 1)];
  const { problems } = singletonProblems(both, record([tenure('n1', 1), tenure('n2', 2)]), { minimumTenures: 2 });
  assert.deepEqual(problems, ['two runners at once (1): n2 (fence 2) and n1 (fence 1) both ran from 2.21 s to 2.50 s']);
});

test('falling fences, a runner without a tenure, miscounted beats, too few tenures, nothing observed', () => {
  const bad = { key: 'k', history: [tenure('n1', 3), tenure('n2', 2)], heartbeats: 99 };
  assert.deepEqual(singletonProblems(handover, bad, { minimumTenures: 3 }).problems, [
    'tenures whose fence did not rise (1): n2 at fence 2 after fence 3',
    'runners observed without a tenure (1): n1 at fence 1',
    'the record counts 99 heartbeats but its tenures 6',
    'only 2 tenures (at least 3 expected: the task should have moved)',
  ]);
  assert.deepEqual(singletonProblems([], undefined, { minimumTenures: 1 }).problems, ['no final read of the singleton record']);
  assert.match(singletonProblems([obs('n1', 0)], record([tenure('n1', 1)]), { minimumTenures: 1 }).problems.join(), /no runner was ever observed/);
});
