// Linearizability of a key-value store, checked per key as a read/write/compare-and-set register
// (linearizability is compositional, so keys are independent). The search (register-search.ts) is Wing & Gong's with Lowe's memoisation, as in
// Knossos and Porcupine: walk the history's call/return events in time order; at each point try to
// linearize a pending call whose effect the register allows; hitting a return whose op is not yet
// linearized means backtrack. A (linearized set, register value) already explored is never explored
// again, which is what makes real histories tractable. Four reductions keep it small, each sound (the
// tests check them against brute force): a read of the current value goes at once; info writes come
// after ok calls, only the earliest of equal ones, and a configuration with fewer of them dominates;
// info writes nobody read are dropped; and a read that one earlier op proves stale bounds the search
// to the history before it.
//
// ok ops must take effect between invoke and completion. An info write may have taken effect at any time
// after its invoke, or never: it has no return event, and need not be linearized (a write placed after
// everything else is the same as none). Info reads and failed ops tell nothing and are dropped.
//
// kv::cas is modelled exactly: applied, it read `expect` and wrote `value` atomically; not applied, the
// register did not hold `expect` (and held the current value it reports, when it reports one); with an
// unknown outcome, it may have applied at any time after its invoke, but only where the register held
// `expect`, or never. A cas of unknown outcome is not a write: a history whose only explanation would be
// such a cas applying to a value it did not expect is not linearizable. The read-based reductions below
// (single-op proofs, dropping unread info writes) assume only writes change the register and reads only
// observe it, so a key with any cas is searched without them (sound, only slower).
import type { Op } from './history';
import { searchRegister } from './register-search';

const sec = (ms: number) => (ms / 1000).toFixed(2);
const s = (ms: number) => `${sec(ms)} s`;
const MAX_LISTED = 6;

export interface LinearizableOptions {
  /**
   * Distinct (linearized set, value) configurations explored per key before giving up with "unknown",
   * which is not a pass. Each costs about ops/8 bytes. Default 300,000.
   */
  readonly maxExplored?: number;
  /** Fewer acknowledged kv ops than this is a problem: a check over nothing proves nothing. Default 0. */
  readonly minimumAcknowledged?: number;
}

/** An op as the checker read it: a write (kv::set, or kv::delete as a write of null), a read, or a cas. */
export interface OpSummary {
  readonly index: number;
  readonly process: string;
  /** cas: applied (or unknown); cas-fail: answered "not applied". */
  readonly kind: 'read' | 'write' | 'cas' | 'cas-fail';
  /** Written, or read; null = absent. For a cas, what it would write. */
  readonly value: unknown;
  /** What a cas expected. */
  readonly expect?: unknown;
  readonly outcome: 'ok' | 'info';
  readonly invokeMs: number;
  /** Absent for info: it may take effect at any later time. */
  readonly completeMs?: number;
}

export interface KeyVerdict {
  readonly key: string;
  readonly ok: boolean;
  readonly outcome: 'linearizable' | 'not linearizable' | 'unknown';
  /** Ops checked (failed ops and info reads are dropped). */
  readonly ops: number;
  /** Configurations explored. */
  readonly explored: number;
  readonly problem?: string;
  /**
   * For a non-linearizable key: the read that ends the shortest non-linearizable prefix of the history
   * (everything before it has a linearization; nothing including it does), the ops concurrent with it,
   * and the ones that completed just before it. (When an earlier op proves the read stale but the
   * history before it exhausted the budget, the read is reported without the "shortest" guarantee.)
   */
  readonly failure?: { readonly op: OpSummary; readonly concurrent: OpSummary[]; readonly before: OpSummary[] };
}

export interface LinearizableResult {
  /** Keys proved not linearizable, and too few acknowledged operations for the check to mean anything. */
  readonly problems: string[];
  /** Keys whose search exceeded the budget: neither proved nor refuted. */
  readonly undecided: string[];
  readonly keys: KeyVerdict[];
}

interface RegOp {
  readonly op: Op;
  readonly kind: 'read' | 'write' | 'cas' | 'cas-fail';
  /** kind === 'write': the reductions' notion of an op that sets the register. */
  readonly write: boolean;
  /** Interned value; NULL is absent. */
  readonly value: number;
  readonly shown: unknown;
  /** A cas's interned expected value, and as given. */
  readonly expect: number;
  readonly expectShown: unknown;
  readonly info: boolean;
  readonly invoke: number;
  /** Infinity for info. */
  readonly complete: number;
}

const NULL = 0;

