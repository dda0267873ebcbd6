// The shard map as the cluster reports it: every node's view, the map they all agreed on first, each
// shard's original owner and replicas, and whether every node routes a shard where the majority says.
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import type { Views } from '../../checks/cluster-views';
import { judge } from '../../checks/eventually';
import { majorityOwner, mapAgreementProblems, routingProblems, routingTable, unplacedNodes } from '../../checks/shard-views';
import type { ShardRecord, ShardsView } from '../../fabric/contract';
import { ShardRouting } from '../../fabric/shard-routing';
import { majorityRecord, orphanedOwnerProblems } from '../../checks/shard-holders';
import { attachJson } from '../../evidence/attach';
import type { RelayNode } from '../../cluster/relay-node';
import type { Duration } from '../../duration';

/** What the scenario knew about a shard before it moved. */
export interface Origin {
  readonly owner: string;
  readonly replicas: readonly string[];
}

export class ShardMap {
  /** The scenario's first agreed map (see expectSameMapEverywhere): the "before" of every diff. */
  private firstMap: ShardsView | undefined;
  private routing: ShardRouting | undefined;
  private readonly origins = new Map<string, Origin>();

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
  ) {}

  /** Every live node's view of the shard map. */
  views(nodes: readonly RelayNode[] = this.nodes.liveNodes()): Promise<Views<ShardsView>> {
    return this.nodes.askEveryNode((n) => n.shards(), nodes);
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
        return judge([
          ...mapAgreementProblems(v),
          ...(unplaced.length > 0 ? [`the map (version ${first!.version}) places no shard on ${unplaced.join(', ')} yet`] : []),
        ]);
      },
      { timeoutMs: within.ms },
    );
    this.firstMap = views.values().next().value;
    await attachJson(this.ctx.evidence, 'shard-map-before', this.firstMap);
  }

  /** The map every node agreed on at the start, if a step established it. */
  get before(): ShardsView | undefined {
    return this.firstMap;
  }

  /** The routing table shard-aware clients use, kept current from a live node. */
  get routingTable(): ShardRouting {
    if (!this.routing) this.ctx.defer(() => this.routing?.stop());
    this.routing ??= new ShardRouting(
      async () => {
        const [node] = this.nodes.liveNodes();
        if (!node) throw new Error('no live node to read the shard map from');
        return node.shards();
      },
      () => this.ctx.clock.nowMs(),
    );
    return this.routing;
  }

  /** The shard's record in the majority view (owner named by more than half of the live nodes). */
  async recordOf(shardId: string): Promise<ShardRecord> {
    const views = await this.views();
    const owner = majorityOwner(views, shardId);
    if (!owner) throw new Error(`no majority of nodes agrees on the owner of ${shardId}: ${JSON.stringify(routingTable(views, [shardId]))}`);
    const record = majorityRecord(views, shardId);
    if (!record) throw new Error(`unknown shard ${shardId}`);
    return record;
  }

  /** Remembers who owns `shardId` now, so that later steps can speak of "its original owner". */
  async origin(shardId: string): Promise<Origin> {
    const known = this.origins.get(shardId);
    if (known) return known;
    const record = await this.recordOf(shardId);
    const origin = { owner: record.ownerNodeId, replicas: record.replicas ?? [] };
    this.origins.set(shardId, origin);
    this.ctx.log(`${shardId}: owner ${origin.owner}, replicas ${origin.replicas.join(', ') || '(none)'}`);
    return origin;
  }

  /** The original owner and replicas of `shardId`, if a step has looked them up. */
  knownOrigin(shardId: string): Origin | undefined {
    return this.origins.get(shardId);
  }

  /** Every node reports the same map, and every shard's owner is a node that every node sees Alive. */
  async expectNoOrphanedShards(within: Duration): Promise<void> {
    await this.ctx.verdicts.within(
      'every node reports the same shard map, and every owner is seen Alive by every node',
      async () => ({ maps: await this.views(), peers: await this.nodes.peerViews() }),
      ({ maps, peers }) => judge([...mapAgreementProblems(maps), ...orphanedOwnerProblems(maps, peers)]),
      { timeoutMs: within.ms },
    );
  }

  /** Every live node (the stale ones included) routes `shardId` to the owner the majority names. */
  async expectEveryNodeRoutes(shardId: string, within: Duration): Promise<void> {
    await this.ctx.verdicts
      .within(
        `every node routes ${shardId} to its new owner`,
        () => this.views(),
        (v) => {
          const owner = majorityOwner(v, shardId);
          const origin = this.origins.get(shardId);
          return judge(
            [
              ...(owner === undefined ? ['no majority owner'] : routingProblems(v, shardId, owner)),
              ...(origin && owner === origin.owner ? [`${shardId} is still on ${origin.owner}`] : []),
            ],
            { expected: `every node routes ${shardId} to ${owner ?? 'one owner'}`, actual: routingTable(v, [shardId]) },
          );
        },
        { timeoutMs: within.ms },
      )
      .finally(async () =>
        attachJson(
          this.ctx.evidence,
          'shard-map-after',
          await this.views()
            .then((v) => routingTable(v, [shardId]))
            .catch((e: Error) => ({ error: e.message })),
        ),
      );
  }
}
