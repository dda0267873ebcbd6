// The leases this node holds: campaigning for a vacant scope, renewing what it holds (one loop per
// lease, keep-alive every ttl/3), stepping down once the conservative local deadline passes without
// a renewal (so a paused or partitioned holder steps down before etcd can hand the scope to someone
// else) or when an observation or a renewal shows the lease gone, and releasing (shutdown, or on
// request). Seeded defects acting here: no-step-down, no-release-on-shutdown,
// leader-without-quorum, leader-needs-every-etcd-member.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Defects } from '../defects';
import { errorMessage, type Logger } from '../log';
import type { LeadershipEvents } from './events';
import type { EtcdLeaseStore, HeldLease } from './lease-store';
import type { LeaseObserver, Observation, OwnLeases } from './observer';
import { ownKey, toToken } from './tokens';
import { clock } from '../clock';
import { LeadershipEventKind, type LeaseToken } from './types';

export interface HolderOptions {
  nodeId: string;
  campaignScopes: readonly string[];
  ttlSeconds: number;
  electionIntervalMs: number;
  defects: Defects;
  /** When an etcd call last succeeded (seeded defect leader-without-quorum). */
  etcdLastOkMs: () => number | undefined;
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

export class LeaseHolder implements OwnLeases {
  readonly held = new Map<string, HeldLease>();
  /** `${scope}#${fence}` of every lease this process acquired: its own transitions are published here, not by the observer. */
  private readonly ownLeases = new Set<string>();
  /** Scopes left alone after a release on request, until then (monotonic ms, as the campaign rules' now). */
  private readonly holdOffUntil = new Map<string, number>();
  /** Monotonic, like NodeState's etcd success times it is compared with. */
  private readonly startedAtMs = clock.monotonic();

  constructor(
    private readonly store: EtcdLeaseStore,
    private readonly events: LeadershipEvents,
    private readonly observer: LeaseObserver,
    private readonly log: Logger,
    private readonly options: HolderOptions,
    private readonly signal: AbortSignal,
  ) {}

  get ttlMs(): number {
    return this.options.ttlSeconds * 1000;
  }

  /** Step down this long before the local deadline, to absorb timer and clock-rate slack. */
  private get guardMs(): number {
    return Math.min(250, this.ttlMs / 10);
  }

  /** The lease this node may act on for `scope`, only while its local deadline has not passed. */
  holds(scope: string): HeldLease | undefined {
    const lease = this.held.get(scope);
    return lease && this.store.clock.now() < lease.expiresAtMs - this.guardMs ? lease : undefined;
  }

  /** The scopes this node may act on now. */
  actingScopes(): Set<string> {
    return new Set([...this.held.keys()].filter((name) => this.holds(name)));
  }

  holdOff(scope: string): number | undefined {
    return this.holdOffUntil.get(scope);
  }

  isOwn(token: LeaseToken): boolean {
    return token.leaderId === this.options.nodeId && this.ownLeases.has(ownKey(token));
  }

  /** A read served at or after an acquisition that no longer shows its key means the lease is lost. */
  reconcile({ leases, revision }: Observation): void {
    for (const [scope, lease] of this.held) {
      if (lease.selfDeclared) {
        // leader-without-quorum: etcd answers again, so the self-declared lease is dropped.
        this.stepDown(lease, LeadershipEventKind.Lost, 'etcd reachable again');
        continue;
      }
      const seen = leases.get(scope);
      if (revision >= lease.fenceToken && (seen?.fenceToken !== lease.fenceToken || seen.leaderId !== lease.leaderId)) {
        if (this.options.defects.has('no-step-down')) {
          if (seen) this.observer.countSplitBrain(scope, lease, seen);
          continue;
        }
        // Gone before our own deadline: someone revoked it (an operator override), not an expiry.
        const reason = seen ? 'superseded' : this.store.clock.now() < lease.expiresAtMs ? 'revoked' : 'LeaseExpired: lease key gone';
        this.stepDown(lease, LeadershipEventKind.Lost, reason);
      }
    }
  }

  /** Tries to acquire `scope` unless it is held (or being promoted to) here or a fresh observation shows a holder. */
  async campaign(scope: string, promoting: boolean): Promise<void> {
    if (this.held.has(scope) || promoting) return;
    if (this.observer.freshHolder(scope)) return; // someone holds it; save etcd the txn
    try {
      const result = await this.store.tryAcquire(scope);
      if (!result.acquired) {
        if (result.holder) this.log.debug('campaign: LeaseHeld', { scope, holder: result.holder.leaderId });
        return;
      }
      const lease = result.lease;
      if (this.signal.aborted || this.held.has(scope)) {
        await this.store.release(lease).catch(() => undefined);
        return;
      }
      this.adopt(lease, 'acquired');
    } catch (error) {
      this.log.debug('campaign failed', { scope, reason: 'StoreUnavailable', error: errorMessage(error) });
    }
  }

  /** Starts acting on a freshly acquired lease: Elected event, history, renewal loop. */
  adopt(lease: HeldLease, reason: 'acquired' | 'promoted'): void {
    this.held.set(lease.scope, lease);
    this.ownLeases.add(ownKey(lease));
    this.holdOffUntil.delete(lease.scope);
    this.observer.noteAcquired(lease);
    const transition = reason === 'promoted' ? 'promoted' : undefined;
    this.events.publish(LeadershipEventKind.Elected, lease.scope, toToken(lease, this.store.clock.toWall(lease.expiresAtMs)), reason, transition);
    void this.renewLoop(lease);
  }

