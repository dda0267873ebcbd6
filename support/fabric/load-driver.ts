// The load driver: N virtual clients in a closed loop (each sends its next op when its last one ended,
// after an optional think time, under an optional overall rate), replaying a traffic file against
// relay nodes on 127.0.0.1. Built for 1,000+ clients: plain keep-alive sockets and a small HTTP/1.1
// answer parser (http1.ts), no axios, no per-call agent machinery; the retry policy is retry-policy.ts.
//
// A call goes to the peer a route pins it to (shard-aware routing), else to the peer the chooser picks.
// Every call can be recorded in an OpHistory (process vc-<n>), classified by outcome.ts. The driver keeps
// HDR latency histograms (overall and per procedure, answered calls only), counts by outcome, peer and
// status, and prints a progress line every few seconds. Runs are bounded: a duration or an op count is
// required; an AbortSignal or stop() ends them early, and stop() waits for the calls in flight.
//
// Optional client-side retries (`retry`): an answer with a retryable status (contract §2) or a transport
// failure is tried again, up to `attempts` tries in all, after an exponential backoff with full jitter (or
// the answer's Retry-After), each try to a peer the route or the chooser picks afresh. A logical call
// stays ONE op in the history and one call in the summary; the tries show in `attempts`/`retries`.
import { build, type Histogram } from 'hdr-histogram-js';
import { ScenarioClock, type OpHistory, type Outcome } from '../checks/history';
import { RoundRobin, type PeerChooser, type PeerLease, type PickClock, type Rng } from './choosers';
import { EXT } from './contract';
import { outcomeOfAnswer, resultOfAnswer } from './outcome';
import { observed, type ConcreteOp, type Seen, type Traffic } from './traffic';
import { Http1Connection, Http1Pool, requestHeaderLines, TransportError } from './http1';
import { isRetryable, retryAfterMs, retryDelayMs, transportFailure, type RetryOptions } from './retry-policy';

export interface DriverPeer {
  readonly id: string;
  /** `http://127.0.0.1:<port>`: the driver only sends to loopback addresses. */
  readonly baseUrl: string;
}

export interface LoadDriverOptions {
  /** The peers, or a function read at every call (a restarted node may be published on a new port). */
  readonly peers: readonly DriverPeer[] | (() => readonly DriverPeer[]);
  readonly traffic: Traffic;
  /** Virtual clients, each with at most one call in flight. */
  readonly clients: number;
  /** Picks a peer for calls no route pins. Default: round-robin over the peers, on the driver's clock. */
  readonly chooser?: PeerChooser;
  /** Shard-aware routing: the peer id an op must go to, or undefined to let the chooser pick. */
  readonly route?: (op: ConcreteOp) => string | undefined;
  /** Where every call is recorded (process `vc-<n>`); its clock is the driver's clock. */
  readonly history?: OpHistory;
  /** Default: the history's clock, else a new one. */
  readonly clock?: PickClock;
  /** Stop issuing calls after this long. At least one of durationMs and maxOps is required. */
  readonly durationMs?: number;
  /** Stop after this many calls in all (across clients). */
  readonly maxOps?: number;
  readonly signal?: AbortSignal;
  /** Pause of a client between the end of one call and the start of its next. */
  readonly thinkTimeMs?: number;
  /** Cap on calls started per second, all clients together. */
  readonly targetRps?: number;
  /** Per call, from sending to the end of the answer. Default 2,000 ms. */
  readonly callTimeoutMs?: number;
  /** Every this often, `log` gets a progress line. Default 5,000 ms; 0 for none. */
  readonly progressEveryMs?: number;
  readonly log?: (line: string) => void;
  /** First word of log lines. Default `load`. */
  readonly label?: string;
  /** Extra request headers on every call. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Connection attempts in flight per peer; further calls wait for one to finish. Default 128: well
   * inside a listen backlog, so a thousand clients starting at once lose no SYNs.
   */
  readonly maxConnectingPerPeer?: number;
  /** The engine host published ports are dialled at when it is not loopback (OMNIRELAY_HYPERSCALE_ENGINE_HOST). */
  readonly engineHost?: string;
  /** How long a client waits before asking again when every breaker is open. Default 25 ms. */
  readonly noPeerBackoffMs?: number;
  /** Client-side retries of retryable answers and transport failures. Default: none (one try per call). */
  readonly retry?: RetryOptions;
  /** The driver's randomness (the retry jitter). Default Math.random; pass `seededRng(seed)` to reproduce. */
  readonly rng?: Rng;
}

