// Shards as the cluster reports them: every node's view of the map, who owns a shard, moving it
// (budget, operator, drain), taking its owner or a replica down, and the data checks that follow
// (counter, set, linearizable key-value, replicas identical to their owner).
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import type { ProcessFaults } from './processes';
import type { NetworkChaos } from './network';
import type { ClientVerbs } from './clients';
import type { Views } from '../../checks/cluster-views';
import { judge } from '../../checks/eventually';
import type { Op } from '../../checks/history';
import { counterProblems } from '../../checks/counter';
import { inFlightAcrossMoveProblems } from '../../checks/in-flight';
import { ackedWithoutReplicaProblems } from '../../checks/replication';
import { setProblems } from '../../checks/set';
import { linearizableProblems } from '../../checks/linearizable';
import { majorityOwner, mapAgreementProblems, routingProblems, routingTable, shardsHeldBy, unplacedNodes } from '../../checks/shard-views';
import type { ShardCopy, ShardRecord, ShardsView } from '../../fabric/contract';
import { ShardRouting } from '../../fabric/shard-routing';
import { outcomeOfAnswer } from '../../fabric/outcome';
import { attachJson } from '../../evidence/attach';
import type { RelayNode } from '../../cluster/relay-node';
import type { Duration } from '../../parameter-types';
import { FAULT_MAX_WINDOW_MS } from './common';
import type { ActiveFault } from '../../chaos/faults';

/** What the scenario knew about a shard before it moved. */
interface Origin {
  readonly owner: string;
  readonly replicas: readonly string[];
}

