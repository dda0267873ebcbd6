// Client-side peer choosers (contract §4): round-robin, fewest-pending (least in-flight, random
// tie-break) and two-random (power of two choices on pending), each peer behind a circuit breaker.
// A chooser also keeps the suite's evidence: every pick with its time, so a scenario can show where
// calls went over time, and every breaker transition.
//
// Pending counts are the calls this driver has in flight to a peer, whatever sent them there: calls
// pinned to a peer (shard routing) go through `acquire(peer)` and count like chosen ones. Pinned calls
// bypass the breaker (the route decided), but their results still feed it.

/** The scenario clock (ScenarioClock fits): picks and transitions are stamped with it. */
export interface PickClock {
  nowMs(): number;
}

/** Uniform in [0, 1), like Math.random. */
export type Rng = () => number;

/** A small seeded generator (mulberry32): the same seed gives the same tie-breaks. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const monotonic = (): PickClock => {
  const t0 = performance.now();
  return { nowMs: () => performance.now() - t0 };
};

// ── circuit breaker ──────────────────────────────────────────────────────────────────────────────────

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Consecutive failures (transport errors, 5xx) that open the breaker. Default 5. */
  readonly failureThreshold: number;
  /** How long it stays open before letting probes through (half-open). Default 1,000 ms. */
  readonly coolDownMs: number;
  /** Chosen calls let through at once while half-open. Default 1. */
  readonly halfOpenProbes: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { failureThreshold: 5, coolDownMs: 1_000, halfOpenProbes: 1 };

export interface BreakerTransition {
  readonly atMs: number;
  readonly peer: string;
  readonly from: BreakerState;
  readonly to: BreakerState;
}

/** What a breaker remembers of a call it let through: results of calls from an older epoch are ignored. */
export interface BreakerTicket {
  readonly epoch: number;
  readonly probe: boolean;
}

/**
 * closed → open after `failureThreshold` consecutive failures; open → half-open once `coolDownMs` has
 * passed; half-open → closed on a success, → open again on a failure. Only results of calls started in
 * the current state count: a call sent before the breaker opened that fails afterwards says nothing new.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private epoch = 0;
  private consecutiveFailures = 0;
  private openedAtMs = 0;
  private probesInFlight = 0;

  constructor(
    readonly peer: string,
    private readonly opts: BreakerOptions,
    private readonly clock: PickClock,
    private readonly onTransition: (t: BreakerTransition) => void = () => undefined,
  ) {}

  get state(): BreakerState {
    if (this.current === 'open' && this.clock.nowMs() - this.openedAtMs >= this.opts.coolDownMs) {
      this.move('half-open', this.openedAtMs + this.opts.coolDownMs);
    }
    return this.current;
  }

  /** Whether a chooser may send a call to this peer now. */
  admits(): boolean {
    const state = this.state;
    return state === 'closed' || (state === 'half-open' && this.probesInFlight < this.opts.halfOpenProbes);
  }

  /** A call starts; `chosen` is false for calls pinned by a route (they are never probes). */
  begin(chosen: boolean): BreakerTicket {
    const probe = chosen && this.state === 'half-open';
    if (probe) this.probesInFlight++;
    return { epoch: this.epoch, probe };
  }

  /** A call ended: success is any answer below 500; failure is a transport error or a 5xx. */
  end(ticket: BreakerTicket, success: boolean): void {
    const state = this.state;
    if (ticket.epoch !== this.epoch) return; // started before the last transition (which reset the probe count)
    if (ticket.probe) this.probesInFlight--;
    if (state === 'closed') {
      this.consecutiveFailures = success ? 0 : this.consecutiveFailures + 1;
      if (this.consecutiveFailures >= this.opts.failureThreshold) this.open();
    } else if (state === 'half-open') {
      if (success) this.move('closed', this.clock.nowMs());
      else this.open();
    }
  }

  private open(): void {
    this.openedAtMs = this.clock.nowMs();
    this.move('open', this.openedAtMs);
  }

  private move(to: BreakerState, atMs: number): void {
    const from = this.current;
    this.current = to;
    this.epoch++;
    this.consecutiveFailures = 0;
    if (to !== 'half-open') this.probesInFlight = 0;
    this.onTransition({ atMs, peer: this.peer, from, to });
  }
}

// ── choosers ─────────────────────────────────────────────────────────────────────────────────────────

export type ChooserName = 'round-robin' | 'fewest-pending' | 'two-random';
export const CHOOSER_NAMES: readonly ChooserName[] = ['round-robin', 'fewest-pending', 'two-random'];