export interface OutcomeCounts {
  ok: number;
  fail: number;
  info: number;
}

export interface LatencySummary {
  /** Answered calls measured. */
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface LoadSummary {
  traffic: string;
  clients: number;
  /** When the run started, on the driver's clock. */
  startedAtMs: number;
  /** From start to the end of the last call (or to now while running). */
  elapsedMs: number;
  /** Calls completed. */
  calls: number;
  inFlight: number;
  counts: OutcomeCounts;
  /** Completed calls per second over elapsedMs. */
  rps: number;
  okRps: number;
  /** Times a client found every breaker open and waited. */
  noPeerWaits: number;
  latency: LatencySummary;
  /**
   * From the request written on a connected socket to the answer, final tries only: how autocannon
   * measures (it leaves connection setup out). `latency` minus the waits for a connection.
   */
  requestLatency: LatencySummary;
  byProcedure: Record<string, OutcomeCounts & { latency: LatencySummary }>;
  byPeer: Record<string, OutcomeCounts>;
  /** HTTP statuses (`200`, `503`) and transport failures (`timeout`, `ECONNREFUSED`, …), one per try. */
  statuses: Record<string, number>;
  /** Tries of the completed calls (equal to calls without retries). */
  attempts: number;
  /** attempts − calls. */
  retries: number;
  /** retries / calls (0 with no calls): 0.25 means a quarter of a retry per call. */
  retryRate: number;
  /** Calls that ended ok only after at least one retry. */
  retriedOk: number;
  /** Tries answered with `X-Mesh-Throttled` (backpressure, feature:mesh-backpressure). */
  throttled: ThrottleSummary;
  /** When the first try timed out, on the driver's clock; absent when none did. */
  firstTimeoutAtMs?: number;
  /** Tries per second of the run (index 0 is the first second), by when each try was answered. */
  triesPerSecond: number[];
}

export interface ThrottleSummary {
  tries: number;
  /** Throttled tries by the node that answered them (`X-Mesh-Node`): the owner itself, or an ingress that shed them. */
  byNode: Record<string, number>;
  /** When each of those nodes first throttled a try, on the driver's clock. */
  firstAtMsByNode: Record<string, number>;
  /** By the `X-Mesh-Throttled` value: `<region>/<node>/<shardId>` of the node under pressure. */
  byPressured: Record<string, number>;
  /** When the first throttled answer came, on the driver's clock. */
  firstAtMs?: number;
  /** The first throttled answer's `Retry-After`, as sent. */
  firstRetryAfter?: string;
}

/** What one try came to: an answer, or no answer. */
/** `latencyUs` from the try's start (connection wait included); `waitUs` of it before the request was written. */
type Attempt = ({ status: number; headers: Record<string, string>; body: Buffer } | { error: Error }) & { latencyUs: number; waitUs?: number };

/** One try of a logical call: the peer it went to, and when its answer (or failure) came, on the driver's clock. */
interface Try {
  readonly peer: string;
  readonly attempt: Attempt;
  readonly atMs: number;
}

const outcomeOfTry = (a: Attempt): Outcome => ('error' in a ? 'info' : outcomeOfAnswer(a.status, a.headers));

/**
 * The outcome of a logical call: its last try's, by outcome.ts; except that a `fail` after an earlier
 * `info` try (a timeout, a 5xx without `not-applied`) is `info`, since that earlier try may have applied it.
 */
function callOutcome(tries: readonly Try[]): { outcome: Outcome; earlierMaybe: boolean } {
  const last = tries.at(-1);
  const outcome = last ? outcomeOfTry(last.attempt) : 'info';
  const earlierMaybe = outcome === 'fail' && tries.slice(0, -1).some((t) => outcomeOfTry(t.attempt) === 'info');
  return { outcome: earlierMaybe ? 'info' : outcome, earlierMaybe };
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])$/;

/** Latency histogram in microseconds, 3 significant digits, up to an hour. */
function histogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
}