export class ShardVerbs {
  private before: ShardsView | undefined;
  private routing: ShardRouting | undefined;
  private readonly origins = new Map<string, Origin>();
  /** When each shard marked hot started being hot (its replay's start), on the scenario clock. */
  private readonly hotFromMs = new Map<string, number>();
  /** When the move away from the original owner was first seen by a majority, and the owner it named. */
  private readonly moves = new Map<string, { atMs: number; to: string }>();
  /** The slow calls in flight, awaited by the check; what they did is read from the history. */
  private slowCalls: Promise<unknown>[] = [];
  private handover: { shardId: string; ms: number; to: string } | undefined;
  private drained: { node: string; fault: ActiveFault } | undefined;
  private restarted: string | undefined;
  /** The crashed replica: when its kill had returned, and when the leader planned a map without it. */
  private replicaDown: { shardId: string; replica: string; downFromMs: number; droppedAtMs?: number } | undefined;

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
    private readonly processes: ProcessFaults,
    private readonly network: NetworkChaos,
    private readonly clients: ClientVerbs,
  ) {}

  // ── the map ──────────────────────────────────────────────────────────────────────────────────────
  /** Every live node's view of the shard map. */
  views(nodes: readonly RelayNode[] = this.nodes.liveNodes()): Promise<Views<ShardsView>> {
    return this.nodes.askEveryNode((n) => n.client.shards(), nodes);
  }

  /**
   * Every node reports the same published map, and it places shards on every live node (a map published
   * before the last node joined is about to change); it becomes the "before" map of the scenario.
   */
  async expectSameMapEverywhere(within: Duration): Promise<void> {
    const live = this.nodes.liveNodes().map((n) => n.id);
    const views = await this.ctx.verdicts.within(
      'every node reports the same shard map, which places shards on every live node',
      () => this.views(),
      (v) => {
        const first = v.values().next().value;
        const unplaced = first ? unplacedNodes(first, live) : [];
        return judge([...mapAgreementProblems(v), ...(unplaced.length > 0 ? [`the map (version ${first!.version}) places no shard on ${unplaced.join(', ')} yet`] : [])]);
      },
      { timeoutMs: within.ms },
    );
    this.before = views.values().next().value;
    await attachJson(this.ctx.evidence, 'shard-map-before', this.before);
  }

  /** The routing table shard-aware clients use, kept current from a live node. */
  get routingTable(): ShardRouting {
    this.routing ??= new ShardRouting(
      async () => {
        const [node] = this.nodes.liveNodes();
        if (!node) throw new Error('no live node to read the shard map from');
        return node.client.shards();
      },
      () => this.ctx.clock.nowMs(),
    );
    return this.routing;
  }

  /** The shard's record in the majority view (owner named by more than half of the live nodes). */
  private async recordOf(shardId: string): Promise<ShardRecord> {
    const views = await this.views();
    const owner = majorityOwner(views, shardId);
    if (!owner) throw new Error(`no majority of nodes agrees on the owner of ${shardId}: ${JSON.stringify(routingTable(views, [shardId]))}`);
    const record = [...views.values()].flatMap((v) => v.items).find((r) => r.shardId === shardId && r.ownerNodeId === owner);
    if (!record) throw new Error(`unknown shard ${shardId}`);
    return record;
  }

  /** Remembers who owns `shardId` now, so that later steps can speak of "its original owner". */
  private async origin(shardId: string): Promise<Origin> {
    const known = this.origins.get(shardId);
    if (known) return known;
    const record = await this.recordOf(shardId);
    const origin = { owner: record.ownerNodeId, replicas: record.replicas ?? [] };
    this.origins.set(shardId, origin);
    this.ctx.log(`${shardId}: owner ${origin.owner}, replicas ${origin.replicas.join(', ') || '(none)'}`);
    return origin;
  }

  /**
   * Marks `shardId` hot from the moment its traffic started (for the chooser check). Kept apart from the
   * origin, which an earlier step (the slow calls) may already have recorded.
   */
  async markHot(shardId: string): Promise<void> {
    await this.origin(shardId);
    this.hotFromMs.set(shardId, this.clients.replayStartedMs ?? this.ctx.clock.nowMs());
  }

  /** Every node reports the same map, and every shard's owner is a node that every node sees Alive. */
  async expectNoOrphanedShards(within: Duration): Promise<void> {
    await this.ctx.verdicts.within(
      'every node reports the same shard map, and every owner is seen Alive by every node',
      async () => ({ maps: await this.views(), peers: await this.nodes.peerViews() }),
      ({ maps, peers }) => {
        const owners = new Set([...maps.values()].flatMap((v) => v.items.map((r) => r.ownerNodeId)));
        const orphaned = [...owners].flatMap((owner) =>
          [...peers].filter(([observer, view]) => observer !== owner && view.peers.find((p) => p.nodeId === owner)?.status !== 'Alive').map(([observer]) => `${observer} does not see owner ${owner} Alive`),
        );
        return judge([...mapAgreementProblems(maps), ...orphaned]);
      },
      { timeoutMs: within.ms },
    );
  }

  // ── moves ────────────────────────────────────────────────────────────────────────────────────────
  /** A majority of live nodes names a new owner for `shardId` (optionally: one of its original replicas). */
  async expectMoved(shardId: string, within: Duration, toReplica: boolean): Promise<string> {
    const origin = await this.origin(shardId);
    const views = await this.ctx.verdicts.within(
      `${shardId} has moved away from ${origin.owner}${toReplica ? ` to one of ${origin.replicas.join(', ')}` : ''}`,
      () => this.views(this.nodes.liveNodes().filter((n) => !this.isolated(n.id))),
      (v) => {
        const owner = majorityOwner(v, shardId);
        return judge([
          ...(owner === undefined ? ['no majority of nodes agrees on an owner'] : []),
          ...(owner === origin.owner ? [`${origin.owner} still owns it`] : []),
          ...(owner && owner !== origin.owner && toReplica && !origin.replicas.includes(owner) ? [`moved to ${owner}, which was not a replica`] : []),
        ], { expected: `${shardId} owned by ${toReplica ? `one of ${origin.replicas.join(', ')}` : `a node other than ${origin.owner}`}`, actual: routingTable(v, [shardId]) });
      },
      { timeoutMs: within.ms },
    );
    const owner = majorityOwner(views, shardId)!;
    this.moves.set(shardId, { atMs: this.ctx.clock.nowMs(), to: owner });
    await attachJson(this.ctx.evidence, `routing-${shardId}-after-move`, routingTable(views, [shardId]));
    this.ctx.log(`${shardId} moved from ${origin.owner} to ${owner}`);
    return owner;
  }

  /** Every live node (the stale ones included) routes `shardId` to the owner the majority names. */
  async expectEveryNodeRoutes(shardId: string, within: Duration): Promise<void> {
    await this.ctx.verdicts.within(
      `every node routes ${shardId} to its new owner`,
      () => this.views(),
      (v) => {
        const owner = majorityOwner(v, shardId);
        const origin = this.origins.get(shardId);
        return judge([
          ...(owner === undefined ? ['no majority owner'] : routingProblems(v, shardId, owner)),
          ...(origin && owner === origin.owner ? [`${shardId} is still on ${origin.owner}`] : []),
        ], { expected: `every node routes ${shardId} to ${owner ?? 'one owner'}`, actual: routingTable(v, [shardId]) });
      },
      { timeoutMs: within.ms },
    ).finally(async () => attachJson(this.ctx.evidence, 'shard-map-after', await this.views().then((v) => routingTable(v, [shardId])).catch((e: Error) => ({ error: e.message }))));
  }

  /** An operator moves `shardId` to its coolest replica (extension feature:mesh-rebalance). */
  async operatorMoves(shardId: string): Promise<void> {
    const origin = await this.origin(shardId);
    const [node] = this.nodes.liveNodes();
    const started = this.ctx.clock.nowMs();
    const answer = await node!.client.rebalance(shardId);
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
    if (!this.before) throw new Error('no "before" map: add a step that every node routes by the same shard map');
    const moved = [...this.moves.keys()];
    const [node] = this.nodes.liveNodes();
    const diff = (await node!.client.shardDiff(this.before.version)) as { items?: { current?: ShardRecord }[] };
    await attachJson(this.ctx.evidence, 'shard-map-diff', diff);
    const changed = new Map((diff.items ?? []).map((i) => [i.current?.shardId, i.current]));
    const problems = moved.flatMap((s) => {
      const current = changed.get(s);
      if (!current) return [`the diff since version ${this.before!.version} has no change of ${s}`];
      return current.ownerNodeId === this.origins.get(s)?.owner ? [`the diff's last record of ${s} still names ${current.ownerNodeId}`] : [];
    });
    if (moved.length === 0) problems.push('no shard was seen moving, so there is nothing to find in the diff');
    await this.ctx.verdicts.now('shard map diff records the moves', problems, Object.fromEntries(moved.map((s) => [s, changed.get(s)])));
  }

  // ── in-flight calls and routing choices ──────────────────────────────────────────────────────────
  /** Starts `count` slow calls of `duration` on `shardId`, sent to its owner; they are awaited later. */
  async startSlowCalls(count: number, duration: Duration, shardId: string): Promise<void> {
    const { owner } = await this.origin(shardId);
    const node = this.nodes.cluster.node(owner);
    for (let i = 0; i < count; i++) {
      const call = this.ctx.history
        .record({ process: `slow-${i + 1}`, f: 'slow::call', target: owner, shardKey: shardId, value: { ms: duration.ms } }, () => node.call('slow::call', { ms: duration.ms }, { 'Rpc-Shard-Key': shardId }, duration.ms + 10_000), (r) =>
          r.status === 200 ? { outcome: 'ok', result: { body: r.body, servedBy: r.answeredBy } } : { outcome: 'info', error: `HTTP ${r.status} ${r.rpcStatus ?? ''}`.trim() },
        )
        .catch(() => undefined); // recorded as info in the history
      this.slowCalls.push(call);
    }
  }

  /** The slow calls finished on the original owner, and at least one was still running when the move was seen. */
  async expectSlowCallsCompletedOnOriginalOwner(shardId: string): Promise<void> {
    const { owner } = await this.origin(shardId);
    await Promise.all(this.slowCalls);
    const calls = this.ctx.history.ops.filter((o) => o.f === 'slow::call' && o.shardKey === shardId);
    const movedAtMs = this.moves.get(shardId)?.atMs;
    await this.ctx.verdicts.now(`in-flight calls on ${shardId} finished on ${owner}`, inFlightAcrossMoveProblems({ calls, owner, movedAtMs }), { movedAtMs, calls });
  }

  /** While `shardId` was hot on its owner, the fewest-pending chooser sent that node less than 1/N of its choices. */
  async expectChooserAvoidedHotOwner(shardId: string): Promise<void> {
    const origin = await this.origin(shardId);
    const chooser = this.clients.chooser;
    if (!chooser) throw new Error('no traffic replay ran, so no chooser made picks');
    const from = this.hotFromMs.get(shardId);
    if (from === undefined) throw new Error(`${shardId} was never marked hot: add the step "${shardId} is hot on its owner" after its traffic starts`);
    const to = this.moves.get(shardId)?.atMs ?? this.ctx.clock.nowMs();
    const chosen = chooser.picks().filter((p) => !p.pinned && p.atMs >= from && p.atMs < to);
    const counts: Record<string, number> = {};
    for (const p of chosen) counts[p.peer] = (counts[p.peer] ?? 0) + 1;
    const even = 1 / chooser.peers.length;
    const share = (counts[origin.owner] ?? 0) / Math.max(1, chosen.length);
    const problems = [
      ...(chosen.length < 20 ? [`only ${chosen.length} calls were left to the chooser while ${shardId} was hot: too few to judge`] : []),
      ...(share >= even ? [`${origin.owner} got ${(share * 100).toFixed(1)}% of the chooser's picks (an even share is ${(even * 100).toFixed(1)}%)`] : []),
    ];
    await this.ctx.verdicts.now(`fewest-pending steers around ${origin.owner}`, problems, { windowMs: [from, to], picks: counts, share });
  }

  // ── drain ────────────────────────────────────────────────────────────────────────────────────────
  /** Drains the owner of `shardId` (contract §4); recorded as a fault that ends with a resume. */
  async drainOwner(shardId: string): Promise<void> {
    const { owner } = await this.origin(shardId);
    const node = this.nodes.cluster.node(owner);
    const fault = await this.ctx.faults.inject(
      'drain',
      { kind: 'node', node: owner },
      async () => {
        const answer = await node.client.drain(`scenario ${this.ctx.scenarioName}`);
        await attachJson(this.ctx.evidence, `drain-${owner}`, answer);
        if (answer.status !== 202 && answer.status !== 200) throw new Error(`draining ${owner} answered HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
      },
      async () => {
        const answer = await node.client.resume();
        if (answer.status !== 200) throw new Error(`resuming ${owner} answered HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
      },
      FAULT_MAX_WINDOW_MS,
    );
    this.drained = { node: owner, fault };
  }

  /** The drained node resumes (contract §4) and is ready again. */
  async resumeDrained(within: Duration): Promise<void> {
    const { node, fault } = this.drained ?? {};
    if (!node || !fault) throw new Error('no node was drained in this scenario');
    await fault.heal();
    await this.ctx.verdicts.waitFor(`${node} answers ready after resuming`, () => this.nodes.cluster.node(node).readiness(), (r) => judge(r.status === 200 ? [] : [`/readyz ${r.status} ${JSON.stringify(r.body.issues)}`]), { timeoutMs: within.ms });
  }

  private get drainedNode(): string {
    if (!this.drained) throw new Error('no node was drained in this scenario');
    return this.drained.node;
  }

  /** New calls to the drained node answer 503 with Retry-After: 1 (contract §2). */
  async expectDrainedNodeRefusesNewCalls(): Promise<void> {
    const id = this.drainedNode;
    const r = await this.nodes.cluster.node(id).call('echo', { probe: 'drained?' });
    const problems = [
      ...(r.status === 503 ? [] : [`${id} answered HTTP ${r.status}, not 503`]),
      ...(r.headers['retry-after'] === '1' ? [] : [`${id} sent Retry-After ${JSON.stringify(r.headers['retry-after'] ?? null)}, not 1`]),
    ];
    await this.ctx.verdicts.now(`${id} refuses new calls while draining`, problems, { status: r.status, headers: r.headers });
  }

  /** Every other node's map gives the drained node no shard to own or replicate, and it reports Drained. */
  async expectDrainedNodeHoldsNothing(within: Duration): Promise<void> {
    const id = this.drainedNode;
    await this.ctx.verdicts.within(
      `${id} owns and replicates no shard and reports Drained`,
      async () => ({ views: await this.views(this.nodes.liveNodes().filter((n) => n.id !== id)), upgrade: await this.nodes.cluster.node(id).client.upgrade() }),
      ({ views, upgrade }) =>
        judge([
          ...[...views].flatMap(([observer, v]) => {
            const held = shardsHeldBy(v, id);
            return held.owned.length + held.replicated.length > 0 ? [`${observer}'s map still gives ${id} ${held.owned.length} owned and ${held.replicated.length} replicated shards`] : [];
          }),
          ...(upgrade.state === 2 ? [] : [`${id} reports upgrade state ${upgrade.state}, not Drained (2)`]),
        ]),
      { timeoutMs: within.ms },
    );
  }

  // ── owners and replicas taken down ───────────────────────────────────────────────────────────────
  async crashOwner(shardId: string): Promise<void> {
    await this.processes.crash((await this.origin(shardId)).owner);
  }

  async crashReplica(shardId: string): Promise<void> {
    const { replicas } = await this.origin(shardId);
    const replica = replicas[0];
    if (!replica) throw new Error(`${shardId} has no replica to crash (replicas: 0)`);
    this.restarted = replica;
    await this.processes.crash(replica);
    this.replicaDown = { shardId, replica, downFromMs: this.ctx.clock.nowMs() };
  }

  /**
   * The majority's map of `shardId` no longer lists the crashed replica; notes when the leader planned
   * that record (its `updatedAt`, on the host clock the nodes share) for the acknowledgement check.
   */
  async expectCrashedReplicaDropped(shardId: string, within: Duration): Promise<void> {
    const down = this.replicaDown;
    if (!down || down.shardId !== shardId) throw new Error(`no replica of ${shardId} was crashed in this scenario: add "a replica of ${shardId} crashes" before this step`);
    const record = await this.ctx.verdicts.within(
      `the map of ${shardId} no longer lists ${down.replica}`,
      async () => {
        const v = await this.views();
        const owner = majorityOwner(v, shardId);
        return [...v.values()].flatMap((x) => x.items).find((r) => r.shardId === shardId && r.ownerNodeId === owner);
      },
      (r) => judge(r && r.ownerNodeId !== down.replica && !r.replicas?.includes(down.replica) ? [] : [`${shardId}: owner ${r?.ownerNodeId ?? '?'}, replicas ${r?.replicas?.join(', ') ?? '?'}`]),
      { timeoutMs: within.ms },
    );
    const droppedAtMs = record ? this.ctx.clock.fromWall(record.updatedAt) : Number.NaN;
    if (!Number.isFinite(droppedAtMs)) throw new Error(`the record of ${shardId} has no readable updatedAt (${JSON.stringify(record?.updatedAt)})`);
    this.replicaDown = { ...down, droppedAtMs };
  }

  /** No write to the shard was acknowledged between the replica's crash and the map that dropped it. */
  async expectNoWriteAckedWhileReplicaDown(shardId: string): Promise<void> {
    const down = this.replicaDown;
    if (down?.droppedAtMs === undefined || down.shardId !== shardId) {
      throw new Error(`the crashed replica of ${shardId} was not seen dropped from its map: add "within … the map of ${shardId} no longer lists the crashed replica" first`);
    }
    const result = ackedWithoutReplicaProblems(this.ctx.history.ops, { ...down, droppedAtMs: down.droppedAtMs });
    await this.ctx.verdicts.now(`no write to ${shardId} acknowledged while a listed replica was down`, result.problems, { window: down, attempted: result.attempted });
  }

  async isolateOwner(shardId: string, duration: Duration): Promise<void> {
    await this.network.isolate((await this.origin(shardId)).owner, duration);
  }

  /** A node cut off by a partition still running: its view is stale by design, so it has no say. */
  private isolated(nodeId: string): boolean {
    return this.network.isolatedNow(nodeId);
  }

  /** After its restart, the crashed replica is again a replica of `shardId` in the majority view. */
  async expectRestartedReplicaRejoined(shardId: string, within: Duration): Promise<void> {
    const id = this.restarted;
    if (!id) throw new Error('no replica was crashed in this scenario');
    await this.ctx.verdicts.within(
      `${id} is a replica of ${shardId} again`,
      () => this.views(),
      (v) => {
        const owner = majorityOwner(v, shardId);
        const record = [...v.values()].flatMap((x) => x.items).find((r) => r.shardId === shardId && r.ownerNodeId === owner);
        return judge(record?.replicas?.includes(id) || owner === id ? [] : [`${shardId}: owner ${owner ?? '?'}, replicas ${record?.replicas?.join(', ') ?? '?'}`], { expected: `${id} among the replicas of ${shardId}`, actual: routingTable(v, [shardId]) });
      },
      { timeoutMs: within.ms },
    );
  }

  /** The owner's copy of `shardId` and every replica's have the same applied index and digest. */
  async expectCopiesIdentical(shardId: string, within: Duration): Promise<void> {
    let copies: Views<ShardCopy> = new Map();
    const problems = await this.ctx.verdicts.within(
      `every copy of ${shardId} is identical to its owner's`,
      async () => {
        const record = await this.recordOf(shardId);
        const holders = [record.ownerNodeId, ...(record.replicas ?? [])].map((id) => this.nodes.cluster.node(id));
        copies = await this.nodes.askEveryNode((n) => n.client.shardCopy(shardId), holders);
        return { owner: record.ownerNodeId, copies };
      },
      ({ owner, copies: c }) => {
        const mine = c.get(owner)!;
        return judge([...c].filter(([id]) => id !== owner).flatMap(([id, copy]) =>
          copy.digest === mine.digest && copy.index === mine.index ? [] : [`${id}: index ${copy.index} digest ${copy.digest}; owner ${owner}: index ${mine.index} digest ${mine.digest}`]));
      },
      { timeoutMs: within.ms },
    )
      .then(() => [])
      .catch((e: Error) => [e.message]);
    await this.ctx.verdicts.now(`replicas of ${shardId} identical to the owner`, problems, Object.fromEntries(copies));
  }

  // ── data checks ──────────────────────────────────────────────────────────────────────────────────
  /** Reads `procedure` for each key through a live node until it answers, recorded as the final read. */
  private async finalReads(procedure: string, keys: Iterable<{ key: string; shardKey?: string }>): Promise<void> {
    for (const { key, shardKey } of keys) {
      await this.ctx.verdicts.waitFor(
        `a final ${procedure} of ${key} is answered`,
        async () => {
          const node = this.nodes.liveNodes()[0]!;
          const headers: Record<string, string> = shardKey ? { 'Rpc-Shard-Key': shardKey } : {};
          return this.ctx.history.record({ process: 'final', f: procedure, target: node.id, ...(shardKey ? { shardKey } : {}), value: { key } }, () => node.call(procedure, { key }, headers, 10_000), (r) =>
            r.status === 200 ? { outcome: 'ok', result: r.body } : { outcome: 'fail', error: `HTTP ${r.status}` },
          ).catch(() => ({ status: 0 }));
        },
        (r) => judge(r.status === 200 ? [] : [`HTTP ${r.status}`]),
        { timeoutMs: 20_000 },
      );
    }
  }

  async expectCounterValid(): Promise<void> {
    const writes = this.ctx.history.ops.filter((o) => o.f === 'counter::increment' || o.f === 'counter::decrement');
    await this.finalReads('counter::get', keysOf(writes));
    const result = counterProblems(this.ctx.history.ops, { minimumAcknowledged: 50 });
    await this.ctx.verdicts.now('counter reads within acknowledged and attempted increments', result.problems, result.detail);
  }

  async expectNoAcknowledgedAddLost(): Promise<void> {
    await this.finalReads('set::read', keysOf(this.ctx.history.ops.filter((o) => o.f === 'set::add')));
    const result = setProblems(this.ctx.history.ops, { minimumAcknowledged: 50 });
    await this.ctx.verdicts.now('no acknowledged add lost', result.problems, result.detail);
  }

  async expectLinearizable(shardId: string): Promise<void> {
    const ops = this.ctx.history.ops.filter((o) => o.f.startsWith('kv::') && o.shardKey === shardId);
    const result = linearizableProblems(ops, { minimumAcknowledged: 50 });
    await this.ctx.verdicts.now(`key-value history of ${shardId} is linearizable`, result.problems, result.keys);
  }

  /**
   * While the original owner of `shardId` is still cut off, writes a key nobody else uses through the
   * new owner until the write is acknowledged, then reads it through the original owner. Both are client
   * ops in the history, so the linearizability check judges them: the original owner's copy never had
   * the key, so anything but a refusal (the key absent) is a stale read. The clients' own mix shows a
   * stale read only when one happens to follow a write the checker knows completed, inside the
   * partition; their writes through the cut-off owner end with unknown outcomes, which may explain its
   * stale values. A fresh key has no such explanation.
   */
  async probeStaleReadThroughOriginalOwner(shardId: string, within: Duration): Promise<void> {
    const origin = await this.origin(shardId);
    const newOwner = this.moves.get(shardId)?.to;
    if (!newOwner) throw new Error(`${shardId} was not seen moving: add "Then within … ${shardId} has a new owner" before this step`);
    const key = `probe-${Math.round(this.ctx.clock.startedAtWall % 1e9)}`;
    const call = (f: 'kv::set' | 'kv::get', target: string, body: { key: string; value?: string }, timeoutMs: number) =>
      this.ctx.history.record({ process: 'probe', f, target, shardKey: shardId, value: body }, () => this.nodes.cluster.node(target).call(f, body, { 'Rpc-Shard-Key': shardId }, timeoutMs), (r) => ({
        outcome: outcomeOfAnswer(r.status, r.headers),
        result: { ...(typeof r.body === 'object' && r.body !== null ? r.body : { body: r.body }), servedBy: r.answeredBy },
        ...(r.status === 200 ? {} : { error: `HTTP ${r.status} ${r.rpcStatus ?? ''}`.trim() }),
      }));
    let attempt = 0;
    await this.ctx.verdicts.waitFor(
      `a write of ${key} through ${newOwner}, the new owner of ${shardId}, is acknowledged`,
      () => call('kv::set', newOwner, { key, value: `${key}-${++attempt}` }, 2_000),
      (r) => judge(r.status === 200 ? [] : [`HTTP ${r.status} ${JSON.stringify(r.body)}`]),
      { timeoutMs: within.ms, intervalMs: 200 },
    );
    const tooLate = `so its read proves nothing about a stale copy: give the partition a longer window`;
    if (!this.isolated(origin.owner)) throw new Error(`${origin.owner} was no longer cut off when the write was acknowledged, ${tooLate}`);
    // The read waits behind the clients' calls that hold the shard's lock on the cut-off owner (writes
    // each wait out the replication timeout there), so it gets a long deadline, inside the cut.
    const read = await call('kv::get', origin.owner, { key }, 10_000).catch((e: Error) => ({ status: 0, body: e.message }));
    if (!this.isolated(origin.owner)) throw new Error(`${origin.owner} was no longer cut off when its read ended, ${tooLate}`);
    this.ctx.log(`${shardId}: ${key} written through ${newOwner}; read through ${origin.owner}: HTTP ${read.status} ${JSON.stringify(read.body)}`);
  }

  /** No call on `shardId` ended in failure or without an answer. */
  async expectEveryCallSucceeded(shardId: string): Promise<void> {
    const ops = this.ctx.history.ops.filter((o) => o.shardKey === shardId && o.process !== 'final');
    const bad = ops.filter((o) => o.outcome !== 'ok');
    const problems = [
      ...bad.slice(0, 10).map((o) => `${o.f} by ${o.process} via ${o.target} at ${(o.invokeMs / 1000).toFixed(2)} s: ${o.outcome ?? 'never completed'} ${o.error ?? ''}`.trim()),
      ...(bad.length > 10 ? [`… and ${bad.length - 10} more`] : []),
      ...(ops.length < 100 ? [`only ${ops.length} calls on ${shardId}: too few to judge`] : []),
    ];
    await this.ctx.verdicts.now(`every call on ${shardId} succeeded`, problems, { calls: ops.length, notOk: bad.length });
  }

  stop(): void {
    this.routing?.stop();
  }
}

/** Distinct keys (with the shard key they were sent with) of ops whose value has a `key`. */
function keysOf(ops: readonly Op[]): { key: string; shardKey?: string }[] {
  const seen = new Map<string, string | undefined>();
  for (const o of ops) {
    const key = (o.value as { key?: unknown } | undefined)?.key;
    if (typeof key === 'string' && !seen.has(key)) seen.set(key, o.shardKey);
  }
  return [...seen].map(([key, shardKey]) => ({ key, ...(shardKey ? { shardKey } : {}) }));
}
