// What `--compare`, `--save` and `--figures` do around a bench run. The inputs are read before any
// section runs, so that a wrong path costs seconds, not a whole run; after the run the figures are saved
// and compared, the comparison going to stderr (stdout stays the run's figures, which `--figures` reads).
// `--figures` given several times merges those runs (bench/runs.ts): how a baseline learns its noise.
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InputError, baselineOf, figuresOf, gitCommit, readBaseline, readFiguresFile, runCount, thisMachine, writeBaseline, type Baseline } from './baseline';
import { compare, machineWarning, renderComparison, worse } from './compare';
import type { Figure } from './figures';
import { classify, SECTIONS } from './figure-rules';
import { mergeRuns } from './runs';

export interface RegressionFlags {
  readonly compare?: string;
  readonly save?: string;
  /** Earlier runs' stdout files; several are merged into medians. */
  readonly figures?: readonly string[];
  readonly thresholdPct: number;
}

export interface RegressionInputs {
  readonly baseline?: Baseline;
  /** The figures of earlier runs (`--figures`), merged: no section runs. */
  readonly earlier?: readonly Figure[];
}

/** Reads `--compare` and `--figures` and checks `--save`'s directory; an InputError names the bad one. */
export async function readInputs(flags: RegressionFlags): Promise<RegressionInputs> {
  const within = <T>(flag: string, p: Promise<T>) =>
    p.catch((e: unknown) => {
      throw e instanceof InputError ? new InputError(`--${flag} ${e.message}`) : e;
    });
  const baseline = flags.compare === undefined ? undefined : await within('compare', readBaseline(flags.compare));
  const earlier = flags.figures?.length
    ? await within('figures', Promise.all(flags.figures.map(async (label) => ({ label, figures: await readFiguresFile(label) }))).then(mergeRuns))
    : undefined;
  if (flags.save !== undefined) {
    const dir = dirname(flags.save);
    const isDir = await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) throw new InputError(`--save ${flags.save}: no directory ${dir}`);
  }
  return { ...(baseline ? { baseline } : {}), ...(earlier ? { earlier } : {}) };
}

/** Saves and compares `figures`; the exit code: 1 when a judged figure is the threshold or more worse. */
export async function saveAndCompare(
  flags: RegressionFlags,
  inputs: RegressionInputs,
  figures: readonly Figure[],
  sections: readonly string[],
): Promise<number> {
  const say = (line: string) => process.stderr.write(`${line}\n`);
  if (flags.save !== undefined) {
    const measured = flags.figures?.length ? sectionsOf(figures) : sections;
    const commit = gitCommit();
    const baseline = baselineOf(figures, measured, { ...(commit ? { gitCommit: commit } : {}), ...(flags.figures ? { figuresFrom: flags.figures } : {}) });
    await writeBaseline(flags.save, baseline);
    const runs = runCount(baseline);
    say(`bench: saved ${figures.length} figures to ${flags.save}${runs > 1 ? `, numbers the median of ${runs} runs` : ''}`);
    if (runs === 1) say(oneRunNote(flags.save));
  }
  if (!inputs.baseline || flags.compare === undefined) return 0;
  const comparison = compare(figuresOf(inputs.baseline), figures, flags.thresholdPct);
  const warning = machineWarning(inputs.baseline.machine, thisMachine(), flags.compare);
  const oneRun = runCount(inputs.baseline) === 1 ? [oneRunNote(flags.compare)] : [];
  for (const line of [...(warning ? [warning] : []), ...oneRun, ...renderComparison(comparison, flags.compare)]) say(line);
  return worse(comparison).length ? 1 : 0;
}

const oneRunNote = (file: string) =>
  `note: ${file} is one run, so --compare cannot tell its noise from a change and judges every judged figure; ` +
  'a baseline from three quiet runs (--figures a.txt --figures b.txt --figures c.txt --save …) judges only the figures steady on its machine';

/** The sections an earlier run's figures come from, in the bench's order. */
const sectionsOf = (figures: readonly Figure[]): string[] => SECTIONS.filter((s) => figures.some((f) => classify(f.name)?.section === s));
