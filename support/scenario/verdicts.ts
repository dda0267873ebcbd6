// The scenario's verdicts, the one way the scenario layer judges and waits. Each check a Then step makes
// is recorded here (report, timeline, the After hook's "judged after the last heal" guard) and fails the
// step when it found problems: `now` for what can be judged at once, `within` for what must come true by
// a deadline. `waitFor` is the same wait for what a step needs before it acts (a premise, a lookup), and
// records nothing. A gate (support/cli/gates/verdict-path.ts) keeps chai and bare waits out of the rest
// of the scenario layer.
import { CheckerError } from '../checks/checker-error';
import { eventually, WaitTimeoutError, type EventuallyOptions, type Judgement } from '../checks/eventually';
import type { ScenarioClock } from '../checks/history';
import type { Verdict, VerdictOutcome } from '../checks/leadership-checkers';
import { attachJson, type Attachable } from '../evidence/attach';

export class Verdicts {
  private readonly recorded: Verdict[] = [];
  /** The step running now (set by a BeforeStep hook): each verdict is named by the step's phrase. */
  step: string | undefined;

  constructor(
    private readonly clock: ScenarioClock,
    private readonly evidence: Attachable,
  ) {}

  /** Every verdict so far, in the order reached. */
  get all(): readonly Verdict[] {
    return this.recorded;
  }

  /**
   * Records a checker's verdict now (report, timeline) and throws CheckerError unless it is ok: failed
   * when it found problems, unknown when it found none but could not decide everything (`undecided`).
   */
  async now(checker: string, problems: readonly string[], detail?: unknown, undecided: readonly string[] = []): Promise<void> {
    const outcome = problems.length > 0 ? 'failed' : undecided.length > 0 ? 'unknown' : 'ok';
    const found = [...problems, ...undecided];
    await this.record(checker, outcome, found, detail);
    if (outcome !== 'ok') throw new CheckerError(checker, found, outcome);
  }

  /**
   * Polls `probe` until `accept` judges it ok (recording an ok verdict, returning what passed) or the
   * deadline passes (recording the last problems as a failed verdict, then throwing the WaitTimeoutError,
   * whose message carries the diff). When the last probe itself failed, nothing was observed to judge:
   * the verdict is unknown. Any other error is the harness's, not a verdict: it passes through.
   */
  async within<T>(checker: string, probe: () => Promise<T>, accept: (value: T) => Judgement, opts: EventuallyOptions): Promise<T> {
    let value: T;
    try {
      value = await eventually(checker, probe, accept, opts);
    } catch (error) {
      if (error instanceof WaitTimeoutError) {
        await this.record(checker, error.observed ? 'failed' : 'unknown', error.problems, { waitedMs: error.waitedMs, lastSeen: error.lastSeen });
      }
      throw error;
    }
    await this.record(checker, 'ok', []);
    return value;
  }

  /** Waits for what a step needs before it acts (a premise, a lookup): `within` without a verdict. */
  waitFor<T>(expectation: string, probe: () => Promise<T>, accept: (value: T) => Judgement, opts: EventuallyOptions): Promise<T> {
    return eventually(expectation, probe, accept, opts);
  }

  private async record(checker: string, outcome: VerdictOutcome, problems: readonly string[], detail?: unknown): Promise<void> {
    const v: Verdict = {
      checker,
      ...(this.step === undefined ? {} : { step: this.step }),
      outcome,
      problems,
      atMs: this.clock.nowMs(),
      ...(detail === undefined ? {} : { detail }),
    };
    this.recorded.push(v);
    await attachJson(this.evidence, `verdict-${checker.replace(/\W+/g, '-')}`, v);
  }
}