export interface ChooserOptions {
  /** Stamps picks and breaker transitions; pass the scenario's clock so they line up with the history. */
  readonly clock?: PickClock;
  /** For tie-breaks and two-random; pass a seeded one for reproducible runs. Default Math.random. */
  readonly rng?: Rng;
  readonly breaker?: Partial<BreakerOptions>;
}

export interface Pick {
  readonly atMs: number;
  readonly peer: string;
  /** True when a route pinned the call to the peer; false when the chooser chose it. */
  readonly pinned: boolean;
}

/** A call in flight to `peer`: end it exactly once (further calls are ignored). */
export interface PeerLease {
  readonly peer: string;
  readonly pinned: boolean;
  /** success: an answer below 500; failure: a transport error (timeout, refused, reset) or a 5xx. */
  release(success: boolean): void;
}

export class UnknownPeerError extends Error {
  override name = 'UnknownPeerError';
}

export abstract class PeerChooser {
  abstract readonly name: ChooserName;
  readonly peers: readonly string[];
  protected readonly rng: Rng;
  private readonly clock: PickClock;
  private readonly index = new Map<string, number>();
  private readonly inFlight: number[];
  private readonly breakers: CircuitBreaker[];
  private readonly transitions: BreakerTransition[] = [];
  // Picks, compactly: a long run at thousands of calls a second makes millions of them.
  private pickAt = new Float64Array(1024);
  private pickPeer = new Uint16Array(1024);
  private pickPinned = new Uint8Array(1024);
  private pickCount = 0;

  constructor(peers: readonly string[], opts: ChooserOptions = {}) {
    if (peers.length === 0) throw new Error('a chooser needs at least one peer');
    if (peers.length > 65_535) throw new Error('a chooser takes at most 65,535 peers');
    if (new Set(peers).size !== peers.length) throw new Error(`peer ids must be unique: ${peers.join(', ')}`);
    this.peers = [...peers];
    this.rng = opts.rng ?? Math.random;
    this.clock = opts.clock ?? monotonic();
    const breaker = { ...DEFAULT_BREAKER, ...opts.breaker };
    this.peers.forEach((p, i) => this.index.set(p, i));
    this.inFlight = this.peers.map(() => 0);
    this.breakers = this.peers.map((p) => new CircuitBreaker(p, breaker, this.clock, (t) => this.transitions.push(t)));
  }

  /** Calls this driver has in flight to `peer`, chosen or pinned. */
  pending(peer: string): number {
    return this.inFlight[this.indexOf(peer)]!;
  }

  breaker(peer: string): CircuitBreaker {
    return this.breakers[this.indexOf(peer)]!;
  }

  /** Peers whose breaker admits a chosen call now, in peer order. */
  available(): string[] {
    return this.peers.filter((_, i) => this.breakers[i]!.admits());
  }

  /** Chooses a peer among those the breakers admit and records the pick; undefined when none is admitted. */
  pick(): string | undefined {
    const candidates = this.available();
    if (candidates.length === 0) return undefined;
    const peer = this.choose(candidates);
    this.record(peer, false);
    return peer;
  }

  /**
   * Starts a call: to `pinned` when a route decided (recorded as a pinned pick, breaker bypassed), else
   * to the chosen peer. Undefined when nothing was pinned and every breaker is open.
   */
  acquire(pinned?: string): PeerLease | undefined {
    const peer = pinned ?? this.pick();
    if (peer === undefined) return undefined;
    const i = this.indexOf(peer);
    if (pinned !== undefined) this.record(peer, true);
    const ticket = this.breakers[i]!.begin(pinned === undefined);
    this.inFlight[i]!++;
    let released = false;
    return {
      peer,
      pinned: pinned !== undefined,
      release: (success: boolean) => {
        if (released) return;
        released = true;
        this.inFlight[i]!--;
        this.breakers[i]!.end(ticket, success);
      },
    };
  }

  /** Every pick so far, in time order. */
  picks(): Pick[] {
    return Array.from({ length: this.pickCount }, (_, k) => ({
      atMs: this.pickAt[k]!,
      peer: this.peers[this.pickPeer[k]!]!,
      pinned: this.pickPinned[k] === 1,
    }));
  }

