// Pass rates of scenarios run several times (`npm run bdd:repeat`): per scenario, how many runs passed and
// the failing step and error of each run that did not. Pure.
import type { ScenarioResult } from '../scenario-results';

export interface ScenarioTally {
  readonly name: string;
  readonly uri: string;
  readonly runs: number;
  readonly passed: number;
  /** Runs the scenario was skipped in (a missing capability): not counted against it. */
  readonly skipped: number;
  readonly failures: readonly { readonly run: number; readonly status: string; readonly step: string; readonly error: string }[];
}

/** One entry per scenario (by file and name), in order of first appearance; `runs[i]` is run i + 1's results. */
export function tally(runs: readonly (readonly ScenarioResult[])[]): ScenarioTally[] {
  const byKey = new Map<string, { name: string; uri: string; runs: number; passed: number; skipped: number; failures: ScenarioTally['failures'][number][] }>();
  runs.forEach((results, i) => {
    for (const r of results) {
      const key = `${r.uri}\u0000${r.name}`;
      const t = byKey.get(key) ?? { name: r.name, uri: r.uri, runs: 0, passed: 0, skipped: 0, failures: [] };
      byKey.set(key, t);
      if (r.status === 'skipped') {
        t.skipped++;
        continue;
      }
      t.runs++;
      if (r.status === 'passed') t.passed++;
      else t.failures.push({ run: i + 1, status: r.status, step: r.failedStep ?? '(no step)', error: r.error ?? '' });
    }
  });
  return [...byKey.values()];
}

/** Scenarios that did not pass every run they ran in (flaky, or failing every time). */
export const belowFull = (tallies: readonly ScenarioTally[]) => tallies.filter((t) => t.passed < t.runs);

const rate = (t: ScenarioTally) => (t.runs === 0 ? 'skipped' : `${Math.round((100 * t.passed) / t.runs)} %`);

/** The table and summary the command prints. */
export function renderTally(tallies: readonly ScenarioTally[], repeat: number): string[] {
  const width = Math.max(8, ...tallies.map((t) => t.name.length));
  const lines = [`${'scenario'.padEnd(width)}  passed  rate`];
  for (const t of tallies) {
    lines.push(`${t.name.padEnd(width)}  ${`${t.passed}/${t.runs}`.padStart(6)}  ${rate(t)}${t.skipped ? ` (skipped ${t.skipped}×)` : ''}`);
    for (const f of t.failures) lines.push(`${''.padEnd(width)}    run ${f.run} ${f.status} at: ${f.step}${f.error ? ` — ${f.error.split('\n')[0]}` : ''}`);
  }
  const below = belowFull(tallies);
  lines.push('');
  lines.push(
    below.length === 0
      ? `${tallies.length} scenario(s), ${repeat} run(s) each: every scenario passed every run`
      : `${tallies.length} scenario(s), ${repeat} run(s) each; below 100 %: ${below.map((t) => `${t.name} (${rate(t)}${t.passed > 0 ? ', flaky' : ', failing'})`).join(', ')}`,
  );
  return lines;
}
