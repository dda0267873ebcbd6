// Cross-region backpressure (feature:mesh-backpressure): clients that enter through one region write to
// a shard owned in another until its owner runs out of budget. The verdicts read what the owner counted,
// what the global leader recorded, what the clients were answered (and by whom), and whether it all
// clears once the load stops.
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import type { ClientVerbs } from './clients';
import type { Leadership } from './leadership';
import { judge } from '../../checks/eventually';
import {
  clearedProblems,
  herdProblems,
  ingressThrottleProblems,
  ownerCountersRoseProblems,
  recordedProblems,
  throttledBeforeTimeoutProblems,
} from '../../checks/backpressure';
import { parsePrometheus, sumOf, type Sample } from '../../checks/prometheus';
import { EXT, type PressureView } from '../../fabric/contract';
import { Traffic } from '../../fabric/traffic';
import { firstShardOwnedBy } from '../../checks/shard-views';
import { attachJson } from '../../evidence/attach';
import type { Duration } from '../../duration';

const GLOBAL = 'global-control';
const PROCEDURE = 'kv::set';
/** Tries per call: a client that is told to wait retries, as the contract allows, after Retry-After. */
const RETRY = { attempts: 3, maxBackoffMs: 5_000 } as const;

interface Saturation {
  readonly shardId: string;
  readonly owner: string;
  readonly via: string;
  readonly ingress: readonly string[];
  readonly baseline: ReadonlyMap<string, Sample[]>;
}

