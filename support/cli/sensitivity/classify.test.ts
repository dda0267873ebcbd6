import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { AssertionError } from 'chai';
import { WaitTimeoutError } from '../../checks/eventually';
import { CheckerError } from '../../checks/checker-error';
import { classifyRun, parseMessages, PRODUCT_VERDICT_TYPES, type Outcome } from './classify';

// Real cucumber output: fixtures/record.ts ran fixtures/outcomes.feature and kept the message stream.
const outcomes = classifyRun(parseMessages(readFileSync(new URL('./fixtures/outcomes.ndjson', import.meta.url), 'utf8')));
const of = (scenario: string): Outcome => {
  const found = outcomes.find((o) => o.scenario === scenario);
  assert.ok(found, `no outcome for ${scenario}`);
  return found;
};

test('every recorded scenario gets one outcome', () => {
  assert.equal(outcomes.length, 10);
});

test('a broken Given block is an error, not a catch', () => {
  const o = of('BrokenGivenBlock');
  assert.equal(o.verdict, 'error');
  assert.equal(o.step, 'Given the cluster cannot start');
  assert.match(o.reason, /setup failed \(Given block\).*address pools exhausted/);
});

test('a failing And under Given belongs to the Given block: an error, even when it is a wait that expired', () => {
  const o = of('FailingAndUnderGiven');
  assert.equal(o.verdict, 'error');
  assert.equal(o.step, 'And a wait for the cluster expires');
  assert.match(o.reason, /^setup failed \(Given block\).*WaitTimeoutError/);
});

test('a harness error in a When step is an error, with its type', () => {
  const o = of('HarnessErrorInWhen');
  assert.equal(o.verdict, 'error');
  assert.equal(o.step, 'When the harness throws a bug');
  assert.match(o.reason, /^harness error, not a product verdict: TypeError: /);
});

test('a checker verdict in a Then step is a catch', () => {
  const o = of('ProductVerdictInThen');
  assert.equal(o.verdict, 'caught');
  assert.equal(o.step, 'Then the checker finds a problem');
  assert.match(o.reason, /^CheckerError: linearizable: 1 problem/);
});

test('a wait on the cluster that expires in the When block, and a chai assertion under Then, are catches', () => {
  assert.equal(of('WaitOnTheClusterExpiresInWhen').verdict, 'caught');
  assert.equal(of('WaitOnTheClusterExpiresInWhen').step, 'And a wait for the cluster expires');
  assert.equal(of('AssertionInAnAndUnderThen').verdict, 'caught');
  assert.equal(of('AssertionInAnAndUnderThen').step, 'But an assertion fails');
  assert.match(of('AssertionInAnAndUnderThen').reason, /^AssertionError: nodes not ready/);
});

test('a scenario that passes is missed', () => {
  assert.deepEqual(
    { ...of('DefectNotSeen') },
    {
      scenario: 'DefectNotSeen',
      uri: 'support/cli/sensitivity/fixtures/outcomes.feature',
      tags: [],
      verdict: 'missed',
      reason: 'the scenario passed against the defective nodes',
    },
  );
});

test('every step passed but a hook failed (the unjudged-fault guard): an error, not a catch', () => {
  const o = of('PassesButTheAfterHookFails');
  assert.equal(o.verdict, 'error');
  assert.match(o.reason, /^every step passed, then the hook failed: Error: Unjudged faults/);
});

test('skipped and undefined scenarios are errors', () => {
  assert.equal(of('SkippedByAHook').verdict, 'error');
  assert.match(of('SkippedByAHook').reason, /skipped/);
  assert.equal(of('UndefinedStep').verdict, 'error');
  assert.match(of('UndefinedStep').reason, /^undefined step/);
});

test('the product verdict types are the names the suite really throws', () => {
  const names = [new CheckerError('c', ['p']), new WaitTimeoutError('x', 1, null, []), new AssertionError('a')].map((e) => e.constructor.name);
  assert.deepEqual(names.sort(), [...PRODUCT_VERDICT_TYPES].sort());
});

test('a truncated last line (a killed run) is dropped; a broken line elsewhere is an error', () => {
  assert.equal(parseMessages('{"meta":{}}\n{"testCase').length, 1);
  assert.throws(() => parseMessages('{"meta\n{"meta":{}}'));
});
