// What `--compare`, `--save` and `--figures` do around a bench run. The inputs are read before any
// section runs, so that a wrong path costs seconds, not a whole run; after the run the figures are saved
// and compared, the comparison going to stderr (stdout stays the run's figures, which `--figures` reads).
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InputError, baselineOf, figuresOf, gitCommit, readBaseline, readFiguresFile, thisMachine, writeBaseline, type Baseline } from './baseline';
import { compare, machineWarning, renderComparison, worse } from './compare';
import type { Figure } from './figures';
import { classify, SECTIONS } from './figure-rules';

export interface RegressionFlags {
  readonly compare?: string;
  readonly save?: string;
  readonly figures?: string;
  readonly thresholdPct: number;
}

export interface RegressionInputs {
  readonly baseline?: Baseline;
  /** The figures of an earlier run (`--figures`): no section runs. */
  readonly earlier?: readonly Figure[];
}

/** Reads `--compare` and `--figures` and checks `--save`'s directory; an InputError names the bad one. */
export async function readInputs(flags: RegressionFlags): Promise<RegressionInputs> {
  const within = <T>(flag: string, p: Promise<T>) =>
    p.catch((e: unknown) => {
      throw e instanceof InputError ? new InputError(`--${flag} ${e.message}`) : e;
    });
  const baseline = flags.compare === undefined ? undefined : await within('compare', readBaseline(flags.compare));
  const earlier = flags.figures === undefined ? undefined : await within('figures', readFiguresFile(flags.figures));
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
    const measured = flags.figures === undefined ? sections : sectionsOf(figures);
    const commit = gitCommit();
    await writeBaseline(
      flags.save,
      baselineOf(figures, measured, { ...(commit ? { gitCommit: commit } : {}), ...(flags.figures ? { figuresFrom: flags.figures } : {}) }),
    );
    say(`bench: saved ${figures.length} figures to ${flags.save}`);
  }
  if (!inputs.baseline || flags.compare === undefined) return 0;
  const comparison = compare(figuresOf(inputs.baseline), figures, flags.thresholdPct);
  const warning = machineWarning(inputs.baseline.machine, thisMachine(), flags.compare);
  for (const line of [...(warning ? [warning] : []), ...renderComparison(comparison, flags.compare)]) say(line);
  return worse(comparison).length ? 1 : 0;
}

/** The sections an earlier run's figures come from, in the bench's order. */
const sectionsOf = (figures: readonly Figure[]): string[] => SECTIONS.filter((s) => figures.some((f) => classify(f.name)?.section === s));
