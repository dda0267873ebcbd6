// Membership surge: relay nodes the topology does not declare join a region one at a time while the
// scenario's clients run, stay, then leave one at a time the way an autoscaler removes them (SIGTERM: each
// drains and hands its shards over). One bounded fault window in the FaultLog covers the whole surge; its
// heal (at the end of the window, or the After hook) makes every joined node leave.
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import type { RelayNode } from '../../cluster/relay-node';
import { judge } from '../../checks/eventually';
import { membershipAfterSurgeProblems } from '../../checks/cluster-views';
import { attachJson } from '../../evidence/attach';
import type { Duration } from '../../duration';
import type { ActiveFault } from '../../chaos/faults';

export class MembershipSurges {
  /** Nodes that joined and left in this scenario, in the order they left. */
  private readonly departed: string[] = [];
  /** Every id a surge of this scenario has used. */
  private readonly named: string[] = [];

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
  ) {}

  /** `count` nodes join `region` one every `every`, the last stays `stay`, then they leave one every `every`; returns once all left. */
  async surge(region: string, count: number, every: Duration, stay: Duration): Promise<void> {
    const fault = await this.start(region, count, every, stay);
    await fault.healed;
    if (fault.record.healError) throw new Error(`the surge's nodes did not all leave: ${fault.record.healError}`);
  }

  /** The surge as one fault window: returns once every node has joined; they leave when the window ends. */
  async start(region: string, count: number, every: Duration, stay: Duration): Promise<ActiveFault> {
    const { cluster } = this.nodes;
    if (!cluster.topology.regions.includes(region))
      throw new Error(`region "${region}" is not in topology "${cluster.topology.name}"; regions: ${cluster.topology.regions.join(', ')}`);
    if (count < 1 || count > 10) throw new Error(`a surge is 1 to 10 nodes; got ${count}`);
    // Numbered on from earlier surges of this scenario: two surges (two rows of a schedule) never reuse a name.
    const taken = new Set([...cluster.topology.nodes.map((n) => n.id), ...this.named]);
    const ids: string[] = [];
    for (let n = 1; ids.length < count; n++) if (!taken.has(`${region}-surge-${n}`)) ids.push(`${region}-surge-${n}`);
    this.named.push(...ids);
    const joined: RelayNode[] = [];
    const pace = () => new Promise((r) => setTimeout(r, every.ms)); // the surge's own pace, not a sync wait
    return this.ctx.faults.inject(
      'membership surge',
      { kind: 'groups', groups: { joined: ids }, label: `${count} nodes join region ${region}, then leave` },
      async () => {
        for (const [i, id] of ids.entries()) {
          if (i > 0) await pace();
          joined.push(await cluster.join({ id, region, role: 'replica', mode: 'InProc', eligible: [] }));
          this.ctx.log(`surge: ${id} joined region ${region} and is ready`);
        }
      },
      async () => {
        for (const [i, node] of [...joined].entries()) {
          if (i > 0) await pace();
          await node.stop({ timeout: 15_000 });
          this.departed.push(node.id);
          this.ctx.log(`surge: ${node.id} left`);
        }
      },
      // The window opens once every node has joined (inject applies first): the surge stays `stay`, then leaves.
      stay.ms,
    );
  }

  /** Every declared node sees every other Alive, and every node that left Left, within `within`. */
  async expectViewsConverged(within: Duration): Promise<void> {
    const topology = this.nodes.cluster.topology;
    if (this.departed.length === 0) throw new Error('no node has joined and left in this scenario: nothing to converge on (run a surge first)');
    await this.ctx.verdicts
      .within(
        `every node sees the declared nodes Alive and ${this.departed.join(', ')} Left`,
        () => this.nodes.peerViews(),
        (v) => judge(membershipAfterSurgeProblems(topology, v, this.departed)),
        { timeoutMs: within.ms },
      )
      .finally(async () => attachJson(this.ctx.evidence, 'peers-after-surge', Object.fromEntries(await this.nodes.peerViews().catch(() => new Map()))));
  }
}
