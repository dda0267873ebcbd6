// `npm run bdd:random`: random fault schedules against a real cluster (support/chaos/random/). Prints the
// seed first; fast-check draws `--runs` cases from it (the same seed draws the same cases), each a feature
// file run like any scenario (its evidence archived in reports/archive/), judged by the suite's invariants.
// On a failure it shrinks within the budget and writes the smallest failing case to features/found/, then
// runs that file once more alone to confirm it. `--until` is chaos mode: seed after seed until the time is
// up, every distinct failure reported with its seed and file.
import { randomInt } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { topologyByName, topologyNames } from '../../topologies';
import { summarize, type RandomCase } from '../chaos/random/case';
import { featureFile } from '../chaos/random/feature';
import { search, type CaseVerdict, type SearchResult } from '../chaos/random/search';
import { foundFileName, foundText } from '../chaos/random/found';
import { parseBudget } from '../chaos/random/budget';
import { knownDefects } from '../check/check';
import { runBdd } from './bdd';
import { failUsage, parseFlags, usageExit, UsageError, wholeNumber } from './flags';
import { MESSAGES_FILE } from './scenario-results';
import { classifyRun, parseMessages, type Outcome } from './sensitivity/classify';

const USAGE = `usage: npm run bdd:random -- [--runs N] [--seed S] [--budget 20m] [--topology T] [--defect D] [--until 8h] [--out DIR]
  --runs N       cases to draw from the seed (default 10)
  --seed S       a whole number; default: a fresh one, printed first (the same seed draws the same cases)
  --budget T     time for drawing and shrinking (default 20m; "90s", "15m", "2h"); in chaos mode, per failure's shrinking
  --topology T   the cluster (default ShardRing; npm run topologies lists them)
  --defect D     seed relay-node with this defect (as bdd:sensitivity does); a found file is tagged @catches:D
  --until T      chaos mode: keep drawing with new seeds until T has passed; report every distinct failure
  --out DIR      where found feature files go (default features/found)
A case that fails is shrunk (fewer faults, shorter and earlier windows, fewer clients) and written as a feature file.`;

const flags = usageExit('bdd:random', USAGE, () => {
  const { values } = parseFlags(process.argv.slice(2), {
    runs: { type: 'string' },
    seed: { type: 'string' },
    budget: { type: 'string' },
    topology: { type: 'string' },
    defect: { type: 'string' },
    until: { type: 'string' },
    out: { type: 'string' },
  });
  const seed = values.seed === undefined ? randomInt(2 ** 31) : wholeNumber('seed', values.seed, 0, { min: 0, max: 2 ** 31 - 1 });
  const topologyName = values.topology ?? 'ShardRing';
  if (!topologyNames().includes(topologyName)) throw new UsageError(`--topology ${topologyName}: unknown; known: ${topologyNames().join(', ')}`);
  if (values.defect !== undefined && !knownDefects().includes(values.defect)) {
    throw new UsageError(`--defect ${values.defect}: relay-node seeds no such defect; known: ${knownDefects().join(', ')}`);
  }
  return {
    runs: wholeNumber('runs', values.runs, 10, { min: 1, max: 10_000 }),
    seed,
    budgetMs: parseBudget('budget', values.budget ?? '20m'),
    untilMs: values.until === undefined ? undefined : parseBudget('until', values.until),
    topology: topologyByName(topologyName),
    defect: values.defect,
    out: values.out ?? 'features/found',
  };
});
const { runs, seed, budgetMs, untilMs, topology, defect, out } = flags;
const say = (line: string) => process.stderr.write(`[random] ${line}\n`);
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
const workDir = `reports/random/${stamp}`;

// The seed first, before anything can fail: it is the handle to everything below.
console.log(`[random] seed ${seed}${untilMs !== undefined ? ' (chaos mode: the first of several)' : ''}; reproduce with npm run bdd:random -- --seed ${seed}`);
say(
  `topology ${topology.name}, ${runs} case(s) per seed, budget ${budgetMs / 60_000} min${defect ? `, relay-node seeded with ${defect}` : ''}; cases in ${workDir}/`,
);
if (defect) process.env.OMNIRELAY_HYPERSCALE_DEFECT = defect;
await mkdir(workDir, { recursive: true });

/** Runs one feature file as `npm run bdd` would (archived, no retries) and reads its one scenario's outcome. */
async function runFeature(file: string): Promise<{ code: number; outcome: Outcome | undefined }> {
  const code = await runBdd(['--profile', 'random', file]);
  const outcome = await readFile(MESSAGES_FILE, 'utf8')
    .then((t) => classifyRun(parseMessages(t))[0])
    .catch(() => undefined);
  return { code, outcome };
}