function latencyOf(h: Histogram): LatencySummary {
  const ms = (us: number) => Math.round(us) / 1000;
  if (h.totalCount === 0) return { count: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0 };
  return {
    count: h.totalCount,
    p50Ms: ms(h.getValueAtPercentile(50)),
    p90Ms: ms(h.getValueAtPercentile(90)),
    p99Ms: ms(h.getValueAtPercentile(99)),
    maxMs: ms(h.maxValue),
    meanMs: ms(h.mean),
  };
}

const counts = (): OutcomeCounts => ({ ok: 0, fail: 0, info: 0 });
const thousands = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtMs = (ms: number) => (ms < 10 ? ms.toFixed(1) : String(Math.round(ms)));

export class LoadDriver {
  private readonly clock: PickClock;
  private readonly chooser: PeerChooser;
  private readonly callTimeoutMs: number;
  /** Connections per peer base URL. */
  private readonly pools = new Map<string, Http1Pool>();
  /** The request head lines every call carries (after Host, before Rpc-Procedure). */
  private readonly fixedHeaders: string;
  private readonly resolvePeers: () => readonly DriverPeer[];
  private readonly label: string;

  private started = false;
  private stopping = false;
  private startedAtMs = 0;
  private endedAtMs: number | undefined;
  private opsClaimed = 0;
  private nextSlotMs = 0;
  private inFlight = 0;
  private noPeerWaits = 0;
  private readonly sleepers = new Set<() => void>();
  private readonly cleanups: (() => void)[] = [];
  private done: Promise<LoadSummary> | undefined;
  /** A hook (route, history, log) that threw: the run stops and finished() rejects with it. */
  private failure: Error | undefined;

  private readonly total = counts();
  private readonly overall = histogram();
  private readonly requests = histogram();
  private readonly window = histogram();
  private windowStartMs = 0;
  private windowCalls = 0;
  private readonly procedures = new Map<string, { counts: OutcomeCounts; latency: Histogram }>();
  private readonly peerCounts = new Map<string, OutcomeCounts>();
  private readonly statuses = new Map<string, number>();
  private readonly rng: Rng;
  private attemptsTotal = 0;
  private retriedOk = 0;
  private windowRetries = 0;
  private readonly throttled: {
    tries: number;
    byNode: Map<string, number>;
    firstAtMsByNode: Map<string, number>;
    byPressured: Map<string, number>;
    firstAtMs?: number;
    firstRetryAfter?: string;
  } = {
    tries: 0,
    byNode: new Map(),
    firstAtMsByNode: new Map(),
    byPressured: new Map(),
  };
  private firstTimeoutAtMs: number | undefined;
  private readonly triesPerSecond: number[] = [];

  constructor(private readonly opts: LoadDriverOptions) {
    if (!Number.isInteger(opts.clients) || opts.clients < 1) throw new Error(`clients must be a whole number ≥ 1, got ${opts.clients}`);
    if (opts.durationMs === undefined && opts.maxOps === undefined) throw new Error('a load run needs a bound: durationMs or maxOps');
    if (opts.durationMs !== undefined && !(opts.durationMs > 0)) throw new Error(`durationMs must be > 0, got ${opts.durationMs}`);
    if (opts.maxOps !== undefined && !(Number.isInteger(opts.maxOps) && opts.maxOps >= 0))
      throw new Error(`maxOps must be a whole number ≥ 0, got ${opts.maxOps}`);
    if (opts.targetRps !== undefined && !(opts.targetRps > 0)) throw new Error(`targetRps must be > 0, got ${opts.targetRps}`);
    this.callTimeoutMs = opts.callTimeoutMs ?? 2_000;
    if (!(this.callTimeoutMs > 0)) throw new Error(`callTimeoutMs must be > 0, got ${this.callTimeoutMs}`);
    if (opts.maxConnectingPerPeer !== undefined && !(Number.isInteger(opts.maxConnectingPerPeer) && opts.maxConnectingPerPeer >= 1)) {
      throw new Error(`maxConnectingPerPeer must be a whole number ≥ 1, got ${opts.maxConnectingPerPeer}`);
    }
    if (opts.retry !== undefined) {
      const { attempts, backoffMs, maxBackoffMs } = opts.retry;
      if (!(Number.isInteger(attempts) && attempts >= 1))
        throw new Error(`retry.attempts must be a whole number ≥ 1 (tries in all, the first included), got ${attempts}`);
      if (backoffMs !== undefined && !(backoffMs >= 0 && Number.isFinite(backoffMs))) throw new Error(`retry.backoffMs must be ≥ 0, got ${backoffMs}`);
      if (maxBackoffMs !== undefined && !(maxBackoffMs >= 0 && Number.isFinite(maxBackoffMs)))
        throw new Error(`retry.maxBackoffMs must be ≥ 0, got ${maxBackoffMs}`);
    }
    this.rng = opts.rng ?? Math.random;
    this.label = opts.label ?? 'load';
    const peers = opts.peers;
    this.resolvePeers = typeof peers === 'function' ? peers : () => peers;
    const initial = this.resolvePeers();
    if (initial.length === 0) throw new Error('a load run needs at least one peer');
    for (const p of initial) this.pool(p);
    this.fixedHeaders = requestHeaderLines({ 'Content-Type': 'application/json', 'Rpc-Caller': 'hyperscale-load', 'Rpc-Encoding': 'json', ...opts.headers });
    this.clock = opts.clock ?? opts.history?.clock ?? new ScenarioClock();
    this.chooser =
      opts.chooser ??
      new RoundRobin(
        initial.map((p) => p.id),
        { clock: this.clock },
      );
    const ids = new Set(initial.map((p) => p.id));
    const unknown = this.chooser.peers.filter((id) => !ids.has(id));
    if (unknown.length > 0) throw new Error(`the chooser knows peers the driver was not given: ${unknown.join(', ')}`);
  }

