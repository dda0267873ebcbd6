// A bench baseline on disk (`--save`, `--compare`) and figures taken from an earlier run's stdout
// (`--figures`). Every bad input is an InputError naming the file and what is wrong with it.
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';
import type { Figure } from './figures';
import { parseFigures } from './figures';

export class InputError extends Error {
  override name = 'InputError';
}

/** What the figures depend on besides the code: a baseline holds only for a machine of its class. */
export interface Machine {
  readonly cpus: number;
  readonly memoryGb: number;
  readonly platform: string;
  readonly arch: string;
  readonly node: string;
}

export interface Baseline {
  readonly machine: Machine;
  readonly createdAt: string;
  readonly gitCommit?: string;
  /** The runs' stdout the figures were read from (`--figures`), when they were not measured by this call. */
  readonly figuresFrom?: readonly string[];
  readonly sections: readonly string[];
  readonly figures: Readonly<Record<string, BaselineFigure>>;
}

/** A figure of a baseline, keyed by its name; `runs` when it is the median of several runs, so that `--compare` knows its noise. */
export type BaselineFigure = Omit<Figure, 'name'>;

export function thisMachine(): Machine {
  return {
    cpus: availableParallelism(),
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: process.platform,
    arch: process.arch,
    node: process.version,
  };
}

/** The checked-out commit, when this is a git work tree with git on the PATH. */
export function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function baselineOf(
  figures: readonly Figure[],
  sections: readonly string[],
  extra: { gitCommit?: string; figuresFrom?: readonly string[] } = {},
): Baseline {
  return {
    machine: thisMachine(),
    createdAt: new Date().toISOString(),
    ...(extra.gitCommit ? { gitCommit: extra.gitCommit } : {}),
    ...(extra.figuresFrom?.length ? { figuresFrom: extra.figuresFrom } : {}),
    sections,
    figures: Object.fromEntries(
      figures.map(({ name, value, unit, note, runs }) => [name, { value, unit, ...(note === undefined ? {} : { note }), ...(runs ? { runs } : {}) }]),
    ),
  };
}

/** How many runs the baseline's figures are medians of: 1 for a baseline saved from one run. */
export const runCount = (b: Baseline): number => Math.max(1, ...Object.values(b.figures).map((f) => f.runs?.length ?? 1));

export const figuresOf = (b: Baseline): Figure[] => Object.entries(b.figures).map(([name, f]) => ({ name, ...f }));

/** Parses a baseline's JSON; `file` names it in the error. */
export function parseBaseline(text: string, file: string): Baseline {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not JSON (${(e as Error).message})`);
  }
  const problem = baselineProblem(json);
  if (problem) throw new InputError(`${file}: not a bench baseline (${problem}); write one with npm run bench -- --save <file>`);
  return json as Baseline;
}

function baselineProblem(json: unknown): string | undefined {
  const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isObject(json)) return 'not an object';
  if (!isObject(json.machine) || typeof json.machine.cpus !== 'number') return 'no machine.cpus';
  if (!Array.isArray(json.sections)) return 'no sections list';
  if (!isObject(json.figures)) return 'no figures object';
  for (const [name, f] of Object.entries(json.figures)) {
    if (!isObject(f) || !['number', 'string'].includes(typeof f.value) || typeof f.unit !== 'string') return `figure ${name} is not {value, unit}`;
    if (f.runs !== undefined && !(Array.isArray(f.runs) && f.runs.length >= 2 && f.runs.every((r) => typeof r === 'number')))
      return `figure ${name}: runs is not a list of two or more numbers`;
  }
  return undefined;
}

export async function readBaseline(file: string): Promise<Baseline> {
  return parseBaseline(await readText(file), file);
}

export async function writeBaseline(file: string, baseline: Baseline): Promise<void> {
  // Each list of run values on one line, so that a refreshed baseline's diff reads figure by figure.
  const json = JSON.stringify(baseline, null, 2).replace(
    /\[\n\s+(-?[\d.e+-]+(?:,\n\s+-?[\d.e+-]+)*)\n\s+\]/g,
    (_, items: string) => `[${items.split(/,\s+/).join(', ')}]`,
  );
  await writeFile(file, `${json}\n`).catch((e: NodeJS.ErrnoException) => {
    throw new InputError(`${file}: cannot write (${e.code ?? e.message})`);
  });
}

/** The figures printed in a saved stdout or log; a name printed twice means two runs in one file. */
export async function readFiguresFile(file: string): Promise<Figure[]> {
  const figures = parseFigures(await readText(file));
  if (figures.length === 0) throw new InputError(`${file}: no \`name value unit\` figure lines (is it the bench's stdout?)`);
  const seen = new Set<string>();
  const twice = figures.filter((f) => seen.size === seen.add(f.name).size).map((f) => f.name);
  if (twice.length) throw new InputError(`${file}: figures printed more than once (${[...new Set(twice)].join(', ')}): keep one run's lines`);
  return figures;
}

async function readText(file: string): Promise<string> {
  return readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new InputError(e.code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${e.code ?? e.message})`);
  });
}
