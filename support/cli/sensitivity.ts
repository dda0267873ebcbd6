// `npm run bdd:sensitivity`: proves every scenario can fail. Each scenario tagged @catches:<defect> is
// run against relay nodes seeded with that defect (RELAY_DEFECT via OMNIRELAY_HYPERSCALE_DEFECT). A pair
// is caught only when a When/Then step fails with a product verdict after the Given block passed
// (sensitivity/classify.ts); a setup failure or a harness error is an error and fails the run too.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { bin, run } from './run';
import { failUsage, parseFlags, usageExit, wholeNumber } from './flags';
import { classifyRun, parseMessages } from './sensitivity/classify';
import { mergeRuns, MergeError, pairVerdict, renderMatrix, type PairResult, type SensitivityRun } from './sensitivity/matrix';

const USAGE = `usage: npm run bdd:sensitivity -- [--defect NAME]... [--tags EXPR] [--repeat N]
       npm run bdd:sensitivity -- --merge FILE...

  --defect NAME   only the pairs of this defect (repeatable)
  --tags EXPR     only scenarios matching this cucumber tag expression, e.g. '@shards'
  --repeat N      run each pair N times (default 1); a pair is caught only if caught every time
  --merge FILE... print one table from the results.json files of several runs on one commit
Each run keeps its results in reports/sensitivity/<run>/results.json, written after every attempt.`;

const { values: flags, positionals } = usageExit('bdd:sensitivity', USAGE, () =>
  parseFlags(
    process.argv.slice(2),
    {
      defect: { type: 'string', multiple: true },
      tags: { type: 'string' },
      repeat: { type: 'string' },
      merge: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    { positionals: true },
  ),
);
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}
if (flags.merge) process.exit(await merge(positionals));
if (positionals.length > 0) failUsage('bdd:sensitivity', USAGE, `unexpected argument(s) ${positionals.join(' ')} (files are read only with --merge)`);
const repeat = usageExit('bdd:sensitivity', USAGE, () => wholeNumber('repeat', flags.repeat, 1, { max: 20 }));

const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
const selection = [...(flags.defect ?? []).map((d) => `--defect ${d}`), ...(flags.tags ? [`--tags '${flags.tags}'`] : []), `--repeat ${repeat}`].join(' ');
const dir = `reports/sensitivity/${stamp}${flags.defect?.length === 1 ? `-${flags.defect[0]}` : ''}`;
await mkdir(dir, { recursive: true });
/** Ends a run that never started an attempt: its folder would only hold the dry run's plan. */
const abandon = async (code: number): Promise<never> => {
  await rm(dir, { recursive: true, force: true });
  process.exit(code);
};

// The plan comes from cucumber itself (a dry run), so tags are read exactly as the runner reads them.
const plan = await run(
  bin('cucumber-js'),
  ['--profile', 'sensitivity', '--dry-run', '--format', `message:${dir}/plan.ndjson`, ...(flags.tags ? ['--tags', flags.tags] : [])],
  process.env,
  false,
);
if (plan.code !== 0) {
  console.error('The dry run failed (see above): fix it first, e.g. undefined or ambiguous steps (npm run gates).');
  await abandon(1);
}
const planned = classifyRun(parseMessages(await readFile(`${dir}/plan.ndjson`, 'utf8')));
const tagged = [...new Set(planned.flatMap((s) => s.tags.filter((t) => t.startsWith('@catches:')).map((t) => t.slice('@catches:'.length))))].sort();
const unknown = (flags.defect ?? []).filter((d) => !tagged.includes(d));
if (unknown.length > 0) {
  console.error(
    `No scenario${flags.tags ? ` matching ${flags.tags}` : ''} is tagged @catches:${unknown.join(', @catches:')}.\nDefects the scenarios catch: ${tagged.join(', ')}`,
  );
  await abandon(2);
}
const pairs = planned
  .flatMap((s) => s.tags.filter((t) => t.startsWith('@catches:')).map((t) => ({ defect: t.slice('@catches:'.length), scenario: s })))
  .filter((p) => !flags.defect || flags.defect.includes(p.defect));
