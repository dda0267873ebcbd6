// Shards moving: a majority naming a new owner, operator moves and their handover, the map diff that
// records them, and what calls saw across a move (slow calls in flight, the chooser steering around a
// hot owner).
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import type { NetworkChaos } from './network';
import type { ClientVerbs } from './clients';
import type { ShardMap } from './shard-map';
import { judge } from '../../checks/eventually';
import { inFlightAcrossMoveProblems } from '../../checks/in-flight';
import { hotNodeAvoidedProblems } from '../../checks/calls';
import { diffRecordsMovesProblems, majorityOwner, movedProblems, routingTable } from '../../checks/shard-views';
import type { ShardRecord } from '../../fabric/contract';
import { attachJson } from '../../evidence/attach';
import type { Duration } from '../../duration';

export class ShardMoves {
  /** When each shard marked hot started being hot (its replay's start), on the scenario clock. */
  private readonly hotFromMs = new Map<string, number>();
  /** When the move away from the original owner was first seen by a majority, and the owner it named. */
  private readonly moves = new Map<string, { atMs: number; to: string }>();
  /** The slow calls in flight, awaited by the check; what they did is read from the history. */
  private slowCalls: Promise<unknown>[] = [];
  private handover: { shardId: string; ms: number; to: string } | undefined;

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
    private readonly map: ShardMap,
    private readonly network: NetworkChaos,
    private readonly clients: ClientVerbs,
  ) {}

  /** The owner `shardId` was seen moving to, if it moved. */
  movedTo(shardId: string): string | undefined {
    return this.moves.get(shardId)?.to;
  }

  /**
   * Marks `shardId` hot from the moment its traffic started (for the chooser check). Kept apart from the
   * origin, which an earlier step (the slow calls) may already have recorded.
   */
  async markHot(shardId: string): Promise<void> {
    await this.map.origin(shardId);
    this.hotFromMs.set(shardId, this.clients.replayStartedMs ?? this.ctx.clock.nowMs());
  }

  /** A majority of live nodes names a new owner for `shardId` (optionally: one of its original replicas). */
  async expectMoved(shardId: string, within: Duration, toReplica: boolean): Promise<string> {
    const origin = await this.map.origin(shardId);
    const views = await this.ctx.verdicts.within(
      `${shardId} has moved away from ${origin.owner}${toReplica ? ` to one of ${origin.replicas.join(', ')}` : ''}`,
      () => this.map.views(this.nodes.liveNodes().filter((n) => !this.network.isolatedNow(n.id))),
      (v) =>
        judge(movedProblems(v, shardId, origin, toReplica), {
          expected: `${shardId} owned by ${toReplica ? `one of ${origin.replicas.join(', ')}` : `a node other than ${origin.owner}`}`,
          actual: routingTable(v, [shardId]),
        }),
      { timeoutMs: within.ms },
    );
    const owner = majorityOwner(views, shardId)!;
    this.moves.set(shardId, { atMs: this.ctx.clock.nowMs(), to: owner });
    await attachJson(this.ctx.evidence, `routing-${shardId}-after-move`, routingTable(views, [shardId]));
    this.ctx.log(`${shardId} moved from ${origin.owner} to ${owner}`);
    return owner;
  }

  /** An operator moves `shardId` to its coolest replica (extension feature:mesh-rebalance). */
  async operatorMoves(shardId: string): Promise<void> {
    const origin = await this.map.origin(shardId);
    const [node] = this.nodes.liveNodes();
    const started = this.ctx.clock.nowMs();
    const answer = await node!.rebalance(shardId);
    await attachJson(this.ctx.evidence, `rebalance-${shardId}`, answer);
    if (answer.status !== 200) throw new Error(`moving ${shardId} answered HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
    const ms = answer.body.handover?.ms ?? this.ctx.clock.nowMs() - started;
    this.handover = { shardId, ms, to: answer.body.to };
    this.ctx.log(`${shardId} moved ${origin.owner} → ${answer.body.to} (handover ${ms} ms, map version ${answer.body.version})`);
  }

  async expectHandoverWithin(bound: Duration): Promise<void> {
    if (!this.handover) throw new Error('no shard was moved by an operator in this scenario');
    const { shardId, ms } = this.handover;
    await this.ctx.verdicts.now(`handover of ${shardId} within ${bound.ms} ms`, ms <= bound.ms ? [] : [`the handover took ${ms} ms`], this.handover);
  }

  /** The map diff since the scenario's first map records each shard that moved, with its change ticket. */
  async expectDiffRecordsMoves(): Promise<void> {
    if (!this.map.before) throw new Error('no "before" map: add a step that every node routes by the same shard map');
    const moved = [...this.moves.keys()];
    const [node] = this.nodes.liveNodes();
    const diff = (await node!.shardDiff(this.map.before.version)) as { items?: { current?: ShardRecord }[] };
    await attachJson(this.ctx.evidence, 'shard-map-diff', diff);
    const changed = new Map((diff.items ?? []).map((i) => [i.current?.shardId, i.current]));
    const problems = diffRecordsMovesProblems(
      this.map.before.version,
      moved.map((shardId) => ({ shardId, originalOwner: this.map.knownOrigin(shardId)?.owner })),
      changed,
    );
    await this.ctx.verdicts.now('shard map diff records the moves', problems, Object.fromEntries(moved.map((s) => [s, changed.get(s)])));
  }

  /** Starts `count` slow calls of `duration` on `shardId`, sent to its owner; they are awaited later. */
  async startSlowCalls(count: number, duration: Duration, shardId: string): Promise<void> {
    const { owner } = await this.map.origin(shardId);
    const node = this.nodes.cluster.node(owner);
    for (let i = 0; i < count; i++) {
      const call = this.ctx.history
        .record(
          { process: `slow-${i + 1}`, f: 'slow::call', target: owner, shardKey: shardId, value: { ms: duration.ms } },
          () => node.call('slow::call', { ms: duration.ms }, { 'Rpc-Shard-Key': shardId }, duration.ms + 10_000),
          (r) =>
            r.status === 200
              ? { outcome: 'ok', result: { body: r.body, servedBy: r.answeredBy } }
              : { outcome: 'info', error: `HTTP ${r.status} ${r.rpcStatus ?? ''}`.trim() },
        )
        .catch(() => undefined); // recorded as info in the history
      this.slowCalls.push(call);
    }
  }

  /** The slow calls finished on the original owner, and at least one was still running when the move was seen. */
  async expectSlowCallsCompletedOnOriginalOwner(shardId: string): Promise<void> {
    const { owner } = await this.map.origin(shardId);
    await Promise.all(this.slowCalls);
    const calls = this.ctx.history.ops.filter((o) => o.f === 'slow::call' && o.shardKey === shardId);
    const movedAtMs = this.moves.get(shardId)?.atMs;
    await this.ctx.verdicts.now(`in-flight calls on ${shardId} finished on ${owner}`, inFlightAcrossMoveProblems({ calls, owner, movedAtMs }), {
      movedAtMs,
      calls,
    });
  }

  /** While `shardId` was hot on its owner, the fewest-pending chooser sent that node less than 1/N of its choices. */
  async expectChooserAvoidedHotOwner(shardId: string): Promise<void> {
    const origin = await this.map.origin(shardId);
    const chooser = this.clients.chooser;
    if (!chooser) throw new Error('no traffic replay ran, so no chooser made picks');
    const from = this.hotFromMs.get(shardId);
    if (from === undefined) throw new Error(`${shardId} was never marked hot: add the step "${shardId} is hot on its owner" after its traffic starts`);
    const to = this.moves.get(shardId)?.atMs ?? this.ctx.clock.nowMs();
    const { problems, counts, share } = hotNodeAvoidedProblems(chooser.picks(), {
      hot: origin.owner,
      fromMs: from,
      toMs: to,
      peers: chooser.peers.length,
      minimum: 20,
    });
    await this.ctx.verdicts.now(`fewest-pending steers around ${origin.owner}`, problems, { windowMs: [from, to], picks: counts, share });
  }
}
