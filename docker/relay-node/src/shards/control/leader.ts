// The shard leader: runs on every node, acts only while the node holds `global-control`. Every
// election interval it plans the map from the eligible nodes (itself + gossip-Alive peers, minus
// draining ones), asks each moving shard's old owner (when still Alive) to hand it over at the
// fence it is about to publish, then publishes with optimistic concurrency. A conflict means
// someone else published: the next tick re-reads and re-plans. With a QPS budget it also polls
// every node's load each second and moves hot shards to their coolest replica (an override).
import { ControlProblem } from './problem';
import type { Tracer } from '@opentelemetry/api';
import type { ShardConfig } from '../../config';
import type { MembershipTable } from '../../gossip/membership';
import { errorMessage, type Logger } from '../../log';
import type { MetricsRegistry } from '../../metrics';
import { formatHostPort, httpEndpointOf } from '../../rpc/http-endpoints';
import { recordSpan, SPAN_NAMES } from '../../tracing';
import type { ShardNode } from '../strategies';
import type { HandoverRequest, HandoverResult, ShardLoadReport, ShardMap, ShardRecord } from '../types';
import { DRAINING_VALUE, SHARD_LABEL } from './drain';
import type { MapStoreLike } from './map-store';
import { planMap, type PlannedMove, type ShardChange } from './planner';
import { clock } from '../../clock';

export const HANDOVER_PATH = '/mesh/shards/handover';
export const LOAD_PATH = '/control/shards/load';
const LOAD_INTERVAL_MS = 1000;
const LOAD_TIMEOUT_MS = 800;

/** One HTTP exchange with a node's plain-HTTP port (injected in tests). */
export type NodeCaller = (nodeId: string, method: 'GET' | 'POST', path: string, body: unknown, timeoutMs: number) => Promise<{ status: number; body: unknown }>;

/**
 * Why a shard changed owner (metric label mesh_reason, span attribute mesh.reason): `rebalance` (an
 * operator's move or a hot shard's), `drain` (its owner is draining), `failover` (its owner is no longer
 * Alive), `placement` (the strategy placed it elsewhere while its owner is alive, e.g. a node joined).
 */
export type MoveReason = 'rebalance' | 'drain' | 'failover' | 'placement';

/** `ms` is measured by the leader; `index` and `heldCalls` come from the old owner's HandoverResult. */
export interface HandoverOutcome {
  status: 'completed' | 'timeout' | 'failed' | 'skipped';
  ms: number;
  index?: number;
  heldCalls?: number;
  error?: string;
}

export type PublishOutcome =
  | { published: true; map: ShardMap; moves: PlannedMove[]; handovers: Record<string, HandoverOutcome> }
  | { published: false; reason: 'not-leader' | 'unchanged' | 'conflict' };

export interface RebalanceResult {
  shardId: string;
  from: string;
  to: string;
  version: number;
  handover: HandoverOutcome;
}

export class RebalanceError extends ControlProblem {}

export interface ShardLeaderOptions {
  nodeId: string;
  httpPort: number;
  electionIntervalMs: number;
  shards: ShardConfig;
  table: MembershipTable;
  store: MapStoreLike;
  cache: { current(): ShardMap | undefined; offer(map: ShardMap): void };
  registry: MetricsRegistry;
  log: Logger;
  isLeader: () => boolean;
  /** `mesh.shard.move` spans, when tracing is on. */
  tracer?: Tracer;
  call?: NodeCaller;
  /** Brings gossip statuses up to date before eligibility is read. */
  sweep?: () => void;
  now?: () => number;
}

export class ShardLeader {
  private readonly call: NodeCaller;
  private readonly now: () => number;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly lastMovedAt = new Map<string, number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private running = false;
  private readonly movesTotal;
  private readonly handoverDuration;

