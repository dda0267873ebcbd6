// When a node campaigns for a vacant scope: the pure rules, unit-tested in campaign-rules.test.ts.
//
// - Standby (feature:mesh-regional-leaders): a node eligible for both `region/<its region>` and
//   `global-control` campaigns for `global-control` only while it holds its region. While the dedicated
//   global node (role `global`) is Alive in its gossip view, or not seen yet, it also waits until
//   `global-control` has been vacant (as this node observed it) for the standby deferral: the dedicated
//   node wins at bootstrap and keeps the preference while it lives. Once gossip shows the dedicated node
//   Suspect or Left, the standby campaigns as soon as the lease is vacant: failover takes a lease, not a
//   lease plus a standby.
// - A scope this node released on request (promotion of another node) is left alone for a hold-off.
// - Seeded defects: `campaign-once` and `slow-campaign` (see ../defects.ts).
import { GLOBAL_SCOPE, regionScope } from './scopes';

/** What this node has seen of one scope. */
export interface ScopeHistory {
  /** When this node first observed the scope without a holder; cleared when a holder appears. */
  vacantSinceMs?: number;
  /** This node has observed the scope held, by anyone (itself included). */
  everHeld: boolean;
  /** This node has observed another node holding the scope. */
  observedOther: boolean;
}

export interface CampaignContext {
  scope: string;
  region: string;
  /** Scopes the node was declared eligible for (RELAY_ELIGIBLE_SCOPES). */
  eligible: readonly string[];
  /** Scopes this node currently holds (and may act on). */
  held: ReadonlySet<string>;
  history: ScopeHistory | undefined;
  nowMs: number;
  ttlMs: number;
  globalStandbyMs: number;
  /** Until when this node leaves the scope alone after releasing it on request. */
  holdOffUntilMs?: number;
  /** The dedicated global node in this node's gossip view: Alive, seen but Suspect or Left, or not seen. */
  dedicatedGlobal?: DedicatedGlobal;
  slowCampaign?: boolean;
  campaignOnce?: boolean;
  /** Seeded defect `standby-never-defers`: no deferral, even to a live dedicated node. */
  standbyNeverDefers?: boolean;
}

export type DedicatedGlobal = 'alive' | 'gone' | 'unknown';

/** How gossip shows the dedicated global node(s) (role `global`): any Alive is alive; seen, none Alive, is gone. */
export function dedicatedGlobalIn(peers: readonly { status: string; metadata: { role: string } }[]): DedicatedGlobal {
  const globals = peers.filter((p) => p.metadata.role === 'global');
  if (globals.some((p) => p.status === 'Alive')) return 'alive';
  return globals.length > 0 ? 'gone' : 'unknown';
}

export type CampaignDecision = { campaign: true } | { campaign: false; reason: string };

/** Multiple of the lease TTL the `slow-campaign` defect waits after a vacancy. */
export const SLOW_CAMPAIGN_TTLS = 4;

/** True for a node that stands by for `global-control` behind its regional scope. */
export function standsByForGlobal(eligible: readonly string[], region: string): boolean {
  return eligible.includes(GLOBAL_SCOPE) && eligible.includes(regionScope(region));
}

export function campaignDecision(ctx: CampaignContext): CampaignDecision {
  const { scope, history, nowMs } = ctx;
  if (ctx.campaignOnce && history?.observedOther) return { campaign: false, reason: 'campaign-once: another node held it before' };
  if (ctx.holdOffUntilMs !== undefined && nowMs < ctx.holdOffUntilMs) return { campaign: false, reason: 'released on request: holding off' };
  const vacantForMs = history?.vacantSinceMs === undefined ? undefined : nowMs - history.vacantSinceMs;
  if (ctx.slowCampaign && history?.everHeld && vacantForMs !== undefined && vacantForMs < SLOW_CAMPAIGN_TTLS * ctx.ttlMs) {
    return { campaign: false, reason: 'slow-campaign: waiting after the vacancy' };
  }
  if (scope === GLOBAL_SCOPE && standsByForGlobal(ctx.eligible, ctx.region)) {
    if (!ctx.held.has(regionScope(ctx.region))) return { campaign: false, reason: `standby: not leading ${regionScope(ctx.region)}` };
    if (vacantForMs === undefined) return { campaign: false, reason: 'standby: global-control is held' };
    const defers = !ctx.standbyNeverDefers && ctx.dedicatedGlobal !== 'gone';
    if (defers && vacantForMs < ctx.globalStandbyMs) return { campaign: false, reason: 'standby: global-control not vacant long enough' };
  }
  return { campaign: true };
}
