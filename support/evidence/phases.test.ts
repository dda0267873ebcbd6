import { test } from 'node:test';
import assert from 'node:assert/strict';
import { phasesOf } from './phases';
import { phaseFigures } from '../cli/bench/phases';

const t = (seconds: number, nanos = 0) => ({ seconds, nanos });
const messages = [
  { testRunStarted: { timestamp: t(100) } },
  { hook: { id: 'h-before', type: 'BEFORE_TEST_CASE' } },
  { hook: { id: 'h-after', type: 'AFTER_TEST_CASE' } },
  { hook: { id: 'h-all', type: 'AFTER_TEST_RUN' } },
  { hook: { id: 'h-setup', type: 'BEFORE_TEST_RUN' } },
  {
    pickle: {
      id: 'p1',
      name: 'Crash',
      steps: [
        { id: 's1', text: 'the "ShardRing" topology is running' },
        { id: 's2', text: 'the global leader crashes for 8 seconds' },
        { id: 's3', text: 'the faults have healed' },
      ],
    },
  },
  {
    testCase: {
      id: 'tc1',
      pickleId: 'p1',
      testSteps: [
        { id: 'b', hookId: 'h-before' },
        { id: 'x1', pickleStepId: 's1' },
        { id: 'x2', pickleStepId: 's2' },
        { id: 'x3', pickleStepId: 's3' },
        { id: 'a', hookId: 'h-after' },
      ],
    },
  },
  { testRunHookStarted: { id: 'r1', hookId: 'h-setup' } },
  { testRunHookFinished: { testRunHookStartedId: 'r1', result: { duration: t(2) } } },
  { testCaseStarted: { id: 'c1', testCaseId: 'tc1' } },
  ...[
    ['b', t(0, 1_000_000)],
    ['x1', t(3, 500_000_000)],
    ['x2', t(1)],
    ['x3', t(7)],
    ['a', t(2)],
  ].map(([id, duration]) => ({
    testStepFinished: { testCaseStartedId: 'c1', testStepId: id, testStepResult: { duration, status: id === 'x3' ? 'FAILED' : 'PASSED' } },
  })),
  { testRunHookStarted: { id: 'r2', hookId: 'h-all' } },
  { testRunHookFinished: { testRunHookStartedId: 'r2', result: { duration: t(4) } } },
  { testRunFinished: { timestamp: t(130) } },
];

test('scenario time is split into topology start, heal waits, other steps and hooks', () => {
  const run = phasesOf(messages.map((m) => JSON.stringify(m)).join('\n'));
  assert.equal(run.scenarios.length, 1);
  assert.deepEqual(run.scenarios[0], {
    name: 'Crash',
    status: 'FAILED',
    ms: { 'before hooks': 1, 'topology start': 3500, 'heal waits': 7000, 'other steps': 1000, 'after hook': 2000 },
  });
  assert.equal(run.beforeAllMs, 2000);
  assert.equal(run.afterAllMs, 4000);
  assert.equal(run.wallMs, 30_000);
  const figures = Object.fromEntries(phaseFigures(run).map(([name, value]) => [name, value]));
  assert.equal(figures.phases_scenario_time_total, 13.501);
  assert.equal(figures.phases_after_hook_median, 2);
  assert.equal(figures.phases_heal_waits_total, 7);
});

test('every step that waits out a fault window counts as a heal wait', () => {
  const texts = [
    'the faults have healed',
    'the partition has healed',
    'the certificate fault has healed',
    'the pause has ended',
    'these faults run, overlapping, until all have healed:',
    'the stopped nodes are restarted and ready within 30 seconds',
  ];
  const steps = texts.map((text, i) => ({ id: `s${i}`, text }));
  const run = phasesOf(
    [
      { pickle: { id: 'p', name: 'Heals', steps } },
      { testCase: { id: 'tc', pickleId: 'p', testSteps: steps.map((s) => ({ id: `t-${s.id}`, pickleStepId: s.id })) } },
      { testCaseStarted: { id: 'c', testCaseId: 'tc' } },
      ...steps.map((s) => ({
        testStepFinished: { testCaseStartedId: 'c', testStepId: `t-${s.id}`, testStepResult: { duration: { seconds: 1, nanos: 0 }, status: 'PASSED' } },
      })),
    ]
      .map((m) => JSON.stringify(m))
      .join('\n'),
  );
  assert.equal(run.scenarios[0]?.ms['heal waits'], texts.length * 1000);
  assert.equal(run.scenarios[0]?.ms['other steps'], 0);
});