/** Every kv op of a key that says something about the register, with values interned. */
function registerOps(ops: readonly Op[], problems: string[]): Map<string, RegOp[]> {
  const keys = new Map<string, RegOp[]>();
  const interned = new Map<string, number>([['null', NULL]]);
  const intern = (v: unknown) => {
    const text = JSON.stringify(v ?? null);
    let id = interned.get(text);
    if (id === undefined) interned.set(text, (id = interned.size));
    return id;
  };
  for (const op of ops) {
    if (op.f !== 'kv::set' && op.f !== 'kv::delete' && op.f !== 'kv::get' && op.f !== 'kv::cas') continue;
    const value = op.value as { key?: unknown; value?: unknown; expect?: unknown } | undefined;
    if (typeof value?.key !== 'string') {
      problems.push(`op ${op.index} (${op.f}) names no key`);
      continue;
    }
    const list = keys.get(value.key) ?? [];
    keys.set(value.key, list);
    // Not recorded as complete is as good as unknown.
    const info = op.outcome !== 'ok' && op.outcome !== 'fail';
    const complete = info ? Infinity : Math.max(op.completeMs ?? Infinity, op.invokeMs);
    const base = { op, info, invoke: op.invokeMs, complete, expect: NULL, expectShown: undefined };
    if (op.outcome === 'fail') continue;
    if (op.f === 'kv::cas') {
      const cas = casOp(op, value, info, problems);
      if (cas) list.push({ ...base, ...cas, write: false, value: intern(cas.shown), expect: intern(cas.expectShown) });
      continue;
    }
    const write = op.f !== 'kv::get';
    if (info && !write) continue;
    let shown: unknown = null;
    if (op.f === 'kv::set') {
      if (value.value === undefined || value.value === null) problems.push(`op ${op.index} (kv::set "${value.key}") sets no value; taken as a delete`);
      shown = value.value ?? null;
    } else if (!write) shown = (op.result as { value?: unknown } | undefined)?.value ?? null;
    list.push({ ...base, kind: write ? 'write' : 'read', write, value: intern(shown), shown });
  }
  return keys;
}

/**
 * A kv::cas as the register sees it. Applied (result `{applied: true}`) or unknown: a cas of `expect`
 * to `value`. Not applied: a cas-fail of `expect`, or, when the answer names the current value, a read of
 * it (stronger: it also says which other value the register held); an answer that names `expect` itself
 * as current contradicts "not applied" and is a problem.
 */
function casOp(
  op: Op,
  value: { key?: unknown; value?: unknown; expect?: unknown },
  info: boolean,
  problems: string[],
): Pick<RegOp, 'kind' | 'shown' | 'expectShown'> | undefined {
  const expectShown = value.expect ?? null;
  const shown = value.value ?? null;
  if (info) return { kind: 'cas', shown, expectShown };
  const result = op.result as { applied?: unknown; value?: unknown } | undefined;
  if (result?.applied === true) return { kind: 'cas', shown, expectShown };
  if (result?.applied !== false) {
    problems.push(`op ${op.index} (kv::cas "${String(value.key)}") completed without saying whether it applied ({applied: true|false}); left out`);
    return undefined;
  }
  if (!('value' in result)) return { kind: 'cas-fail', shown, expectShown };
  const current = result.value ?? null;
  if (JSON.stringify(current) === JSON.stringify(expectShown))
    problems.push(`op ${op.index} (kv::cas "${String(value.key)}") was not applied, yet answered the expected value ${JSON.stringify(current)} as current`);
  return { kind: 'read', shown: current, expectShown: undefined };
}

/** A small seeded PRNG for the Zobrist hash of linearized sets. */
const summary = (o: RegOp): OpSummary => ({
  index: o.op.index,
  process: o.op.process,
  kind: o.kind,
  value: o.shown,
  ...(o.kind === 'cas' || o.kind === 'cas-fail' ? { expect: o.expectShown } : {}),
  outcome: o.info ? 'info' : 'ok',
  invokeMs: o.invoke,
  ...(o.info ? {} : { completeMs: o.complete }),
});
const show = (v: unknown) => JSON.stringify(v);
const WHAT: Record<RegOp['kind'], (o: RegOp) => string> = {
  write: (o) => (o.shown === null ? 'delete' : `write ${show(o.shown)}`),
  read: (o) => `read ${show(o.shown)}`,
  cas: (o) => `cas ${show(o.expectShown)} → ${show(o.shown)}`,
  'cas-fail': (o) => `cas ${show(o.expectShown)} → ${show(o.shown)} not applied`,
};
const describe = (o: RegOp) => {
  const what = WHAT[o.kind](o);
  return `${what} (${o.info ? `info, invoked ${s(o.invoke)}` : `ok, ${sec(o.invoke)}–${s(o.complete)}`})`;
};
const listed = (ops: readonly RegOp[]) =>
  ops.slice(0, MAX_LISTED).map(describe).join(', ') + (ops.length > MAX_LISTED ? ` … and ${ops.length - MAX_LISTED} more` : '');

