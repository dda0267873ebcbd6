// The WGL search over one read/write register (linearizable.ts explains the method and its reductions),
// in its three parts: the event lists ops are lifted from and put back into, the memo of explored
// configurations with its dominance rule, and the depth-first driver that uses both.

/**
 * One register op, as the search sees it: values interned (0 is absent), info ops never complete.
 * read: the register held `value`; write: it now holds `value`; cas: it held `expect` and now holds
 * `value`; cas-fail: it did not hold `expect` (a compare-and-set that answered "not applied"). An info
 * cas that found another value changed nothing, the same as never happening, so it is tried only where
 * the register holds `expect`.
 */
export interface SearchOp {
  readonly kind: 'read' | 'write' | 'cas' | 'cas-fail';
  readonly value: number;
  /** For cas and cas-fail; 0 (absent) otherwise. */
  readonly expect: number;
  readonly info: boolean;
  readonly invoke: number;
  /** Infinity for info. */
  readonly complete: number;
}

export type SearchResult<T extends SearchOp> =
  { verdict: 'ok'; explored: number } | { verdict: 'budget'; explored: number } | { verdict: 'fail'; explored: number; stuck: T };

/** The register's value before any write: absent. */
const ABSENT = 0;

/** Whether `o` can take effect on a register holding `state`. */
const allowed = (o: SearchOp, state: number) =>
  o.kind === 'write' || (o.kind === 'read' ? o.value === state : o.kind === 'cas' ? o.expect === state : o.expect !== state);
const after = (o: SearchOp, state: number) => (o.kind === 'write' || o.kind === 'cas' ? o.value : state);
/** Reads and failed compare-and-sets change nothing: one allowed now can always go now. */
const observes = (o: SearchOp) => o.kind === 'read' || o.kind === 'cas-fail';

/**
 * Two event lists, each doubly linked from head node 0. ok op i has call node 2i+1 and return node 2i+2
 * in the main list, in time order; equal times put calls first (ties count as concurrent). Info op i has
 * node 2i+1 in the info list, by invoke time: it has no return, so it is tried only once every ok
 * candidate failed, which keeps "it never happened" the first thing explored.
 */
class EventLists {
  readonly next: Int32Array;
  readonly prev: Int32Array;
  readonly inext: Int32Array;
  readonly iprev: Int32Array;
  /** A return node's place in the main list's time order. */
  readonly position: Int32Array;
  /** Unlinearized identical info ops (writes of one value, or cas of one expect and value), once invoked, are interchangeable: try only the earliest. */
  readonly earlierSame: Int32Array;

  constructor(private readonly ops: readonly SearchOp[]) {
    const n = ops.length;
    const main: { node: number; t: number; call: number; i: number }[] = [];
    const info: { node: number; t: number; i: number }[] = [];
    ops.forEach((o, i) => {
      if (o.info) info.push({ node: 2 * i + 1, t: o.invoke, i });
      else main.push({ node: 2 * i + 1, t: o.invoke, call: 0, i }, { node: 2 * i + 2, t: o.complete, call: 1, i });
    });
    main.sort((a, b) => (a.t === b.t ? 0 : a.t - b.t) || a.call - b.call || a.i - b.i);
    info.sort((a, b) => a.t - b.t || a.i - b.i);
    ({ next: this.next, prev: this.prev } = EventLists.link(main, n));
    ({ next: this.inext, prev: this.iprev } = EventLists.link(info, n));
    this.position = new Int32Array(2 * n + 2);
    main.forEach((e, p) => (this.position[e.node] = p));
    this.earlierSame = new Int32Array(n).fill(-1);
    const lastSame = new Map<string, number>();
    for (const { i } of info) {
      const o = ops[i]!;
      const same = `${o.kind}:${o.expect}:${o.value}`;
      this.earlierSame[i] = lastSame.get(same) ?? -1;
      lastSame.set(same, i);
    }
  }

  private static link(events: readonly { node: number }[], n: number) {
    const next = new Int32Array(2 * n + 2).fill(-1);
    const prev = new Int32Array(2 * n + 2).fill(-1);
    let last = 0;
    for (const e of events) {
      next[last] = e.node;
      prev[e.node] = last;
      last = e.node;
    }
    return { next, prev };
  }

  /** Takes op i's events out of their list: it is linearized. */
  lift(i: number): void {
    if (this.ops[i]!.info) return remove(this.inext, this.iprev, 2 * i + 1);
    remove(this.next, this.prev, 2 * i + 1);
    remove(this.next, this.prev, 2 * i + 2);
  }