  /** Starts the clients and returns at once; `finished()` resolves when the run ends. */
  start(): this {
    if (this.started) throw new Error('this load driver was already started');
    this.started = true;
    this.startedAtMs = this.clock.nowMs();
    this.windowStartMs = this.startedAtMs;
    this.nextSlotMs = this.startedAtMs;
    const { durationMs, signal, progressEveryMs = 5_000, log } = this.opts;
    if (durationMs !== undefined) {
      const timer = setTimeout(() => this.halt(), durationMs);
      this.cleanups.push(() => clearTimeout(timer));
    }
    if (signal) {
      if (signal.aborted) this.halt();
      const onAbort = () => this.halt();
      signal.addEventListener('abort', onAbort, { once: true });
      this.cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }
    if (log && progressEveryMs > 0) {
      const timer = setInterval(() => {
        try {
          log(this.progressLine());
        } catch {
          /* a failing logger must not end the run */
        }
      }, progressEveryMs);
      timer.unref();
      this.cleanups.push(() => clearInterval(timer));
    }
    const clients = Array.from({ length: this.opts.clients }, (_, i) =>
      this.runClient(i + 1).catch((error: unknown) => {
        this.failure ??= error instanceof Error ? error : new Error(String(error));
        this.halt();
      }),
    );
    this.done = Promise.all(clients).then(() => {
      this.endedAtMs = this.clock.nowMs();
      for (const cleanup of this.cleanups) cleanup();
      for (const pool of this.pools.values()) pool.close();
      if (this.failure) throw this.failure;
      log?.(`${this.progressLine(true)} (done)`);
      return this.summary();
    });
    return this;
  }

  /** Resolves with the summary when every client has stopped and every call has ended. */
  finished(): Promise<LoadSummary> {
    if (!this.done) throw new Error('the load driver was not started');
    return this.done;
  }

  /**
   * Opens `perPeer` connections to each peer before the run, at most `maxConnectingPerPeer` at a time,
   * as autocannon and wrk connect every connection before their first request; resolves with how many
   * connected (within callTimeoutMs). Without it the pool opens connections on demand while the first
   * calls are under way, and a node saturated by those calls accepts late arrivals slowly: measured on
   * a relay node, 1,000 clients ramping up 128 connections at a time saw the first answer on some new
   * connections 0.7-1.1 s after their request, while established ones answered in ~100 ms.
   */
  async preconnect(perPeer: number): Promise<number> {
    if (this.started) throw new Error('preconnect() must come before start()');
    if (!(Number.isInteger(perPeer) && perPeer >= 0)) throw new Error(`preconnect takes a whole number of connections ≥ 0, got ${perPeer}`);
    const opened = await Promise.all(this.resolvePeers().map((p) => this.pool(p).preconnect(perPeer, this.callTimeoutMs)));
    return opened.reduce((a, b) => a + b, 0);
  }

