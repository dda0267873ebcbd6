// Durable workflows: a record in its shard's log with a journal of step outcomes, run by whichever node
// owns the shard. Each step's activity adds to a counter (another entity, usually on another shard)
// through this node's RPC port, carrying the idempotency key "<workflow>/<step>": the counter's shard
// drops a repeat. Then the step's outcome is journaled through the log, once per step (the record
// refuses a second entry). An owner that crashes between the two leaves the step unjournaled; the next
// owner runs it again and the receiver drops the duplicate, so each activity is applied exactly once.
// Completed steps are never run again: the journal says where to resume.
import type { Defects } from '../../defects';
import { errorMessage, type Logger } from '../../log';
import type { Replication } from './replication';
import { selfCall } from './self-call';
import type { WorkflowRecord } from './store';
import { clock } from '../../clock';

const TICK_MS = 100;

export interface WorkflowServiceDeps {
  nodeId: string;
  httpPort: number;
  callTimeoutMs: number;
  replication: Replication;
  log: Logger;
  defects: Defects;
  tickMs?: number;
}

export class WorkflowService {
  /** Workflows running on this node now (shard/id). */
  private readonly running = new Set<string>();
  /** Workflows this node started itself (seeded defect activity-reexecuted-on-replay). */
  private readonly startedHere = new Set<string>();
  private interval: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: WorkflowServiceDeps) {}

  start(): void {
    this.interval = setInterval(() => this.tick(), this.deps.tickMs ?? TICK_MS);
    this.interval.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.interval);
  }

  /** Called when this node recorded a new workflow (only the seeded defect uses it). */
  started(shardId: string, id: string): void {
    this.startedHere.add(`${shardId}/${id}`);
  }

  /** Runs every running workflow of every shard this node owns that is not running here already. */
  tick(): void {
    const { replication } = this.deps;
    for (const shardId of replication.knownShards()) {
      const slot = replication.slot(shardId);
      if (slot.ownerFence === undefined || slot.handingOver) continue;
      if (slot.needsRecovery) {
        void replication.read(shardId, () => undefined).catch(() => undefined);
        continue;
      }
      for (const id of slot.store.runningWorkflows()) {
        const name = `${shardId}/${id}`;
        if (this.running.has(name)) continue;
        this.running.add(name);
        void this.run(shardId, id).finally(() => this.running.delete(name));
      }
    }
  }

  /** Runs the workflow's next steps while this node owns its shard; stops at a failure or a lost shard. */
  private async run(shardId: string, id: string): Promise<void> {
    const { replication, nodeId, log } = this.deps;
    const slot = replication.slot(shardId);
    const first = slot.store.workflow(id);
    if (!first) return;
    if (this.deps.defects.has('activity-reexecuted-on-replay') && !this.startedHere.has(`${shardId}/${id}`)) {
      // Seeded defect: a workflow taken over is replayed from its first step, re-executing the completed
      // activities without their idempotency key.
      for (let step = 0; step < first.next; step++) await this.activity(first, step, false).catch(() => undefined);
      this.startedHere.add(`${shardId}/${id}`);
    }
    while (!this.stopped && slot.ownerFence !== undefined) {
      const w = slot.store.workflow(id);
      if (!w || w.state !== 'running') return;
      const step = w.next;
      const fence = slot.fence;
      let outcome: { outcome: 'done' | 'failed'; result?: number } = { outcome: 'failed' };
      if (w.failAt !== step) {
        try {
          outcome = { outcome: 'done', result: await this.activity(w, step, true) };
        } catch (error) {
          log.debug('workflow activity failed: retried on the next tick', { shardId, id, step, error: errorMessage(error) });
          return;
        }
      }
      try {
        await replication.write(shardId, { kind: 'workflow.step', key: id, step, ...outcome, by: nodeId, at: clock.now(), fence });
      } catch (error) {
        log.debug('workflow step not journaled: the next owner or tick runs it again', { shardId, id, step, error: errorMessage(error) });
        return;
      }
    }
  }

  /** The step's side effect on its counter, keyed "<workflow>/<step>" unless `keyed` is false. */
  private async activity(w: WorkflowRecord, step: number, keyed: boolean): Promise<number> {
    const s = w.steps[step]!;
    if (s.sleepMs > 0) await new Promise((resolve) => setTimeout(resolve, s.sleepMs));
    const body = { key: s.key, by: s.by, ...(keyed ? { dedup: `${w.id}/${step}` } : {}) };
    const answer = await selfCall(this.deps, 'counter::increment', s.key, body, `workflow@${this.deps.nodeId}`);
    return typeof answer.value === 'number' ? answer.value : 0;
  }
}