if (pairs.length === 0) {
  console.error(`No scenario${flags.tags ? ` matching ${flags.tags}` : ''} is tagged @catches:<defect>.`);
  await abandon(1);
}

const results: SensitivityRun = {
  commit: git(['rev-parse', 'HEAD']),
  dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
  startedAt: new Date().toISOString(),
  repeat,
  selection,
  pairs: pairs.map(({ defect, scenario }) => ({ defect, scenario: scenario.scenario, uri: scenario.uri, attempts: [] })),
};
const save = () => writeFile(`${dir}/results.json`, JSON.stringify(results, null, 2) + '\n');
process.stderr.write(
  `[sensitivity] ${pairs.length} pair(s) × ${repeat} on ${results.commit.slice(0, 12)}${results.dirty ? ' (uncommitted changes)' : ''}; results in ${dir}/results.json\n`,
);

const started = Date.now();
const total = pairs.length * repeat;
let done = 0;
for (let attempt = 1; attempt <= repeat; attempt++) {
  for (const [i, pair] of results.pairs.entries()) {
    const eta = done > 0 ? `, about ${Math.ceil((((Date.now() - started) / done) * (total - done)) / 60_000)} min left` : '';
    process.stderr.write(`[sensitivity] ${++done}/${total}: ${pair.scenario} with defect ${pair.defect} (attempt ${attempt}/${repeat}${eta})…\n`);
    const out = `${dir}/${pair.defect}--${i}--${attempt}.ndjson`;
    const ran = await run(
      bin('cucumber-js'),
      ['--profile', 'sensitivity', '--name', `^${escape(pair.scenario)}$`, '--format', `message:${out}`, pair.uri],
      { ...process.env, OMNIRELAY_HYPERSCALE_DEFECT: pair.defect },
      false,
    );
    const outcome = await readFile(out, 'utf8')
      .then((text) => classifyRun(parseMessages(text))[0])
      .catch(() => undefined);
    const seconds = Math.round(ran.ms / 1000);
    pair.attempts.push(
      outcome
        ? { verdict: outcome.verdict, step: outcome.step, reason: outcome.reason, seconds }
        : { verdict: 'error', reason: `cucumber exited ${ran.code} without a result`, seconds },
    );
    await save();
    const last = pair.attempts.at(-1)!;
    process.stderr.write(`[sensitivity]   → ${last.verdict}${last.step ? ` at ${last.step}` : ''} (${seconds} s)\n`);
  }
}
results.finishedAt = new Date().toISOString();
await save();
console.log(renderMatrix(results.pairs));
console.log(`took ${formatMinutes(Date.now() - started)}; results: ${dir}/results.json`);
process.exit(results.pairs.every((p) => pairVerdict(p) === 'caught') ? 0 : 1);

async function merge(files: readonly string[]): Promise<number> {
  if (files.length === 0) return failUsage('bdd:sensitivity', USAGE, '--merge needs the results.json files of the runs to merge');
  const read = await Promise.all(
    files.map(async (file) => {
      try {
        return { file, run: JSON.parse(await readFile(file, 'utf8')) as SensitivityRun };
      } catch (error) {
        return `${file}: not a sensitivity results file (${(error as Error).message})`;
      }
    }),
  );
  const unreadable = read.filter((r) => typeof r === 'string');
  if (unreadable.length > 0) return failUsage('bdd:sensitivity', USAGE, unreadable.join('\n'));
  const runs = read.filter((r) => typeof r !== 'string');
  try {
    const merged = mergeRuns(runs);
    const unfinished = runs.filter((r) => !r.run.finishedAt).map((r) => r.file);
    console.log(`commit ${merged.commit}${merged.dirty ? ' (some runs had uncommitted changes)' : ''}; runs: ${merged.selections.join(' | ')}`);
    if (unfinished.length > 0) console.log(`interrupted runs (their finished attempts count): ${unfinished.join(', ')}`);
    console.log(renderMatrix(merged.pairs));
    return merged.pairs.every((p: PairResult) => pairVerdict(p) === 'caught') ? 0 : 1;
  } catch (error) {
    if (error instanceof MergeError) {
      console.error(`bdd:sensitivity --merge: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function formatMinutes(ms: number): string {
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
