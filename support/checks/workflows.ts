// Durable workflows, judged from final reads: each workflow's record (`workflow::get`) and the counter
// each of its steps adds to (`counter::get`), after the workflows settled.
//
// Every workflow whose start was acknowledged completed; its journal has each step in order, each done
// exactly once (a failed attempt of a step may precede its done entry, after a retry, and nothing else);
// every activity was applied exactly once: a step's counter (one per step, nobody else writes it) holds
// exactly the step's `by`, neither missing (lost) nor more (re-executed on replay). Which nodes wrote the
// journal shows the resume (reported).
import { isFinalRead, type Op } from './history';
import { fieldOf, listed } from './format';

export interface WorkflowStep {
  readonly key: string;
  readonly by?: number;
}

export interface JournalEntry {
  readonly step: number;
  readonly outcome: 'done' | 'failed';
  readonly by: string;
}

export interface WorkflowResult {
  readonly problems: string[];
  readonly detail: { workflows: number; steps: number; journaledBy: Record<string, number>; retried: number };
}

function finals(ops: readonly Op[], f: string): Map<string, Op> {
  const last = new Map<string, Op>();
  for (const op of ops) {
    const key = fieldOf(op.value, f === 'workflow::get' ? 'id' : 'key');
    if (op.f === f && isFinalRead(op) && op.outcome === 'ok' && typeof key === 'string') last.set(key, op);
  }
  return last;
}

export function workflowProblems(ops: readonly Op[], { minimumWorkflows }: { minimumWorkflows: number }): WorkflowResult {
  const started = ops.filter((op) => op.f === 'workflow::run' && op.outcome === 'ok' && !isFinalRead(op));
  const records = finals(ops, 'workflow::get');
  const counters = finals(ops, 'counter::get');
  const unfinished: string[] = [];
  const journal: string[] = [];
  const lost: string[] = [];
  const repeated: string[] = [];
  const journaledBy: Record<string, number> = {};
  let steps = 0;
  let retried = 0;
  for (const op of started) {
    const id = fieldOf(op.value, 'id') as string;
    const planned = (fieldOf(op.value, 'steps') ?? []) as WorkflowStep[];
    steps += planned.length;
    const record = records.get(id);
    if (!record) {
      unfinished.push(`${id}: no final read`);
      continue;
    }
    const state = fieldOf(record.result, 'state');
    if (state !== 'completed') unfinished.push(`${id} is ${String(state)} at step ${String(fieldOf(record.result, 'next'))} of ${planned.length}`);
    const entries = (fieldOf(record.result, 'journal') ?? []) as JournalEntry[];
    const done = entries.filter((e) => e.outcome === 'done').map((e) => e.step);
    if (
      done.join() !==
      planned
        .map((_, i) => i)
        .slice(0, done.length)
        .join()
    )
      journal.push(`${id}: done steps ${done.join(',')} (expected 0, 1, … in order, once each)`);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      journaledBy[e.by] = (journaledBy[e.by] ?? 0) + 1;
      if (e.outcome === 'failed') {
        retried += 1;
        const after = entries[i + 1];
        if (after && after.step !== e.step) journal.push(`${id}: step ${e.step} failed, then step ${after.step} ran (not the failed one)`);
      }
    }
    planned.forEach((step, i) => {
      const counter = counters.get(step.key);
      const value = counter ? fieldOf(counter.result, 'value') : undefined;
      // A step not journaled done may or may not have applied its activity (its owner stopped between).
      const by = step.by ?? 1;
      if (typeof value !== 'number') lost.push(`${id} step ${i}: no final read of ${step.key}`);
      else if (value > by) repeated.push(`${id} step ${i}: ${step.key} is ${value}, the activity adds ${by}`);
      else if (value < by && done.includes(i)) lost.push(`${id} step ${i}: ${step.key} is ${value}, the activity adds ${by}`);
    });
  }
  const problems: string[] = [];
  const list = (header: string, lines: string[]) => listed(problems, header, lines);
  list('workflows that did not complete', unfinished);
  list('journals out of order', journal);
  list('activities applied more than once', repeated);
  list('activities never applied', lost);
  if (started.length < minimumWorkflows) problems.push(`only ${started.length} workflows were started (at least ${minimumWorkflows} needed to judge)`);
  return { problems, detail: { workflows: started.length, steps, journaledBy, retried } };
}