  /** start() and finished(). */
  run(): Promise<LoadSummary> {
    return this.start().finished();
  }

  /** Stops issuing calls and waits for the calls in flight to end (each is bounded by callTimeoutMs). */
  async stop(): Promise<LoadSummary> {
    if (!this.started) {
      this.started = true;
      this.stopping = true;
      this.done = Promise.resolve(this.summary());
    }
    this.halt();
    return this.finished();
  }

  get running(): boolean {
    return this.started && this.endedAtMs === undefined;
  }

  /** The chooser in use: its picks and breaker transitions are evidence. */
  get peerChooser(): PeerChooser {
    return this.chooser;
  }

  /** Plain numbers for evidence; may be read while running. */
  summary(): LoadSummary {
    const elapsedMs = Math.max(0, (this.endedAtMs ?? (this.started ? this.clock.nowMs() : this.startedAtMs)) - this.startedAtMs);
    const calls = this.total.ok + this.total.fail + this.total.info;
    const perSecond = (n: number) => (elapsedMs > 0 ? Math.round((n / elapsedMs) * 1000 * 10) / 10 : 0);
    const retries = this.attemptsTotal - calls;
    return {
      traffic: this.opts.traffic.name,
      clients: this.opts.clients,
      startedAtMs: Math.round(this.startedAtMs),
      elapsedMs: Math.round(elapsedMs),
      calls,
      inFlight: this.inFlight,
      counts: { ...this.total },
      rps: perSecond(calls),
      okRps: perSecond(this.total.ok),
      noPeerWaits: this.noPeerWaits,
      latency: latencyOf(this.overall),
      requestLatency: latencyOf(this.requests),
      byProcedure: Object.fromEntries(
        [...this.procedures].sort(([a], [b]) => a.localeCompare(b)).map(([p, s]) => [p, { ...s.counts, latency: latencyOf(s.latency) }]),
      ),
      byPeer: Object.fromEntries([...this.peerCounts].sort(([a], [b]) => a.localeCompare(b)).map(([p, c]) => [p, { ...c }])),
      statuses: sortedRecord(this.statuses),
      attempts: this.attemptsTotal,
      retries,
      retryRate: calls > 0 ? Math.round((retries / calls) * 10_000) / 10_000 : 0,
      retriedOk: this.retriedOk,
      throttled: {
        tries: this.throttled.tries,
        byNode: sortedRecord(this.throttled.byNode),
        firstAtMsByNode: Object.fromEntries([...this.throttled.firstAtMsByNode].sort(([a], [b]) => a.localeCompare(b)).map(([id, ms]) => [id, Math.round(ms)])),
        byPressured: sortedRecord(this.throttled.byPressured),
        ...(this.throttled.firstAtMs !== undefined ? { firstAtMs: Math.round(this.throttled.firstAtMs), firstRetryAfter: this.throttled.firstRetryAfter } : {}),
      },
      ...(this.firstTimeoutAtMs !== undefined ? { firstTimeoutAtMs: Math.round(this.firstTimeoutAtMs) } : {}),
      triesPerSecond: Array.from(this.triesPerSecond, (n) => n ?? 0),
    };
  }

  /**
   * `load: 12.0 s, 8,421 ok / 3 fail / 0 info, 702/s, p50 4.1 ms p99 18 ms`: rate and percentiles over the
   * last interval; with retries on, `, retries 2.5%` (retries per call over the interval) follows.
   */
  progressLine(final = false): string {
    const now = this.endedAtMs ?? this.clock.nowMs();
    const elapsedS = (now - this.startedAtMs) / 1000;
    let rate: number;
    let h: Histogram;
    let retryRate: number;
    if (final) {
      const calls = this.total.ok + this.total.fail + this.total.info;
      rate = elapsedS > 0 ? calls / elapsedS : 0;
      h = this.overall;
      retryRate = calls > 0 ? (this.attemptsTotal - calls) / calls : 0;
    } else {
      const windowS = (now - this.windowStartMs) / 1000;
      rate = windowS > 0 ? this.windowCalls / windowS : 0;
      h = this.window;
      retryRate = this.windowCalls > 0 ? this.windowRetries / this.windowCalls : 0;
    }
    const l = latencyOf(h);
    const line =
      `${this.label}: ${elapsedS.toFixed(1)} s, ${thousands(this.total.ok)} ok / ${thousands(this.total.fail)} fail / ${thousands(this.total.info)} info, ` +
      `${thousands(rate)}/s, p50 ${fmtMs(l.p50Ms)} ms p99 ${fmtMs(l.p99Ms)} ms` +
      (this.opts.retry ? `, retries ${(retryRate * 100).toFixed(1)}%` : '');
    if (!final) {
      this.window.reset();
      this.windowCalls = 0;
      this.windowRetries = 0;
      this.windowStartMs = now;
    }
    return line;
  }

