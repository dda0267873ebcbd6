import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Op } from './history';
import { type JournalEntry, workflowProblems } from './workflows';

let next = 0;
const op = (f: string, value: Record<string, unknown>, result: Record<string, unknown>, process = 'workflows'): Op => ({
  index: next++,
  process,
  f,
  target: 'n1',
  shardKey: 'shard-21',
  value,
  invokeMs: next,
  completeMs: next + 1,
  outcome: 'ok',
  result,
});
const run = (id: string, n: number) =>
  op('workflow::run', { id, steps: Array.from({ length: n }, (_, i) => ({ key: `${id}-s${i}` })) }, { id, state: 'running' });
const record = (id: string, state: string, journal: JournalEntry[]) =>
  op('workflow::get', { id }, { id, state, next: journal.filter((e) => e.outcome === 'done').length, journal }, `final:${id}`);
const counter = (key: string, value: number) => op('counter::get', { key }, { key, value }, `final:${key}`);
const done = (step: number, by = 'n1'): JournalEntry => ({ step, outcome: 'done', by });

test('completed workflows, each step journaled once in order, each counter at its step: valid', () => {
  const ops = [
    run('w1', 3),
    run('w2', 2),
    record('w1', 'completed', [done(0), done(1, 'n2'), done(2, 'n2')]),
    record('w2', 'completed', [done(0), { step: 1, outcome: 'failed', by: 'n1' }, done(1)]),
    ...['w1-s0', 'w1-s1', 'w1-s2', 'w2-s0', 'w2-s1'].map((k) => counter(k, 1)),
  ];
  const { problems, detail } = workflowProblems(ops, { minimumWorkflows: 2 });
  assert.deepEqual(problems, []);
  assert.deepEqual(detail, { workflows: 2, steps: 5, journaledBy: { n1: 4, n2: 2 }, retried: 1 });
});

test('an activity re-executed on replay shows as a counter above its step', () => {
  const ops = [run('w1', 3), record('w1', 'completed', [done(0), done(1), done(2, 'n2')]), counter('w1-s0', 2), counter('w1-s1', 2), counter('w1-s2', 1)];
  assert.deepEqual(workflowProblems(ops, { minimumWorkflows: 1 }).problems, [
    'activities applied more than once (2): w1 step 0: w1-s0 is 2, the activity adds 1; w1 step 1: w1-s1 is 2, the activity adds 1',
  ]);
});

test('an unfinished workflow, a journal out of order and a lost activity are each named', () => {
  const ops = [
    run('w1', 3),
    run('w2', 2),
    record('w1', 'running', [done(0)]),
    record('w2', 'completed', [done(1), done(0)]),
    counter('w1-s0', 0),
    counter('w1-s1', 1),
    counter('w1-s2', 0),
    counter('w2-s0', 1),
    counter('w2-s1', 1),
  ];
  assert.deepEqual(workflowProblems(ops, { minimumWorkflows: 3 }).problems, [
    'workflows that did not complete (1): w1 is running at step 1 of 3',
    'journals out of order (1): w2: done steps 1,0 (expected 0, 1, … in order, once each)',
    'activities never applied (1): w1 step 0: w1-s0 is 0, the activity adds 1',
    'only 2 workflows were started (at least 3 needed to judge)',
  ]);
});
