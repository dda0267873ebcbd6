// Several bench runs as one (`--figures a.txt --figures b.txt …`): each number the median of its runs,
// every run's value kept beside it. A baseline made so knows how far each figure moved between quiet
// runs on its own machine, and compare.ts judges only the figures that moved less than half the
// threshold there: on a 2-core machine the same code moves some figures by a third between two runs, and
// which ones is a property of the machine class, measured, not guessed in a table.
import { InputError } from './baseline';
import type { Figure } from './figures';

export interface Run {
  /** The file the run's stdout was read from, named in errors. */
  readonly label: string;
  readonly figures: readonly Figure[];
}

/**
 * The runs' figures merged: a number is the median of the runs (the mean of the middle two for an even
 * count) with `runs` holding each run's value; text (`n/a`, a flavour) must be the same in every run.
 * One run is returned as it is. Runs of different sections, units or settings are an InputError: their
 * median would mix two measurements.
 */
export function mergeRuns(runs: readonly Run[]): Figure[] {
  if (runs.length <= 1) return [...(runs[0]?.figures ?? [])];
  const [first, ...rest] = runs as [Run, ...Run[]];
  for (const other of rest) {
    const names = new Set(other.figures.map((f) => f.name));
    const missing = first.figures.filter((f) => !names.has(f.name)).map((f) => f.name);
    const extra = other.figures.filter((f) => !first.figures.some((g) => g.name === f.name)).map((f) => f.name);
    if (missing.length || extra.length) {
      const what = [missing.length ? `lacks ${list(missing)}` : '', extra.length ? `has ${list(extra)} that ${first.label} lacks` : ''].filter(Boolean);
      throw new InputError(`${other.label} ${what.join(' and ')}: merge runs of the same sections (the same --only)`);
    }
  }
  return first.figures.map((f) => {
    const all = runs.map((r) => r.figures.find((g) => g.name === f.name)!);
    const units = new Set(all.map((g) => g.unit));
    if (units.size > 1) throw new InputError(`${f.name} is in ${[...units].join(' and ')} across ${labels(runs)}: runs of different bench versions`);
    const values = all.map((g) => g.value);
    if (values.every((v): v is number => typeof v === 'number')) {
      return { ...f, value: medianOf(values), runs: values };
    }
    if (values.some((v) => v !== f.value)) {
      const seen = runs.map((r, i) => `${r.label}: ${values[i]}`).join(', ');
      throw new InputError(`${f.name} differs between the runs (${seen}): a setting or a left-out side changed; merge runs made alike`);
    }
    return f;
  });
}

/** How far the furthest run lay from the median, in % of it; undefined for one run or a median of 0. */
export function spreadPct(f: Figure): number | undefined {
  if (!f.runs || f.runs.length < 2 || typeof f.value !== 'number' || f.value === 0) return undefined;
  const median = f.value;
  return Math.max(...f.runs.map((r) => Math.abs(r - median) / Math.abs(median))) * 100;
}

function medianOf(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const m = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  // The printed inputs carry at most 3 decimals; a mean of two must not print as 0.30000000000000004.
  return Math.round(m * 1000) / 1000;
}

const list = (names: readonly string[]) => (names.length > 4 ? `${names.slice(0, 4).join(', ')} and ${names.length - 4} more` : names.join(', '));
const labels = (runs: readonly Run[]) => runs.map((r) => r.label).join(', ');