  // ── the clients ────────────────────────────────────────────────────────────────────────────────────

  private halt(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
  }

  private async runClient(client: number): Promise<void> {
    const { traffic, maxOps, thinkTimeMs, targetRps } = this.opts;
    let n = 0;
    while (!this.stopping) {
      if (maxOps !== undefined) {
        if (this.opsClaimed >= maxOps) break;
        this.opsClaimed++;
      }
      if (targetRps !== undefined) {
        const now = this.clock.nowMs();
        const slot = Math.max(now, this.nextSlotMs);
        this.nextSlotMs = slot + 1000 / targetRps;
        if (slot > now) await this.sleep(slot - now);
        if (this.stopping) break;
      }
      const op = traffic.opFor(client, ++n, (key) => this.seen.get(client)?.get(key));
      const lease = await this.lease(op);
      if (!lease) break;
      await this.call(client, op, lease);
      if (thinkTimeMs && !this.stopping) await this.sleep(thinkTimeMs);
    }
  }

  /**
   * A lease for one try of `op`: to the peer the route pins it to, else to the chooser's pick, waiting
   * while every breaker is open. Undefined once the run is stopping; throws what the route throws.
   */
  private async lease(op: ConcreteOp): Promise<PeerLease | undefined> {
    const noPeerBackoffMs = this.opts.noPeerBackoffMs ?? 25;
    const pinned = this.opts.route?.(op);
    let lease = this.chooser.acquire(pinned);
    while (!lease && !this.stopping) {
      this.noPeerWaits++;
      await this.sleep(noPeerBackoffMs);
      lease = this.chooser.acquire(pinned);
    }
    return lease;
  }

  /**
   * One logical call: the first try on `first`, then, with retries on, further tries while the answer is
   * retryable, tries remain and the run is not stopping. Recorded as one op (invoked at the first try,
   * completed at the last) and counted as one call; every try feeds its peer's breaker and `statuses`.
   */
  private async call(client: number, op: ConcreteOp, first: PeerLease): Promise<void> {
    this.inFlight++;
    const maxAttempts = this.opts.retry?.attempts ?? 1;
    const tries: Try[] = [];
    let lease: PeerLease | undefined = first;
    const t0 = performance.now();
    let answeredAt = t0;
    const attemptAll = async (): Promise<Attempt> => {
      for (;;) {
        const peer: string = lease!.peer;
        const attempt = await this.send(peer, op);
        answeredAt = performance.now();
        lease!.release(!('error' in attempt) && attempt.status < 500);
        tries.push({ peer, attempt, atMs: this.clock.nowMs() });
        if (tries.length >= maxAttempts || this.stopping || !isRetryable(attempt)) return attempt;
        const retryAfter = 'error' in attempt ? undefined : retryAfterMs(attempt.headers['retry-after']);
        await this.sleep(retryDelayMs(tries.length, retryAfter, this.opts.retry!, this.rng));
        if (this.stopping) return attempt;
        try {
          lease = await this.lease(op);
        } catch (error) {
          // A throwing route ends the run; this call ends with the answer it has.
          lease = undefined;
          this.failure ??= error instanceof Error ? error : new Error(String(error));
          this.halt();
        }
        if (!lease) return attempt;
      }
    };
    const retrying = this.opts.retry !== undefined;
    const classify = (final: Attempt) => {
      const { outcome, earlierMaybe } = callOutcome(tries);
      const last = tries.at(-1)?.peer ?? first.peer;
      const after = tries.length > 1 ? ` after ${tries.length} attempts` : '';
      const maybe = earlierMaybe ? '; an earlier attempt may have taken effect' : '';
      // `target` becomes the peer of the final answer (the op was invoked with the first one): a call
      // acknowledged after a retry was acknowledged by that peer. OpHistory.record assigns these fields.
      const moved = last !== first.peer ? { target: last } : {};
      if ('error' in final) return { outcome, error: `${final.error.message}${after}${maybe}`, ...moved };
      const result = retrying ? { ...resultOf(final), attempts: tries.length } : resultOf(final);
      if (outcome === 'ok') {
        this.remember(client, op, result);
        return { outcome, result, ...moved };
      }
      return { outcome, result, error: `HTTP ${final.status} ${final.headers['rpc-status'] ?? ''}`.trim() + after + maybe, ...moved };
    };
    try {
      const attempt = this.opts.history
        ? await this.opts.history.record(
            { process: `vc-${client}`, f: op.procedure, target: first.peer, ...(op.shardKey ? { shardKey: op.shardKey } : {}), value: op.body },
            attemptAll,
            classify,
          )
        : await attemptAll();
      // The latency of a logical call runs from its first try to its final answer, backoffs included.
      const latencyUs = tries.length > 1 ? (answeredAt - t0) * 1000 : attempt.latencyUs;
      this.count(op.procedure, callOutcome(tries).outcome, { ...attempt, latencyUs }, tries);
    } catch (error) {
      // attemptAll() never rejects: this is a failing history hook, and it must not hang the run.
      lease?.release(false);
      const failed: Try = { peer: lease?.peer ?? first.peer, attempt: { error: error as Error, latencyUs: 0 }, atMs: this.clock.nowMs() };
      this.count(op.procedure, 'info', failed.attempt, tries.length > 0 ? tries : [failed]);
    } finally {
      this.inFlight--;
    }
  }

