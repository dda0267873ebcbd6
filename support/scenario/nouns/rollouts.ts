// Planned restarts, as operators do them: stop a node gracefully (SIGTERM: drain, release leases,
// hand shards over), start it again, restart it, and roll a whole region one node at a time, each node
// back and the cluster converged before the next goes down. Every stop is a fault in the FaultLog
// (ProcessFaults), so the timeline shows each node's downtime.
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import type { ClusterHealth } from './cluster-health';
import type { Members } from './members';
import type { ProcessFaults } from './processes';
import type { Duration } from '../../duration';
import type { Member } from '../../members';

export class Rollouts {
  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
    private readonly processes: ProcessFaults,
    private readonly health: ClusterHealth,
    private readonly members: Members,
  ) {}

  /** SIGTERM; the node stays down until it is started again (by a step, or by the After hook). */
  async stop(member: Member): Promise<string> {
    const id = await this.members.toTakeDown(member);
    await this.processes.shutDownGracefully(id);
    return id;
  }

  async start(member: Member, within: Duration): Promise<void> {
    await this.processes.restart(await this.members.one(member), within);
  }

  async restart(member: Member, within: Duration): Promise<void> {
    const id = await this.stop(member);
    await this.processes.restart(id, within);
  }

  /** Each relay node of `region` in turn (by id): stopped gracefully, started, ready, and every view converged, each step within `each`. */
  async rollRegion(region: string, each: Duration): Promise<void> {
    const ids = this.nodes.cluster.relayNodes
      .map((n) => n.id)
      .filter((id) => this.nodes.cluster.topology.nodes.find((n) => n.id === id)?.region === region)
      .sort();
    if (ids.length === 0) {
      throw new Error(`region "${region}" has no relay node; regions: ${this.nodes.cluster.topology.regions.join(', ')}`);
    }
    for (const id of ids) {
      this.ctx.log(`rolling restart of ${region}: ${id}`);
      await this.processes.shutDownGracefully(id);
      await this.processes.restart(id, each);
      await this.health.expectMembershipConverged(each);
    }
  }
}