/** Why read x is impossible on its own evidence, when a single op shows it; see `proofs`. */
type Proof = { kind: 'unwritten'; firstWrite?: RegOp } | { kind: 'stale'; evidence: RegOp };

/**
 * Cheap proofs that a read cannot be linearized, found without searching. Nothing wrote its value before
 * it completed; or an ok op E that completed before it began saw or set another value at some point
 * p, so a write of the read's value must take effect after p: one invoked before the read completed
 * and completing after E began. If no such write exists, E alone proves the read stale.
 */
function proofs(all: readonly RegOp[]): (x: RegOp) => Proof | undefined {
  const writesOf = new Map<number, RegOp[]>();
  for (const o of all) {
    if (!o.write) continue;
    const list = writesOf.get(o.value);
    if (list) list.push(o);
    else writesOf.set(o.value, [o]);
  }
  for (const list of writesOf.values()) list.sort((a, b) => a.invoke - b.invoke);
  const settled = all.filter((o) => !o.info).sort((a, b) => a.complete - b.complete);
  return (x) => {
    const writes = writesOf.get(x.value) ?? [];
    // The latest completion of a write of x's value that could precede x; the initial null is -Infinity.
    let latest = -Infinity;
    let any = false;
    for (const w of writes) {
      if (w.invoke > x.complete) break;
      any = true;
      latest = Math.max(latest, w.complete);
    }
    if (!any && x.value !== NULL) return { kind: 'unwritten', ...(writes[0] ? { firstWrite: writes[0] } : {}) };
    if (latest >= x.invoke) return undefined;
    // E must complete before x.invoke and begin after `latest`: walk back from x.invoke.
    let lo = 0;
    let hi = settled.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (settled[mid]!.complete < x.invoke) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo - 1; k >= 0 && settled[k]!.complete > latest; k--) {
      const e = settled[k]!;
      if (e !== x && e.value !== x.value && e.invoke > latest) return { kind: 'stale', evidence: e };
    }
    return undefined;
  };
}

const withCasIn = (ops: readonly RegOp[]) => ops.some((o) => o.kind === 'cas' || o.kind === 'cas-fail');

/** The read `x` ends the shortest non-linearizable prefix: say why, and show the ops around it. */
function explain(key: string, x: RegOp, all: readonly RegOp[], proof: Proof | undefined): Pick<KeyVerdict, 'problem' | 'failure'> {
  // Info writes stay pending forever: list those invoked alongside, count the older ones.
  const overlapping = all.filter((o) => o !== x && !o.info && o.invoke <= x.complete && o.complete >= x.invoke);
  const windowStart = Math.min(x.invoke, ...overlapping.map((o) => o.invoke));
  const pendingInfo = all.filter((o) => o.info && o.invoke <= x.complete);
  const concurrent = [...overlapping, ...pendingInfo.filter((o) => o.invoke >= windowStart)].sort((a, b) => a.invoke - b.invoke);
  const olderInfo = pendingInfo.length - (concurrent.length - overlapping.length);
  const completedBefore = all.filter((o) => o.complete < x.invoke).sort((a, b) => b.complete - a.complete);
  const nearby = completedBefore.filter((o) => o.complete >= windowStart);
  const before = (nearby.length > 0 ? nearby : completedBefore.slice(0, 1)).slice(0, MAX_LISTED);
  const failure = { op: summary(x), concurrent: concurrent.map(summary), before: before.map(summary) };

  const head = x.kind === 'read' ? `key "${key}": read at ${s(x.invoke)} returned ${show(x.shown)}` : `key "${key}": ${describe(x)}`;
  const around = concurrent.length > 0 ? `; concurrent with it: ${listed(concurrent)}` : '';
  if (proof?.kind === 'unwritten') {
    const later = proof.firstWrite ? ` (the first write of it was invoked at ${s(proof.firstWrite.invoke)})` : '';
    return { failure, problem: `${head} but nothing wrote ${show(x.shown)} before it completed${later}${around}` };
  }
  if (proof?.kind === 'stale') {
    const e = proof.evidence;
    const seen = e.write
      ? e.shown === null
        ? `"${key}" was deleted (ok, completed ${s(e.complete)})`
        : `${show(e.shown)} was written (ok, completed ${s(e.complete)})`
      : `a read at ${s(e.invoke)} (completed ${s(e.complete)}) returned ${show(e.shown)}`;
    const nothing = x.value === NULL ? 'nothing deleted it afterwards' : `nothing wrote ${show(x.shown)} after it`;
    return { failure, problem: `${head} but ${seen} and ${nothing}${around}` };
  }
  const justBefore = before.length > 0 ? `; just before it: ${listed(before)}` : '';
  const older = olderInfo > 0 ? `; and ${olderInfo} earlier ${withCasIn(all) ? 'info writes and cas' : 'info writes'} that may land at any time` : '';
  return { failure, problem: `${head}, which no order of the operations before and concurrent with it allows${around}${justBefore}${older}` };
}