  /** Puts op i's events back; lifts are undone in reverse order. */
  unlift(i: number): void {
    if (this.ops[i]!.info) return restore(this.inext, this.iprev, 2 * i + 1);
    restore(this.next, this.prev, 2 * i + 2);
    restore(this.next, this.prev, 2 * i + 1);
  }
}

function remove(next: Int32Array, prev: Int32Array, x: number): void {
  next[prev[x]!] = next[x]!;
  if (next[x]! !== -1) prev[next[x]!] = prev[x]!;
}

/** A removed node still points at its old neighbours, so putting it back is two writes. */
function restore(next: Int32Array, prev: Int32Array, x: number): void {
  next[prev[x]!] = x;
  if (next[x]! !== -1) prev[next[x]!] = x;
}

/**
 * The linearized set as a bitset, and the memo of configurations explored, keyed by a Zobrist hash of
 * its ok part and the register's value. With dominance: a configuration that linearized the same ok ops
 * to the same value but fewer info ops can do everything this one can (an info op may always never
 * happen), so having explored it, this one need not be. Configurations live in one flat arena, chained
 * per hash; a chain keeps only configurations no other in it dominates.
 */
class ConfigMemo {
  private readonly words: number;
  private readonly bits: Uint32Array;
  private readonly okMask: Uint32Array;
  private readonly z1: Uint32Array;
  private readonly z2: Uint32Array;
  private h1 = 0;
  private h2 = 0;
  private capacity = 1024;
  private arena: Uint32Array;
  private stateOf: Int32Array;
  private chain: Int32Array;
  private readonly heads = new Map<number, number>();
  /** Configurations remembered so far: the search's measure of work. */
  explored = 0;

  constructor(
    ops: readonly SearchOp[],
    private readonly maxExplored: number,
  ) {
    const n = ops.length;
    this.words = Math.ceil(n / 32);
    this.bits = new Uint32Array(this.words);
    this.okMask = new Uint32Array(this.words);
    ops.forEach((o, i) => {
      if (!o.info) this.okMask[i >>> 5]! |= 1 << (i & 31);
    });
    const rand = mulberry32(0x5eed);
    this.z1 = Uint32Array.from({ length: n }, (_, i) => (ops[i]!.info ? 0 : rand()));
    this.z2 = Uint32Array.from({ length: n }, (_, i) => (ops[i]!.info ? 0 : rand()));
    this.arena = new Uint32Array(this.capacity * this.words);
    this.stateOf = new Int32Array(this.capacity);
    this.chain = new Int32Array(this.capacity);
  }

  /** Adds op i to the linearized set, or takes it out. */
  flip(i: number): void {
    this.bits[i >>> 5]! ^= 1 << (i & 31);
    this.h1 ^= this.z1[i]!;
    this.h2 ^= this.z2[i]!;
  }

