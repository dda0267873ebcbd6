// The counter checker (as in Jepsen): a read can only see what the writes around it allow. An ok write
// that completed before the read was invoked was certainly applied; an ok or info write invoked before
// the read completed may have been (info may even land after its client gave up); a failed write never
// was. So a read lies between the certain and the possible sums, each sign counted on its own side.
import type { Op } from './history';
import { seconds as s } from './format';

const MAX_LISTED = 10;

export interface CounterOptions {
  /** Fewer acknowledged increments/decrements than this is a problem: a check over nothing proves nothing. */
  readonly minimumAcknowledged: number;
}

/** One acknowledged read and the range the writes around it allow. */
export interface CounterRead {
  readonly op: number;
  readonly key: string;
  readonly atMs: number;
  readonly value: number;
  readonly lower: number;
  readonly upper: number;
}

export interface CounterKeyDetail {
  readonly key: string;
  readonly acknowledgedWrites: number;
  /** info writes: may or may not have been applied. */
  readonly uncertainWrites: number;
  readonly reads: number;
  /** Why the key was not checked, if it was not. */
  readonly skipped?: string;
}

export interface CounterResult {
  readonly problems: string[];
  /** Acknowledged reads checked. */
  readonly reads: number;
  /** Keys checked (skipped keys are not in it). */
  readonly keys: string[];
  readonly detail: { readonly keys: CounterKeyDetail[]; readonly outside: CounterRead[] };
}

interface Write {
  readonly op: Op;
  readonly delta: number;
}

interface KeyOps {
  readonly writes: Write[];
  readonly reads: Op[];
  readonly resets: Op[];
}

const keyOf = (op: Op): string | undefined => {
  const key = (op.value as { key?: unknown } | undefined)?.key;
  return typeof key === 'string' ? key : undefined;
};
const readValue = (op: Op): number | undefined => {
  const value = (op.result as { value?: unknown } | undefined)?.value;
  return typeof value === 'number' ? value : undefined;
};

function byKey(ops: readonly Op[], problems: string[]): Map<string, KeyOps> {
  const keys = new Map<string, KeyOps>();
  const of = (key: string) => {
    let k = keys.get(key);
    if (!k) keys.set(key, (k = { writes: [], reads: [], resets: [] }));
    return k;
  };
  for (const op of ops) {
    if (!op.f.startsWith('counter::')) continue;
    const key = keyOf(op);
    if (key === undefined) {
      problems.push(`op ${op.index} (${op.f}) names no key`);
      continue;
    }
    if (op.f === 'counter::increment' || op.f === 'counter::decrement') {
      const by = (op.value as { by?: unknown }).by ?? 1;
      if (typeof by !== 'number') {
        problems.push(`op ${op.index} (${op.f} "${key}") has a non-numeric "by"`);
        continue;
      }
      of(key).writes.push({ op, delta: op.f === 'counter::increment' ? by : -by });
    } else if (op.f === 'counter::get') of(key).reads.push(op);
    else if (op.f === 'counter::reset') of(key).resets.push(op);
  }
  return keys;
}

/**
 * Keys start at 0: fresh, or reset (acknowledged) before any other op on them was invoked. A reset
 * anywhere else, or one with an unknown outcome (it may land at any later moment), leaves no baseline.
 */
function whyUncheckable(k: KeyOps): string | undefined {
  const resets = k.resets.filter((r) => r.outcome !== 'fail');
  if (resets.length === 0) return undefined;
  const firstOther = Math.min(...[...k.writes.map((w) => w.op), ...k.reads].filter((o) => o.outcome !== 'fail').map((o) => o.invokeMs));
  const bad = resets.find((r) => r.outcome !== 'ok' || (r.completeMs ?? Infinity) >= firstOther);
  if (!bad) return undefined;
  return bad.outcome === 'ok'
    ? `it was reset at ${s(bad.invokeMs)}, after other operations on it began`
    : `a reset invoked at ${s(bad.invokeMs)} has an unknown outcome`;
}

