// The sensitivity matrix: each (defect, scenario) pair with the outcome of every attempt, saved after each
// attempt so that an interrupted run keeps what it proved, and merged across tag-filtered runs of the
// same commit so that a long matrix can be split over several runs (or machines).
import type { Verdict } from './classify';

export interface Attempt {
  readonly verdict: Verdict;
  readonly step?: string;
  readonly reason: string;
  readonly seconds: number;
}

export interface PairResult {
  readonly defect: string;
  readonly scenario: string;
  readonly uri: string;
  readonly attempts: Attempt[];
}

/** One run's results file (`reports/sensitivity/<run>/results.json`). */
export interface SensitivityRun {
  readonly commit: string;
  /** Tracked files differed from the commit: the run did not test exactly `commit`. */
  readonly dirty: boolean;
  readonly startedAt: string;
  finishedAt?: string;
  readonly repeat: number;
  /** What selected the pairs (`--defect`, `--tags`), for the reader of a merged table. */
  readonly selection: string;
  readonly pairs: PairResult[];
}

export class MergeError extends Error {
  override name = 'MergeError';
}

/** Combines runs of one commit; the same pair in several runs pools its attempts. */
export function mergeRuns(runs: readonly { file: string; run: SensitivityRun }[]): {
  commit: string;
  dirty: boolean;
  selections: string[];
  pairs: PairResult[];
} {
  if (runs.length === 0) throw new MergeError('no results files to merge');
  const commits = new Set(runs.map((r) => r.run.commit));
  if (commits.size > 1) {
    throw new MergeError(
      `results from different commits cannot be merged into one table:\n${runs.map((r) => `  ${r.run.commit.slice(0, 12)}  ${r.file}`).join('\n')}\nRe-run the pairs of the odd ones out on one commit.`,
    );
  }
  const pairs = new Map<string, PairResult>();
  for (const { run } of runs) {
    for (const p of run.pairs) {
      const key = `${p.defect}\u0000${p.scenario}`;
      const have = pairs.get(key);
      if (have) have.attempts.push(...p.attempts);
      else pairs.set(key, { ...p, attempts: [...p.attempts] });
    }
  }
  return { commit: runs[0]!.run.commit, dirty: runs.some((r) => r.run.dirty), selections: runs.map((r) => r.run.selection), pairs: [...pairs.values()] };
}

/** A pair is caught only when every attempt was a catch; one error outranks a miss (it proves nothing). */
export function pairVerdict(p: PairResult): Verdict {
  if (p.attempts.length > 0 && p.attempts.every((a) => a.verdict === 'caught')) return 'caught';
  return p.attempts.some((a) => a.verdict === 'error') ? 'error' : 'missed';
}

/** `3/3 caught`, `2/3 caught, 1 missed`, `1/3 caught, 1 missed, 1 error`. */
export function tally(p: PairResult): string {
  const count = (v: Verdict) => p.attempts.filter((a) => a.verdict === v).length;
  const rest = (['missed', 'error'] as const).filter((v) => count(v) > 0).map((v) => `${count(v)} ${v}`);
  return [`${count('caught')}/${p.attempts.length} caught`, ...rest].join(', ');
}

/** The plain-text table and its closing summary. */
export function renderMatrix(pairs: readonly PairResult[]): string {
  const rows = pairs.map((p) => {
    const verdict = pairVerdict(p);
    // Show why it was not caught when it was not; otherwise where it was caught first.
    const telling = p.attempts.find((a) => a.verdict !== 'caught') ?? p.attempts[0];
    const seconds = p.attempts.map((a) => a.seconds);
    const detail = telling ? `${telling.step ? `${telling.step}: ` : ''}${telling.reason}` : '(no attempt)';
    return [p.defect, p.scenario, tally(p), `${detail.slice(0, 160)} (${seconds.join('/')} s)`, verdict] as const;
  });
  const widths = ([0, 1, 2] as const).map((i) => Math.max(...rows.map((r) => r[i].length), ['defect', 'scenario', 'result'][i]!.length));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i < widths.length ? c.padEnd(widths[i]!) : c)).join('  ');
  const caught = rows.filter((r) => r[4] === 'caught').length;
  const errors = rows.filter((r) => r[4] === 'error').length;
  return [
    line(['defect', 'scenario', 'result', 'failing step / reason (seconds per attempt)']),
    ...rows.map((r) => line(r.slice(0, 4))),
    '',
    `${caught} of ${rows.length} defect/scenario pairs caught every time; ${rows.length - caught - errors} missed at least once; ${errors} with errors`,
  ].join('\n');
}
