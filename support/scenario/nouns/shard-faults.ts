// Shard holders taken away: the owner drained (and resumed), crashed or cut off, a replica crashed, and
// what the map does about it (drops the replica, gives the drained node nothing, takes the replica back).
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import type { ProcessFaults } from './processes';
import type { NetworkChaos } from './network';
import type { ShardMap } from './shard-map';
import { judge } from '../../checks/eventually';
import { routingTable } from '../../checks/shard-views';
import { drainRefusalProblems } from '../../checks/calls';
import { drainedHoldsNothingProblems, majorityRecord, replicaDroppedProblems, replicaRejoinedProblems } from '../../checks/shard-holders';
import { attachJson } from '../../evidence/attach';
import type { Duration } from '../../duration';
import { FAULT_MAX_WINDOW_MS } from './common';

/** A crashed replica of a shard: when its kill had returned, and when the leader planned a map without it. */
export interface ReplicaDown {
  readonly shardId: string;
  readonly replica: string;
  readonly downFromMs: number;
  readonly droppedAtMs?: number;
}

export class ShardFaults {
  private restarted: string | undefined;
  /** The crashed replica: when its kill had returned, and when the leader planned a map without it. */
  private replicaDown: ReplicaDown | undefined;

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
    private readonly map: ShardMap,
    private readonly processes: ProcessFaults,
    private readonly network: NetworkChaos,
  ) {}

  /** The replica crashed in this scenario, once the map was seen dropping it. */
  get crashedReplica(): ReplicaDown | undefined {
    return this.replicaDown;
  }

  /** Drains the current owner of `shardId` (contract §4); recorded as a fault that ends with a resume. */
  async drainOwner(shardId: string): Promise<void> {
    await this.map.origin(shardId);
    const owner = (await this.map.recordOf(shardId)).ownerNodeId;
    const node = this.nodes.cluster.node(owner);
    await this.ctx.faults.inject(
      'drain',
      { kind: 'node', node: owner },
      async () => {
        const answer = await node.drain(`scenario ${this.ctx.scenarioName}`);
        await attachJson(this.ctx.evidence, `drain-${owner}`, answer);
        if (answer.status !== 202 && answer.status !== 200) throw new Error(`draining ${owner} answered HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
      },
      async () => {
        const answer = await node.resume();
        if (answer.status !== 200) throw new Error(`resuming ${owner} answered HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
      },
      FAULT_MAX_WINDOW_MS,
      true,
    );
  }

  /** The drained node resumes (contract §4) and is ready again. */
  async resumeDrained(within: Duration): Promise<void> {
    const [open] = this.ctx.faults.openNodeFaults((r) => r.name === 'drain');
    if (!open)
      throw new Error(this.ctx.faults.all.some((r) => r.name === 'drain') ? 'the drained node was already resumed' : 'no node was drained in this scenario');
    const { node, fault } = open;
    await fault.heal();
    await this.ctx.verdicts.waitFor(
      `${node} answers ready after resuming`,
      () => this.nodes.cluster.node(node).readiness(),
      (r) => judge(r.status === 200 ? [] : [`/readyz ${r.status} ${JSON.stringify(r.body.issues)}`]),
      { timeoutMs: within.ms },
    );
  }

  /** The node of the scenario's last drain, read from the fault log. */
  private get drainedNode(): string {
    const last = this.ctx.faults.all.findLast((r) => r.name === 'drain');
    if (last?.subject.kind !== 'node') throw new Error('no node was drained in this scenario');
    return last.subject.node;
  }

  /** New calls to the drained node answer 503 with Retry-After: 1 (contract §2). */
  async expectDrainedNodeRefusesNewCalls(): Promise<void> {
    const id = this.drainedNode;
    const r = await this.nodes.cluster.node(id).call('echo', { probe: 'drained?' });
    await this.ctx.verdicts.now(`${id} refuses new calls while draining`, drainRefusalProblems(id, r.status, r.headers['retry-after']), {
      status: r.status,
      headers: r.headers,
    });
  }

  /** Every other node's map gives the drained node no shard to own or replicate, and it reports Drained. */
  async expectDrainedNodeHoldsNothing(within: Duration): Promise<void> {
    const id = this.drainedNode;
    await this.ctx.verdicts.within(
      `${id} owns and replicates no shard and reports Drained`,
      async () => ({ views: await this.map.views(this.nodes.liveNodes().filter((n) => n.id !== id)), upgrade: await this.nodes.cluster.node(id).upgrade() }),
      ({ views, upgrade }) => judge(drainedHoldsNothingProblems(views, id, upgrade.state)),
      { timeoutMs: within.ms },
    );
  }

  async crashOwner(shardId: string): Promise<void> {
    await this.processes.crash((await this.map.origin(shardId)).owner);
  }

  async crashReplica(shardId: string): Promise<void> {
    const { replicas } = await this.map.origin(shardId);
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
    if (!down || down.shardId !== shardId)
      throw new Error(`no replica of ${shardId} was crashed in this scenario: add "a replica of ${shardId} crashes" before this step`);
    const record = await this.ctx.verdicts.within(
      `the map of ${shardId} no longer lists ${down.replica}`,
      async () => majorityRecord(await this.map.views(), shardId),
      (r) => judge(replicaDroppedProblems(r, shardId, down.replica)),
      { timeoutMs: within.ms },
    );
    const droppedAtMs = record ? this.ctx.clock.fromWall(record.updatedAt) : Number.NaN;
    if (!Number.isFinite(droppedAtMs)) throw new Error(`the record of ${shardId} has no readable updatedAt (${JSON.stringify(record?.updatedAt)})`);
    this.replicaDown = { ...down, droppedAtMs };
  }

  async isolateOwner(shardId: string, duration: Duration): Promise<void> {
    await this.network.isolate((await this.map.origin(shardId)).owner, duration);
  }

  /** After its restart, the crashed replica is again a replica of `shardId` in the majority view. */
  async expectRestartedReplicaRejoined(shardId: string, within: Duration): Promise<void> {
    const id = this.restarted;
    if (!id) throw new Error('no replica was crashed in this scenario');
    await this.ctx.verdicts.within(
      `${id} is a replica of ${shardId} again`,
      () => this.map.views(),
      (v) =>
        judge(replicaRejoinedProblems(majorityRecord(v, shardId), shardId, id), {
          expected: `${id} among the replicas of ${shardId}`,
          actual: routingTable(v, [shardId]),
        }),
      { timeoutMs: within.ms },
    );
  }
}