/** First index in sorted `times` whose value is > t (or >= t when `strict`), i.e. how many lie before. */
function countBefore(times: readonly number[], t: number, strict: boolean): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (strict ? times[mid]! < t : times[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Prefix sums of positive and negative deltas over writes sorted by `at`. */
function prefixSums(writes: readonly Write[], at: (w: Write) => number) {
  const sorted = [...writes].sort((a, b) => at(a) - at(b));
  const times = sorted.map(at);
  const pos = [0];
  const neg = [0];
  for (const w of sorted) {
    pos.push(pos[pos.length - 1]! + Math.max(w.delta, 0));
    neg.push(neg[neg.length - 1]! + Math.min(w.delta, 0));
  }
  return { times, pos, neg };
}

/** The [lower, upper] a read invoked at `invokeMs` and completed at `completeMs` may see. */
function boundsFor(writes: readonly Write[]) {
  // Ties on the clock count as concurrent: certain needs strictly before, possible allows equal.
  const certain = prefixSums(
    writes.filter((w) => w.op.outcome === 'ok'),
    (w) => w.op.completeMs ?? Infinity,
  );
  const possible = prefixSums(
    writes.filter((w) => w.op.outcome !== 'fail'),
    (w) => w.op.invokeMs,
  );
  return (invokeMs: number, completeMs: number) => {
    const c = countBefore(certain.times, invokeMs, true);
    const p = countBefore(possible.times, completeMs, false);
    return { lower: certain.pos[c]! + possible.neg[p]!, upper: certain.neg[c]! + possible.pos[p]! };
  };
}

const describe = (r: CounterRead, what: string) =>
  `${what} of "${r.key}" at ${s(r.atMs)} returned ${r.value}, ${r.lower === r.upper ? `expected ${r.lower}` : `outside [${r.lower}, ${r.upper}]`}`;

function check(
  ops: readonly Op[],
  { minimumAcknowledged }: CounterOptions,
  readsOf: (key: string, k: KeyOps, problems: string[]) => Op[],
  what: string,
): CounterResult {
  const problems: string[] = [];
  const keys = byKey(ops, problems);
  const detail: CounterKeyDetail[] = [];
  const outside: CounterRead[] = [];
  const checked: string[] = [];
  let reads = 0;
  let acknowledged = 0;
  for (const [key, k] of [...keys].sort(([a], [b]) => a.localeCompare(b))) {
    const acknowledgedWrites = k.writes.filter((w) => w.op.outcome === 'ok').length;
    const uncertainWrites = k.writes.filter((w) => w.op.outcome !== 'ok' && w.op.outcome !== 'fail').length;
    const skipped = whyUncheckable(k);
    if (skipped) {
      problems.push(`counter "${key}" not checked: ${skipped}`);
      detail.push({ key, acknowledgedWrites, uncertainWrites, reads: 0, skipped });
      continue;
    }
    const bounds = boundsFor(k.writes);
    const checkedReads = readsOf(key, k, problems);
    for (const op of checkedReads) {
      const value = readValue(op);
      if (value === undefined) {
        problems.push(`${what} of "${key}" at ${s(op.invokeMs)} returned no number`);
        continue;
      }
      const { lower, upper } = bounds(op.invokeMs, op.completeMs ?? Infinity);
      if (value < lower || value > upper) outside.push({ op: op.index, key, atMs: op.invokeMs, value, lower, upper });
    }
    checked.push(key);
    reads += checkedReads.length;
    acknowledged += acknowledgedWrites;
    detail.push({ key, acknowledgedWrites, uncertainWrites, reads: checkedReads.length });
  }
  problems.push(...outside.slice(0, MAX_LISTED).map((r) => describe(r, what)));
  if (outside.length > MAX_LISTED) problems.push(`… and ${outside.length - MAX_LISTED} more ${what}s out of range`);
  if (acknowledged < minimumAcknowledged)
    problems.push(`only ${acknowledged} acknowledged counter writes (at least ${minimumAcknowledged} needed for the check to mean anything)`);
  if (reads === 0) problems.push('no acknowledged counter reads to check');
  return { problems, reads, keys: checked, detail: { keys: detail, outside } };
}

/** Every acknowledged `counter::get` lies within what the increments and decrements around it allow. */
export function counterProblems(ops: readonly Op[], options: CounterOptions): CounterResult {
  return check(ops, options, (_key, k) => k.reads.filter((r) => r.outcome === 'ok'), 'read');
}

/**
 * The last acknowledged read of each key, taken once the writes are done, lies within [every ok write,
 * plus or minus the info ones]: exactly the sum of acknowledged writes when none was uncertain. A final
 * read that overlapped an acknowledged write is not final, and is reported as such.
 */
export function counterFinalReadProblems(ops: readonly Op[], options: CounterOptions): CounterResult {
  return check(
    ops,
    options,
    (key, k, problems) => {
      const final = k.reads
        .filter((r) => r.outcome === 'ok')
        .sort((a, b) => a.invokeMs - b.invokeMs)
        .at(-1);
      if (!final) {
        if (k.writes.some((w) => w.op.outcome === 'ok')) problems.push(`no acknowledged final read of "${key}"`);
        return [];
      }
      const late = k.writes.filter((w) => w.op.outcome === 'ok' && (w.op.completeMs ?? Infinity) >= final.invokeMs);
      if (late.length > 0)
        problems.push(
          `the final read of "${key}" at ${s(final.invokeMs)} overlapped ${late.length} acknowledged writes (op ${late[0]!.op.index} completed ${s(late[0]!.op.completeMs ?? Infinity)})`,
        );
      return [final];
    },
    'final read',
  );
}