let caseNo = 0;
async function runCase(c: RandomCase, label: string, forSeed: number): Promise<CaseVerdict> {
  const file = join(workDir, `seed-${forSeed}-${String(++caseNo).padStart(3, '0')}.feature`);
  const scenario = `Random_Seed${forSeed}_${caseNo}`;
  await writeFile(file, featureFile(c, { scenario, featureTags: [], scenarioTags: [], description: [`${label} of seed ${forSeed}: ${summarize(c)}`] }));
  say(`${label}: ${summarize(c)} (${file})`);
  const started = Date.now();
  const { code, outcome } = await runFeature(file);
  const seconds = Math.round((Date.now() - started) / 1000);
  if (code === 130) {
    say('interrupted');
    process.exit(130);
  }
  const v: CaseVerdict = !outcome
    ? { verdict: 'error', reason: `cucumber exited ${code} without a result`, seconds, file }
    : {
        verdict: outcome.verdict === 'caught' ? 'fail' : outcome.verdict === 'missed' ? 'pass' : 'error',
        step: outcome.step,
        reason: outcome.reason,
        seconds,
        file,
      };
  say(`  → ${v.verdict}${v.step ? ` at ${v.step}` : ''} (${seconds} s)${v.verdict === 'error' ? `: ${v.reason.split('\n')[0]}` : ''}`);
  return v;
}

interface Found {
  readonly seed: number;
  readonly file: string;
  readonly step: string;
  readonly confirmed: boolean | undefined;
  seen: number;
}
const found: Found[] = [];

async function report(result: SearchResult): Promise<void> {
  const f = result.failure;
  if (!f) return;
  const step = f.smallestVerdict.step ?? '(no step)';
  const same = found.find((x) => x.step === step);
  if (same) {
    same.seen++;
    say(`seed ${result.seed}: the same failure as seed ${same.seed} (${step}); not written again`);
    return;
  }
  const file = join(out, foundFileName(defect, result.seed));
  await mkdir(out, { recursive: true });
  await writeFile(file, foundText({ failure: f, seed: result.seed, topology: topology.name, defect, runs }));
  say(`wrote ${file}: ${summarize(f.smallest)} (from ${summarize(f.original)}; ${f.shrinkSteps} smaller failing of ${f.shrinkRuns} tried)`);
  // The written file, alone, as anyone would run it.
  say(`confirming: ${file} alone`);
  const { code, outcome } = await runFeature(file);
  const again = outcome?.verdict;
  const confirmed = code === 130 ? undefined : again === 'caught';
  say(
    `  → ${confirmed === undefined ? 'not confirmed (interrupted)' : confirmed ? 'fails again alone' : `did not fail again alone (${again ?? 'no result'}): a flaky failure, keep the file and repeat it with npm run bdd:repeat`}`,
  );
  found.push({ seed: result.seed, file, step, confirmed, seen: 1 });
}

const started = Date.now();
const seeds: SearchResult[] = [];
if (untilMs === undefined) {
  const result = await search({ topology, seed, runs, searchUntilMs: started + budgetMs, runCase: (c, l) => runCase(c, l, seed) });
  seeds.push(result);
  await report(result);
} else {
  // Chaos mode: seed, seed + 1, …; each seed's search may draw until the end, and shrinks a failure for at most --budget.
  for (let s = seed; Date.now() < started + untilMs; s = (s + 1) % 2 ** 31) {
    say(`seed ${s}: drawing (${Math.round((started + untilMs - Date.now()) / 60_000)} min left)`);
    const result = await search({ topology, seed: s, runs, searchUntilMs: started + untilMs, shrinkBudgetMs: budgetMs, runCase: (c, l) => runCase(c, l, s) });
    seeds.push(result);
    await report(result);
  }
}

const ran = seeds.reduce((n, r) => n + r.casesRun + (r.failure?.shrinkRuns ?? 0), 0);
const errors = seeds.reduce((n, r) => n + r.errors, 0);
console.log(`\n[random] ${seeds.length} seed(s), ${ran} case run(s) in ${Math.round((Date.now() - started) / 60_000)} min, ${errors} harness error(s)`);
for (const r of seeds) {
  const f = r.failure;
  console.log(
    `  seed ${r.seed}: ${r.casesRun} case(s) drawn${r.errors > 0 ? ` (${r.errors} ended in a harness error and were skipped)` : ''}, ${f ? `FAILED at ${f.smallestVerdict.step ?? '?'}, shrunk ${f.shrinkSteps}× in ${f.shrinkRuns} run(s)` : 'every other one passed'}${r.budgetSpent ? ' (budget spent)' : ''}`,
  );
}
for (const f of found)
  console.log(`  failure: ${f.step} (seed ${f.seed}, seen ${f.seen}×) → ${f.file}${f.confirmed === false ? ' (did not fail again alone)' : ''}`);
if (errors > 0 && seeds.every((r) => r.casesRun === r.errors))
  failUsage('bdd:random', USAGE, 'every case ended in a harness error: see above (Docker, images)');
process.exit(found.length > 0 ? 1 : 0);
