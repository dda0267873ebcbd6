// The data shards hold, judged from the client history: counters, sets, linearizable key-value, every
// call succeeding, no write acknowledged while a listed replica was down, and replicas identical to
// their owner.
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import type { NetworkChaos } from './network';
import type { ShardMap } from './shard-map';
import type { ShardMoves } from './shard-moves';
import type { ShardFaults } from './shard-faults';
import type { Views } from '../../checks/cluster-views';
import { judge } from '../../checks/eventually';
import { finalReads, keysOf } from './final-reads';
import { counterProblems } from '../../checks/counter';
import { ackedWithoutReplicaProblems } from '../../checks/replication';
import { copiesIdenticalProblems } from '../../checks/shard-holders';
import { everyCallSucceededProblems } from '../../checks/calls';
import { setProblems } from '../../checks/set';
import { linearizableProblems } from '../../checks/linearizable';
import { lostWritesProblems } from '../../checks/kv-lost-writes';
import type { ShardCopy } from '../../fabric/contract';
import { recordShardCall } from './shard-calls';
import type { Duration } from '../../duration';

export class ShardData {
  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
    private readonly map: ShardMap,
    private readonly moves: ShardMoves,
    private readonly faults: ShardFaults,
    private readonly network: NetworkChaos,
  ) {}

  /** The owner's copy of `shardId` and every replica's have the same applied index and digest. */
  async expectCopiesIdentical(shardId: string, within: Duration): Promise<void> {
    let copies: Views<ShardCopy> = new Map();
    const problems = await this.ctx.verdicts
      .within(
        `every copy of ${shardId} is identical to its owner's`,
        async () => {
          const record = await this.map.recordOf(shardId);
          const holders = [record.ownerNodeId, ...(record.replicas ?? [])].map((id) => this.nodes.cluster.node(id));
          copies = await this.nodes.askEveryNode((n) => n.shardCopy(shardId), holders);
          return { owner: record.ownerNodeId, copies };
        },
        ({ owner, copies: c }) => judge(copiesIdenticalProblems(owner, c)),
        { timeoutMs: within.ms },
      )
      .then(() => [])
      .catch((e: Error) => [e.message]);
    await this.ctx.verdicts.now(`replicas of ${shardId} identical to the owner`, problems, Object.fromEntries(copies));
  }

  private finalReads(procedure: string, keys: readonly { key: string; shardKey?: string }[]): Promise<void> {
    return finalReads(this.ctx, this.nodes, procedure, keys);
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

  /** A final read of every key written: each shows a write that may be the key's last (checks/kv-lost-writes.ts). */
  async expectNoAcknowledgedKvWriteLost(): Promise<void> {
    await this.finalReads('kv::get', keysOf(this.ctx.history.ops.filter((o) => o.f === 'kv::set' || o.f === 'kv::delete')));
    const result = lostWritesProblems(this.ctx.history.ops, { minimumAcknowledged: 50 });
    const { problems, ...detail } = result;
    await this.ctx.verdicts.now('no acknowledged key-value write lost', problems, detail);
  }

  async expectLinearizable(shardId: string): Promise<void> {
    const ops = this.ctx.history.ops.filter((o) => o.f.startsWith('kv::') && o.shardKey === shardId);
    const result = linearizableProblems(ops, { minimumAcknowledged: 50 });
    await this.ctx.verdicts.now(`key-value history of ${shardId} is linearizable`, result.problems, result.keys, result.undecided);
  }

  /** No write to the shard was acknowledged between the replica's crash and the map that dropped it. */
  async expectNoWriteAckedWhileReplicaDown(shardId: string): Promise<void> {
    const down = this.faults.crashedReplica;
    if (down?.droppedAtMs === undefined || down.shardId !== shardId) {
      throw new Error(
        `the crashed replica of ${shardId} was not seen dropped from its map: add "within … the map of ${shardId} no longer lists the crashed replica" first`,
      );
    }
    const result = ackedWithoutReplicaProblems(this.ctx.history.ops, { ...down, droppedAtMs: down.droppedAtMs });
    await this.ctx.verdicts.now(`no write to ${shardId} acknowledged while a listed replica was down`, result.problems, {
      window: down,
      attempted: result.attempted,
    });
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
    const origin = await this.map.origin(shardId);
    const newOwner = this.moves.movedTo(shardId);
    if (!newOwner) throw new Error(`${shardId} was not seen moving: add "Then within … ${shardId} has a new owner" before this step`);
    const key = `probe-${Math.round(this.ctx.clock.startedAtWall % 1e9)}`;
    const call = (f: 'kv::set' | 'kv::get', target: string, body: { key: string; value?: string }, timeoutMs: number) =>
      recordShardCall(this.ctx, this.nodes.cluster.node(target), { process: 'probe', f, body, shardId, timeoutMs });
    let attempt = 0;
    await this.ctx.verdicts.waitFor(
      `a write of ${key} through ${newOwner}, the new owner of ${shardId}, is acknowledged`,
      () => call('kv::set', newOwner, { key, value: `${key}-${++attempt}` }, 2_000),
      (r) => judge(r.status === 200 ? [] : [`HTTP ${r.status} ${JSON.stringify(r.body)}`]),
      { timeoutMs: within.ms, intervalMs: 200 },
    );
    const tooLate = `so its read proves nothing about a stale copy: give the partition a longer window`;
    if (!this.network.isolatedNow(origin.owner)) throw new Error(`${origin.owner} was no longer cut off when the write was acknowledged, ${tooLate}`);
    // The read waits behind the clients' calls that hold the shard's lock on the cut-off owner (writes
    // each wait out the replication timeout there), so it gets a long deadline, inside the cut.
    const read = await call('kv::get', origin.owner, { key }, 10_000).catch((e: Error) => ({ status: 0, body: e.message }));
    if (!this.network.isolatedNow(origin.owner)) throw new Error(`${origin.owner} was no longer cut off when its read ended, ${tooLate}`);
    this.ctx.log(`${shardId}: ${key} written through ${newOwner}; read through ${origin.owner}: HTTP ${read.status} ${JSON.stringify(read.body)}`);
  }

  /** No call on `shardId` ended in failure or without an answer. */
  async expectEveryCallSucceeded(shardId: string): Promise<void> {
    const { problems, ...detail } = everyCallSucceededProblems(this.ctx.history.ops, shardId, 100);
    await this.ctx.verdicts.now(`every call on ${shardId} succeeded`, problems, detail);
  }
}
