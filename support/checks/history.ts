// A Jepsen-style history of client operations: every operation is recorded when it is invoked and when
// it completes (ok, fail, or info when the outcome is unknown), on the scenario's monotonic clock.
// Checkers read histories; the timeline draws them.

export type Outcome = 'ok' | 'fail' | 'info';

export interface Op {
  readonly index: number;
  /** The logical client that issued it (one process runs one operation at a time). */
  readonly process: string;
  /** The operation, e.g. the procedure name. */
  readonly f: string;
  /** The node the operation was sent to. */
  readonly target: string;
  /** The shard key the call carried (Rpc-Shard-Key), if any. */
  readonly shardKey?: string;
  readonly value?: unknown;
  /** Milliseconds since the scenario clock started. */
  readonly invokeMs: number;
  completeMs?: number;
  outcome?: Outcome;
  result?: unknown;
  error?: string;
}

/** Monotonic milliseconds since construction, plus the wall time at zero for display. */
export class ScenarioClock {
  readonly startedAtWall = Date.now();
  private readonly t0 = performance.now();

  nowMs(): number {
    return performance.now() - this.t0;
  }

  /** A wall-clock instant (ISO or epoch ms) on this clock; nodes share the host's clock. */
  fromWall(at: string | number): number {
    return (typeof at === 'number' ? at : Date.parse(at)) - this.startedAtWall;
  }
}

export class OpHistory {
  private readonly entries: Op[] = [];

  constructor(readonly clock: ScenarioClock) {}

  get ops(): readonly Op[] {
    return this.entries;
  }

  /**
   * Runs `operation` as one recorded op. `classify` turns its result into an outcome; a thrown error is
   * `info` (the caller cannot know whether the cluster applied it), then rethrown.
   */
  async record<T>(
    op: { process: string; f: string; target: string; shardKey?: string; value?: unknown },
    operation: () => Promise<T>,
    classify: (result: T) => { outcome: Outcome; result?: unknown; error?: string },
  ): Promise<T> {
    const entry: Op = { index: this.entries.length, ...op, invokeMs: this.clock.nowMs() };
    this.entries.push(entry);
    try {
      const result = await operation();
      Object.assign(entry, { completeMs: this.clock.nowMs(), ...classify(result) });
      return result;
    } catch (error) {
      Object.assign(entry, { completeMs: this.clock.nowMs(), outcome: 'info', error: (error as Error).message });
      throw error;
    }
  }
}