  /** One logical call: its outcome, latency and procedure; each try's peer outcome and status. */
  private count(procedure: string, outcome: Outcome, final: Attempt, tries: readonly Try[]): void {
    this.total[outcome]++;
    this.windowCalls++;
    this.attemptsTotal += tries.length;
    this.windowRetries += tries.length - 1;
    if (outcome === 'ok' && tries.length > 1) this.retriedOk++;
    let proc = this.procedures.get(procedure);
    if (!proc) this.procedures.set(procedure, (proc = { counts: counts(), latency: histogram() }));
    proc.counts[outcome]++;
    for (const { peer, attempt, atMs } of tries) {
      let perPeer = this.peerCounts.get(peer);
      if (!perPeer) this.peerCounts.set(peer, (perPeer = counts()));
      perPeer[tries.length === 1 ? outcome : outcomeOfTry(attempt)]++;
      const status = 'error' in attempt ? transportFailure(attempt.error) : String(attempt.status);
      this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
      const second = Math.max(0, Math.floor((atMs - this.startedAtMs) / 1000));
      this.triesPerSecond[second] = (this.triesPerSecond[second] ?? 0) + 1;
      if (status === 'timeout' && (this.firstTimeoutAtMs === undefined || atMs < this.firstTimeoutAtMs)) this.firstTimeoutAtMs = atMs;
      const pressured = 'error' in attempt ? undefined : attempt.headers[EXT.throttledHeader];
      if (pressured !== undefined) this.countThrottled(attempt as Extract<Attempt, { headers: unknown }>, pressured, atMs);
    }
    if (!('error' in final)) {
      const us = Math.max(1, Math.round(final.latencyUs));
      this.overall.recordValue(us);
      this.window.recordValue(us);
      proc.latency.recordValue(us);
      this.requests.recordValue(Math.max(1, Math.round(final.latencyUs - (final.waitUs ?? 0))));
    }
  }

  private countThrottled(answer: { headers: Record<string, string> }, pressured: string, atMs: number): void {
    const t = this.throttled;
    t.tries++;
    const by = answer.headers[EXT.answeredByHeader] ?? '(unnamed)';
    t.byNode.set(by, (t.byNode.get(by) ?? 0) + 1);
    if (!(atMs >= (t.firstAtMsByNode.get(by) ?? Infinity))) t.firstAtMsByNode.set(by, atMs);
    t.byPressured.set(pressured, (t.byPressured.get(pressured) ?? 0) + 1);
    // Calls end out of order: the earliest answer wins, not the first one counted.
    if (t.firstAtMs === undefined || atMs < t.firstAtMs) {
      t.firstAtMs = atMs;
      t.firstRetryAfter = answer.headers['retry-after'];
    }
  }

