// Durable workflows (relay-node extension feature:mesh-workflows): started through the data plane as
// client ops in the history, watched through `workflow::list`, retried when failed, and judged from
// final reads of each workflow and of the counter each step adds to (checks/workflows.ts).
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import { judge } from '../../checks/eventually';
import { workflowProblems } from '../../checks/workflows';
import type { Duration } from '../../duration';
import { recordShardCall } from './shard-calls';
import { finalReads } from './final-reads';

const PROCESS = 'workflows';

interface Summary {
  id: string;
  state: 'running' | 'completed' | 'failed';
  next: number;
  steps: number;
}

export class DurableWorkflows {
  /** Per shard: each workflow's id and the counters its steps add to. */
  private readonly started = new Map<string, { id: string; keys: string[] }[]>();
  private attempt = 0;

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
  ) {}

  /** Starts `count` workflows of `steps` steps on `shardId`; the first one's activity fails at `failAt`. */
  async start(count: number, steps: number, each: Duration, shardId: string, failAt: number): Promise<void> {
    if (failAt >= steps) throw new Error(`a workflow of ${steps} steps has no step ${failAt} to fail at (steps count from 0)`);
    const stamp = Math.round(this.ctx.clock.startedAtWall % 1e9);
    const mine = this.started.get(shardId) ?? [];
    for (let w = 1; w <= count; w++) {
      const id = `w${stamp}-${w}`;
      const keys = Array.from({ length: steps }, (_, i) => `${id}-s${i}`);
      const body = { id, steps: keys.map((key) => ({ key, sleepMs: each.ms })), ...(w === 1 ? { failAt } : {}) };
      await recordShardCall(this.ctx, this.nodes.liveNodes()[0]!, { process: PROCESS, f: 'workflow::run', body, shardId }).catch(() => undefined);
      mine.push({ id, keys });
    }
    this.started.set(shardId, mine);
  }

  /** Waits until every workflow on `shardId` has journaled at least `steps` steps (or stopped). */
  async expectProgress(shardId: string, steps: number, within: Duration): Promise<void> {
    await this.ctx.verdicts.within(
      `every workflow on ${shardId} has run at least ${steps} steps`,
      () => this.list(shardId),
      (ws) => judge(this.missing(shardId, ws, (w) => w.state !== 'running' || w.next >= steps)),
      { timeoutMs: within.ms, intervalMs: 200 },
    );
  }

  /** Waits until every workflow on `shardId` has completed (or, with `failedToo`, failed). */
  async expectSettled(shardId: string, within: Duration, failedToo: boolean): Promise<void> {
    await this.ctx.verdicts.within(
      `every workflow on ${shardId} has completed${failedToo ? ' or failed' : ''}`,
      () => this.list(shardId),
      (ws) => judge(this.missing(shardId, ws, (w) => w.state === 'completed' || (failedToo && w.state === 'failed'))),
      { timeoutMs: within.ms, intervalMs: 250 },
    );
  }

  /** Retries every failed workflow on `shardId`; at least one must have failed. */
  async retryFailed(shardId: string): Promise<void> {
    const failed = (await this.list(shardId)).filter((w) => w.state === 'failed');
    if (failed.length === 0) throw new Error(`no workflow on ${shardId} has failed: nothing to retry`);
    for (const { id } of failed) {
      const answer = await recordShardCall(this.ctx, this.nodes.liveNodes()[0]!, { process: PROCESS, f: 'workflow::retry', body: { id }, shardId });
      if (answer.status !== 200) throw new Error(`workflow::retry ${id} answered HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
    this.ctx.log(`retried ${failed.map((w) => w.id).join(', ')} on ${shardId}`);
  }

  /** Final reads of every workflow and step counter: each activity applied exactly once, journals in order. */
  async expectExactlyOnce(shardId: string): Promise<void> {
    const mine = this.started.get(shardId) ?? [];
    if (mine.length === 0) throw new Error(`no workflow was started on ${shardId}: add "When … workflows … are started on ${shardId} …" first`);
    await finalReads(
      this.ctx,
      this.nodes,
      'workflow::get',
      mine.map(({ id }) => ({ key: id, shardKey: shardId, body: { id } })),
    );
    await finalReads(
      this.ctx,
      this.nodes,
      'counter::get',
      mine.flatMap(({ keys }) => keys.map((key) => ({ key }))),
    );
    const ids = new Set(mine.map((w) => w.id));
    const keys = new Set(mine.flatMap((w) => w.keys));
    const ops = this.ctx.history.ops.filter((o) => {
      const v = o.value as { id?: string; key?: string } | undefined;
      return (v?.id !== undefined && ids.has(v.id)) || (v?.key !== undefined && keys.has(v.key));
    });
    const { problems, detail } = workflowProblems(ops, { minimumWorkflows: 3 });
    await this.ctx.verdicts.now(`every activity of every workflow on ${shardId} was applied exactly once`, problems, detail);
  }

  /** `workflow::list` of the shard, each poll through the next live node (one may be refusing calls). */
  private async list(shardId: string): Promise<Summary[]> {
    const live = this.nodes.liveNodes();
    const node = live[this.attempt++ % live.length]!;
    const answer = await node.call('workflow::list', {}, { 'Rpc-Shard-Key': shardId }, 5_000);
    if (answer.status !== 200) throw new Error(`workflow::list through ${node.id} answered HTTP ${answer.status}`);
    return (answer.body as { workflows: Summary[] }).workflows;
  }

  private missing(shardId: string, ws: Summary[], ok: (w: Summary) => boolean): string[] {
    const byId = new Map(ws.map((w) => [w.id, w]));
    return (this.started.get(shardId) ?? []).flatMap(({ id }) => {
      const w = byId.get(id);
      if (!w) return [`${id} unknown`];
      return ok(w) ? [] : [`${id} ${w.state} at step ${w.next} of ${w.steps}`];
    });
  }
}
