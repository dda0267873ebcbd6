// The cluster as a whole: every node ready, every node seeing every other Alive as declared, and every
// node answering a call itself.
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import { membershipComparison, membershipProblems } from '../../checks/cluster-views';
import { judge } from '../../checks/eventually';
import { answeredItselfProblems, readinessProblems } from '../../checks/rpc-answers';
import { attachJson } from '../../evidence/attach';
import type { Duration } from '../../duration';

export class ClusterHealth {
  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
  ) {}

  async expectEveryNodeReady(): Promise<void> {
    await this.ctx.verdicts.now('every node ready', readinessProblems(await this.nodes.askEveryNode((n) => n.readiness())));
  }

  async expectMembershipConverged(within: Duration): Promise<void> {
    const topology = this.nodes.cluster.topology;
    await this.ctx.verdicts
      .within(
        'every node sees every other node Alive with its declared role and region',
        () => this.nodes.peerViews(),
        (v) => judge(membershipProblems(topology, v), membershipComparison(topology, v)),
        { timeoutMs: within.ms },
      )
      .finally(async () => attachJson(this.ctx.evidence, 'peers-by-node', Object.fromEntries(await this.nodes.peerViews().catch(() => new Map()))));
  }

  /** Sends `procedure` to every node with a unique payload: each must answer it itself, intact. */
  async expectEveryNodeAnswersItself(procedure: string): Promise<void> {
    const answers = await this.nodes.askEveryNode(async (node) => {
      const payload = { probe: `${node.id}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}` };
      const response = await this.ctx.history.record(
        { process: `client→${node.id}`, f: procedure, target: node.id, value: payload },
        () => node.call(procedure, payload),
        (r) => (r.status === 200 ? { outcome: 'ok', result: r.body } : { outcome: 'fail', error: `HTTP ${r.status} ${r.rpcStatus ?? ''}`.trim() }),
      );
      return { sent: payload, response };
    });
    await attachJson(this.ctx.evidence, `rpc-${procedure}-by-node`, Object.fromEntries(answers));
    await this.ctx.verdicts.now(`${procedure} calls answered by the node they were sent to`, answeredItselfProblems(answers));
  }
}
