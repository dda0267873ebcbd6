// Clock faults: a node's wall clock shifted and its clocks made to drift, through relay-node's chaos hook
// `clock-skew` (feature:mesh-clock-skew), each a bounded window in the FaultLog, healed by `:stop`. From
// the first skew on, the leadership watch stops trusting the instants nodes report (issuedAt, expiresAt,
// occurredAt): the checkers judge on the suite's own observation times, so a node whose clock lies cannot
// make a claim look expired, or an expiry look later, than the suite saw it.
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import type { Duration } from '../../duration';

export interface ClockSkew {
  readonly offsetMs: number;
  /** Rate error of both clocks: -0.05 runs 5 % slow. */
  readonly drift: number;
}

export function describeSkew({ offsetMs, drift }: ClockSkew): string {
  const parts = [
    offsetMs !== 0 ? `${offsetMs > 0 ? '+' : ''}${offsetMs / 1000} s` : '',
    drift !== 0 ? `drift ${drift > 0 ? '+' : ''}${Math.round(drift * 1000) / 10} %` : '',
  ];
  return parts.filter(Boolean).join(' ') || 'no skew';
}

export class ClockFaults {
  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
  ) {}

  async skew(nodeId: string, skew: ClockSkew, duration: Duration): Promise<void> {
    const node = this.nodes.cluster.node(nodeId);
    this.nodes.leadershipWatch.distrustNodeClocks(`${nodeId}'s clock skewed ${describeSkew(skew)}`);
    await this.ctx.faults.inject(
      `clock skew ${describeSkew(skew)}`,
      { kind: 'node', node: nodeId },
      async () => {
        const { status, body } = await node.chaos('clock-skew', 'start', { offsetMs: skew.offsetMs, drift: skew.drift });
        if (status !== 200 || body.acted !== true) {
          throw new Error(
            `${nodeId} did not skew its clock (HTTP ${status}: ${body.message ?? JSON.stringify(body)}); the image needs feature:mesh-clock-skew`,
          );
        }
        this.ctx.log(`${nodeId} clock: offset ${String(body.offsetMs)} ms, drift ${String(body.drift)}, wall time ${String(body.wallTime)}`);
      },
      async () => {
        // A node crashed meanwhile restarts with a true clock: nothing to undo, and nothing to fail on.
        await node.chaos('clock-skew', 'stop').catch(() => undefined);
      },
      duration.ms,
    );
  }
}
