// The search: fast-check draws cases from a seed, runs each through `runCase` (a real cluster, in the CLI),
// and on the first failure shrinks it, each candidate another real run, until fast-check has nothing
// smaller to try or the budget is spent. The budget is enforced here rather than by fast-check's
// interruptAfterTimeLimit, which would abandon a running case but not stop its cluster: once the budget
// is spent every further candidate counts as passing without running, so fast-check ends at once with
// the smallest failure it has (a case already running finishes first).
import fc from 'fast-check';
import type { Topology } from '../../../topologies';
import { caseArbitrary } from './arbitrary';
import type { RandomCase } from './case';

export interface CaseVerdict {
  readonly verdict: 'pass' | 'fail' | 'error';
  /** Where a failing or erroring run stopped (`Then no scope ever had two leaders`). */
  readonly step?: string;
  readonly reason: string;
  readonly seconds: number;
  /** The feature file that ran. */
  readonly file: string;
}

export interface SearchOptions {
  readonly topology: Topology;
  readonly seed: number;
  /** Cases to draw (fast-check's numRuns). */
  readonly runs: number;
  /** No new case is drawn after this (ms on `now`'s clock). */
  readonly searchUntilMs: number;
  /** How long shrinking may go on after the first failure; undefined: until `searchUntilMs`. */
  readonly shrinkBudgetMs?: number;
  readonly runCase: (c: RandomCase, label: string) => Promise<CaseVerdict>;
  readonly now?: () => number;
}

export interface Failure {
  readonly original: RandomCase;
  readonly originalVerdict: CaseVerdict;
  readonly smallest: RandomCase;
  readonly smallestVerdict: CaseVerdict;
  /** Shrink candidates run, and how many of them failed (each failing one became the new smallest). */
  readonly shrinkRuns: number;
  readonly shrinkSteps: number;
  /** fast-check's path to the smallest case from the seed, for replay. */
  readonly path: string | null;
}

export interface SearchResult {
  readonly seed: number;
  /** Cases drawn and run before any failure (or all of them). */
  readonly casesRun: number;
  /** Runs that ended in a harness error (skipped, neither pass nor failure). */
  readonly errors: number;
  /** The budget ran out before fast-check was done (drawing or shrinking). */
  readonly budgetSpent: boolean;
  readonly failure?: Failure;
}

export async function search(o: SearchOptions): Promise<SearchResult> {
  const now = o.now ?? Date.now;
  let casesRun = 0;
  let shrinkRuns = 0;
  let shrinkSteps = 0;
  let errors = 0;
  let budgetSpent = false;
  let first: { c: RandomCase; v: CaseVerdict; atMs: number } | undefined;
  let smallest: { c: RandomCase; v: CaseVerdict } | undefined;
  const limit = () => (first && o.shrinkBudgetMs !== undefined ? Math.min(o.searchUntilMs, first.atMs + o.shrinkBudgetMs) : o.searchUntilMs);
  const spent = () => (now() >= limit() ? (budgetSpent = true) : false);

  /** Runs one case or shrink candidate and keeps count; a `fail` is the first failure or a smaller form of it. */
  const attempt = async (c: RandomCase, label: string): Promise<'pass' | 'fail' | 'error'> => {
    if (first) shrinkRuns++;
    else casesRun++;
    const v = await o.runCase(c, label);
    if (v.verdict === 'error') {
      errors++;
      return 'error';
    }
    // A candidate failing somewhere else is another failure, not a smaller form of this one (shrinking
    // must not slip from, say, a lost write to a too-short history): it counts as passing.
    if (v.verdict === 'pass' || (first && v.step !== first.v.step)) return 'pass';
    if (first) shrinkSteps++;
    else first = { c, v, atMs: now() };
    smallest = { c, v };
    return 'fail';
  };

  const property = fc.asyncProperty(caseArbitrary(o.topology), async (c) => {
    if (spent()) return true; // not run: the budget is spent (see the top of this file)
    const outcome = await attempt(c, first ? `shrink ${shrinkRuns + 1}` : `case ${casesRun + 1}`);
    fc.pre(outcome !== 'error'); // the harness failed, not the cluster: neither a pass nor a failure to shrink
    return outcome === 'pass';
  });
  // Errors are skipped runs; allow as many as the runs themselves before fast-check gives up.
  const details = await fc.check(property, { seed: o.seed, numRuns: o.runs, maxSkipsPerRun: 1, endOnFailure: false });
  if (!first || !smallest) return { seed: o.seed, casesRun, errors, budgetSpent };
  // fast-check shrinks an array by shortening it from one end and then shrinking its items, so a fault
  // drawn before the one that matters can survive (seen: a graceful stop kept beside the partition that
  // alone fails). One more pass drops each remaining fault in turn while the case still fails.
  for (let i = 0; i < smallest.c.faults.length && smallest.c.faults.length > 1 && !spent();) {
    const without = smallest.c.faults[i]!.fault;
    const candidate: RandomCase = { ...smallest.c, faults: smallest.c.faults.filter((_, j) => j !== i) };
    if ((await attempt(candidate, `shrink ${shrinkRuns + 1} (without "${without}")`)) !== 'fail') i++;
  }
  const result = { seed: o.seed, casesRun, errors, budgetSpent };
  return {
    ...result,
    failure: {
      original: first.c,
      originalVerdict: first.v,
      smallest: smallest.c,
      smallestVerdict: smallest.v,
      shrinkRuns,
      shrinkSteps,
      // fast-check's own smallest; the pass above may have gone further.
      path: details.counterexamplePath,
    },
  };
}
