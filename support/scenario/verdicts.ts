// The scenario's verdicts: each check a Then step makes is recorded here (report, timeline, the After
// hook's "judged after the last heal" guard) and fails the step when it found problems.
import { CheckerError } from '../checks/checker-error';
import type { ScenarioClock } from '../checks/history';
import type { Verdict } from '../checks/leadership-checkers';
import { attachJson, type Attachable } from '../evidence/attach';

export class Verdicts {
  private readonly recorded: Verdict[] = [];

  constructor(
    private readonly clock: ScenarioClock,
    private readonly evidence: Attachable,
  ) {}

  /** Every verdict so far, in the order reached. */
  get all(): readonly Verdict[] {
    return this.recorded;
  }

  /** Records a checker's verdict now (report, timeline) and throws CheckerError when it found problems. */
  async now(checker: string, problems: readonly string[], detail?: unknown): Promise<void> {
    const v: Verdict = { checker, ok: problems.length === 0, problems, atMs: this.clock.nowMs(), detail };
    this.recorded.push(v);
    await attachJson(this.evidence, `verdict-${checker.replace(/\W+/g, '-')}`, v);
    if (!v.ok) throw new CheckerError(checker, problems);
  }
}
