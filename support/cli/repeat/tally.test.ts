import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScenarioResult } from '../scenario-results';
import { belowFull, renderTally, tally } from './tally';

const r = (name: string, status: ScenarioResult['status'], failedStep?: string): ScenarioResult => ({
  name,
  uri: 'features/x.feature',
  tags: [],
  status,
  ...(failedStep ? { failedStep, error: 'CheckerError: 1 problem(s)\n- detail' } : {}),
});

test('pass rates per scenario, the failing step of each failed run, skips not counted against it', () => {
  const runs = [
    [r('A', 'passed'), r('B', 'passed'), r('C', 'skipped')],
    [r('A', 'failed', 'Then no acknowledged write was lost'), r('B', 'passed'), r('C', 'skipped')],
    [r('A', 'passed'), r('B', 'passed'), r('C', 'skipped')],
  ];
  const t = tally(runs);
  assert.deepEqual(
    t.map((x) => [x.name, x.passed, x.runs, x.skipped]),
    [
      ['A', 2, 3, 0],
      ['B', 3, 3, 0],
      ['C', 0, 0, 3],
    ],
  );
  assert.deepEqual(t[0]!.failures, [{ run: 2, status: 'failed', step: 'Then no acknowledged write was lost', error: 'CheckerError: 1 problem(s)\n- detail' }]);
  assert.deepEqual(
    belowFull(t).map((x) => x.name),
    ['A'],
  );
  const text = renderTally(t, 3).join('\n');
  assert.match(text, /A +2\/3 {2}67 %\n +run 2 failed at: Then no acknowledged write was lost — CheckerError: 1 problem\(s\)/);
  assert.match(text, /C +0\/0 {2}skipped \(skipped 3×\)/);
  assert.match(text, /3 scenario\(s\), 3 run\(s\) each; below 100 %: A \(67 %, flaky\)$/);
  assert.match(renderTally(tally([[r('B', 'passed')]]), 1).join('\n'), /every scenario passed every run$/);
  assert.match(renderTally(tally([[r('D', 'failed', 'Then x')], [r('D', 'failed', 'Then x')]]), 2).join('\n'), /D \(0 %, failing\)$/);
});