  /**
   * Seeded defect leader-without-quorum: once no etcd call has succeeded for more than one
   * election interval, claim every campaign scope not held, without etcd.
   */
  declareWithoutQuorum(): void {
    const lastOk = this.options.etcdLastOkMs() ?? this.startedAtMs;
    if (clock.monotonic() - lastOk <= this.options.electionIntervalMs) return;
    const now = this.store.clock.now();
    for (const scope of this.options.campaignScopes) {
      const lease = this.held.get(scope);
      if (lease) {
        if (lease.selfDeclared) lease.expiresAtMs = now + this.ttlMs;
        continue;
      }
      const last = this.observer.lastKnown(scope);
      const declared: HeldLease = {
        scope,
        leaderId: this.options.nodeId,
        term: (last?.term ?? 0) + 1,
        fenceToken: (last?.fenceToken ?? 0) + 1,
        issuedAt: clock.iso(),
        etcdLeaseId: '',
        expiresAtMs: now + this.ttlMs,
        selfDeclared: true,
      };
      this.held.set(scope, declared);
      this.ownLeases.add(ownKey(declared));
      this.events.publish(LeadershipEventKind.Elected, scope, toToken(declared, this.store.clock.toWall(declared.expiresAtMs)), 'etcd-unreachable');
    }
  }

  /** A fenced write found that `lease` is no longer the scope's lease in etcd: stop acting on it (unless no-step-down is seeded). */
  deposed(lease: HeldLease, reason: 'superseded' | 'revoked'): void {
    if (this.options.defects.has('no-step-down')) {
      this.log.warn('no-step-down: deposed but keeps acting', { scope: lease.scope, fenceToken: lease.fenceToken });
      return;
    }
    this.stepDown(lease, LeadershipEventKind.Lost, reason);
  }

  stepDown(lease: HeldLease, kind: LeadershipEventKind, reason: string): void {
    if (this.held.get(lease.scope) !== lease) return;
    this.held.delete(lease.scope);
    this.observer.forget(lease);
    this.events.publish(kind, lease.scope, toToken(lease, this.store.clock.toWall(lease.expiresAtMs)), reason);
    // If etcd still has it, free it now rather than making the others wait for the TTL.
    if (!lease.selfDeclared) void this.store.abandon(lease).catch(() => undefined);
  }

  /** Releases every held lease (event SteppedDown with `reason`), bounded by `timeoutMs`. */
  async releaseAll(reason: string, timeoutMs: number): Promise<void> {
    if (this.options.defects.has('no-release-on-shutdown')) {
      this.log.warn('no-release-on-shutdown: exiting without releasing', { scopes: [...this.held.keys()] });
      return;
    }
    const releases = [...this.held.values()].map(async (lease) => {
      this.held.delete(lease.scope);
      this.observer.forget(lease);
      this.events.publish(LeadershipEventKind.SteppedDown, lease.scope, toToken(lease, clock.now()), reason);
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
   * Releases `scope` only if this node holds exactly `fenceToken` (event SteppedDown, reason
   * `released`), then leaves the scope alone for one lease TTL so the node that asked can take it.
   */
  async releaseOnRequest(scope: string, fenceToken: number): Promise<LeaseToken> {
    const lease = this.held.get(scope);
    if (!lease || lease.fenceToken !== fenceToken || lease.selfDeclared) {
      const mine = lease ? `this node holds fence ${lease.fenceToken}` : 'this node does not hold it';
      throw new ControlError(409, `not releasing ${scope} fence ${fenceToken}: ${mine}`);
    }
    // Stop acting first, then release in etcd; the event says what etcd made of it.
    this.held.delete(scope);
    this.observer.forget(lease);
    this.holdOffUntil.set(scope, clock.monotonic() + this.ttlMs);
    const token = toToken(lease, clock.now());
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

  private async renewLoop(lease: HeldLease): Promise<void> {
    const signal = this.signal;
    const every = this.ttlMs / 3;
    const noStepDown = this.options.defects.has('no-step-down');
    let wait = every;
    while (!signal.aborted && this.held.get(lease.scope) === lease) {
      const deadline = lease.expiresAtMs - this.guardMs;
      await sleep(Math.max(0, Math.min(wait, deadline - this.store.clock.now())), undefined, { signal }).catch(() => undefined);
      if (signal.aborted || this.held.get(lease.scope) !== lease) return;
      if (this.store.clock.now() >= deadline) {
        if (noStepDown) {
          this.keepActing(lease, 'deadline passed without renewal');
          continue;
        }
        this.stepDown(lease, LeadershipEventKind.Lost, 'LeaseExpired: not renewed before the deadline');
        return;
      }
      try {
        // Never wait on etcd past the deadline: a hanging renewal must not keep us "leader".
        const renewed = await Promise.race([this.store.renew(lease), sleep(Math.max(0, deadline - this.store.clock.now()), 'deadline' as const, { signal })]);
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
        if (this.options.defects.has('leader-needs-every-etcd-member')) {
          // Seeded defect: a quorum check written as "every member answers" (etcd needs only a majority).
          const down = await this.store.unreachableMembers();
          if (down.length > 0 && this.held.get(lease.scope) === lease) {
            this.stepDown(lease, LeadershipEventKind.Lost, `etcd member(s) unreachable: ${down.join(', ')}`);
            return;
          }
        }
      } catch (error) {
        if (signal.aborted) return;
        this.log.warn('lease renewal failed', { scope: lease.scope, error: errorMessage(error), msLeft: deadline - this.store.clock.now() });
        if (noStepDown) this.keepActing(lease, 'renewal failed');
        wait = Math.min(every, 200);
      }
    }
  }

  /** Seeded defect no-step-down: extend the local expiry instead of stepping down. */
  private keepActing(lease: HeldLease, why: string): void {
    lease.expiresAtMs = this.store.clock.now() + this.ttlMs;
    this.log.warn('no-step-down: keeps acting as leader', { scope: lease.scope, why, fenceToken: lease.fenceToken });
  }
}