/**
 * An info write whose value no read completing after its invoke returned can always be taken as never
 * having happened (wherever it was placed, another write came before any read): dropping it spares the
 * search.
 */
function withoutUnreadInfo(ops: readonly RegOp[]): RegOp[] {
  const lastRead = new Map<number, number>();
  for (const o of ops) if (!o.write) lastRead.set(o.value, Math.max(lastRead.get(o.value) ?? -Infinity, o.complete));
  return ops.filter((o) => !o.info || (lastRead.get(o.value) ?? -Infinity) >= o.invoke);
}

/** The history up to just before x returned: ops still running then may or may not have taken effect. */
function prefixBefore(ops: readonly RegOp[], x: RegOp): RegOp[] {
  const prefix: RegOp[] = [];
  for (const o of ops) {
    if (o === x || o.invoke > x.complete) continue;
    if (o.complete < x.complete) prefix.push(o);
    else if (o.write) prefix.push({ ...o, info: true, complete: Infinity });
  }
  return prefix;
}

function checkKey(key: string, ops: readonly RegOp[], maxExplored: number): KeyVerdict {
  const base = { key, ops: ops.length };
  const notLinearizable = (x: RegOp, explored: number, proof: Proof | undefined): KeyVerdict => ({
    ...base,
    explored,
    ok: false,
    outcome: 'not linearizable',
    ...explain(key, x, ops, proof),
  });
  // The earliest read a single op proves impossible ends a non-linearizable prefix. Searching only the
  // prefix before it (quick when that is linearizable) either confirms it as the shortest or finds a
  // shorter one, and spares the exhaustive search a failing history otherwise needs.
  // With a cas the read-based reductions do not hold (see the top): search the history as it is.
  const withCas = withCasIn(ops);
  const prove = withCas ? () => undefined : proofs(ops);
  let first: { x: RegOp; proof: Proof } | undefined;
  for (const x of withCas ? [] : ops) {
    if (x.write || (first && x.complete >= first.x.complete)) continue;
    const proof = prove(x);
    if (proof) first = { x, proof };
  }
  const result = searchRegister(withCas ? ops : withoutUnreadInfo(first ? prefixBefore(ops, first.x) : ops), maxExplored);
  if (result.verdict === 'fail') return notLinearizable(result.stuck, result.explored, prove(result.stuck));
  if (first) return notLinearizable(first.x, result.explored, first.proof);
  if (result.verdict === 'ok') return { ...base, explored: result.explored, ok: true, outcome: 'linearizable' };
  return {
    ...base,
    explored: result.explored,
    ok: false,
    outcome: 'unknown',
    problem: `key "${key}": search too large: gave up after exploring ${result.explored} configurations of ${ops.length} operations (budget ${maxExplored}); linearizability unknown`,
  };
}

/**
 * Every key's kv::set / kv::delete / kv::get / kv::cas history is linearizable as a register starting absent
 * (null). A key whose search exceeds the budget is undecided, which fails the step too (unknown is not
 * a pass) but is recorded as an unknown verdict, not a failed one.
 */
export function linearizableProblems(ops: readonly Op[], options: LinearizableOptions = {}): LinearizableResult {
  const { maxExplored = 300_000, minimumAcknowledged = 0 } = options;
  const problems: string[] = [];
  const byKey = registerOps(ops, problems);
  const keys = [...byKey].sort(([a], [b]) => a.localeCompare(b)).map(([key, keyOps]) => checkKey(key, keyOps, maxExplored));
  for (const k of keys) if (k.problem && k.outcome === 'not linearizable') problems.push(k.problem);
  const undecided = keys.flatMap((k) => (k.problem && k.outcome === 'unknown' ? [k.problem] : []));
  const acknowledged = [...byKey.values()].reduce((a, list) => a + list.filter((o) => !o.info).length, 0);
  if (acknowledged < minimumAcknowledged)
    problems.push(`only ${acknowledged} acknowledged kv operations (at least ${minimumAcknowledged} needed for the check to mean anything)`);
  return { problems, undecided, keys };
}
