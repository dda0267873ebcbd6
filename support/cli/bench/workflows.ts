// workflows: how long a durable workflow waits when its owner dies. Workflows of 100-ms steps run on a
// shard whose owner is killed one second in; the resume time is from the kill to the first step the
// next owner journals (journal times and the kill on one machine's clock), and the figure beside it is
// the longest gap between consecutive steps of a workflow that never crossed a failover.
import type { Cluster } from '../../cluster/cluster';
import { eventually, judge } from '../../checks/eventually';
import { median, type BenchEnv } from './common';
import { figure } from './figures';

export interface WorkflowFigures {
  workflows: number;
  /** Kill to the next owner's first journal entry, ms (median over the workflows). */
  resumeMs: number;
  /** Median gap between steps with no failover in between, ms. */
  stepGapMs: number;
}

interface Journal {
  step: number;
  by: string;
  at: number;
}

export async function workflowFigures(
  { say }: BenchEnv,
  cluster: Cluster,
  { count = 5, steps = 30 }: { count?: number; steps?: number } = {},
): Promise<WorkflowFigures> {
  // Any node may be the one killed before (bench/timers.ts): ask each until one answers.
  const live = cluster.relayNodes;
  const anyAnswer = async (procedure: string, body: unknown, shardKey: string) => {
    for (const node of live) {
      const answer = await node.call(procedure, body, { 'Rpc-Shard-Key': shardKey }, 5_000).catch(() => undefined);
      if (answer?.status === 200) return answer.body as Record<string, unknown>;
    }
    throw new Error(`${procedure} on ${shardKey}: no node answered 200`);
  };
  const map = await eventually(
    'a live node answers the shard map',
    async () => {
      for (const node of live) {
        const view = await node.shards().catch(() => undefined);
        if (view) return view;
      }
      return undefined;
    },
    (view) => judge(view ? [] : ['no answer']),
    { timeoutMs: 30_000 },
  );
  const running = new Set(
    (await Promise.all(live.map(async (n) => ((await n.readiness().catch(() => undefined))?.status === 200 ? n.id : undefined)))).filter(Boolean),
  );
  const record = map!.items.find((r) => r.shardId.startsWith('shard-4') && running.has(r.ownerNodeId));
  if (!record) throw new Error('no shard-4x is owned by a running node');
  const { shardId, ownerNodeId: owner } = record;
  say(`workflows: ${count} of ${steps} 100-ms steps on ${shardId}; its owner ${owner} is killed 1 s in`);
  const ids = Array.from({ length: count }, (_, i) => `bench-wf-${i}`);
  for (const id of ids)
    await anyAnswer('workflow::run', { id, steps: Array.from({ length: steps }, (_, s) => ({ key: `${id}-s${s}`, sleepMs: 100 })) }, shardId);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const killedAt = Date.now();
  await cluster.node(owner).kill();
  const journals = await eventually(
    `every bench workflow on ${shardId} has completed`,
    () => Promise.all(ids.map((id) => anyAnswer('workflow::get', { id }, shardId).catch(() => ({ state: 'unknown', journal: [] })))),
    (ws) => judge(ws.every((w) => w.state === 'completed') ? [] : [`${ws.filter((w) => w.state !== 'completed').length} not completed`]),
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  const resumes: number[] = [];
  const gaps: number[] = [];
  for (const w of journals) {
    const journal = w.journal as Journal[];
    const resumed = journal.find((e) => e.by !== owner && e.at >= killedAt);
    if (resumed) resumes.push(resumed.at - killedAt);
    for (let i = 1; i < journal.length; i++) if (journal[i]!.by === journal[i - 1]!.by) gaps.push(journal[i]!.at - journal[i - 1]!.at);
  }
  const figures = { workflows: count, resumeMs: median(resumes), stepGapMs: median(gaps) };
  say(`workflows: resumed ${figures.resumeMs} ms after the kill (median of ${resumes.length}); steps ${figures.stepGapMs} ms apart otherwise`);
  return figures;
}

export function printWorkflows(f: WorkflowFigures): void {
  figure('workflows_resume_after_owner_kill_ms', f.resumeMs, 'ms');
  figure('workflows_step_gap_ms', f.stepGapMs, 'ms');
}
