// Cross-region backpressure of one node (feature:mesh-backpressure), wired from its parts:
// - admission on the owner: the shard budget and the node budget (RELAY_NODE_QPS_BUDGET), both token
//   buckets whose calls wait up to 2 s for a token, else 429; their waits and refusals feed the tracker;
// - the tracker's state published in gossip metadata (label mesh.pressure, metadataVersion bumped
//   on each change; never under the seeded defect pressure-not-propagated);
// - the view of every member's pressure from gossip, the ingress rule (throttle.ts), and on the
//   global-control holder the record of every episode seen.
import type { MembershipTable } from '../gossip/membership';
import type { Defects } from '../defects';
import type { Logger } from '../log';
import type { RelayMetrics } from '../metrics';
import { MAX_QUEUE_MS, ShardBudget } from '../shards/data/budget';
import type { Throttle } from './answer';
import { encodePressureLabel, PRESSURE_LABEL, PressureLabelCache } from './label';
import { type MemberPressure, type PressureEpisode, PressureRecorder } from './recorder';
import { IngressThrottle, retryAfterSeconds } from './throttle';
import { DEFAULT_PRESSURE_TIMERS, PRESSURE_LEVELS, type PressureLevel, type PressureState, type PressureTimers, PressureTracker } from './tracker';

const NODE_BUDGET_KEY = 'node';
/** Retry-After of a call the budgets refused here: one second of budget refills the bucket. */
const LOCAL_RETRY_AFTER_S = 1;
export const PRESSURE_TICK_MS = 250;

export interface BackpressureOptions {
  nodeId: string;
  region: string;
  /** The per-shard budget (the data plane's; 0: off). */
  shardBudget: ShardBudget;
  /** RELAY_NODE_QPS_BUDGET (0: off). */
  nodeQps: number;
  table: MembershipTable;
  metrics: RelayMetrics;
  log: Logger;
  /** pressure-not-propagated (never publish) and pressure-label-omits-node-budget (the label's `node` always says ok) act here. */
  defects: Defects;
  /** Whether this node holds global-control (it then records episodes). */
  isLeader: () => boolean;
  now?: () => number;
  timers?: PressureTimers;
  tickMs?: number;
  /** The node budget's queue bound (default 2 s, as the shard budget's). */
  maxQueueMs?: number;
}

export interface LocalPressure {
  nodeId: string;
  region: string;
  level: PressureLevel;
  node: PressureLevel;
  shards: string[];
  shardLevels: Record<string, PressureLevel>;
  since?: string;
  retryAfterMs: number;
  /** Whether the state is advertised in gossip (false under pressure-not-propagated). */
  published: boolean;
  budgets: { shardQps: number; nodeQps: number };
}

export interface PressureReport {
  generatedAt: string;
  nodeId: string;
  local: LocalPressure;
  members: MemberPressure[];
  recorded?: PressureEpisode[];
}

export class Backpressure {
  readonly tracker: PressureTracker;
  readonly nodeBudget: ShardBudget;
  private readonly throttle = new IngressThrottle();
  private readonly labels = new PressureLabelCache();
  private readonly recorder = new PressureRecorder();
  private readonly now: () => number;
  private readonly timers: PressureTimers;
  private lastLevel: PressureLevel = 'ok';
  private timer: NodeJS.Timeout | undefined;

  /** Seeded defect pressure-not-propagated: the node never publishes its pressure in gossip. */
  private get publishes(): boolean {
    return !this.o.defects.has('pressure-not-propagated');
  }

  constructor(private readonly o: BackpressureOptions) {
    this.now = o.now ?? Date.now;
    this.timers = o.timers ?? DEFAULT_PRESSURE_TIMERS;
    this.tracker = new PressureTracker(this.now, this.timers);
    this.nodeBudget = new ShardBudget(o.nodeQps, this.now, o.maxQueueMs ?? MAX_QUEUE_MS);
    const region = { mesh_region: o.region };
    for (const scope of ['shard', 'node']) o.metrics.backpressureRejections.inc({ mesh_scope: scope, ...region }, 0);
    for (const level of PRESSURE_LEVELS) o.metrics.backpressureTransitions.inc({ mesh_level: level, ...region }, 0);
  }

  /** Re-evaluates every `tickMs` (levels fall with time, without calls). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.o.tickMs ?? PRESSURE_TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Owner side: a token from the shard's budget and from the node budget, waiting (up to 2 s) for
   * the later of the two. Undefined: admitted; else the refusal to answer (nothing was reserved).
   */
  async admit(shardId: string): Promise<Throttle | undefined> {
    const shardBudget = this.o.shardBudget;
    const shardWait = shardBudget.reserve(shardId);
    if (shardWait === undefined) {
      return this.refused({ scope: 'shard', shardId }, `${shardId} is over its budget of ${shardBudget.qps} calls/s (queued over ${MAX_QUEUE_MS} ms)`);
    }
    const nodeWait = this.nodeBudget.reserve(NODE_BUDGET_KEY);
    if (nodeWait === undefined) {
      shardBudget.refund(shardId);
      return this.refused(
        { scope: 'node', shardId },
        `${this.o.nodeId} is over its node budget of ${this.nodeBudget.qps} calls/s (queued over ${MAX_QUEUE_MS} ms)`,
      );
    }
    const waitMs = Math.max(shardWait, nodeWait);
    if (waitMs > 0) {
      this.tracker.waited({ scope: 'shard', shardId }, shardWait);
      this.tracker.waited({ scope: 'node' }, nodeWait);
      this.tick();
      await Promise.all([shardBudget.wait(shardId, waitMs), this.nodeBudget.wait(NODE_BUDGET_KEY, waitMs)]);
    }
    return undefined;
  }

