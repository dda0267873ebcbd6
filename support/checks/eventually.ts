// The one way the suite waits: poll with a deadline, and when it expires say what was expected and
// what was last seen. No fixed sleeps for synchronisation anywhere else.

/** A probe result judged against an expectation: `ok`, or the reasons it is not yet. */
export type Judgement = { ok: true } | { ok: false; problems: string[] };

export const OK: Judgement = { ok: true };

export function judge(problems: readonly string[]): Judgement {
  return problems.length === 0 ? OK : { ok: false, problems: [...problems] };
}

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
  constructor(
    readonly expectation: string,
    readonly waitedMs: number,
    readonly lastSeen: unknown,
    readonly problems: readonly string[],
  ) {
    super(
      [
        `Timed out after ${(waitedMs / 1000).toFixed(1)} s waiting until ${expectation}.`,
        'Still wrong at the deadline:',
        ...problems.map((p) => `  - ${p}`),
        'Last seen:',
        indent(JSON.stringify(lastSeen, null, 2) ?? String(lastSeen)),
      ].join('\n'),
    );
  }
}

const indent = (text: string) => text.replace(/^/gm, '  ');

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
  let lastSeen: unknown = '(nothing observed yet)';
  let problems: readonly string[] = ['no observation completed before the deadline'];
  for (;;) {
    signal?.throwIfAborted();
    try {
      const value = await probe();
      const verdict = accept(value);
      if (verdict.ok) return value;
      lastSeen = value;
      problems = verdict.problems;
    } catch (error) {
      lastSeen = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      problems = ['the probe failed'];
    }
    const elapsed = Date.now() - started;
    if (elapsed >= timeoutMs) throw new WaitTimeoutError(expectation, elapsed, lastSeen, problems);
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, timeoutMs - elapsed)));
  }
}
