import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readScenarioResults } from './scenario-results';

test('each scenario of a recorded message stream: its worst status and the first step that did not pass', async () => {
  const results = await readScenarioResults(new URL('./sensitivity/fixtures/outcomes.ndjson', import.meta.url).pathname);
  const by = new Map(results.map((r) => [r.name, r]));
  assert.deepEqual(
    [...by].map(([name, r]) => [name, r.status]),
    [
      ['BrokenGivenBlock', 'failed'],
      ['FailingAndUnderGiven', 'failed'],
      ['HarnessErrorInWhen', 'failed'],
      ['ProductVerdictInThen', 'failed'],
      ['WaitOnTheClusterExpiresInWhen', 'failed'],
      ['AssertionInAnAndUnderThen', 'failed'],
      ['DefectNotSeen', 'passed'],
      ['PassesButTheAfterHookFails', 'failed'],
      ['SkippedByAHook', 'skipped'],
      ['UndefinedStep', 'undefined'],
    ],
  );
  assert.deepEqual(
    [by.get('ProductVerdictInThen')!.failedStep, by.get('ProductVerdictInThen')!.error],
    ['Then the checker finds a problem', 'CheckerError: linearizable: 1 problem(s) - shard-21: read of k1 returned 3 after a write of 4 completed'],
  );
  assert.equal(by.get('PassesButTheAfterHookFails')!.failedStep, 'hook "@after-hook-fails"');
  assert.equal(by.get('DefectNotSeen')!.failedStep, undefined);
});