export class BackpressureVerbs {
  private run: Saturation | undefined;

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
    private readonly clients: ClientVerbs,
    private readonly leadership: Leadership,
  ) {}

  /**
   * `clients` clients write to one shard owned in `ownerRegion` (the first such shard of the map), each
   * entering through `via`'s nodes in turn, retrying throttled calls after their Retry-After, for at
   * most `maxRun`.
   */
  async saturate(clients: number, ownerRegion: string, via: string, maxRun: Duration): Promise<void> {
    if (ownerRegion === via) throw new Error(`the clients must enter through another region than the owner's ("${ownerRegion}"): backpressure crosses regions`);
    const ingress = this.nodesOf(via);
    const { shardId, owner } = await this.shardOwnedIn(ownerRegion);
    const watched = [owner, ...ingress];
    const baseline = new Map(await Promise.all(watched.map(async (id) => [id, await this.scrape(id)] as const)));
    const traffic = Traffic.parse(
      {
        name: `writes-to-${shardId}`,
        description: `every client writes its own key on ${shardId}, owned by ${owner} in ${ownerRegion}`,
        ops: [{ procedure: PROCEDURE, shardKey: shardId, body: { key: 'pressure-{client}', value: '{uid}' } }],
      },
      `backpressure traffic for ${shardId}`,
    );
    this.ctx.log(`saturating ${shardId} (owner ${owner}, ${ownerRegion}) with ${clients} clients through ${via} (${ingress.join(', ')})`);
    await this.clients.replay(traffic, clients, { kind: 'through region', via }, maxRun, RETRY);
    this.run = { shardId, owner, via, ingress, baseline };
  }

  /** The owner refused calls over its budget and went saturated: its rejection and transition counters rose. */
  async expectOwnerCountersRose(within: Duration): Promise<void> {
    const run = this.current();
    const before = run.baseline.get(run.owner) ?? [];
    const rise = (after: Sample[]) => ({
      rejections: sumOf(after, 'mesh_backpressure_rejections_total') - sumOf(before, 'mesh_backpressure_rejections_total'),
      toSaturated:
        sumOf(after, 'mesh_backpressure_transitions_total', { mesh_level: 'saturated' }) -
        sumOf(before, 'mesh_backpressure_transitions_total', { mesh_level: 'saturated' }),
    });
    const seen = await this.ctx.verdicts.within(
      `${run.owner}'s backpressure counters rise`,
      async () => rise(await this.scrape(run.owner)),
      (r) => judge(ownerCountersRoseProblems(r)),
      { timeoutMs: within.ms },
    );
    await attachJson(this.ctx.evidence, `backpressure-counters-${run.owner}`, seen);
  }

  /** The global-control holder's GET /control/pressure records an episode for the owner. */
  async expectLeaderRecorded(within: Duration): Promise<void> {
    const run = this.current();
    const leader = await this.leadership.current(GLOBAL);
    const view = await this.ctx.verdicts.within(
      `the global leader ${leader} records pressure on ${run.owner}`,
      () => this.pressureOf(leader),
      (v) => judge(recordedProblems(v, run.owner, run.shardId)),
      { timeoutMs: within.ms },
    );
    await attachJson(this.ctx.evidence, `pressure-recorded-by-${leader}`, view);
  }

  /**
   * Calls were shed at the ingress of the clients' region, naming the owner, with Retry-After; and the
   * ingress counted them (mesh_backpressure_throttled_total from the owner's region).
   */
  async expectThrottledAtIngress(within: Duration): Promise<void> {
    const run = this.current();
    const ownerRegion = this.regionOf(run.owner);
    const seen = await this.ctx.verdicts.within(
      `the clients are throttled at ${run.via}'s ingress, naming ${run.owner}`,
      async () => {
        const summary = this.clients.liveSummary();
        if (!summary) throw new Error('the clients are not running');
        let shed = 0;
        for (const id of run.ingress) {
          const name = 'mesh_backpressure_throttled_total';
          const match = { mesh_origin_region: ownerRegion };
          shed += sumOf(await this.scrape(id), name, match) - sumOf(run.baseline.get(id) ?? [], name, match);
        }
        return { throttled: summary.throttled, shedCounted: shed };
      },
      (s) =>
        judge([
          ...ingressThrottleProblems(s.throttled, run.ingress, run.owner, run.shardId),
          ...(s.shedCounted > 0 ? [] : [`${run.via}'s mesh_backpressure_throttled_total{mesh_origin_region="${ownerRegion}"} has not risen`]),
        ]),
      { timeoutMs: within.ms },
    );
    await attachJson(this.ctx.evidence, 'throttled-at-ingress', seen);
  }

  /** After the clients stopped: the first throttled answer came before the first timeout (if any). */
  async expectThrottledBeforeTimeouts(): Promise<void> {
    const summary = this.clients.lastSummary();
    await this.ctx.verdicts.now('clients throttled before any call timed out', throttledBeforeTimeoutProblems(summary.throttled, summary.firstTimeoutAtMs), {
      throttled: summary.throttled,
      firstTimeoutAtMs: summary.firstTimeoutAtMs ?? null,
      triesPerSecond: summary.triesPerSecond,
      statuses: summary.statuses,
    });
  }

  /** After the clients stopped: from the first throttled second on, fewer than `limit` tries per second (retries included). */
  async expectNoHerd(limit: number): Promise<void> {
    const summary = this.clients.lastSummary();
    await this.ctx.verdicts.now(`fewer than ${limit} tries per second once throttled`, herdProblems(summary, limit), {
      triesPerSecond: summary.triesPerSecond,
      firstThrottledAtMs: summary.throttled.firstAtMs ?? null,
      startedAtMs: summary.startedAtMs,
      retryRate: summary.retryRate,
    });
  }

  /**
   * Within `within` of now (the load has stopped): no node is under pressure or sees one that is, the
   * global leader closed the owner's episode, and a write through the clients' region is served again.
   */
  async expectCleared(within: Duration): Promise<void> {
    const run = this.current();
    const started = this.ctx.clock.nowMs();
    const leader = await this.leadership.current(GLOBAL);
    const views = await this.ctx.verdicts.within(
      'the pressure has cleared on every node',
      () => this.nodes.askEveryNode((n) => n.pressure(), this.nodes.liveNodes()),
      (v) => judge(clearedProblems(v, leader, run.owner)),
      { timeoutMs: within.ms },
    );
    const afterMs = Math.round(this.ctx.clock.nowMs() - started);
    const entry = this.nodes.cluster.node(run.ingress[0]!);
    const answer = await entry.call(PROCEDURE, { key: 'pressure-probe', value: 'after' }, { 'Rpc-Shard-Key': run.shardId }, 10_000);
    const problems =
      answer.status === 200
        ? []
        : [
            `a write to ${run.shardId} through ${entry.id} answered HTTP ${answer.status} ${answer.rpcStatus ?? ''}${answer.headers[EXT.throttledHeader] ? ` (throttled: ${answer.headers[EXT.throttledHeader]})` : ''}`,
          ];
    await this.ctx.verdicts.now(`pressure cleared within ${within}`, problems, {
      clearedAfterMs: afterMs,
      probe: { status: answer.status, answeredBy: answer.answeredBy },
      leader: views.get(leader),
    });
  }

  private current(): Saturation {
    if (!this.run)
      throw new Error(
        'no shard is being saturated: start the clients first, e.g. `When 30 clients write to a shard owned in "west" through "east" for at most 60 seconds`',
      );
    return this.run;
  }

  /** The first shard (by id) of the published map whose owner is a relay node of `region`. */
  private async shardOwnedIn(region: string): Promise<{ shardId: string; owner: string }> {
    const inRegion = new Set(this.nodesOf(region));
    const [node] = this.nodes.liveNodes();
    if (!node) throw new Error('no live node to read the shard map from');
    const map = await node.shards();
    const record = firstShardOwnedBy(map, inRegion);
    if (!record)
      throw new Error(
        `no shard of map version ${map.version} is owned in "${region}" (owners: ${[...new Set(map.items.map((r) => r.ownerNodeId))].join(', ')})`,
      );
    this.ctx.log(`${record.shardId}: owner ${record.ownerNodeId}, replicas ${(record.replicas ?? []).join(', ') || '(none)'}`);
    return { shardId: record.shardId, owner: record.ownerNodeId };
  }

  private nodesOf(region: string): string[] {
    return this.nodes.cluster.relayNodesIn(region).map((n) => n.id);
  }

  private regionOf(id: string): string {
    return this.nodes.cluster.node(id).region;
  }

  private async scrape(id: string): Promise<Sample[]> {
    return parsePrometheus(await this.nodes.cluster.node(id).metrics());
  }

  private pressureOf(id: string): Promise<PressureView> {
    return this.nodes.cluster.node(id).pressure();
  }
}
