// Campaigns for this node's scopes, renews what it holds, and observes every scope's holder.
//
// One loop per election interval (plus jitter): observe all leases, then campaign for vacant
// eligible scopes. Each held lease has its own renewal loop (keep-alive every ttl/3) that stops
// acting as leader once the conservative local deadline passes without a successful renewal,
// so a paused or partitioned holder steps down before etcd can hand the scope to someone else.
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../log";
import { errorMessage } from "../log";
import type { LeadershipEvents } from "./events";
import type { EtcdLeaseStore, HeldLease, StoredLease } from "./lease-store";
import { scopeKind, scopeLabels } from "./scopes";
import { LeadershipEventKind, type LeaseToken } from "./types";

export interface LeadershipOptions {
  nodeId: string;
  /** Scopes this node campaigns for (after any seeded defect has been applied). */
  campaignScopes: readonly string[];
  ttlSeconds: number;
  electionIntervalMs: number;
  jitter: { minMs: number; maxMs: number };
  /** Campaign only while this holds (own gossip status Alive, etcd reachable, not draining). */
  canCampaign: () => boolean;
}

export class LeadershipService {
  private readonly held = new Map<string, HeldLease>();
  /** `${scope}#${fence}` of every lease this process acquired: its own transitions are published here, not by the observer. */
  private readonly ownLeases = new Set<string>();
  private observed = new Map<string, LeaseToken>();
  private observedAtMs = 0;
  private observing = true;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly store: EtcdLeaseStore,
    private readonly events: LeadershipEvents,
    private readonly log: Logger,
    private readonly options: LeadershipOptions,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Current holders as this node sees them; its own leases carry its precise local expiry. */
  tokens(scope?: string): LeaseToken[] {
    const merged = new Map(this.observed);
    for (const [name, lease] of this.held) merged.set(name, toToken(lease, lease.expiresAtMs));
    return [...merged.values()]
      .filter((token) => scope === undefined || token.scope === scope)
      .sort((a, b) => a.scope.localeCompare(b.scope));
  }

  /** The lease this node may act on for `scope`, only while its local deadline has not passed. */
  holds(scope: string): HeldLease | undefined {
    const lease = this.held.get(scope);
    return lease && Date.now() < lease.expiresAtMs - this.guardMs ? lease : undefined;
  }

  /** Stops campaigning and releases every held lease (event SteppedDown, reason `shutdown`). */
  async stop(reason = "shutdown", timeoutMs = 1500): Promise<void> {
    this.abort.abort();
    const releases = [...this.held.values()].map(async (lease) => {
      this.held.delete(lease.scope);
      this.events.publish(LeadershipEventKind.SteppedDown, lease.scope, toToken(lease, Date.now()), reason);
      try {
        const released = await this.store.release(lease);
        if (!released) this.log.warn("release found a newer holder", { scope: lease.scope, fenceToken: lease.fenceToken });
      } catch (error) {
        this.log.warn("release failed; the lease will expire instead", { scope: lease.scope, error: errorMessage(error) });
      }
    });
    await Promise.race([Promise.all(releases), sleep(timeoutMs, undefined, { ref: false })]);
  }

  private get ttlMs(): number {
    return this.options.ttlSeconds * 1000;
  }

