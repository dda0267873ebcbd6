// The feature file a found failure becomes: the smallest failing case as a scenario tagged @found (and
// @catches:<defect> when relay-node was seeded), saying how it was found, what failed, and the case before
// shrinking, so that a reader can judge it and anyone can run it alone. Pure.
import { scheduleTable, summarize } from './case';
import { featureFile } from './feature';
import type { Failure } from './search';

/** `leader-without-quorum-seed-1234.feature`; `unseeded-…` when no defect was seeded (a failure of the image itself). */
export function foundFileName(defect: string | undefined, seed: number): string {
  return `${defect ?? 'unseeded'}-seed-${seed}.feature`;
}

export function foundScenarioName(defect: string | undefined, seed: number): string {
  const pascal = (defect ?? 'unseeded')
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  return `Found_${pascal}_Seed${seed}`;
}

export function foundText(o: { failure: Failure; seed: number; topology: string; defect: string | undefined; runs: number }): string {
  const { failure: f, seed, topology, defect } = o;
  const command = `npm run bdd:random -- --seed ${seed} --runs ${o.runs} --topology ${topology}${defect ? ` --defect ${defect}` : ''}`;
  const before = scheduleTable(f.original).map((row) => `#   ${row}`);
  const text = featureFile(f.smallest, {
    scenario: foundScenarioName(defect, seed),
    featureTags: ['@found'],
    // Without a seeded defect the failure is the image's own: the gates ask for a @catches tag until someone
    // names the defect relay-node can seed to reproduce it.
    scenarioTags: ['@severity:critical', ...(defect ? [`@catches:${defect}`] : [])],
    description: [
      `Found by random fault schedules (\`${command}\`)${defect ? ` with relay-node seeded with ${defect}` : ''}:`,
      `the case failed at "${f.originalVerdict.step ?? '?'}" and was shrunk (${f.shrinkSteps} smaller failing case(s) of ${f.shrinkRuns} tried)`,
      `to the one below, which failed at "${f.smallestVerdict.step ?? '?'}". Before shrinking: ${summarize(f.original)}.`,
    ],
  });
  const header = [
    `# Written by npm run bdd:random on ${new Date().toISOString().slice(0, 10)}. fast-check path ${f.path ?? '(none)'}.`,
    '# The case before shrinking:',
    ...before,
  ];
  return [...header, text].join('\n');
}
