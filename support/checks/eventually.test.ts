import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, judge, WaitTimeoutError } from './eventually';

test('returns the first accepted value', async () => {
  let n = 0;
  const value = await eventually(
    'n reaches 3',
    async () => ++n,
    (v) => judge(v >= 3 ? [] : [`n is ${v}`]),
    { timeoutMs: 2_000, intervalMs: 1 },
  );
  assert.equal(value, 3);
});

test('on the deadline it reports the expectation, the last problems and the last value', async () => {
  await assert.rejects(
    eventually(
      'the answer is 42',
      async () => ({ answer: 41 }),
      (v) => judge([`answer is ${v.answer}`]),
      { timeoutMs: 30, intervalMs: 5 },
    ),
    (e: Error) =>
      e instanceof WaitTimeoutError && /waiting until the answer is 42/.test(e.message) && /answer is 41/.test(e.message) && /"answer": 41/.test(e.message),
  );
});

test('a throwing probe is "not yet", and its error is what was last seen', async () => {
  await assert.rejects(
    eventually(
      'reachable',
      async () => {
        throw new Error('ECONNREFUSED');
      },
      () => judge([]),
      { timeoutMs: 20, intervalMs: 5 },
    ),
    /ECONNREFUSED/,
  );
});

test('with a comparison, the timeout shows expected and last seen as a diff', async () => {
  await assert.rejects(
    eventually(
      'all Alive',
      async () => ({ b: 'Suspect' }),
      (v) => judge(['b is Suspect'], { expected: { a: 'Alive', b: 'Alive' }, actual: { a: 'Alive', ...v } }),
      { timeoutMs: 10, intervalMs: 5 },
    ),
    (e: Error) =>
      /--- expected\n\s*\+\+\+ last seen/.test(e.message) &&
      /- {3}"b": "Alive"/.test(e.message) &&
      /\+ {3}"b": "Suspect"/.test(e.message) &&
      /  {3}"a": "Alive"/.test(e.message),
  );
});
