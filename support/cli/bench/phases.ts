// phases: where the last run's scenario time went (support/evidence/phases.ts reads it), as bench figures.
import { PHASES, type Phase, type RunPhases } from '../../evidence/phases';
import { median } from './common';

/** `name value unit` lines, as the bench prints its figures. */
export function phaseFigures(run: RunPhases): [string, number, string][] {
  const total = (p: Phase) => run.scenarios.reduce((n, s) => n + s.ms[p], 0);
  const all = run.scenarios.reduce((n, s) => n + PHASES.reduce((m, p) => m + s.ms[p], 0), 0);
  const slug = (p: Phase) => p.replace(/ /g, '_');
  return [
    ['phases_scenarios', run.scenarios.length, 'count'],
    ['phases_scenario_time_total', all / 1000, 's'],
    ...PHASES.flatMap((p): [string, number, string][] => [
      [`phases_${slug(p)}_total`, total(p) / 1000, 's'],
      [`phases_${slug(p)}_median`, (run.scenarios.length ? median(run.scenarios.map((s) => s.ms[p])) : 0) / 1000, 's'],
    ]),
    ['phases_before_all', run.beforeAllMs / 1000, 's'],
    ['phases_after_all', run.afterAllMs / 1000, 's'],
    ...(run.wallMs === undefined ? [] : [['phases_run_wall', run.wallMs / 1000, 's'] as [string, number, string]]),
  ];
}