  /** One POST; never rejects: no answer within the timeout, or a socket error, is an Attempt with `error`. */
  private send(peerId: string, op: ConcreteOp): Promise<Attempt> {
    const t0 = performance.now();
    let pool: Http1Pool;
    let body: string;
    try {
      const peer = this.resolvePeers().find((p) => p.id === peerId);
      if (!peer) throw new Error(`peer "${peerId}" is no longer among the driver's peers`);
      pool = this.pool(peer);
      body = JSON.stringify(op.body) ?? 'null';
    } catch (error) {
      return Promise.resolve({ error: error as Error, latencyUs: 0 });
    }
    // Procedure and shard key are checked for line breaks when the traffic file is read.
    const head =
      `POST / HTTP/1.1\r\nHost: ${pool.hostHeader}\r\n${this.fixedHeaders}Rpc-Procedure: ${op.procedure}\r\n` +
      `${op.shardKey !== undefined ? `Rpc-Shard-Key: ${op.shardKey}\r\n` : ''}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    return new Promise<Attempt>((resolve) => {
      let conn: Http1Connection | undefined;
      const use = (c: Http1Connection) => {
        conn = c;
        // Handed a connection (idle, or opened for this try): the wait for it ends when the request is written.
        let waitUs: number | undefined;
        c.request(
          head + body,
          (answer) => {
            clearTimeout(timer);
            const latencyUs = (performance.now() - t0) * 1000;
            const waited = waitUs === undefined ? {} : { waitUs };
            if (answer instanceof Error) return resolve({ error: answer, latencyUs, ...waited });
            pool.release(c);
            resolve({ ...answer, latencyUs, ...waited });
          },
          () => (waitUs = (performance.now() - t0) * 1000),
        );
      };
      // The timeout covers waiting for a connection too.
      const timer = setTimeout(() => {
        const error = new TransportError(`timeout after ${this.callTimeoutMs} ms`, 'timeout');
        if (conn) return conn.abort(error);
        pool.cancel(use);
        resolve({ error, latencyUs: (performance.now() - t0) * 1000 });
      }, this.callTimeoutMs);
      pool.acquire(use);
    });
  }

  /** What each client last saw of each key, for the traffic's `{seen}` and `{seenVersion}`. */
  private readonly seen = new Map<number, Map<string, Seen>>();

  private remember(client: number, op: ConcreteOp, result: unknown): void {
    const saw = observed(op, result);
    if (!saw) return;
    let mine = this.seen.get(client);
    if (!mine) this.seen.set(client, (mine = new Map()));
    mine.set(saw.key, saw);
  }

  private pool(peer: DriverPeer): Http1Pool {
    const known = this.pools.get(peer.baseUrl);
    if (known) return known;
    let url: URL;
    try {
      url = new URL(peer.baseUrl);
    } catch {
      throw new Error(`peer ${peer.id}: baseUrl "${peer.baseUrl}" is not a URL`);
    }
    if (url.protocol !== 'http:') throw new Error(`peer ${peer.id}: baseUrl "${peer.baseUrl}" must be http://`);
    if (!LOOPBACK.test(url.hostname) && url.hostname !== this.opts.engineHost)
      throw new Error(
        `peer ${peer.id}: baseUrl "${peer.baseUrl}" is neither a loopback address nor the engine host; the load driver only sends to the suite's own containers`,
      );
    const pool = new Http1Pool(url.hostname === '[::1]' ? '::1' : url.hostname, Number(url.port || 80), url.host, this.opts.maxConnectingPerPeer ?? 128);
    this.pools.set(peer.baseUrl, pool);
    return pool;
  }

  /** A pause that stop() cuts short. */
  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}

/** The history's result of a raw answer: its body parsed as JSON (else the text), as `resultOfAnswer` keeps it. */
function resultOf(a: { headers: Record<string, string>; body: Buffer }): Record<string, unknown> {
  const text = a.body.toString('utf8');
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return resultOfAnswer(parsed, a.headers);
}

function sortedRecord(counts: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
}
