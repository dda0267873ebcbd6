// Observes every scope's holder in etcd once per election loop: publishes Observed when another
// node becomes holder and SteppedDown/Expired when one goes (this node's own transitions are the
// holder's to publish), keeps the vacancy history the campaign rules and the election-duration
// histogram need, and counts split-brain episodes.
import type { Logger } from '../log';
import type { RelayMetrics } from '../metrics';
import type { ScopeHistory } from './campaign-rules';
import type { LeadershipEvents } from './events';
import type { EtcdLeaseStore, HeldLease } from './lease-store';
import { sameLease, scopeMetricLabels, toToken } from './tokens';
import { clock } from '../clock';
import { LeadershipEventKind, type LeaseToken } from './types';

/** One read of every lease: holders with (wall-clock) expiries counted from the ask, at an etcd revision, read at `atMs` (monotonic). */
export interface Observation {
  leases: ReadonlyMap<string, LeaseToken>;
  revision: number;
  atMs: number;
}

/** What the observer needs to know about the leases this process holds. */
export interface OwnLeases {
  readonly held: ReadonlyMap<string, HeldLease>;
  isOwn(token: LeaseToken): boolean;
}

export interface ObserverOptions {
  nodeId: string;
  campaignScopes: readonly string[];
  electionIntervalMs: number;
  metrics: RelayMetrics;
}

export class LeaseObserver {
  private observed = new Map<string, LeaseToken>();
  private observedAtMs = 0;
  private readonly histories = new Map<string, ScopeHistory>();
  private readonly splitBrainEpisodes = new Set<string>();
  /** Term and fence of the last holder seen per scope (seeded defect leader-without-quorum builds on them). */
  private readonly lastKnownLeases = new Map<string, { term: number; fenceToken: number }>();

  constructor(
    private readonly store: EtcdLeaseStore,
    private readonly events: LeadershipEvents,
    private readonly log: Logger,
    private readonly options: ObserverOptions,
  ) {
    for (const scope of options.campaignScopes) this.seedSplitBrainSeries(scope);
  }

  async read(): Promise<Observation> {
    // etcd measured the remaining TTLs somewhere between the ask and the answer. Counted from the ask,
    // an expiry is never later than the truth, even when the answer is read long after (this process
    // was paused with the answer in its socket): counted from the answer, a lease revoked meanwhile
    // showed up again as a current holder, here and in /control/leaders.
    const askedAt = clock.now();
    const { leases, revision } = await this.store.observeAll();
    const atMs = clock.monotonic();
    const next = new Map<string, LeaseToken>();
    for (const lease of leases) next.set(lease.scope, toToken(lease, askedAt + lease.remainingMs));
    return { leases: next, revision, atMs };
  }

  /** Publishes what changed for holders other than this process, then takes `observation` as current. */
  async apply(observation: Observation, own: OwnLeases): Promise<void> {
    const next = observation.leases;
    for (const [scope, previous] of this.observed) {
      const current = next.get(scope);
      if (!sameLease(current, previous) && !own.isOwn(previous)) await this.publishEnd(previous);
    }
    for (const [scope, current] of next) {
      const previous = this.observed.get(scope);
      if (!sameLease(previous, current) && !own.isOwn(current)) {
        this.events.publish(
          LeadershipEventKind.Observed,
          scope,
          current,
          current.leaderId === this.options.nodeId ? 'held-by-previous-incarnation' : undefined,
        );
      }
    }
    // A lease of this process that it no longer holds is not shown as a holder: it stepped down (maybe
    // while this read was in flight), and /control/leaders naming it would say it still acts as leader.
    this.observed = new Map([...next].filter(([scope, token]) => !own.isOwn(token) || own.held.get(scope)?.fenceToken === token.fenceToken));
    this.observedAtMs = observation.atMs;
    this.updateHistory(next, own.held, observation.atMs);
  }

  /** Holders as last observed (this node's own leases too, with etcd's remaining TTL). */
  holders(): ReadonlyMap<string, LeaseToken> {
    return this.observed;
  }

  /** The holder of `scope` when the last observation is recent and its lease has not run out. */
  freshHolder(scope: string): LeaseToken | undefined {
    const seen = this.observed.get(scope);
    const fresh = clock.monotonic() - this.observedAtMs < 2 * this.options.electionIntervalMs;
    return seen && fresh && Date.parse(seen.expiresAt) > clock.now() ? seen : undefined;
  }

  /** A lease this node no longer acts on must not linger in /control/leaders as its last observation. */
  forget(lease: HeldLease): void {
    const seen = this.observed.get(lease.scope);
    if (seen && sameLease(seen, toToken(lease, 0))) this.observed.delete(lease.scope);
  }