  /** Step down this long before the local deadline, to absorb timer and clock-rate slack. */
  private get guardMs(): number {
    return Math.min(250, this.ttlMs / 10);
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        await this.observe();
        if (!this.observing) this.log.info("leadership observation recovered");
        this.observing = true;
      } catch (error) {
        if (this.observing) this.log.warn("leadership observation failed", { error: errorMessage(error) });
        this.observing = false;
      }
      if (!signal.aborted && this.options.canCampaign()) {
        for (const scope of this.options.campaignScopes) {
          if (signal.aborted) break;
          await this.campaign(scope);
        }
      }
      const { minMs, maxMs } = this.options.jitter;
      const delay = this.options.electionIntervalMs + minMs + Math.random() * (maxMs - minMs);
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
  }

  private async observe(): Promise<void> {
    const { leases, revision } = await this.store.observeAll();
    const now = Date.now();
    const next = new Map<string, LeaseToken>();
    for (const lease of leases) next.set(lease.scope, toToken(lease, now + lease.remainingMs));

    // A read served at or after our acquisition that no longer shows our key means we lost it.
    for (const [scope, lease] of this.held) {
      const seen = next.get(scope);
      if (revision >= lease.fenceToken && seen?.fenceToken !== lease.fenceToken) {
        this.stepDown(lease, LeadershipEventKind.Lost, seen ? `NotCurrentLeader: ${seen.leaderId} holds the scope` : "LeaseExpired: lease key gone");
      }
    }

    for (const [scope, previous] of this.observed) {
      const current = next.get(scope);
      if (current?.fenceToken !== previous.fenceToken && !this.isOwn(previous)) await this.publishEnd(previous);
    }
    for (const [scope, current] of next) {
      const previous = this.observed.get(scope);
      if (previous?.fenceToken !== current.fenceToken && !this.isOwn(current)) {
        this.events.publish(LeadershipEventKind.Observed, scope, current, current.leaderId === this.options.nodeId ? "held-by-previous-incarnation" : undefined);
      }
    }
    this.observed = next;
    this.observedAtMs = now;
  }

  /** A holder other than this process is gone: released cleanly (marker matches) or expired. */
  private async publishEnd(previous: LeaseToken): Promise<void> {
    const marker = await this.store.releaseMarker(previous.scope).catch(() => undefined);
    if (marker?.fenceToken === previous.fenceToken) {
      this.events.publish(LeadershipEventKind.SteppedDown, previous.scope, previous, "released");
    } else {
      this.events.publish(LeadershipEventKind.Expired, previous.scope, previous, "LeaseExpired");
    }
  }

  private async campaign(scope: string): Promise<void> {
    if (this.held.has(scope)) return;
    const seen = this.observed.get(scope);
    const fresh = Date.now() - this.observedAtMs < 2 * this.options.electionIntervalMs;
    if (seen && fresh && Date.parse(seen.expiresAt) > Date.now()) return; // someone holds it; save etcd the txn
    try {
      const result = await this.store.tryAcquire(scope);
      if (!result.acquired) {
        if (result.holder) this.log.debug("campaign: LeaseHeld", { scope, holder: result.holder.leaderId });
        return;
      }
      const lease = result.lease;
      if (this.abort.signal.aborted) {
        await this.store.release(lease).catch(() => undefined);
        return;
      }
      this.held.set(scope, lease);
      this.ownLeases.add(ownKey(lease));
      this.events.publish(LeadershipEventKind.Elected, scope, toToken(lease, lease.expiresAtMs), "acquired");
      void this.renewLoop(lease);
    } catch (error) {
      this.log.debug("campaign failed", { scope, reason: "StoreUnavailable", error: errorMessage(error) });
    }
  }

  private async renewLoop(lease: HeldLease): Promise<void> {
    const signal = this.abort.signal;
    const every = this.ttlMs / 3;
    let wait = every;
    while (!signal.aborted && this.held.get(lease.scope) === lease) {
      const deadline = lease.expiresAtMs - this.guardMs;
      await sleep(Math.max(0, Math.min(wait, deadline - Date.now())), undefined, { signal }).catch(() => undefined);
      if (signal.aborted || this.held.get(lease.scope) !== lease) return;
      if (Date.now() >= deadline) {
        this.stepDown(lease, LeadershipEventKind.Lost, "LeaseExpired: not renewed before the deadline");
        return;
      }
      try {
        // Never wait on etcd past the deadline: a hanging renewal must not keep us "leader".
        const renewed = await Promise.race([
          this.store.renew(lease),
          sleep(Math.max(0, deadline - Date.now()), "deadline" as const, { signal }),
        ]);
        if (renewed === "deadline") continue;
        if (this.held.get(lease.scope) !== lease) return;
        if (renewed === undefined) {
          this.stepDown(lease, LeadershipEventKind.Lost, "LeaseExpired: etcd no longer has the lease");
          return;
        }
        lease.expiresAtMs = Math.max(lease.expiresAtMs, renewed);
        wait = every;
      } catch (error) {
        if (signal.aborted) return;
        this.log.warn("lease renewal failed", { scope: lease.scope, error: errorMessage(error), msLeft: deadline - Date.now() });
        wait = Math.min(every, 200);
      }
    }
  }

  private stepDown(lease: HeldLease, kind: LeadershipEventKind, reason: string): void {
    if (this.held.get(lease.scope) !== lease) return;
    this.held.delete(lease.scope);
    this.events.publish(kind, lease.scope, toToken(lease, lease.expiresAtMs), reason);
    // If etcd still has it, free it now rather than making the others wait for the TTL.
    void this.store.abandon(lease).catch(() => undefined);
  }

  private isOwn(token: LeaseToken): boolean {
    return this.ownLeases.has(ownKey(token));
  }
}

function ownKey(lease: { scope: string; fenceToken: number }): string {
  return `${lease.scope}#${lease.fenceToken}`;
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