  linearized(i: number): boolean {
    return (this.bits[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  /** Remembers the current set with register value `state`; false when it (or one dominating it) was explored. */
  remember(state: number): boolean {
    const hash = ((this.h2 ^ Math.imul(state + 1, 0x9e3779b1)) >>> 11) * 4294967296 + (this.h1 >>> 0);
    let first = this.heads.get(hash) ?? -1;
    for (let e = first; e !== -1; e = this.chain[e]!) if (this.stateOf[e] === state && this.dominates(e)) return false;
    // Drop what the new configuration dominates: it answers for them from now on.
    while (first !== -1 && this.stateOf[first] === state && this.dominated(first)) first = this.chain[first]!;
    for (let e = first; e !== -1;) {
      const after = this.chain[e]!;
      if (after !== -1 && this.stateOf[after] === state && this.dominated(after)) this.chain[e] = this.chain[after]!;
      else e = after;
    }
    if (this.explored === this.capacity) this.grow();
    this.arena.set(this.bits, this.explored * this.words);
    this.stateOf[this.explored] = state;
    this.chain[this.explored] = first;
    this.heads.set(hash, this.explored++);
    return true;
  }

  /** e's linearized set ⊆ the current one, differing only in info ops. */
  private dominates(e: number): boolean {
    for (let w = 0, base = e * this.words; w < this.words; w++) {
      const a = this.arena[base + w]!;
      const b = this.bits[w]!;
      if ((a & ~b) !== 0 || (b & ~a & this.okMask[w]!) !== 0) return false;
    }
    return true;
  }

  /** The current set dominates e. */
  private dominated(e: number): boolean {
    for (let w = 0, base = e * this.words; w < this.words; w++) {
      const a = this.arena[base + w]!;
      const b = this.bits[w]!;
      if ((b & ~a) !== 0 || (a & ~b & this.okMask[w]!) !== 0) return false;
    }
    return true;
  }

  private grow(): void {
    this.capacity = Math.min(this.capacity * 2, this.maxExplored + 2);
    const arena = new Uint32Array(this.capacity * this.words);
    arena.set(this.arena);
    this.arena = arena;
    const stateOf = new Int32Array(this.capacity);
    stateOf.set(this.stateOf);
    this.stateOf = stateOf;
    const chain = new Int32Array(this.capacity);
    chain.set(this.chain);
    this.chain = chain;
  }
}

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * The depth-first driver. Each frame is an op linearized, the value before it, the time of the first
 * return still in the list then (info ops invoked up to it are candidates), and whether it was forced.
 * `stuck` is the op whose return no configuration got past last.
 */
export function searchRegister<T extends SearchOp>(ops: readonly T[], maxExplored: number): SearchResult<T> {
  const mustLinearize = ops.filter((o) => !o.info).length;
  if (mustLinearize === 0) return { verdict: 'ok', explored: 0 };
  const events = new EventLists(ops);
  const { next, inext, position, earlierSame } = events;
  const memo = new ConfigMemo(ops, maxExplored);

  const stackOp: number[] = [];
  const stackState: number[] = [];
  const stackFrontier: number[] = [];
  const stackForced: boolean[] = [];
  let state = ABSENT;
  let linearized = 0;
  let stuck = -1;
  let stuckAt = -1;
  let phase: 'fresh' | 'ok' | 'info' = 'fresh';
  let entry = next[0]!;
  let infoEntry = -1;
  let frontier = -Infinity;
  const tryOp = (i: number, forced: boolean): boolean => {
    const o = ops[i]!;
    if (!allowed(o, state)) return false;
    const nextState = after(o, state);
    memo.flip(i);
    if (!memo.remember(nextState)) {
      memo.flip(i);
      return false;
    }
    stackOp.push(i);
    stackState.push(state);
    stackFrontier.push(frontier);
    stackForced.push(forced);
    state = nextState;
    events.lift(i);
    if (!o.info) linearized++;
    phase = 'fresh';
    return true;
  };
  while (linearized < mustLinearize) {
    if (memo.explored > maxExplored) return { verdict: 'budget', explored: memo.explored };
    if (phase === 'fresh') {
      // A pending read of the current value (or a failed cas the current value allows) can always go
      // now (it changes nothing, and everything still to be linearized completes after it began), so
      // when there is one it is the only move.
      let read = -1;
      for (let e = next[0]!; e !== -1 && e & 1; e = next[e]!) {
        const o = ops[(e - 1) >> 1]!;
        if (observes(o) && allowed(o, state)) {
          read = (e - 1) >> 1;
          break;
        }
      }
      if (read === -1) {
        phase = 'ok';
        entry = next[0]!;
        continue;
      }
      if (tryOp(read, true)) continue;
      // Already explored from here: fall through and backtrack.
    } else if (phase === 'ok') {
      // Candidates: the ok calls before the first return.
      if (entry & 1) {
        if (!tryOp((entry - 1) >> 1, false)) entry = next[entry]!;
        continue;
      }
      // A return whose op is not linearized yet: then the info writes invoked by then.
      if (position[entry]! > stuckAt) {
        stuckAt = position[entry]!;
        stuck = (entry - 2) >> 1;
      }
      frontier = ops[(entry - 2) >> 1]!.complete;
      phase = 'info';
      infoEntry = inext[0]!;
      continue;
    } else if (infoEntry !== -1 && ops[(infoEntry - 1) >> 1]!.invoke <= frontier) {
      const i = (infoEntry - 1) >> 1;
      const twin = earlierSame[i]!;
      if (!((twin === -1 || memo.linearized(twin)) && tryOp(i, false))) infoEntry = inext[infoEntry]!;
      continue;
    }
    // Every candidate failed: undo steps, past any forced one, and try the candidate after the last.
    for (;;) {
      const i = stackOp.pop();
      if (i === undefined) return { verdict: 'fail', explored: memo.explored, stuck: ops[stuck]! };
      state = stackState.pop()!;
      frontier = stackFrontier.pop()!;
      const forced = stackForced.pop()!;
      memo.flip(i);
      events.unlift(i);
      if (!ops[i]!.info) linearized--;
      if (forced) continue;
      if (ops[i]!.info) {
        phase = 'info';
        infoEntry = inext[2 * i + 1]!;
      } else {
        phase = 'ok';
        entry = next[2 * i + 1]!;
      }
      break;
    }
  }
  return { verdict: 'ok', explored: memo.explored };
}