  /** Ingress side: undefined to forward the call to `ownerNodeId`, else the throttle to answer here. */
  ingress(shardId: string, ownerNodeId: string): Throttle | undefined {
    const member = this.o.table.get(ownerNodeId);
    const owner = member && {
      nodeId: ownerNodeId,
      region: member.metadata.region,
      status: member.status,
      pressure: this.labels.get(ownerNodeId, member.metadata.labels[PRESSURE_LABEL]),
    };
    const decision = this.throttle.decide(this.o.region, owner, shardId);
    if (decision.admit || !owner) return undefined;
    this.o.metrics.backpressureThrottled.inc({ mesh_origin_region: owner.region, mesh_region: this.o.region });
    const what = decision.pressure.scope === 'shard' ? `${shardId} on ${ownerNodeId}` : ownerNodeId;
    return {
      scope: decision.pressure.scope,
      shardId,
      nodeId: ownerNodeId,
      region: owner.region,
      retryAfterS: retryAfterSeconds(decision.pressure.retryAfterMs),
      message: `throttled by ${this.o.nodeId}: ${what} (region ${owner.region}) is ${decision.pressure.level}`,
      throttledBy: this.o.nodeId,
    };
  }

  /** Recomputes the state: transitions, the gossip label, and the leader's record. */
  tick(): PressureState {
    const state = this.tracker.state();
    if (state.level !== this.lastLevel) {
      this.o.metrics.backpressureTransitions.inc({ mesh_level: state.level, mesh_region: this.o.region });
      this.o.log.info('backpressure level changed', { from: this.lastLevel, to: state.level, node: state.node, shards: state.shards });
      this.lastLevel = state.level;
    }
    if (this.publishes) this.publish(state);
    if (this.o.isLeader()) this.recorder.observe(this.members(), this.now());
    return state;
  }

  local(): LocalPressure {
    const state = this.tick();
    return {
      nodeId: this.o.nodeId,
      region: this.o.region,
      level: state.level,
      node: state.node,
      shards: state.shards,
      shardLevels: state.shardLevels,
      ...(state.since !== undefined ? { since: new Date(state.since).toISOString() } : {}),
      retryAfterMs: this.timers.calmMs,
      published: this.publishes,
      budgets: { shardQps: this.o.shardBudget.qps, nodeQps: this.nodeBudget.qps },
    };
  }

  /** Every member's pressure as gossip shows it, this node included (its own published label), by node id. */
  members(): MemberPressure[] {
    const { table } = this.o;
    const self = table.localMetadata;
    const rows = [{ nodeId: self.nodeId, status: 'Alive' as const, metadata: self }, ...table.peers()].map((m): MemberPressure => {
      const label = this.labels.get(m.nodeId, m.metadata.labels[PRESSURE_LABEL]);
      return {
        nodeId: m.nodeId,
        region: m.metadata.region,
        status: m.status,
        level: label?.level ?? 'ok',
        shards: label?.shards ?? [],
        ...(label?.since ? { since: label.since } : {}),
      };
    });
    return rows.sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
  }

  report(): PressureReport {
    const local = this.local();
    return {
      generatedAt: new Date(this.now()).toISOString(),
      nodeId: this.o.nodeId,
      local,
      members: this.members(),
      ...(this.o.isLeader() ? { recorded: this.recorder.recorded() } : {}),
    };
  }

  private refused(target: { scope: 'shard' | 'node'; shardId: string }, message: string): Throttle {
    this.tracker.rejected(target.scope === 'shard' ? { scope: 'shard', shardId: target.shardId } : { scope: 'node' });
    this.o.metrics.backpressureRejections.inc({ mesh_scope: target.scope, mesh_region: this.o.region });
    this.tick();
    return { scope: target.scope, shardId: target.shardId, nodeId: this.o.nodeId, region: this.o.region, retryAfterS: LOCAL_RETRY_AFTER_S, message };
  }

  /** Sets or removes the label; the metadata version bump makes gossip spread it within a round. */
  private publish(state: PressureState): void {
    const value =
      state.level === 'ok'
        ? undefined
        : encodePressureLabel({
            level: state.level,
            // Seeded defect pressure-label-omits-node-budget: written as if only shards had budgets, so an
            // owner out of node budget is published under pressure with no shard, and nobody sheds for it.
            node: this.o.defects.has('pressure-label-omits-node-budget') ? 'ok' : state.node,
            shards: state.shards,
            since: new Date(state.since ?? this.now()).toISOString(),
            retryAfterMs: this.timers.calmMs,
          });
    const { table } = this.o;
    if (table.localMetadata.labels[PRESSURE_LABEL] === value) return;
    table.updateLocalMetadata(({ metadataVersion: _version, ...rest }) => {
      const labels = { ...rest.labels };
      if (value === undefined) delete labels[PRESSURE_LABEL];
      else labels[PRESSURE_LABEL] = value;
      return { ...rest, labels };
    });
  }
}