  history(scope: string): ScopeHistory | undefined {
    return this.histories.get(scope);
  }

  lastKnown(scope: string): { term: number; fenceToken: number } | undefined {
    return this.lastKnownLeases.get(scope);
  }

  /** This node acquired `lease`: the scope is no longer vacant. */
  noteAcquired(lease: HeldLease): void {
    this.lastKnownLeases.set(lease.scope, { term: lease.term, fenceToken: lease.fenceToken });
    this.noteHolder(lease.scope, lease.leaderId, clock.monotonic());
  }

  /** This node still acts on `lease` while etcd shows `seen`: two holders in one observation. */
  countSplitBrain(scope: string, lease: HeldLease, seen: LeaseToken): void {
    if (Date.parse(seen.expiresAt) <= clock.now() || lease.expiresAtMs <= this.store.clock.now()) return;
    const episode = `${scope}#${lease.leaderId}@${lease.fenceToken}#${seen.leaderId}@${seen.fenceToken}`;
    if (this.splitBrainEpisodes.has(episode)) return;
    this.splitBrainEpisodes.add(episode);
    this.options.metrics.leadershipSplitBrain.inc(scopeMetricLabels(scope));
    this.log.warn('split brain: this node and another both hold the scope', {
      scope,
      self: { fenceToken: lease.fenceToken, term: lease.term },
      other: { leaderId: seen.leaderId, fenceToken: seen.fenceToken, term: seen.term },
    });
  }

  /**
   * Vacancy bookkeeping for the campaign rules and the election-duration histogram. `now`: monotonic ms
   * of the observation (vacancies and election durations are measured on it).
   */
  private updateHistory(next: ReadonlyMap<string, LeaseToken>, held: ReadonlyMap<string, HeldLease>, now: number): void {
    const scopes = new Set([...this.options.campaignScopes, ...next.keys(), ...held.keys(), ...this.histories.keys()]);
    for (const scope of scopes) {
      this.seedSplitBrainSeries(scope);
      // A lease past its expiry is vacant, though etcd may not have deleted its key yet (its lessor
      // revokes expired leases about twice a second): counted as held, a node could campaign into that
      // gap without ever having noted the vacancy.
      const seen = next.get(scope);
      // expiresAt is a wall-clock instant; `now` is monotonic (history times are durations).
      const holder = held.get(scope) ?? (seen && Date.parse(seen.expiresAt) > clock.now() ? seen : undefined);
      if (holder) {
        if (!(holder as HeldLease).selfDeclared) this.lastKnownLeases.set(scope, { term: holder.term, fenceToken: holder.fenceToken });
        this.noteHolder(scope, holder.leaderId, now);
      } else {
        this.historyOf(scope).vacantSinceMs ??= now;
      }
    }
  }

  private noteHolder(scope: string, leaderId: string, now: number): void {
    const history = this.historyOf(scope);
    if (history.vacantSinceMs !== undefined) {
      this.options.metrics.leadershipElectionDuration.observe(scopeMetricLabels(scope), Math.max(0, now - history.vacantSinceMs));
      delete history.vacantSinceMs;
    }
    history.everHeld = true;
    if (leaderId !== this.options.nodeId) history.observedOther = true;
  }

  private historyOf(scope: string): ScopeHistory {
    let history = this.histories.get(scope);
    if (!history) {
      history = { everHeld: false, observedOther: false };
      this.histories.set(scope, history);
    }
    return history;
  }

  private seedSplitBrainSeries(scope: string): void {
    this.options.metrics.leadershipSplitBrain.inc(scopeMetricLabels(scope), 0);
  }

  /** A holder other than this process is gone: released cleanly (marker matches), revoked, or expired. */
  private async publishEnd(previous: LeaseToken): Promise<void> {
    const markers = await this.store.endMarkers(previous.scope).catch(() => ({}) as Awaited<ReturnType<EtcdLeaseStore['endMarkers']>>);
    if (markers.released?.fenceToken === previous.fenceToken) {
      this.events.publish(LeadershipEventKind.SteppedDown, previous.scope, previous, 'released');
    } else if (markers.revoked?.fenceToken === previous.fenceToken) {
      this.events.publish(LeadershipEventKind.Expired, previous.scope, previous, `revoked by ${markers.revoked.revokedBy}`);
    } else {
      this.events.publish(LeadershipEventKind.Expired, previous.scope, previous, 'LeaseExpired');
    }
  }
}
