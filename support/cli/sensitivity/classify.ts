// What one scenario run against seeded nodes proves, read from cucumber's message stream (`--format
// message`). The stream, unlike the legacy json formatter, carries each step's block (Given/When/Then,
// with And/But already resolved to the block above) and the thrown error's type, so the verdict does not
// depend on a keyword's spelling or on parsing an error's text.
import type { Envelope, Pickle, TestStepFinished } from '@cucumber/messages';

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

type Block = 'Given' | 'When' | 'Then';
const BLOCK: Record<string, Block> = { Context: 'Given', Action: 'When', Outcome: 'Then', Unknown: 'Given' };

/** One outcome per finished test case (a retried attempt counts only by its last try), in run order. */
export function classifyRun(envelopes: readonly Envelope[]): Outcome[] {
  const pickles = new Map<string, Pickle>();
  const keywords = new Map<string, string>();
  const testCases = new Map<string, { pickleId: string; steps: Map<string, { pickleStepId?: string; hookId?: string }> }>();
  const hookNames = new Map<string, string>();
  const started = new Map<string, string>();
  const finishedSteps = new Map<string, TestStepFinished[]>();
  const outcomes: Outcome[] = [];

  for (const e of envelopes) {
    if (e.gherkinDocument?.feature) indexKeywords(e.gherkinDocument.feature.children, keywords);
    if (e.pickle) pickles.set(e.pickle.id, e.pickle);
    if (e.hook) hookNames.set(e.hook.id, e.hook.name ?? e.hook.tagExpression ?? 'a hook');
    if (e.testCase) {
      testCases.set(e.testCase.id, {
        pickleId: e.testCase.pickleId,
        steps: new Map(e.testCase.testSteps.map((s) => [s.id, { pickleStepId: s.pickleStepId, hookId: s.hookId }])),
      });
    }
    if (e.testCaseStarted) {
      started.set(e.testCaseStarted.id, e.testCaseStarted.testCaseId);
      finishedSteps.set(e.testCaseStarted.id, []);
    }
    if (e.testStepFinished) finishedSteps.get(e.testStepFinished.testCaseStartedId)?.push(e.testStepFinished);
    if (e.testCaseFinished && !e.testCaseFinished.willBeRetried) {
      const testCase = testCases.get(started.get(e.testCaseFinished.testCaseStartedId) ?? '');
      const pickle = testCase && pickles.get(testCase.pickleId);
      if (!testCase || !pickle) continue;
      const steps = (finishedSteps.get(e.testCaseFinished.testCaseStartedId) ?? []).map((f) => {
        const at = testCase.steps.get(f.testStepId);
        const pickleStep = at?.pickleStepId ? pickle.steps.find((s) => s.id === at.pickleStepId) : undefined;
        return {
          result: f.testStepResult,
          block: pickleStep ? BLOCK[pickleStep.type ?? 'Unknown'] : undefined,
          label: pickleStep
            ? `${keywords.get(pickleStep.astNodeIds[0] ?? '') ?? BLOCK[pickleStep.type ?? 'Unknown']} ${pickleStep.text}`
            : `hook "${hookNames.get(at?.hookId ?? '') ?? 'a hook'}"`,
        };
      });
      outcomes.push({ scenario: pickle.name, uri: pickle.uri, tags: pickle.tags.map((t) => t.name), ...judgeSteps(steps) });
    }
  }
  return outcomes;
}

interface FinishedStep {
  readonly result: TestStepFinished['testStepResult'];
  /** The Gherkin block of a step; undefined for a hook. */
  readonly block?: Block;
  readonly label: string;
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

/** The Gherkin keyword of every step, by AST node id (pickle steps carry only their block). */
function indexKeywords(children: readonly FeatureChild[], into: Map<string, string>): void {
  for (const child of children) {
    for (const s of child.background?.steps ?? []) into.set(s.id, s.keyword.trim());
    for (const s of child.scenario?.steps ?? []) into.set(s.id, s.keyword.trim());
    if (child.rule) indexKeywords(child.rule.children, into);
  }
}
type FeatureChild = {
  background?: { steps: readonly { id: string; keyword: string }[] };
  scenario?: { steps: readonly { id: string; keyword: string }[] };
  rule?: { children: readonly FeatureChild[] };
};

function firstLines(text: string): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(0, 3)
    .join(' ')
    .replace(/\s+/g, ' ')
    .slice(0, 240);
}

/** Parses an NDJSON message stream; a truncated last line (a killed run) is dropped. */
export function parseMessages(ndjson: string): Envelope[] {
  const lines = ndjson.split('\n').filter((l) => l.trim() !== '');
  return lines.flatMap((line, i) => {
    try {
      return [JSON.parse(line) as Envelope];
    } catch (error) {
      if (i === lines.length - 1) return [];
      throw error;
    }
  });
}
