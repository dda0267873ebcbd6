// A Jepsen-style history of client operations: every operation is recorded when it is invoked and when
// it completes (ok, fail, or info when the outcome is unknown), on the scenario's monotonic clock.
// Faults are in the same history as the nemesis's operations (Jepsen's nemesis ops), so a checker that
// asks "what did clients see while this node was cut off?" reads one history. Checkers read histories;
// the timeline draws them.

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

/**
 * The process that injects and heals faults. Its ops are `start` (invoked when the fault was asked for,
 * completed when it took effect) and `stop` (the heal), both with a NemesisValue; their outcome is info:
 * a fault acknowledges nothing to a client.
 */
export const NEMESIS = 'nemesis';

/**
 * Reads made after the clients stopped, to judge what survived: one process per key (`final:<key>`), so
 * reads of many keys may run at once while each process still runs one op at a time.
 */
export const FINAL_READ = 'final';
export const finalReadProcess = (key: string) => `${FINAL_READ}:${key}`;
export const isFinalRead = (op: Pick<Op, 'process'>) => op.process === FINAL_READ || op.process.startsWith(`${FINAL_READ}:`);

export interface NemesisValue {
  /** The fault's name in the fault log: `partition`, `crash`, `loss`, … */
  readonly fault: string;
  /** The fault log's id, pairing a `start` with its `stop`. */
  readonly id: number;
  /** What it acts on (the fault log's FaultSubject): `{kind: 'groups', groups}` for splits. */
  readonly subject: { readonly kind: string; readonly groups?: Readonly<Record<string, readonly string[]>>; readonly node?: string };
}

/** A fault's window read back from the nemesis ops: from when it took effect until its heal began. */
export interface NemesisWindow extends NemesisValue {
  readonly startMs: number;
  /** Undefined while the fault is still in effect. */
  readonly endMs?: number;
}

/** The client operations of a history, without the nemesis's. */
export function clientOps(ops: readonly Op[]): Op[] {
  return ops.filter((o) => o.process !== NEMESIS);
}

/** The windows of the faults that took effect (a `start` that completed without error), in order. */
export function nemesisWindows(ops: readonly Op[]): NemesisWindow[] {
  const stops = new Map(ops.filter((o) => o.process === NEMESIS && o.f === 'stop').map((o) => [(o.value as NemesisValue).id, o]));
  return ops
    .filter((o) => o.process === NEMESIS && o.f === 'start' && o.completeMs !== undefined && o.error === undefined)
    .map((o) => {
      const value = o.value as NemesisValue;
      const stop = stops.get(value.id);
      return { ...value, startMs: o.completeMs!, ...(stop ? { endMs: stop.invokeMs } : {}) };
    });
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
