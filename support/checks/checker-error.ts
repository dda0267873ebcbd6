// The one error a recorded checker verdict fails a step with. Kept here, free of cucumber, so that pure
// code (the sensitivity runner's classifier and its tests) can name it.

/**
 * A checker over the recorded history found problems (a product defect, not a harness failure), or,
 * `unknown`, could not decide: not a pass either.
 */
export class CheckerError extends Error {
  override name = 'CheckerError';
  constructor(
    checker: string,
    problems: readonly string[],
    readonly outcome: 'failed' | 'unknown' = 'failed',
  ) {
    super(
      `${checker}: ${outcome === 'unknown' ? `unknown, ${problems.length} thing(s) undecided` : `${problems.length} problem(s)`}\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}
