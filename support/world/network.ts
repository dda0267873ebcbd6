// Network faults an author names in operational terms: isolate a leader, split the network into
// groups, flap a split. Applied with iptables in each member's namespace, verified both ways, healed.
import type { HyperscaleWorld } from '../world';
import { NetworkFaults, type Partition } from '../chaos/network';
import { attachJson } from '../evidence/attach';
import { Duration } from '../parameter-types';
import { resolveGroups, type GroupRow } from '../tables';

export interface Isolation {
  readonly groups: Record<string, string[]>;
  readonly startMs: number;
  readonly durationMs: number;
}

export class NetworkChaos {
  private faults: NetworkFaults | undefined;
  /** Partitions applied, for checks about what isolated nodes did meanwhile. */
  readonly isolations: Isolation[] = [];

  constructor(private readonly world: HyperscaleWorld) {}

  private get iptables(): NetworkFaults {
    this.faults ??= new NetworkFaults({ network: this.world.cluster.network.name, log: (line) => this.world.log(line) });
    return this.faults;
  }

  /** Cuts `groups` from each other (iptables in every member's netns) for `duration`, verified both ways. */
  async partition(groups: Record<string, string[]>, duration: Duration): Promise<void> {
    const target = Object.entries(groups).map(([name, ids]) => `${name}: ${ids.join(' ')}`).join(' | ');
    let applied: Partition | undefined;
    await this.world.faults.inject(
      'partition',
      target,
      async () => {
        applied = await this.iptables.partition({ kind: 'groups', groups });
        await attachJson(this.world, `partition-${applied.id}`, applied.record);
      },
      async () => {
        const healed = await applied?.heal();
        if (healed) await attachJson(this.world, `partition-${healed.id}-healed`, healed);
      },
      duration.ms,
    );
    this.isolations.push({ groups, startMs: this.world.clock.nowMs(), durationMs: duration.ms });
  }

  /** Cuts `nodeId` off from every other relay node and etcd member. */
  async isolate(nodeId: string, duration: Duration): Promise<void> {
    const { cluster } = this.world;
    const rest = [...cluster.relayNodes.map((n) => n.id), ...cluster.etcd.map((m) => m.id)].filter((id) => id !== nodeId);
    await this.partition({ isolated: [nodeId], rest }, duration);
  }

  async isolateLeader(scope: string, duration: Duration): Promise<void> {
    await this.isolate(await this.world.leadership.toDepose(scope), duration);
  }

  /** The groups an author named (with tokens like "the global leader"), resolved against who leads now. */
  async split(rows: readonly GroupRow[], duration: Duration): Promise<void> {
    await this.partition(await this.resolve(rows), duration);
  }

  /** Splits and heals `times` times within `within`: each cut lasts half a cycle; waits until the last heals. */
  async flap(rows: readonly GroupRow[], times: number, within: Duration): Promise<void> {
    const groups = await this.resolve(rows);
    const half = Math.floor(within.ms / times / 2);
    for (let i = 0; i < times; i++) {
      const cycle = this.world.clock.nowMs();
      await this.partition(groups, new Duration(half));
      await this.world.processes.healed();
      const rest = half * 2 - (this.world.clock.nowMs() - cycle);
      if (rest > 0 && i < times - 1) await new Promise((r) => setTimeout(r, rest)); // the healed half of the cycle, not a sync wait
    }
  }

  private async resolve(rows: readonly GroupRow[]): Promise<Record<string, string[]>> {
    const { cluster } = this.world;
    const needsLeader = rows.some((r) => r.members.some((m) => m === 'the global leader' || /other nodes?$/.test(m)));
    const leader = needsLeader ? await this.world.leadership.leaderOf('global-control') : '';
    const regions = new Map<string, string>([...cluster.topology.nodes, ...cluster.topology.etcd].map((m) => [m.id, m.region]));
    return resolveGroups(rows, { leader, relay: cluster.relayNodes.map((n) => n.id), etcd: cluster.etcd.map((m) => m.id), regionOf: (id) => regions.get(id) });
  }

  /** No sequence number was acknowledged by a node while it was isolated from the cluster. */
  async expectIsolatedNodesHandedOutNothing(): Promise<void> {
    const problems: string[] = [];
    for (const cut of this.isolations) {
      const isolated = cut.groups.isolated ?? [];
      const served = this.world.history.ops.filter(
        (o) => o.f === 'sequence::next' && o.outcome === 'ok' && isolated.includes(o.target) && o.invokeMs >= cut.startMs && (o.completeMs ?? Infinity) <= cut.startMs + cut.durationMs,
      );
      for (const o of served) problems.push(`${o.target} handed out ${JSON.stringify(o.result)} at ${(o.invokeMs / 1000).toFixed(2)} s while isolated`);
    }
    if (this.isolations.length === 0) problems.push('no node was isolated, so nothing was checked');
    await this.world.verdict('isolated nodes hand out nothing', problems);
  }
}
