// Whole-suite wall time, the figure parallel workers and several engines exist for: `npm run bdd` run
// serially, with `--parallel 2` on one engine, and with `--parallel 2` over the engines of
// OMNIRELAY_HYPERSCALE_ENGINES (left out, saying why, when fewer than two are set), one after another
// in one bench run. Each is a real run of every scenario (support/cli/bdd.ts as a child process); a run
// with a scenario that did not pass is reported as such, since a faster failing run proves nothing.
import { join } from 'node:path';
import { readSettings } from '../../settings';
import { run } from '../run';
import { readScenarioResults } from '../scenario-results';
import { figure } from './figures';

export const SUITE_LABELS = ['serial', 'parallel2_one_engine', 'parallel2_two_engines'] as const;

export interface SuiteRun {
  readonly label: (typeof SUITE_LABELS)[number];
  readonly ms: number;
  readonly passed: number;
  readonly notPassed: number;
  readonly code: number;
}

const BDD = join(import.meta.dirname, '../bdd.ts');

async function oneRun(label: SuiteRun['label'], args: string[], env: NodeJS.ProcessEnv, say: (l: string) => void): Promise<SuiteRun> {
  say(`suite: ${label} (npm run bdd -- ${args.join(' ') || '(no args)'}) …`);
  const ran = await run(process.execPath, ['--import', 'tsx', BDD, ...args], env, false);
  const results = await readScenarioResults().catch(() => []);
  const passed = results.filter((r) => r.status === 'passed').length;
  const figures = { label, ms: ran.ms, passed, notPassed: results.length - passed, code: ran.code };
  say(`suite: ${label} took ${(ran.ms / 1000).toFixed(1)} s, ${passed} passed, ${figures.notPassed} not passed (exit ${ran.code})`);
  return figures;
}

export async function suiteWallTimes(say: (line: string) => void): Promise<{ runs: SuiteRun[]; skipped?: string }> {
  const { engines } = readSettings();
  const oneEngine = { ...process.env };
  delete oneEngine.OMNIRELAY_HYPERSCALE_ENGINES;
  const runs = [await oneRun('serial', [], oneEngine, say), await oneRun('parallel2_one_engine', ['--parallel', '2'], oneEngine, say)];
  if (engines.length < 2) return { runs, skipped: 'OMNIRELAY_HYPERSCALE_ENGINES names fewer than two engines (docs/where-it-runs/several-engines.md)' };
  runs.push(await oneRun('parallel2_two_engines', ['--parallel', '2'], process.env, say));
  return { runs };
}

export function printSuite({ runs, skipped }: { runs: SuiteRun[]; skipped?: string }): void {
  const serial = runs.find((r) => r.label === 'serial')!;
  for (const r of runs) {
    figure(`suite_${r.label}_s`, (r.ms / 1000).toFixed(1), 's');
    figure(`suite_${r.label}_passed`, r.passed, 'scenarios');
    figure(`suite_${r.label}_not_passed`, r.notPassed, 'scenarios');
    if (r !== serial) figure(`suite_${r.label}_to_serial_ratio`, (r.ms / serial.ms).toFixed(2), 'x');
  }
  if (skipped) figure('suite_parallel2_two_engines', 'skipped', '-', skipped);
}
