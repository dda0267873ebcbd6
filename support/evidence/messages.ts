// Cucumber's message stream (`--format message`), read back: each finished test case with its steps,
// their Gherkin block (Given/When/Then, with And/But resolved to the block above), the keyword as
// written, and the result with the thrown error's type. The sensitivity classifier and npm test's
// scenario count read runs through this, not through the legacy json formatter.
import type { Envelope, Pickle, TestStepFinished } from '@cucumber/messages';

export type Block = 'Given' | 'When' | 'Then';
const BLOCK: Record<string, Block> = { Context: 'Given', Action: 'When', Outcome: 'Then', Unknown: 'Given' };

export interface FinishedStep {
  readonly result: TestStepFinished['testStepResult'];
  /** The Gherkin block of a step; undefined for a hook. */
  readonly block?: Block;
  /** `And the partition has healed`, or `hook "evidence and teardown"`. */
  readonly label: string;
}

export interface FinishedCase {
  readonly name: string;
  readonly uri: string;
  readonly tags: readonly string[];
  readonly steps: readonly FinishedStep[];
}

/** One entry per finished test case (a retried attempt counts only by its last try), in run order. */
export function finishedCases(envelopes: readonly Envelope[]): FinishedCase[] {
  const pickles = new Map<string, Pickle>();
  const keywords = new Map<string, string>();
  const testCases = new Map<string, { pickleId: string; steps: Map<string, { pickleStepId?: string; hookId?: string }> }>();
  const hookNames = new Map<string, string>();
  const started = new Map<string, string>();
  const finishedSteps = new Map<string, TestStepFinished[]>();
  const cases: FinishedCase[] = [];

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
      cases.push({ name: pickle.name, uri: pickle.uri, tags: pickle.tags.map((t) => t.name), steps });
    }
  }
  return cases;
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

/** An error message's first lines, on one line, bounded: what a table or a summary shows. */
export function firstLines(text: string): string {
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
