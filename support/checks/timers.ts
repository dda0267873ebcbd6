// Durable timers, judged from the client history and a final read of the timer records.
//
// Every timer whose schedule was acknowledged has a record; one whose cancel was acknowledged (while it
// was still scheduled) never fired; every other one fired exactly once and not before it was due. A
// timer whose schedule or cancel had an unknown outcome may go either way, but still at most once and
// never early. Lateness (fired at minus due at, both the owners' clocks: the nodes of one machine share
// it) is reported, not bounded: the scenario's wait bounds it.
import { isFinalRead, type Op } from './history';
import { fieldOf, listed, spread } from './format';

/** A timer record as relay-node's `timer::fires` returns it. */
export interface TimerRecord {
  readonly id: string;
  readonly dueAt: number;
  readonly state: 'scheduled' | 'fired' | 'cancelled';
  readonly firings: number;
  readonly firedAt?: number;
  readonly firedBy?: string;
}

export interface TimerResult {
  readonly problems: string[];
  readonly detail: {
    readonly scheduled: number;
    readonly cancelled: number;
    readonly fired: number;
    /** Fired at minus due at, ms: p50, p99, max (null when nothing fired). */
    readonly lateMs: { p50: number; p99: number; max: number } | null;
    readonly firedBy: Record<string, number>;
  };
}

/** The records of the last final `timer::fires` read of each shard key, by id. */
export function finalTimerRecords(ops: readonly Op[]): Map<string, TimerRecord> {
  const lastPerShard = new Map<string, Op>();
  for (const op of ops) if (op.f === 'timer::fires' && isFinalRead(op) && op.outcome === 'ok') lastPerShard.set(op.shardKey ?? '', op);
  const records = new Map<string, TimerRecord>();
  for (const op of lastPerShard.values()) for (const t of (fieldOf(op.result, 'timers') ?? []) as TimerRecord[]) records.set(t.id, t);
  return records;
}

export function timerProblems(ops: readonly Op[], { minimumTimers }: { minimumTimers: number }): TimerResult {
  const records = finalTimerRecords(ops);
  const idOf = (op: Op) => fieldOf(op.value, 'id');
  const schedules = ops.filter((op) => op.f === 'timer::schedule' && op.outcome !== 'fail' && typeof idOf(op) === 'string');
  const acked = new Set(schedules.filter((op) => op.outcome === 'ok').map((op) => idOf(op) as string));
  const attempted = new Set(schedules.map((op) => idOf(op) as string));
  const cancels = ops.filter((op) => op.f === 'timer::cancel' && typeof idOf(op) === 'string');
  const cancelled = new Set(cancels.filter((op) => op.outcome === 'ok' && fieldOf(op.result, 'cancelled') === true).map((op) => idOf(op) as string));
  const maybeCancelled = new Set(cancels.filter((op) => op.outcome === 'info').map((op) => idOf(op) as string));

  const lost: string[] = [];
  const neverFired: string[] = [];
  const afterCancel: string[] = [];
  const repeated: string[] = [];
  const early: string[] = [];
  const unknown: string[] = [];
  const late: number[] = [];
  const firedBy: Record<string, number> = {};
  for (const id of acked) if (!records.has(id)) lost.push(id);
  for (const [id, t] of records) {
    if (!attempted.has(id)) unknown.push(id);
    if (t.firings > 1) repeated.push(`${id} fired ${t.firings} times`);
    if (t.firings > 0 && t.firedAt !== undefined) {
      if (t.firedAt < t.dueAt) early.push(`${id} fired ${t.dueAt - t.firedAt} ms before it was due`);
      late.push(t.firedAt - t.dueAt);
      if (t.firedBy) firedBy[t.firedBy] = (firedBy[t.firedBy] ?? 0) + 1;
    }
    if (cancelled.has(id) && (t.firings > 0 || t.state !== 'cancelled')) afterCancel.push(`${id} is ${t.state} after an acknowledged cancel`);
    else if (!cancelled.has(id) && !maybeCancelled.has(id) && t.state !== 'fired') neverFired.push(`${id} is still ${t.state}, due ${t.dueAt}`);
  }
  const problems: string[] = [];
  const list = (header: string, lines: string[]) => listed(problems, header, lines);
  list('acknowledged timers with no record', lost);
  list('timers that never fired', neverFired);
  list('cancelled timers that fired', afterCancel);
  list('timers fired more than once', repeated);
  list('timers fired early', early);
  list('timer records nobody scheduled', unknown);
  if (acked.size < minimumTimers) problems.push(`only ${acked.size} timers were scheduled (at least ${minimumTimers} needed to judge)`);
  if (cancelled.size === 0) problems.push('no cancel was acknowledged: "a cancelled timer never fires" was not put to the test');
  return { problems, detail: { scheduled: acked.size, cancelled: cancelled.size, fired: late.length, lateMs: spread(late), firedBy } };
}