  constructor(private readonly o: ShardLeaderOptions) {
    this.call = o.call ?? httpCaller(o.table, o.nodeId, o.httpPort);
    this.now = o.now ?? Date.now;
    const version = o.registry.gauge('mesh_shard_map_version', 'Version of the shard map this node has cached (mesh_namespace).');
    const owned = o.registry.gauge('mesh_shard_owned', 'Shards this node owns in the shard map it has cached (mesh_namespace).');
    o.registry.onCollect(() => {
      const map = o.cache.current();
      version.set({ mesh_namespace: o.shards.namespace }, map?.version ?? 0);
      owned.set({ mesh_namespace: o.shards.namespace }, map?.records.filter((r) => r.ownerNodeId === o.nodeId).length ?? 0);
    });
    this.movesTotal = o.registry.counter(
      'mesh_shard_moves_total',
      'Shard owner changes published by this node as leader (mesh_namespace, mesh_reason: rebalance|drain|failover|placement).',
    );
    // Zero-valued series for every reason, so a rate over them is 0 rather than absent until the first move.
    for (const reason of ['rebalance', 'drain', 'failover', 'placement'] satisfies MoveReason[])
      this.movesTotal.inc({ mesh_namespace: o.shards.namespace, mesh_reason: reason }, 0);
    this.handoverDuration = o.registry.histogram(
      'mesh_shard_handover_duration_ms',
      'Time from asking the old owner to hand a shard over to its answer (or the timeout), in milliseconds.',
      [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    );
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.every(this.o.electionIntervalMs, () => this.tick());
    if (this.o.shards.qpsBudget > 0) this.every(LOAD_INTERVAL_MS, () => this.balance());
  }

  stop(): void {
    this.running = false;
    for (const timer of this.timers) clearTimeout(timer);
  }

  /** Nodes shards may be placed on: this node and gossip-Alive peers, none labelled draining. */
  eligibleNodes(): ShardNode[] {
    this.o.sweep?.();
    const self = this.o.table.localMetadata;
    const nodes: ShardNode[] = [];
    if (self.labels[SHARD_LABEL] !== DRAINING_VALUE) nodes.push({ nodeId: self.nodeId, region: self.region });
    for (const peer of this.o.table.peers()) {
      if (peer.status === 'Alive' && peer.metadata.labels[SHARD_LABEL] !== DRAINING_VALUE) {
        nodes.push({ nodeId: peer.nodeId, region: peer.metadata.region });
      }
    }
    return nodes;
  }

  /** One planning round (serialized with rebalances). */
  tick(): Promise<PublishOutcome> {
    return this.exclusive(() => this.planAndPublish({}));
  }

  /** One load round: moves shards over budget to their coolest replica. */
  balance(): Promise<PublishOutcome | undefined> {
    return this.exclusive(async () => {
      const budget = this.o.shards.qpsBudget;
      const map = this.o.cache.current();
      if (budget <= 0 || !map || !this.o.isLeader()) return undefined;
      const nodes = this.eligibleNodes();
      const loads = await this.loads(nodes.map((n) => n.nodeId));
      const owners = new Map(map.records.map((r) => [r.shardId, r]));
      const overrides: Record<string, string> = {};
      for (const report of loads.values()) {
        for (const shard of [...report.shards].sort((a, b) => b.qps - a.qps)) {
          const record = owners.get(shard.shardId);
          if (shard.role !== 'owner' || shard.qps <= budget || record?.ownerNodeId !== report.nodeId) continue;
          if (this.now() - this.movedAt(record) < this.o.shards.rebalanceCooldownMs) continue;
          const target = coolest(record.replicas, loads);
          if (!target) continue;
          const owner = loads.get(report.nodeId)!;
          const load = loads.get(target)!;
          if (owner.totalQps - load.totalQps <= 0) continue;
          overrides[shard.shardId] = target;
          // Count the move now so one round does not pile every hot shard onto one node.
          owner.totalQps -= shard.qps;
          load.totalQps += shard.qps;
          this.o.log.info('shard over budget', { shard: shard.shardId, qps: shard.qps, budget, from: report.nodeId, to: target });
        }
      }
      if (Object.keys(overrides).length === 0) return undefined;
      return this.planAndPublish({ overrides, trigger: 'load' });
    });
  }

  /** Operator move (POST /control/shards/rebalance); `to` omitted: the coolest eligible replica. */
  rebalance(shardId: string, to?: string): Promise<RebalanceResult> {
    return this.exclusive(async () => {
      if (!this.o.isLeader()) throw new RebalanceError(503, 'shards.control.not_leader', `${this.o.nodeId} is not the global-control leader`);
      for (let attempt = 0; attempt < 3; attempt++) {
        const stored = await this.o.store.read();
        const record = stored?.map.records.find((r) => r.shardId === shardId);
        if (!stored || !record) throw new RebalanceError(404, 'shards.control.shard.missing', `Shard '${shardId}' is not in the published map.`, { shardId });
        const eligible = new Set(this.eligibleNodes().map((n) => n.nodeId));
        let target = to;
        if (target === undefined) {
          const candidates = record.replicas.filter((id) => eligible.has(id));
          target = coolest(candidates, await this.loads(candidates)) ?? candidates[0];
          if (target === undefined)
            throw new RebalanceError(409, 'shards.control.target.none', `Shard '${shardId}' has no eligible replica to move to.`, { shardId });
        } else if (!eligible.has(target)) {
          throw new RebalanceError(409, 'shards.control.target.ineligible', `Node '${target}' is not eligible (not Alive, draining or unknown).`, {
            shardId,
            to: target,
          });
        }
        if (target === record.ownerNodeId) {
          return { shardId, from: target, to: target, version: stored.map.version, handover: { status: 'skipped', ms: 0 } };
        }
        const outcome = await this.planAndPublish({ overrides: { [shardId]: target }, trigger: 'operator' }, stored);
        if (outcome.published) {
          return {
            shardId,
            from: record.ownerNodeId,
            to: target,
            version: outcome.map.version,
            handover: outcome.handovers[shardId] ?? { status: 'skipped', ms: 0 },
          };
        }
        if (outcome.reason === 'not-leader')
          throw new RebalanceError(503, 'shards.control.not_leader', `${this.o.nodeId} lost global-control during the rebalance`);
      }
      throw new RebalanceError(503, 'shards.control.publish.conflict', 'the shard map kept changing; try again', { shardId });
    });
  }

  private async planAndPublish(
    extra: { overrides?: Record<string, string>; trigger?: 'operator' | 'load' },
    read?: Awaited<ReturnType<MapStoreLike['read']>>,
  ): Promise<PublishOutcome> {
    if (!this.o.isLeader()) return { published: false, reason: 'not-leader' };
    const startedAt = clock.now();
    const stored = read ?? (await this.o.store.read());
    const previous = stored?.map;
    const version = (previous?.version ?? 0) + 1;
    const draining = this.drainingNodes();
    const ticketFor = (change: ShardChange): string => {
      if (extra.overrides?.[change.shardId] === change.to) return `rebalance-${version}`;
      if (change.from === undefined) return 'bootstrap';
      if (change.from !== change.to && draining.has(change.from)) return `drain:${change.from}`;
      return 'membership';
    };
    const plan = planMap(previous, {
      namespace: this.o.shards.namespace,
      shardIds: this.o.shards.ids,
      strategyId: this.o.shards.strategyId,
      replicas: this.o.shards.replicas,
      nodes: this.eligibleNodes(),
      overrides: { ...previous?.overrides, ...extra.overrides },
      leaderId: this.o.nodeId,
      now: new Date(this.now()),
      ticket: ticketFor,
    });
    if (!plan.map) return { published: false, reason: 'unchanged' };
    // Liveness of each old owner when the move was planned: a membership move away from a live owner is a placement.
    const ownerAlive = new Map(plan.moves.map((m) => [m.shardId, this.isAlive(m.from)]));
    const handoverList = await Promise.all(plan.moves.map((move) => this.handover(move)));
    const handovers = Object.fromEntries(plan.moves.map((m, i) => [m.shardId, handoverList[i]!]));
    // Handovers take time: do not publish for a leadership we no longer hold.
    if (!this.o.isLeader()) return { published: false, reason: 'not-leader' };
    const result = await this.o.store.publish(plan.map, stored?.modRevision ?? 0, previous);
    if (!result.ok) {
      this.o.log.warn('shard map publish conflict: re-planning next round', { version: plan.map.version, current: result.current?.map.version });
      return { published: false, reason: 'conflict' };
    }
    this.o.cache.offer(plan.map);
    const changed = plan.map.records.filter((r) => r.version === plan.map!.version).length;
    this.o.log.info('shard map published', { version: plan.map.version, changed, moves: plan.moves.length });
    const publishedAt = clock.now();
    for (const move of plan.moves) {
      const rebalance = move.ticket.startsWith('rebalance-');
      const reason: MoveReason = rebalance ? 'rebalance' : move.ticket.startsWith('drain:') ? 'drain' : ownerAlive.get(move.shardId) ? 'placement' : 'failover';
      const handover = handovers[move.shardId]!;
      this.movesTotal.inc({ mesh_namespace: this.o.shards.namespace, mesh_reason: reason });
      recordSpan(
        this.o.tracer,
        SPAN_NAMES.shardMove,
        {
          'mesh.namespace': this.o.shards.namespace,
          'mesh.shard_id': move.shardId,
          'mesh.from_node': move.from,
          'mesh.to_node': move.to,
          'mesh.reason': reason,
          'mesh.map_version': plan.map.version,
          'mesh.fence_token': move.fenceToken,
          'mesh.handover': handover.status,
        },
        { start: startedAt, end: publishedAt },
      );
      if (rebalance) this.lastMovedAt.set(move.shardId, this.now());
      this.o.log.info('shard moved', {
        shard: move.shardId,
        from: move.from,
        to: move.to,
        fence: move.fenceToken,
        reason,
        ...(rebalance ? { trigger: extra.trigger ?? 'load' } : {}),
        ticket: move.ticket,
        handover: handover.status,
        handoverMs: handover.ms,
      });
    }
    return { published: true, map: plan.map, moves: plan.moves, handovers };
  }

  /** Asks the old owner to hand over, when it is still Alive; bounded by handoverTimeoutMs. */
  private async handover(move: PlannedMove): Promise<HandoverOutcome> {
    if (!this.isAlive(move.from)) return { status: 'skipped', ms: 0 };
    const request: HandoverRequest = {
      namespace: this.o.shards.namespace,
      shardId: move.shardId,
      to: move.to,
      fenceToken: move.fenceToken,
      ticket: move.ticket,
    };
    const started = this.now();
    let outcome: HandoverOutcome;
    try {
      const answer = await this.call(move.from, 'POST', HANDOVER_PATH, request, this.o.shards.handoverTimeoutMs);
      const ms = this.now() - started;
      const result = (answer.body ?? {}) as Partial<HandoverResult>;
      outcome =
        answer.status >= 200 && answer.status < 300
          ? {
              status: 'completed',
              ms,
              ...(typeof result.index === 'number' ? { index: result.index } : {}),
              ...(typeof result.heldCalls === 'number' ? { heldCalls: result.heldCalls } : {}),
            }
          : { status: 'failed', ms, error: `HTTP ${answer.status}: ${JSON.stringify(answer.body)}` };
    } catch (error) {
      const ms = this.now() - started;
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      outcome = { status: timedOut ? 'timeout' : 'failed', ms, error: errorMessage(error) };
    }
    this.handoverDuration.observe({}, outcome.ms);
    if (outcome.status !== 'completed') {
      this.o.log.warn('handover did not complete: publishing anyway (the fence protects)', {
        shard: move.shardId,
        from: move.from,
        to: move.to,
        fence: move.fenceToken,
        ...outcome,
      });
    }
    return outcome;
  }

  /**
   * When the shard last moved for its load (an operator's or a hot shard's move): this leader's memory,
   * else the map (a new leader inherits the cooldown). Placement, drain and failover moves do not count:
   * a shard placed on a node that just joined may be relieved at once when it runs hot.
   */
  private movedAt(record: ShardRecord): number {
    const fromMap = record.fenceToken === record.version && (record.changeTicket ?? '').startsWith('rebalance-') ? Date.parse(record.updatedAt) : Number.NaN;
    return Math.max(this.lastMovedAt.get(record.shardId) ?? -Infinity, Number.isFinite(fromMap) ? fromMap : -Infinity);
  }

  private isAlive(nodeId: string): boolean {
    return nodeId === this.o.nodeId || this.o.table.get(nodeId)?.status === 'Alive';
  }

  private drainingNodes(): Set<string> {
    const draining = new Set<string>();
    if (this.o.table.localMetadata.labels[SHARD_LABEL] === DRAINING_VALUE) draining.add(this.o.nodeId);
    for (const peer of this.o.table.peers()) if (peer.metadata.labels[SHARD_LABEL] === DRAINING_VALUE) draining.add(peer.nodeId);
    return draining;
  }

  /** Load reports of `nodeIds` (missing when a node does not answer in time). */
  private async loads(nodeIds: readonly string[]): Promise<Map<string, ShardLoadReport>> {
    const answers = await Promise.all(
      nodeIds.map(async (nodeId) => {
        try {
          const answer = await this.call(nodeId, 'GET', LOAD_PATH, undefined, LOAD_TIMEOUT_MS);
          const body = answer.body as ShardLoadReport | undefined;
          if (answer.status !== 200 || typeof body?.totalQps !== 'number' || !Array.isArray(body.shards)) return undefined;
          return [nodeId, { ...body, nodeId }] as const;
        } catch {
          return undefined;
        }
      }),
    );
    return new Map(answers.filter((a) => a !== undefined));
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs `work` every `ms` after the previous run finished (no pile-up when etcd is slow). */
  private every(ms: number, work: () => Promise<unknown>): void {
    const loop = async (): Promise<void> => {
      if (!this.running) return;
      try {
        await work();
      } catch (error) {
        this.o.log.warn('shard leader round failed', { error: errorMessage(error) });
      }
      if (this.running) this.timers.push(setTimeout(() => void loop(), ms).unref());
    };
    this.timers.push(setTimeout(() => void loop(), ms).unref());
  }
}

/** The replica with the lowest reported totalQps (ties: smaller node id); undefined without reports. */
export function coolest(candidates: readonly string[], loads: ReadonlyMap<string, ShardLoadReport>): string | undefined {
  return candidates.filter((id) => loads.has(id)).sort((a, b) => loads.get(a)!.totalQps - loads.get(b)!.totalQps || (a < b ? -1 : a > b ? 1 : 0))[0];
}

function httpCaller(table: MembershipTable, selfId: string, httpPort: number): NodeCaller {
  return async (nodeId, method, path, body, timeoutMs) => {
    // The leader may be the old owner itself: its own port on loopback.
    const target = nodeId === selfId ? { host: '127.0.0.1', port: httpPort } : httpEndpointOf(nodeId, table, httpPort);
    const response = await fetch(`http://${formatHostPort(target)}${path}`, {
      method,
      // The leader reads and operates on shards like any operator: /control/shards/* routes check the scope.
      headers: { 'x-mesh-scope': 'mesh.read mesh.operate', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // keep the text
    }
    return { status: response.status, body: parsed };
  };
}
