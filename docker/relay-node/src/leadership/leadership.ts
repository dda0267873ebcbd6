// Campaigns for this node's scopes, renews what it holds, and observes every scope's holder.
//
// One loop per election interval (plus jitter): observe all leases, then campaign for vacant
// eligible scopes (subject to campaign-rules.ts: the global standby of regional leaders, the
// hold-off after a release on request, seeded defects). Each held lease has its own renewal loop
// (keep-alive every ttl/3) that stops acting as leader once the conservative local deadline passes
// without a successful renewal, so a paused or partitioned holder steps down before etcd can hand
// the scope to someone else; a renewal that finds the lease gone steps down at once.
//
// Promotion (feature:mesh-promotion) and release on request live here too; the HTTP side (asking
// the incumbent over the network) is passed in as a function.
import { setTimeout as sleep } from 'node:timers/promises';
import type { DefectName } from '../defects';
import type { Logger } from '../log';
import { errorMessage } from '../log';
import type { RelayMetrics } from '../metrics';
import { campaignDecision, type ScopeHistory } from './campaign-rules';
import type { LeadershipEvents } from './events';
import type { EtcdLeaseStore, HeldLease, StoredLease } from './lease-store';
import { scopeKind, scopeKindName, scopeLabels } from './scopes';
import { LeadershipEventKind, type LeaseToken } from './types';

export interface LeadershipOptions {
  nodeId: string;
  region: string;
  /** Scopes the node was declared eligible for (RELAY_ELIGIBLE_SCOPES): promotion and standby use these. */
  eligibleScopes: readonly string[];
  /** Scopes this node campaigns for (after any seeded defect has been applied). */
  campaignScopes: readonly string[];
  ttlSeconds: number;
  electionIntervalMs: number;
  jitter: { minMs: number; maxMs: number };
  globalStandbyMs: number;
  defects: ReadonlySet<DefectName>;
  metrics: RelayMetrics;
  /** Campaign only while this holds (own gossip status Alive, etcd reachable, not draining). */
  canCampaign: () => boolean;
  /** When an etcd call last succeeded (seeded defect leader-without-quorum). */
  etcdLastOkMs: () => number | undefined;
}

export type PromotionMethod = 'released' | 'revoked' | 'vacant' | 'held';

export interface PromotionResult {
  scope: string;
  previousLeaderId?: string;
  leaderId: string;
  term: number;
  fenceToken: number;
  method: PromotionMethod;
}

/** Failure of a control operation, with the HTTP status the route answers. */
export class ControlError extends Error {
  override readonly name = 'ControlError';

  constructor(
    readonly httpStatus: 400 | 409 | 503,
    message: string,
  ) {
    super(message);
  }
}

/** Asks the incumbent to release: `released` (it did), `refused` (it answered otherwise), `no-answer`. */
export type ReleaseAsker = (holder: StoredLease) => Promise<'released' | 'refused' | 'no-answer'>;