  /** Picks per peer (every peer listed) with `fromMs <= atMs < toMs`. */
  pickCounts(fromMs = -Infinity, toMs = Infinity): Record<string, number> {
    const counts = this.peers.map(() => 0);
    for (let k = this.firstAtOrAfter(fromMs); k < this.pickCount && this.pickAt[k]! < toMs; k++) counts[this.pickPeer[k]!]!++;
    return Object.fromEntries(this.peers.map((p, i) => [p, counts[i]!]));
  }

  /** Each peer's share (0–1) of the picks with `fromMs <= atMs < toMs`; all 0 when there were none. */
  pickShare(fromMs = -Infinity, toMs = Infinity): Record<string, number> {
    const counts = this.pickCounts(fromMs, toMs);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    return Object.fromEntries(Object.entries(counts).map(([p, n]) => [p, total === 0 ? 0 : n / total]));
  }

  /** Every breaker state change so far, in time order. */
  breakerTransitions(): BreakerTransition[] {
    for (const b of this.breakers) void b.state; // materialise open → half-open that is due
    return [...this.transitions].sort((a, b) => a.atMs - b.atMs);
  }

  protected abstract choose(candidates: readonly string[]): string;

  private indexOf(peer: string): number {
    const i = this.index.get(peer);
    if (i === undefined) throw new UnknownPeerError(`unknown peer "${peer}"; the chooser knows ${this.peers.join(', ')}`);
    return i;
  }

  private record(peer: string, pinned: boolean): void {
    if (this.pickCount === this.pickAt.length) {
      const grow = <T extends Float64Array | Uint16Array | Uint8Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.pickAt = grow(this.pickAt, (n) => new Float64Array(n));
      this.pickPeer = grow(this.pickPeer, (n) => new Uint16Array(n));
      this.pickPinned = grow(this.pickPinned, (n) => new Uint8Array(n));
    }
    const k = this.pickCount++;
    // The clock is monotonic, so picks stay sorted and time windows are found by binary search.
    this.pickAt[k] = Math.max(this.clock.nowMs(), k > 0 ? this.pickAt[k - 1]! : -Infinity);
    this.pickPeer[k] = this.index.get(peer)!;
    this.pickPinned[k] = pinned ? 1 : 0;
  }

  private firstAtOrAfter(ms: number): number {
    let lo = 0;
    let hi = this.pickCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.pickAt[mid]! < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Each peer in turn, skipping those whose breaker is open. */
export class RoundRobin extends PeerChooser {
  readonly name = 'round-robin';
  private next = 0;

  protected choose(candidates: readonly string[]): string {
    // Walk the full peer list from the cursor so that a peer coming back takes its turn in place.
    const allowed = new Set(candidates);
    for (let step = 0; step < this.peers.length; step++) {
      const peer = this.peers[(this.next + step) % this.peers.length]!;
      if (allowed.has(peer)) {
        this.next = (this.next + step + 1) % this.peers.length;
        return peer;
      }
    }
    return candidates[0]!;
  }
}

/** The peer with the fewest calls in flight from this driver; ties broken at random. */
export class FewestPending extends PeerChooser {
  readonly name = 'fewest-pending';

  protected choose(candidates: readonly string[]): string {
    let best: string[] = [];
    let min = Infinity;
    for (const peer of candidates) {
      const n = this.pending(peer);
      if (n < min) {
        min = n;
        best = [peer];
      } else if (n === min) best.push(peer);
    }
    return best[Math.floor(this.rng() * best.length)] ?? best[0]!;
  }
}

/** Power of two choices: two distinct peers at random, the one with fewer calls in flight (first on a tie). */
export class TwoRandom extends PeerChooser {
  readonly name = 'two-random';

  protected choose(candidates: readonly string[]): string {
    if (candidates.length === 1) return candidates[0]!;
    const i = Math.min(Math.floor(this.rng() * candidates.length), candidates.length - 1);
    let j = Math.min(Math.floor(this.rng() * (candidates.length - 1)), candidates.length - 2);
    if (j >= i) j++;
    const a = candidates[i]!;
    const b = candidates[j]!;
    return this.pending(b) < this.pending(a) ? b : a;
  }
}

export function createChooser(name: ChooserName, peers: readonly string[], opts: ChooserOptions = {}): PeerChooser {
  switch (name) {
    case 'round-robin':
      return new RoundRobin(peers, opts);
    case 'fewest-pending':
      return new FewestPending(peers, opts);
    case 'two-random':
      return new TwoRandom(peers, opts);
    default:
      throw new Error(`unknown chooser "${name as string}"; known: ${CHOOSER_NAMES.join(', ')}`);
  }
}
