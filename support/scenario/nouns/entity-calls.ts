// Calls between entities (relay-node extension feature:mesh-entity-calls): the clients' entity::send_to
// calls are in the history; a final read of every inbox they involve judges delivery (checks/entity-calls.ts).
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import { entityCallProblems } from '../../checks/entity-calls';
import { fieldOf } from '../../checks/format';
import type { Duration } from '../../duration';
import { finalReads } from './final-reads';

export class EntityCalls {
  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
  ) {}

  /** Every call completed within `bound`, and each message is in its receiver's inbox exactly once. */
  async expectDeliveredOnce(bound: Duration): Promise<void> {
    const sends = this.ctx.history.ops.filter((o) => o.f === 'entity::send_to');
    const keys = new Set(sends.flatMap((o) => [fieldOf(o.value, 'from'), fieldOf(o.value, 'to')]).filter((k): k is string => typeof k === 'string'));
    await finalReads(
      this.ctx,
      this.nodes,
      'entity::messages',
      [...keys].map((key) => ({ key })),
    );
    const { problems, detail } = entityCallProblems(this.ctx.history.ops, { minimumCalls: 100, boundMs: bound.ms });
    await this.ctx.verdicts.now(`every call between entities completed within ${bound.ms / 1000} s, each message delivered once`, problems, detail);
  }
}
