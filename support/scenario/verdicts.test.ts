import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CheckerError } from '../checks/checker-error';
import { judge, WaitTimeoutError } from '../checks/eventually';
import { ScenarioClock } from '../checks/history';
import { Verdicts } from './verdicts';

/** Verdicts with an evidence sink that keeps what was attached. */
function verdicts() {
  const attached: { name: string | undefined; body: unknown }[] = [];
  const v = new Verdicts(new ScenarioClock(), {
    attach: async (body: unknown, options?: unknown) => void attached.push({ name: (options as { fileName?: string } | undefined)?.fileName, body }),
  } as never);
  return { v, attached };
}

test('now: an empty list of problems is an ok verdict, recorded and attached', async () => {
  const { v, attached } = verdicts();
  await v.now('every node ready', []);
  assert.deepEqual(
    v.all.map((x) => [x.checker, x.outcome]),
    [['every node ready', 'ok']],
  );
  assert.equal(attached[0]!.name, 'verdict-every-node-ready.json');
});

test('now: problems are a failed verdict, recorded before the CheckerError is thrown', async () => {
  const { v } = verdicts();
  await assert.rejects(v.now('no split brain', ['n1 and n2 both led']), (e: unknown) => e instanceof CheckerError && /n1 and n2 both led/.test(e.message));
  assert.deepEqual(
    v.all.map((x) => [x.checker, x.outcome, x.problems]),
    [['no split brain', 'failed', ['n1 and n2 both led']]],
  );
});

test('within: passing before the deadline records one ok verdict and returns what passed', async () => {
  const { v } = verdicts();
  let n = 0;
  const value = await v.within(
    'the counter reaches 3',
    async () => ++n,
    (x) => judge(x >= 3 ? [] : [`at ${x}`]),
    { timeoutMs: 2_000, intervalMs: 1 },
  );
  assert.equal(value, 3);
  assert.deepEqual(
    v.all.map((x) => [x.checker, x.outcome]),
    [['the counter reaches 3', 'ok']],
  );
});

test('within: at the deadline the last problems are recorded as a failed verdict, then the wait error is thrown', async () => {
  const { v } = verdicts();
  await assert.rejects(
    v.within(
      'a leader is elected',
      async () => 'nobody',
      () => judge(['nobody leads']),
      { timeoutMs: 30, intervalMs: 5 },
    ),
    (e: unknown) => e instanceof WaitTimeoutError,
  );
  assert.equal(v.all.length, 1);
  assert.deepEqual([v.all[0]!.outcome, v.all[0]!.problems], ['failed', ['nobody leads']]);
});

test('now: nothing wrong but something undecided is an unknown verdict, and still fails the step', async () => {
  const { v } = verdicts();
  await assert.rejects(
    v.now('linearizable', [], undefined, ['key "a": search too large']),
    (e: unknown) => e instanceof CheckerError && e.outcome === 'unknown' && /unknown, 1 thing\(s\) undecided/.test(e.message),
  );
  await assert.rejects(
    v.now('linearizable', ['key "b": stale read'], undefined, ['key "a": search too large']),
    (e: unknown) => e instanceof CheckerError && e.outcome === 'failed',
  );
  assert.deepEqual(
    v.all.map((x) => x.outcome),
    ['unknown', 'failed'],
  );
});

test('within: a deadline reached while the probe kept failing is unknown: nothing was observed to judge', async () => {
  const { v } = verdicts();
  let n = 0;
  const probe = async () => {
    if (++n > 2) throw new Error('connection refused');
    return n;
  };
  await assert.rejects(
    v.within('every node answers', probe, () => judge(['not yet']), { timeoutMs: 30, intervalMs: 5 }),
    WaitTimeoutError,
  );
  assert.deepEqual([v.all[0]!.outcome, v.all[0]!.problems], ['unknown', ['the probe failed']]);
});

test('within: a harness error (the wait aborted) passes through unrecorded; waitFor never records', async () => {
  const { v } = verdicts();
  const aborted = AbortSignal.abort(new Error('torn down'));
  await assert.rejects(
    v.within(
      'x',
      async () => 1,
      () => judge([]),
      { timeoutMs: 100, signal: aborted },
    ),
    /torn down/,
  );
  assert.equal(
    await v.waitFor(
      'a lookup',
      async () => 7,
      () => judge([]),
      { timeoutMs: 100 },
    ),
    7,
  );
  await assert.rejects(
    v.waitFor(
      'a premise',
      async () => 0,
      () => judge(['not yet']),
      { timeoutMs: 20, intervalMs: 5 },
    ),
    WaitTimeoutError,
  );
  assert.deepEqual(v.all, []);
});

test('a verdict is named by the step running when it was reached', async () => {
  const { v } = verdicts();
  v.step = 'no scope ever had two leaders';
  await v.now('no split brain', []);
  assert.deepEqual([v.all[0]!.checker, v.all[0]!.step], ['no split brain', 'no scope ever had two leaders']);
});
