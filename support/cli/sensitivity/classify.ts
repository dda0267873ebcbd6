// What one scenario run against seeded nodes proves, read from cucumber's message stream (`--format
// message`). The stream, unlike the legacy json formatter, carries each step's block (Given/When/Then,
// with And/But already resolved to the block above) and the thrown error's type, so the verdict does not
// depend on a keyword's spelling or on parsing an error's text.
import type { Envelope } from '@cucumber/messages';
import { finishedCases, firstLines, type FinishedStep } from '../../evidence/messages';

export { parseMessages } from '../../evidence/messages';

/**
 * The error types that are the product's verdict, not the harness's: a checker's problems (the World's
 * recorded verdict path), a bounded wait that expired on what the cluster did, and chai's assertion.
 * Everything else thrown in a step (Docker, iptables, the fault proxy, a TypeError in the suite) is a
 * harness error. classify.test.ts keeps these names in step with the classes.
 */
export const PRODUCT_VERDICT_TYPES: ReadonlySet<string> = new Set(['CheckerError', 'WaitTimeoutError', 'AssertionError']);

export type Verdict = 'caught' | 'missed' | 'error';

export interface Outcome {
  readonly scenario: string;
  readonly uri: string;
  readonly tags: readonly string[];
  readonly verdict: Verdict;
  /** The step (keyword and text) or hook where the run stopped; absent when everything passed. */
  readonly step?: string;
  /** Why: the product verdict's first lines, or what went wrong in the harness. */
  readonly reason: string;
}

/** One outcome per finished test case (a retried attempt counts only by its last try), in run order. */
export function classifyRun(envelopes: readonly Envelope[]): Outcome[] {
  return finishedCases(envelopes).map((c) => ({ scenario: c.name, uri: c.uri, tags: c.tags, ...judgeSteps(c.steps) }));
}

/** The rule: a catch is a product verdict in a When/Then step, after the whole Given block passed. */
function judgeSteps(steps: readonly FinishedStep[]): Pick<Outcome, 'verdict' | 'step' | 'reason'> {
  const bad = steps.find((s) => s.result.status !== 'PASSED');
  if (!bad) return { verdict: 'missed', reason: 'the scenario passed against the defective nodes' };
  const { status, exception, message } = bad.result;
  const said = firstLines(exception?.message ?? message ?? '');
  if (status === 'SKIPPED' && !exception) return { verdict: 'error', step: bad.label, reason: 'skipped (a missing capability, or containers disabled?)' };
  if (status !== 'FAILED') return { verdict: 'error', step: bad.label, reason: `${status.toLowerCase()} step: fix the feature (npm run gates)` };
  const type = exception?.type ?? 'Error';
  if (!bad.block) {
    const scenarioPassed = steps.every((s) => !s.block || s.result.status === 'PASSED');
    return { verdict: 'error', step: bad.label, reason: `${scenarioPassed ? 'every step passed, then ' : ''}the hook failed: ${type}: ${said}` };
  }
  if (bad.block === 'Given')
    return { verdict: 'error', step: bad.label, reason: `setup failed (Given block), which proves nothing about the defect: ${type}: ${said}` };
  if (!PRODUCT_VERDICT_TYPES.has(type)) return { verdict: 'error', step: bad.label, reason: `harness error, not a product verdict: ${type}: ${said}` };
  return { verdict: 'caught', step: bad.label, reason: `${type}: ${said}` };
}
