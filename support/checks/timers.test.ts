import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Op } from './history';
import { type TimerRecord, timerProblems } from './timers';

let next = 0;
const op = (f: string, value: Record<string, unknown>, outcome: Op['outcome'], result?: Record<string, unknown>, process = 'timers'): Op => ({
  index: next++,
  process,
  f,
  target: 'n1',
  shardKey: 'shard-21',
  value,
  invokeMs: next,
  completeMs: next + 1,
  outcome,
  ...(result ? { result } : {}),
});
const schedule = (id: string, outcome: Op['outcome'] = 'ok') =>
  op('timer::schedule', { id, delayMs: 1000 }, outcome, outcome === 'ok' ? { id, dueAt: 1000 } : undefined);
const cancel = (id: string, cancelled: boolean | undefined, outcome: Op['outcome'] = 'ok') =>
  op('timer::cancel', { id }, outcome, cancelled === undefined ? undefined : { id, cancelled });
const fires = (timers: TimerRecord[]) => op('timer::fires', { key: 'shard-21' }, 'ok', { shardId: 'shard-21', timers }, 'final:shard-21');
const fired = (id: string, firedAt = 1050, by = 'n2'): TimerRecord => ({ id, dueAt: 1000, state: 'fired', firings: 1, firedAt, firedBy: by });
const cancelledRecord = (id: string): TimerRecord => ({ id, dueAt: 1000, state: 'cancelled', firings: 0 });

test('every timer fired once when due, the cancelled one never: valid, with lateness and who fired', () => {
  const ops = [schedule('t1'), schedule('t2'), schedule('t3'), cancel('t3', true), fires([fired('t1', 1010, 'n1'), fired('t2', 1300), cancelledRecord('t3')])];
  const { problems, detail } = timerProblems(ops, { minimumTimers: 3 });
  assert.deepEqual(problems, []);
  assert.deepEqual(detail, { scheduled: 3, cancelled: 1, fired: 2, lateMs: { p50: 10, p99: 300, max: 300 }, firedBy: { n1: 1, n2: 1 } });
});

test('a timer that never fired (its owner changed and nobody re-armed it) is named', () => {
  const ops = [schedule('t1'), schedule('t2'), cancel('t2', true), fires([{ id: 't1', dueAt: 1000, state: 'scheduled', firings: 0 }, cancelledRecord('t2')])];
  assert.deepEqual(timerProblems(ops, { minimumTimers: 1 }).problems, ['timers that never fired (1): t1 is still scheduled, due 1000']);
});

test('lost, fired after a cancel, fired twice, early and invented timers are each named', () => {
  const ops = [
    schedule('lost'),
    schedule('c'),
    cancel('c', true),
    schedule('twice'),
    schedule('early'),
    fires([{ ...fired('c'), firings: 1 }, { ...fired('twice'), firings: 2 }, fired('early', 900), fired('ghost')]),
  ];
  const { problems } = timerProblems(ops, { minimumTimers: 1 });
  assert.deepEqual(problems, [
    'acknowledged timers with no record (1): lost',
    'cancelled timers that fired (1): c is fired after an acknowledged cancel',
    'timers fired more than once (1): twice fired 2 times',
    'timers fired early (1): early fired 100 ms before it was due',
    'timer records nobody scheduled (1): ghost',
  ]);
});

test('unknown outcomes may go either way; a cancel that came too late leaves the timer fired', () => {
  const ops = [
    schedule('a', 'info'),
    schedule('b', 'info'),
    schedule('c'),
    cancel('c', undefined, 'info'),
    schedule('d'),
    cancel('d', false),
    schedule('e'),
    cancel('e', true),
  ];
  const valid = timerProblems([...ops, fires([fired('a'), cancelledRecord('c'), fired('d'), cancelledRecord('e')])], { minimumTimers: 3 });
  assert.deepEqual(valid.problems, []);
  const stuck = timerProblems([...ops, fires([{ id: 'a', dueAt: 1000, state: 'scheduled', firings: 0 }, fired('d'), cancelledRecord('e'), fired('c')])], {
    minimumTimers: 3,
  });
  assert.deepEqual(stuck.problems, ['timers that never fired (1): a is still scheduled, due 1000']);
});

test('too few timers, or no acknowledged cancel, prove nothing', () => {
  const { problems } = timerProblems([schedule('t1'), fires([fired('t1')])], { minimumTimers: 2 });
  assert.deepEqual(problems, [
    'only 1 timers were scheduled (at least 2 needed to judge)',
    'no cancel was acknowledged: "a cancelled timer never fires" was not put to the test',
  ]);
});
