// `npm run faults:preview [-- <cucumber args>]`: every scenario's fault plan — what, where, when (after
// which step, or the offset in a schedule) and for how long — read from a cucumber dry run, without
// Docker. Fault steps are the definitions marked `// @fault`; schedule tables are parsed and timed.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Envelope, Pickle, PickleStep } from '@cucumber/messages';
import { describeSchedule, parseSchedule } from '../chaos/schedule';
import { capture, dryRunEnv } from './gates';
import { bin, runWhenMain } from './run';
import { annotationsAt } from './step-catalog';

export interface ScenarioPlan {
  readonly scenario: string;
  readonly at: string;
  /** One entry per fault step, in order. */
  readonly faults: { readonly step: number; readonly text: string; readonly detail: string[] }[];
}

/** The fault plans of the pickles in a dry run's messages. */
export function faultPlans(envelopes: readonly Envelope[], isFault: (uri: string, line: number) => boolean): ScenarioPlan[] {
  const definitions = new Map<string, { uri: string; line: number }>();
  const pickles = new Map<string, Pickle>();
  for (const e of envelopes) {
    const d = e.stepDefinition;
    if (d?.sourceReference.uri) definitions.set(d.id, { uri: d.sourceReference.uri, line: d.sourceReference.location?.line ?? 0 });
    if (e.pickle) pickles.set(e.pickle.id, e.pickle);
  }
  const plans: ScenarioPlan[] = [];
  for (const e of envelopes) {
    const testCase = e.testCase;
    const pickle = testCase && pickles.get(testCase.pickleId);
    if (!testCase || !pickle) continue;
    const faults: ScenarioPlan['faults'][number][] = [];
    pickle.steps.forEach((step, i) => {
      const ids = testCase.testSteps.find((t) => t.pickleStepId === step.id)?.stepDefinitionIds ?? [];
      const def = ids.length === 1 ? definitions.get(ids[0]!) : undefined;
      if (def && isFault(def.uri, def.line)) faults.push({ step: i + 1, text: step.text, detail: detailOf(step) });
    });
    plans.push({ scenario: pickle.name, at: pickle.uri, faults });
  }
  return plans;
}

/** A schedule's timed lines, or a group table's rows. */
function detailOf(step: PickleStep): string[] {
  const rows = step.argument?.dataTable?.rows.map((r) => r.cells.map((c) => c.value));
  if (!rows) return [];
  if (rows[0]?.[0]?.trim().toLowerCase() === 'fault') {
    try {
      return describeSchedule(parseSchedule(rows));
    } catch (error) {
      return [`(schedule does not parse: ${(error as Error).message})`];
    }
  }
  return rows.slice(1).map((r) => `${r[0]}: ${r.slice(1).join(' | ')}`);
}

export function renderPlans(plans: readonly ScenarioPlan[]): string {
  const lines: string[] = [];
  for (const p of plans) {
    lines.push(`${p.scenario}  (${p.at})`);
    if (p.faults.length === 0) lines.push('  no faults');
    for (const f of p.faults) {
      lines.push(`  step ${f.step}: ${f.text}`);
      for (const d of f.detail) lines.push(`      ${d}`);
    }
  }
  const faulty = plans.filter((p) => p.faults.length > 0).length;
  lines.push('', `${plans.length} scenarios, ${faulty} with faults`);
  return lines.join('\n');
}

export async function previewFaults(args: readonly string[] = []): Promise<{ code: number; text: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ohs-preview-'));
  try {
    const messages = join(dir, 'messages.ndjson');
    const ran = await capture(bin('cucumber-js'), ['--dry-run', '--format', `message:${messages}`, ...args], dryRunEnv());
    if (ran.code !== 0) return { code: ran.code, text: `the dry run failed:\n${ran.output}` };
    const envelopes = (await readFile(messages, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Envelope);
    return { code: 0, text: renderPlans(faultPlans(envelopes, (uri, line) => annotationsAt(uri, line).fault === true)) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

runWhenMain(import.meta.url, async (args) => {
  const { code, text } = await previewFaults(args);
  console.log(text);
  return code;
});