export class LeadershipService {
  private readonly held = new Map<string, HeldLease>();
  /** `${scope}#${fence}` of every lease this process acquired: its own transitions are published here, not by the observer. */
  private readonly ownLeases = new Set<string>();
  private observed = new Map<string, LeaseToken>();
  private observedAtMs = 0;
  private observing = true;
  private readonly history = new Map<string, ScopeHistory>();
  private readonly holdOffUntil = new Map<string, number>();
  private readonly promoting = new Set<string>();
  private readonly splitBrainEpisodes = new Set<string>();
  /** Term and fence of the last holder seen per scope (seeded defect leader-without-quorum builds on them). */
  private readonly lastKnown = new Map<string, { term: number; fenceToken: number }>();
  private readonly startedAtMs = Date.now();
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly store: EtcdLeaseStore,
    private readonly events: LeadershipEvents,
    private readonly log: Logger,
    private readonly options: LeadershipOptions,
  ) {
    for (const scope of options.campaignScopes) this.seedSplitBrainSeries(scope);
  }

  start(): void {
    this.loop ??= this.run();
  }

  get nodeId(): string {
    return this.options.nodeId;
  }

  /** Current holders as this node sees them; its own leases carry its precise local expiry. */
  tokens(scope?: string): LeaseToken[] {
    const merged = new Map(this.observed);
    for (const [name, lease] of this.held) merged.set(name, toToken(lease, lease.expiresAtMs));
    return [...merged.values()].filter((token) => scope === undefined || token.scope === scope).sort((a, b) => a.scope.localeCompare(b.scope));
  }

  /** The lease this node may act on for `scope`, only while its local deadline has not passed. */
  holds(scope: string): HeldLease | undefined {
    const lease = this.held.get(scope);
    return lease && Date.now() < lease.expiresAtMs - this.guardMs ? lease : undefined;
  }

  /**
   * A fenced write found that `lease` is no longer the scope's lease in etcd: stop acting on it
   * (unless the no-step-down defect is seeded).
   */
  deposed(lease: HeldLease, reason: 'superseded' | 'revoked'): void {
    if (this.has('no-step-down')) {
      this.log.warn('no-step-down: deposed but keeps acting', { scope: lease.scope, fenceToken: lease.fenceToken });
      return;
    }
    this.stepDown(lease, LeadershipEventKind.Lost, reason);
  }

  /** Stops campaigning and releases every held lease (event SteppedDown, reason `shutdown`). */
  async stop(reason = 'shutdown', timeoutMs = 1500): Promise<void> {
    this.abort.abort();
    if (this.has('no-release-on-shutdown')) {
      this.log.warn('no-release-on-shutdown: exiting without releasing', { scopes: [...this.held.keys()] });
      return;
    }
    const releases = [...this.held.values()].map(async (lease) => {
      this.held.delete(lease.scope);
      this.forgetObserved(lease);
      this.events.publish(LeadershipEventKind.SteppedDown, lease.scope, toToken(lease, Date.now()), reason);
      if (lease.selfDeclared) return;
      try {
        const released = await this.store.release(lease);
        if (!released) this.log.warn('release found a newer holder', { scope: lease.scope, fenceToken: lease.fenceToken });
      } catch (error) {
        this.log.warn('release failed; the lease will expire instead', { scope: lease.scope, error: errorMessage(error) });
      }
    });
    await Promise.race([Promise.all(releases), sleep(timeoutMs, undefined, { ref: false })]);
  }

  /**
   * `POST /control/leaders/release`: releases `scope` only if this node holds exactly `fenceToken`
   * (event SteppedDown, reason `released`), then leaves the scope alone for one lease TTL so the
   * node that asked can take it.
   */
  async releaseOnRequest(scope: string, fenceToken: number): Promise<LeaseToken> {
    const lease = this.held.get(scope);
    if (!lease || lease.fenceToken !== fenceToken || lease.selfDeclared) {
      const mine = lease ? `this node holds fence ${lease.fenceToken}` : 'this node does not hold it';
      throw new ControlError(409, `not releasing ${scope} fence ${fenceToken}: ${mine}`);
    }
    // Stop acting first, then release in etcd; the event says what etcd made of it.
    this.held.delete(scope);
    this.forgetObserved(lease);
    this.holdOffUntil.set(scope, Date.now() + this.ttlMs);
    const token = toToken(lease, Date.now());
    let released: boolean;
    try {
      released = await this.store.release(lease);
    } catch (error) {
      this.events.publish(LeadershipEventKind.SteppedDown, scope, token, 'released (etcd unreachable: the lease will expire)');
      throw new ControlError(503, `stepped down, but etcd is unreachable (${errorMessage(error)}): the lease will expire instead`);
    }
    if (!released) {
      // Asked too late (e.g. a paused node resuming): the lease was already revoked or taken over.
      const holder = await this.store.readHolder(scope).catch(() => undefined);
      this.events.publish(LeadershipEventKind.Lost, scope, token, holder ? 'superseded' : 'revoked');
      throw new ControlError(409, `stepped down, but etcd no longer had fence ${fenceToken} for ${scope}`);
    }
    this.events.publish(LeadershipEventKind.SteppedDown, scope, token, 'released');
    return token;
  }

  /**
   * `POST /control/leaders/promote`: makes this node the holder of `scope`. An incumbent is first
   * asked to release; one that does not answer has its etcd lease revoked (operator override).
   * Then this node acquires normally: term + 1, new create_revision, so a higher fence.
   */
  async promote(scope: string, askRelease: ReleaseAsker): Promise<PromotionResult> {
    if (!this.options.eligibleScopes.includes(scope)) {
      throw new ControlError(409, `${this.options.nodeId} is not eligible for ${scope} (eligible: ${this.options.eligibleScopes.join(', ') || 'none'})`);
    }
    if (this.abort.signal.aborted) throw new ControlError(503, 'node is shutting down');
    if (this.promoting.has(scope)) throw new ControlError(409, `a promotion for ${scope} is already in progress on this node`);
    const mine = this.holds(scope);
    if (mine) return { scope, previousLeaderId: mine.leaderId, ...resultOf(mine), method: 'held' };
    this.promoting.add(scope);
    try {
      return await this.promoteSteps(scope, askRelease);
    } finally {
      this.promoting.delete(scope);
    }
  }

  private async promoteSteps(scope: string, askRelease: ReleaseAsker): Promise<PromotionResult> {
    let lastHolder: StoredLease | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const holder = await this.etcdOr503(() => this.store.readHolder(scope));
      lastHolder = holder;
      const stale = this.held.get(scope);
      if (stale) this.stepDown(stale, LeadershipEventKind.Lost, 'superseded'); // past its local deadline: start afresh

      if (holder && this.has('promotion-unfenced')) {
        const lease = await this.etcdOr503(() => this.store.overwriteInPlace(holder));
        if (!lease) continue;
        this.adopt(lease, 'promoted');
        return { scope, previousLeaderId: holder.leaderId, ...resultOf(lease), method: 'released' };
      }

      let method: PromotionMethod = 'vacant';
      if (holder) {
        const answer = holder.leaderId === this.options.nodeId ? 'refused' : await askRelease(holder);
        if (answer === 'released') {
          method = 'released';
        } else {
          // Seeded defect promotion-revoke-wrong-lease: the revoke names the incumbent's fence where its
          // etcd lease id belongs, which etcd does not know (a no-op); the promotion then waits for the
          // key to go, which happens only when the incumbent's lease runs out.
          const wrongLease = this.has('promotion-revoke-wrong-lease');
          await this.etcdOr503(() => this.store.revokeHolder(wrongLease ? { ...holder, etcdLeaseId: String(holder.fenceToken) } : holder, this.options.nodeId));
          if (wrongLease) await this.untilVacant(scope, this.ttlMs + 1_000);
          method = 'revoked';
          this.log.warn("promotion: incumbent's lease revoked (operator override)", {
            scope,
            incumbent: holder.leaderId,
            fenceToken: holder.fenceToken,
            answer,
          });
        }
      }
      const result = await this.etcdOr503(() => this.store.tryAcquire(scope));
      if (result.acquired) {
        this.adopt(result.lease, 'promoted');
        return { scope, ...(holder ? { previousLeaderId: holder.leaderId } : {}), ...resultOf(result.lease), method };
      }
      this.log.info('promotion: another node took the scope meanwhile; retrying', { scope, holder: result.holder?.leaderId });
    }
    throw new ControlError(409, `could not acquire ${scope}: ${lastHolder?.leaderId ?? 'another node'} kept taking it`);
  }

  /** Polls etcd until nobody holds `scope`, or `timeoutMs` passes. */
  private async untilVacant(scope: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && (await this.etcdOr503(() => this.store.readHolder(scope))) !== undefined) await sleep(100);
  }

  private async etcdOr503<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new ControlError(503, `etcd unreachable: ${errorMessage(error)}`);
    }
  }

  private get ttlMs(): number {
    return this.options.ttlSeconds * 1000;
  }

  /** Step down this long before the local deadline, to absorb timer and clock-rate slack. */
  private get guardMs(): number {
    return Math.min(250, this.ttlMs / 10);
  }

  private has(defect: DefectName): boolean {
    return this.options.defects.has(defect);
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        await this.observe();
        if (!this.observing) this.log.info('leadership observation recovered');
        this.observing = true;
      } catch (error) {
        if (this.observing) this.log.warn('leadership observation failed', { error: errorMessage(error) });
        this.observing = false;
      }
      if (!signal.aborted && this.has('leader-without-quorum')) this.declareWithoutQuorum();
      if (!signal.aborted && this.options.canCampaign()) {
        for (const scope of this.options.campaignScopes) {
          if (signal.aborted) break;
          const decision = campaignDecision({
            scope,
            region: this.options.region,
            eligible: this.options.eligibleScopes,
            held: new Set([...this.held.keys()].filter((name) => this.holds(name))),
            history: this.history.get(scope),
            nowMs: Date.now(),
            ttlMs: this.ttlMs,
            globalStandbyMs: this.options.globalStandbyMs,
            holdOffUntilMs: this.holdOffUntil.get(scope),
            slowCampaign: this.has('slow-campaign'),
            campaignOnce: this.has('campaign-once'),
          });
          if (decision.campaign) await this.campaign(scope);
        }
      }
      const { minMs, maxMs } = this.options.jitter;
      const delay = this.options.electionIntervalMs + minMs + Math.random() * (maxMs - minMs);
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
  }

  private async observe(): Promise<void> {
    // etcd measured the remaining TTLs somewhere between the ask and the answer. Counted from the ask,
    // an expiry is never later than the truth, even when the answer is read long after (this process
    // was paused with the answer in its socket): counted from the answer, a lease revoked meanwhile
    // showed up again as a current holder, here and in /control/leaders.
    const askedAt = Date.now();
    const { leases, revision } = await this.store.observeAll();
    const now = Date.now();
    const next = new Map<string, LeaseToken>();
    for (const lease of leases) next.set(lease.scope, toToken(lease, askedAt + lease.remainingMs));

    for (const [scope, lease] of this.held) {
      if (lease.selfDeclared) {
        // leader-without-quorum: etcd answers again, so the self-declared lease is dropped.
        this.stepDown(lease, LeadershipEventKind.Lost, 'etcd reachable again');
        continue;
      }
      // A read served at or after our acquisition that no longer shows our key means we lost it.
      const seen = next.get(scope);
      if (revision >= lease.fenceToken && (seen?.fenceToken !== lease.fenceToken || seen.leaderId !== lease.leaderId)) {
        if (this.has('no-step-down')) {
          if (seen) this.countSplitBrain(scope, lease, seen);
          continue;
        }
        // Gone before our own deadline: someone revoked it (an operator override), not an expiry.
        const reason = seen ? 'superseded' : now < lease.expiresAtMs ? 'revoked' : 'LeaseExpired: lease key gone';
        this.stepDown(lease, LeadershipEventKind.Lost, reason);
      }
    }

    for (const [scope, previous] of this.observed) {
      const current = next.get(scope);
      if (!sameLease(current, previous) && !this.isOwn(previous)) await this.publishEnd(previous);
    }
    for (const [scope, current] of next) {
      const previous = this.observed.get(scope);
      if (!sameLease(previous, current) && !this.isOwn(current)) {
        this.events.publish(
          LeadershipEventKind.Observed,
          scope,
          current,
          current.leaderId === this.options.nodeId ? 'held-by-previous-incarnation' : undefined,
        );
      }
    }
    this.observed = next;
    this.observedAtMs = now;
    this.updateHistory(next, now);
  }

  /** Vacancy bookkeeping for the campaign rules and the election-duration histogram. */
  private updateHistory(next: ReadonlyMap<string, LeaseToken>, now: number): void {
    const scopes = new Set([...this.options.campaignScopes, ...next.keys(), ...this.held.keys(), ...this.history.keys()]);
    for (const scope of scopes) {
      this.seedSplitBrainSeries(scope);
      // A lease past its expiry is vacant, though etcd may not have deleted its key yet (its lessor
      // revokes expired leases about twice a second): counted as held, a node could campaign into that
      // gap without ever having noted the vacancy.
      const seen = next.get(scope);
      const holder = this.held.get(scope) ?? (seen && Date.parse(seen.expiresAt) > now ? seen : undefined);
      if (holder) {
        if (!(holder as HeldLease).selfDeclared) this.lastKnown.set(scope, { term: holder.term, fenceToken: holder.fenceToken });
        this.noteHolder(scope, holder.leaderId, now);
      } else {
        const history = this.historyOf(scope);
        history.vacantSinceMs ??= now;
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
    let history = this.history.get(scope);
    if (!history) {
      history = { everHeld: false, observedOther: false };
      this.history.set(scope, history);
    }
    return history;
  }

  private seedSplitBrainSeries(scope: string): void {
    this.options.metrics.leadershipSplitBrain.inc(scopeMetricLabels(scope), 0);
  }

  /** This node still acts on `lease` while etcd shows `seen`: two holders in one observation. */
  private countSplitBrain(scope: string, lease: HeldLease, seen: LeaseToken): void {
    if (Date.parse(seen.expiresAt) <= Date.now() || lease.expiresAtMs <= Date.now()) return;
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

  private async campaign(scope: string): Promise<void> {
    if (this.held.has(scope) || this.promoting.has(scope)) return;
    const seen = this.observed.get(scope);
    const fresh = Date.now() - this.observedAtMs < 2 * this.options.electionIntervalMs;
    if (seen && fresh && Date.parse(seen.expiresAt) > Date.now()) return; // someone holds it; save etcd the txn
    try {
      const result = await this.store.tryAcquire(scope);
      if (!result.acquired) {
        if (result.holder) this.log.debug('campaign: LeaseHeld', { scope, holder: result.holder.leaderId });
        return;
      }
      const lease = result.lease;
      if (this.abort.signal.aborted || this.held.has(scope)) {
        await this.store.release(lease).catch(() => undefined);
        return;
      }
      this.adopt(lease, 'acquired');
    } catch (error) {
      this.log.debug('campaign failed', { scope, reason: 'StoreUnavailable', error: errorMessage(error) });
    }
  }

  /** Starts acting on a freshly acquired lease: Elected event, history, renewal loop. */
  private adopt(lease: HeldLease, reason: 'acquired' | 'promoted'): void {
    this.held.set(lease.scope, lease);
    this.ownLeases.add(ownKey(lease));
    this.holdOffUntil.delete(lease.scope);
    this.lastKnown.set(lease.scope, { term: lease.term, fenceToken: lease.fenceToken });
    this.noteHolder(lease.scope, lease.leaderId, Date.now());
    const transition = reason === 'promoted' ? 'promoted' : undefined;
    this.events.publish(LeadershipEventKind.Elected, lease.scope, toToken(lease, lease.expiresAtMs), reason, transition);
    void this.renewLoop(lease);
  }

  /**
   * Seeded defect leader-without-quorum: once no etcd call has succeeded for more than one
   * election interval, claim every campaign scope not held, without etcd.
   */
  private declareWithoutQuorum(): void {
    const now = Date.now();
    const lastOk = this.options.etcdLastOkMs() ?? this.startedAtMs;
    if (now - lastOk <= this.options.electionIntervalMs) return;
    for (const scope of this.options.campaignScopes) {
      const lease = this.held.get(scope);
      if (lease) {
        if (lease.selfDeclared) lease.expiresAtMs = now + this.ttlMs;
        continue;
      }
      const last = this.lastKnown.get(scope);
      const declared: HeldLease = {
        scope,
        leaderId: this.options.nodeId,
        term: (last?.term ?? 0) + 1,
        fenceToken: (last?.fenceToken ?? 0) + 1,
        issuedAt: new Date(now).toISOString(),
        etcdLeaseId: '',
        expiresAtMs: now + this.ttlMs,
        selfDeclared: true,
      };
      this.held.set(scope, declared);
      this.ownLeases.add(ownKey(declared));
      this.events.publish(LeadershipEventKind.Elected, scope, toToken(declared, declared.expiresAtMs), 'etcd-unreachable');
    }
  }

  private async renewLoop(lease: HeldLease): Promise<void> {
    const signal = this.abort.signal;
    const every = this.ttlMs / 3;
    const noStepDown = this.has('no-step-down');
    let wait = every;
    while (!signal.aborted && this.held.get(lease.scope) === lease) {
      const deadline = lease.expiresAtMs - this.guardMs;
      await sleep(Math.max(0, Math.min(wait, deadline - Date.now())), undefined, { signal }).catch(() => undefined);
      if (signal.aborted || this.held.get(lease.scope) !== lease) return;
      if (Date.now() >= deadline) {
        if (noStepDown) {
          this.keepActing(lease, 'deadline passed without renewal');
          continue;
        }
        this.stepDown(lease, LeadershipEventKind.Lost, 'LeaseExpired: not renewed before the deadline');
        return;
      }
      try {
        // Never wait on etcd past the deadline: a hanging renewal must not keep us "leader".
        const renewed = await Promise.race([this.store.renew(lease), sleep(Math.max(0, deadline - Date.now()), 'deadline' as const, { signal })]);
        if (renewed === 'deadline') continue;
        if (this.held.get(lease.scope) !== lease) return;
        if (renewed === undefined) {
          if (noStepDown) {
            this.keepActing(lease, 'etcd no longer has the lease');
            wait = every;
            continue;
          }
          // Revoked (promotion of another node) or superseded: step down now, not at the deadline.
          const holder = await this.store.readHolder(lease.scope).catch(() => undefined);
          if (this.held.get(lease.scope) !== lease) return;
          const superseded = holder !== undefined && (holder.fenceToken !== lease.fenceToken || holder.leaderId !== lease.leaderId);
          this.stepDown(lease, LeadershipEventKind.Lost, superseded ? 'superseded' : 'revoked');
          return;
        }
        lease.expiresAtMs = Math.max(lease.expiresAtMs, renewed);
        wait = every;
        if (this.has('leader-needs-every-etcd-member')) {
          // Seeded defect: a quorum check written as "every member answers" (etcd needs only a majority).
          const down = await this.store.unreachableMembers();
          if (down.length > 0 && this.held.get(lease.scope) === lease) {
            this.stepDown(lease, LeadershipEventKind.Lost, `etcd member(s) unreachable: ${down.join(', ')}`);
            return;
          }
        }
      } catch (error) {
        if (signal.aborted) return;
        this.log.warn('lease renewal failed', { scope: lease.scope, error: errorMessage(error), msLeft: deadline - Date.now() });
        if (noStepDown) this.keepActing(lease, 'renewal failed');
        wait = Math.min(every, 200);
      }
    }
  }

  /** Seeded defect no-step-down: extend the local expiry instead of stepping down. */
  private keepActing(lease: HeldLease, why: string): void {
    lease.expiresAtMs = Date.now() + this.ttlMs;
    this.log.warn('no-step-down: keeps acting as leader', { scope: lease.scope, why, fenceToken: lease.fenceToken });
  }

  private stepDown(lease: HeldLease, kind: LeadershipEventKind, reason: string): void {
    if (this.held.get(lease.scope) !== lease) return;
    this.held.delete(lease.scope);
    this.forgetObserved(lease);
    this.events.publish(kind, lease.scope, toToken(lease, lease.expiresAtMs), reason);
    // If etcd still has it, free it now rather than making the others wait for the TTL.
    if (!lease.selfDeclared) void this.store.abandon(lease).catch(() => undefined);
  }

  /** A lease this node no longer acts on must not linger in /control/leaders as its last observation. */
  private forgetObserved(lease: HeldLease): void {
    const seen = this.observed.get(lease.scope);
    if (seen && sameLease(seen, toToken(lease, 0))) this.observed.delete(lease.scope);
  }

  private isOwn(token: LeaseToken): boolean {
    return token.leaderId === this.options.nodeId && this.ownLeases.has(ownKey(token));
  }
}

function ownKey(lease: { scope: string; fenceToken: number }): string {
  return `${lease.scope}#${lease.fenceToken}`;
}

function sameLease(a: LeaseToken | undefined, b: LeaseToken | undefined): boolean {
  return a?.fenceToken === b?.fenceToken && a?.leaderId === b?.leaderId;
}

function resultOf(lease: HeldLease): { leaderId: string; term: number; fenceToken: number } {
  return { leaderId: lease.leaderId, term: lease.term, fenceToken: lease.fenceToken };
}

function scopeMetricLabels(scope: string): Record<string, string> {
  return { mesh_scope: scope, mesh_scope_kind: scopeKindName(scopeKind(scope)) };
}

function toToken(lease: StoredLease, expiresAtMs: number): LeaseToken {
  return {
    scope: lease.scope,
    scopeKind: scopeKind(lease.scope),
    leaderId: lease.leaderId,
    term: lease.term,
    fenceToken: lease.fenceToken,
    issuedAt: lease.issuedAt,
    expiresAt: new Date(expiresAtMs).toISOString(),
    labels: scopeLabels(lease.scope),
  };
}
