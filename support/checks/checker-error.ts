// The one error a recorded checker verdict fails a step with. Kept here, free of cucumber, so that pure
// code (the sensitivity runner's classifier and its tests) can name it.

/** A checker over the recorded history found problems: a product defect, not a harness failure. */
export class CheckerError extends Error {
  override name = 'CheckerError';
  constructor(checker: string, problems: readonly string[]) {
    super(`${checker}: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}
