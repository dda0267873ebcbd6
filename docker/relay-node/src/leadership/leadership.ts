// Leadership of this node's scopes, composed of three parts:
// - observer.ts: every scope's holder as etcd shows it, the events for other holders, vacancies;
// - holder.ts: campaigning, one renewal loop per held lease, stepping down, releasing;
// - promotion.ts: promotion on request (feature:mesh-promotion).
// One loop per election interval (plus jitter): observe all leases, reconcile the held ones with
// what etcd shows, then campaign for vacant eligible scopes (subject to campaign-rules.ts: the global
// standby of regional leaders, the hold-off after a release on request, seeded defects).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Defects } from '../defects';
import { errorMessage, type Logger } from '../log';
import type { RelayMetrics } from '../metrics';
import { campaignDecision, type DedicatedGlobal } from './campaign-rules';
import type { LeadershipEvents } from './events';
import { LeaseHolder } from './holder';
import type { EtcdLeaseStore, HeldLease } from './lease-store';
import { LeaseObserver } from './observer';
import { Promotion, type PromotionResult, type ReleaseAsker } from './promotion';
import { toToken } from './tokens';
import { clock } from '../clock';
import type { LeaseToken } from './types';

export { ControlError } from './holder';
export type { PromotionMethod, PromotionResult, ReleaseAsker } from './promotion';

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
  defects: Defects;
  metrics: RelayMetrics;
  /** Campaign only while this holds (own gossip status Alive, etcd reachable, not draining). */
  canCampaign: () => boolean;
  /** The dedicated global node as this node's gossip shows it (the standby defers only to a live one). */
  dedicatedGlobal: () => DedicatedGlobal;
  /** When an etcd call last succeeded (seeded defect leader-without-quorum). */
  etcdLastOkMs: () => number | undefined;
}

export class LeadershipService {
  private readonly abort = new AbortController();
  private readonly observer: LeaseObserver;
  private readonly holder: LeaseHolder;
  private readonly promotion: Promotion;
  private observing = true;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly store: EtcdLeaseStore,
    events: LeadershipEvents,
    private readonly log: Logger,
    private readonly options: LeadershipOptions,
  ) {
    this.observer = new LeaseObserver(store, events, log, options);
    this.holder = new LeaseHolder(store, events, this.observer, log, options, this.abort.signal);
    this.promotion = new Promotion(store, this.holder, log, options, this.abort.signal);
  }

  start(): void {
    this.loop ??= this.run();
  }

  get nodeId(): string {
    return this.options.nodeId;
  }

  /** Current holders as this node sees them; its own leases carry its precise local expiry. */
  tokens(scope?: string): LeaseToken[] {
    const merged = new Map(this.observer.holders());
    for (const [name, lease] of this.holder.held) merged.set(name, toToken(lease, this.store.clock.toWall(lease.expiresAtMs)));
    return [...merged.values()].filter((token) => scope === undefined || token.scope === scope).sort((a, b) => a.scope.localeCompare(b.scope));
  }

  /** The lease this node may act on for `scope`, only while its local deadline has not passed. */
  holds(scope: string): HeldLease | undefined {
    return this.holder.holds(scope);
  }

  /** A fenced write found that `lease` is no longer the scope's lease in etcd: stop acting on it. */
  deposed(lease: HeldLease, reason: 'superseded' | 'revoked'): void {
    this.holder.deposed(lease, reason);
  }

  /** Stops campaigning and releases every held lease (event SteppedDown, reason `shutdown`). */
  async stop(reason = 'shutdown', timeoutMs = 1500): Promise<void> {
    this.abort.abort();
    await this.holder.releaseAll(reason, timeoutMs);
  }

  /** `POST /control/leaders/release`: see LeaseHolder.releaseOnRequest. */
  releaseOnRequest(scope: string, fenceToken: number): Promise<LeaseToken> {
    return this.holder.releaseOnRequest(scope, fenceToken);
  }

  /** `POST /control/leaders/promote`: see promotion.ts. */
  promote(scope: string, askRelease: ReleaseAsker): Promise<PromotionResult> {
    return this.promotion.promote(scope, askRelease);
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        const observation = await this.observer.read();
        this.holder.reconcile(observation);
        await this.observer.apply(observation, this.holder);
        if (!this.observing) this.log.info('leadership observation recovered');
        this.observing = true;
      } catch (error) {
        if (this.observing) this.log.warn('leadership observation failed', { error: errorMessage(error) });
        this.observing = false;
      }
      if (!signal.aborted && this.options.defects.has('leader-without-quorum')) this.holder.declareWithoutQuorum();
      if (!signal.aborted && this.options.canCampaign()) await this.campaign(signal);
      const { minMs, maxMs } = this.options.jitter;
      const delay = this.options.electionIntervalMs + minMs + Math.random() * (maxMs - minMs);
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
  }

  private async campaign(signal: AbortSignal): Promise<void> {
    for (const scope of this.options.campaignScopes) {
      if (signal.aborted) break;
      const decision = campaignDecision({
        scope,
        region: this.options.region,
        eligible: this.options.eligibleScopes,
        held: this.holder.actingScopes(),
        history: this.observer.history(scope),
        nowMs: clock.monotonic(),
        ttlMs: this.holder.ttlMs,
        globalStandbyMs: this.options.globalStandbyMs,
        holdOffUntilMs: this.holder.holdOff(scope),
        slowCampaign: this.options.defects.has('slow-campaign'),
        campaignOnce: this.options.defects.has('campaign-once'),
        dedicatedGlobal: this.options.dedicatedGlobal(),
        standbyNeverDefers: this.options.defects.has('standby-never-defers'),
      });
      if (decision.campaign) await this.holder.campaign(scope, this.promotion.inProgress(scope));
    }
  }
}
