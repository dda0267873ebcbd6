// The one way the suite waits: poll with a deadline, and when it expires say what was expected and
// what was last seen, as a diff. No fixed sleeps for synchronisation anywhere else.
import { diffLines } from 'diff';

/** What a check expected and what it saw, projected to the same shape so that a diff reads well. */
export interface Comparison {
  readonly expected: unknown;
  readonly actual: unknown;
}

/** A probe result judged against an expectation: `ok`, or the reasons it is not yet. */
export type Judgement = { ok: true } | { ok: false; problems: string[]; comparison?: Comparison };

export const OK: Judgement = { ok: true };

export function judge(problems: readonly string[], comparison?: Comparison): Judgement {
  return problems.length === 0 ? OK : { ok: false, problems: [...problems], comparison };
}

/** A line diff of two values as pretty JSON: `-` expected, `+` last seen, unchanged lines kept for context. */
export function renderDiff({ expected, actual }: Comparison): string {
  const lines = ['--- expected', '+++ last seen'];
  for (const part of diffLines(JSON.stringify(expected, null, 2) + '\n', JSON.stringify(actual, null, 2) + '\n')) {
    const mark = part.added ? '+' : part.removed ? '-' : ' ';
    for (const line of part.value.replace(/\n$/, '').split('\n')) lines.push(`${mark} ${line}`);
  }
  return lines.join('\n');
}

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
  constructor(
    readonly expectation: string,
    readonly waitedMs: number,
    readonly lastSeen: unknown,
    readonly problems: readonly string[],
    readonly comparison?: Comparison,
    /** False when the last probe threw: nothing was observed to judge, so the answer is unknown. */
    readonly observed = true,
  ) {
    super(
      [
        `Timed out after ${(waitedMs / 1000).toFixed(1)} s waiting until ${expectation}.`,
        'Still wrong at the deadline:',
        ...problems.slice(0, MAX_LISTED).map((p) => `  - ${p}`),
        ...(problems.length > MAX_LISTED ? [`  … and ${problems.length - MAX_LISTED} more`] : []),
        ...(comparison
          ? ['Expected vs last seen:', indent(renderDiff(comparison))]
          : ['Last seen:', indent(JSON.stringify(lastSeen, null, 2) ?? String(lastSeen))]),
      ].join('\n'),
    );
  }
}

const indent = (text: string) => text.replace(/^/gm, '  ');
/** Problems listed in a timeout message; the diff below shows the whole picture. */
const MAX_LISTED = 12;

export interface EventuallyOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Abort early (e.g. the scenario is being torn down). */
  readonly signal?: AbortSignal;
}

/**
 * Polls `probe` until `accept` judges its result ok, or the deadline passes. A probe that throws counts
 * as "not yet" and its error message is what was last seen.
 */
export async function eventually<T>(
  expectation: string,
  probe: () => Promise<T>,
  accept: (value: T) => Judgement,
  { timeoutMs, intervalMs = 250, signal }: EventuallyOptions,
): Promise<T> {
  const started = Date.now();
  // Each round sets all four, whether the probe answered or threw, before the deadline is checked.
  let lastSeen: unknown;
  let problems: readonly string[];
  let comparison: Comparison | undefined;
  let observed: boolean;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const value = await probe();
      const verdict = accept(value);
      if (verdict.ok) return value;
      lastSeen = value;
      problems = verdict.problems;
      comparison = verdict.comparison;
      observed = true;
    } catch (error) {
      lastSeen = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      problems = ['the probe failed'];
      comparison = undefined;
      observed = false;
    }
    const elapsed = Date.now() - started;
    if (elapsed >= timeoutMs) throw new WaitTimeoutError(expectation, elapsed, lastSeen, problems, comparison, observed);
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, timeoutMs - elapsed)));
  }
}
