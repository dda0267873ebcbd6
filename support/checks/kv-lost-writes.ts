// No acknowledged key-value write lost, judged by a final read of every key (Jepsen's final-read idea,
// which the set checker also follows). Linearizability alone cannot see a lost write that nobody read
// afterwards: a history whose last write to a key was acknowledged and then vanished, with no later read,
// is linearizable. With a final read of each key after the clients stopped, it is not.
//
// For each key: the writes that may be the key's last are those no acknowledged write followed in real
// time (a write W is overwritten for sure when another acknowledged write was invoked after W completed).
// An acknowledged write has a completion; an info write (unknown outcome) may take effect at any time
// after its invoke, or never, so it is always a candidate and never required. The final read must show
// one candidate's value (or absent, when only info writes or deletes are candidates). Anything else is a
// problem: absent though an acknowledged write must have survived (lost), the value of a write known
// overwritten (stale), or a value nobody wrote.
import { isFinalRead, type Op } from './history';
import { fieldOf, seconds as s } from './format';

const MAX_LISTED = 8;

export interface LostWritesOptions {
  /** Fewer acknowledged writes than this is a problem: a check over nothing proves nothing. */
  readonly minimumAcknowledged: number;
}

export interface LostWritesResult {
  readonly problems: string[];
  /** Keys with at least one acknowledged write. */
  readonly keys: number;
  readonly acknowledged: number;
  readonly lost: number;
  readonly stale: number;
  readonly unexpected: number;
  /** Keys whose final read showed an info write (its outcome was unknown, and it took effect). */
  readonly recoveredInfo: number;
}

interface Write {
  readonly op: Op;
  /** Written value; null for a delete. */
  readonly value: unknown;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function lostWritesProblems(ops: readonly Op[], { minimumAcknowledged }: LostWritesOptions): LostWritesResult {
  const writes = new Map<string, Write[]>();
  const finals = new Map<string, Op>();
  for (const op of ops) {
    const key = fieldOf(op.value, 'key');
    if (typeof key !== 'string') continue;
    if ((op.f === 'kv::set' || op.f === 'kv::delete') && op.outcome !== 'fail' && op.outcome !== undefined) {
      writes.set(key, [...(writes.get(key) ?? []), { op, value: op.f === 'kv::set' ? (fieldOf(op.value, 'value') ?? null) : null }]);
    } else if (op.f === 'kv::get' && isFinalRead(op) && op.outcome === 'ok') {
      const prev = finals.get(key);
      if (!prev || (op.completeMs ?? 0) > (prev.completeMs ?? 0)) finals.set(key, op);
    }
  }

  const lost: string[] = [];
  const stale: string[] = [];
  const unexpected: string[] = [];
  const unread: string[] = [];
  let acknowledged = 0;
  let keys = 0;
  let recoveredInfo = 0;
  for (const [key, keyWrites] of [...writes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const acked = keyWrites.filter((w) => w.op.outcome === 'ok');
    acknowledged += acked.length;
    if (acked.length === 0) continue;
    keys++;
    const read = finals.get(key);
    if (!read) {
      unread.push(key);
      continue;
    }
    // A final read must follow every acknowledged write; one that overlaps a write judges nothing sound.
    const overlapping = acked.filter((w) => (w.op.completeMs ?? Infinity) > read.invokeMs);
    if (overlapping.length > 0) {
      unread.push(`${key} (read at ${s(read.invokeMs)} overlaps an acknowledged write that completed at ${s(overlapping[0]!.op.completeMs ?? NaN)})`);
      continue;
    }
    const latestAckedInvoke = Math.max(...acked.map((w) => w.op.invokeMs));
    const candidates = keyWrites.filter((w) => w.op.outcome === 'info' || (w.op.completeMs ?? Infinity) >= latestAckedInvoke);
    const seen = fieldOf(read.result, 'value') ?? null;
    const match = candidates.find((w) => same(w.value, seen));
    if (match) {
      if (match.op.outcome === 'info' && !candidates.some((w) => w.op.outcome === 'ok' && same(w.value, seen))) recoveredInfo++;
      continue;
    }
    const last = acked.reduce((a, b) => ((b.op.completeMs ?? 0) > (a.op.completeMs ?? 0) ? b : a));
    const lastText = `the last acknowledged write ${JSON.stringify(last.value)} (op ${last.op.index} through ${last.op.target}, ${s(last.op.invokeMs)}–${s(last.op.completeMs ?? NaN)})`;
    const older = keyWrites.find((w) => same(w.value, seen));
    if (seen === null) lost.push(`"${key}": the final read found no value, but ${lastText} was acknowledged`);
    else if (older) stale.push(`"${key}": the final read found ${JSON.stringify(seen)}, written by op ${older.op.index} and overwritten by ${lastText}`);
    else unexpected.push(`"${key}": the final read found ${JSON.stringify(seen)}, which no client wrote; ${lastText}`);
  }

  const listed = (what: string, items: string[]) =>
    items.length === 0
      ? []
      : [`${items.length} ${what}: ${items.slice(0, MAX_LISTED).join('; ')}${items.length > MAX_LISTED ? `; … and ${items.length - MAX_LISTED} more` : ''}`];
  const problems = [
    ...listed('acknowledged writes lost', lost),
    ...listed('keys read back with an overwritten value', stale),
    ...listed('keys read back with a value nobody wrote', unexpected),
    ...listed('keys with acknowledged writes but no final read after them: nothing was checked', unread),
    ...(acknowledged < minimumAcknowledged
      ? [`only ${acknowledged} key-value writes were acknowledged (at least ${minimumAcknowledged} needed to judge)`]
      : []),
  ];
  return { problems, keys, acknowledged, lost: lost.length, stale: stale.length, unexpected: unexpected.length, recoveredInfo };
}
