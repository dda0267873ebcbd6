import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Op } from './history';
import { entityCallProblems, expectedMessages } from './entity-calls';

let next = 0;
const send = (from: string, to: string, message: string, replies: number, outcome: Op['outcome'] = 'ok', ms = 20): Op => {
  const invokeMs = (next += 100);
  return {
    index: next,
    process: 'vc-1',
    f: 'entity::send_to',
    target: 'n1',
    value: { from, to, message, replies },
    invokeMs,
    completeMs: invokeMs + ms,
    outcome,
  };
};
const inbox = (key: string, ids: string[]): Op => ({
  index: next++,
  process: `final:${key}`,
  f: 'entity::messages',
  target: 'n1',
  value: { key },
  invokeMs: next,
  completeMs: next + 1,
  outcome: 'ok',
  result: { key, messages: ids.map((msgId) => ({ msgId })) },
});
const BOUND = { minimumCalls: 1, boundMs: 1000 };

test('a chain of replies alternates between the two inboxes, ids as relay-node derives them', () => {
  assert.deepEqual(expectedMessages('a', 'b', 'm', 2), [
    ['b', 'a>b:"m"'],
    ['a', 'a>b:"m"/2'],
    ['b', 'a>b:"m"/2/1'],
  ]);
});

test('every call completed in bound and every message is in its inbox once: valid', () => {
  const ops = [send('a', 'b', 'm1', 2), send('a', 'b', 'm2', 0), inbox('a', ['a>b:"m1"/2']), inbox('b', ['a>b:"m1"', 'a>b:"m1"/2/1', 'a>b:"m2"'])];
  const { problems, detail } = entityCallProblems(ops, BOUND);
  assert.deepEqual(problems, []);
  assert.deepEqual(detail, { calls: 2, completed: 2, messages: 4, latencyMs: { p50: 20, p99: 20, max: 20 } });
});

test('a deadlocked circle shows as calls that did not complete or came late', () => {
  const ops = [send('a', 'b', 'm1', 1, 'info'), send('a', 'b', 'm2', 1, 'ok', 4000), inbox('a', ['a>b:"m2"/1']), inbox('b', ['a>b:"m1"', 'a>b:"m2"'])];
  const { problems } = entityCallProblems(ops, BOUND);
  assert.equal(problems.length, 2);
  assert.match(problems[0]!, /calls that did not complete \(1\): #\d+ a → b \(info\)/);
  assert.match(problems[1]!, /calls slower than 1000 ms \(1\): #\d+ a → b took 4000 ms/);
});

test('missing, repeated and unsent messages are each named; too few calls prove nothing', () => {
  const ops = [send('a', 'b', 'm1', 1), inbox('a', []), inbox('b', ['a>b:"m1"', 'a>b:"m1"', 'ghost'])];
  assert.deepEqual(entityCallProblems(ops, { minimumCalls: 2, boundMs: 1000 }).problems, [
    'messages of completed calls missing (1): a>b:"m1"/1 not in a\'s inbox',
    'messages delivered more than once (1): a>b:"m1" 2 times in b\'s inbox',
    "messages no call sent (1): ghost in b's inbox",
    'only 1 calls were made (at least 2 needed to judge)',
  ]);
});
