// Durable timers (relay-node extension feature:mesh-timers): scheduled and cancelled through the data
// plane as client ops in the history, then judged from a final read of the records (checks/timers.ts).
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import { judge } from '../../checks/eventually';
import { finalTimerRecords, timerProblems } from '../../checks/timers';
import type { Duration } from '../../duration';
import { finalReads } from './final-reads';
import { recordShardCall } from './shard-calls';

const PROCESS = 'timers';

export class DurableTimers {
  /** Timer ids scheduled per shard, in due order. */
  private readonly scheduled = new Map<string, string[]>();

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
  ) {}

  /** Schedules `count` timers on `shardId`, the i-th due i/count of `over` from now. */
  async schedule(count: number, shardId: string, over: Duration): Promise<void> {
    const stamp = Math.round(this.ctx.clock.startedAtWall % 1e9);
    const ids: string[] = [];
    for (let i = 1; i <= count; i++) {
      const id = `t${stamp}-${String(i).padStart(3, '0')}`;
      ids.push(id);
      await this.call('timer::schedule', { id, delayMs: Math.round((over.ms * i) / count), payload: { n: i } }, shardId);
    }
    this.scheduled.set(shardId, [...(this.scheduled.get(shardId) ?? []), ...ids]);
    const acked = this.ctx.history.ops.filter((o) => o.process === PROCESS && o.f === 'timer::schedule' && o.outcome === 'ok').length;
    this.ctx.log(`${acked} of ${count} timers scheduled on ${shardId}, due over ${over.ms / 1000} s`);
  }

  /** Cancels `count` of the later half of the timers, spread out, so each cancel is well before its due time. */
  async cancel(count: number, shardId: string): Promise<void> {
    const ids = this.scheduled.get(shardId) ?? [];
    const later = ids.slice(Math.floor(ids.length / 2));
    if (count > later.length) throw new Error(`only ${later.length} timers on ${shardId} are due late enough to cancel (asked for ${count})`);
    for (let i = 0; i < count; i++) await this.call('timer::cancel', { id: later[Math.floor(((i + 1) * later.length) / count) - 1]! }, shardId);
  }

  /** Waits until no timer on `shardId` is still scheduled (reading the records through a live node). */
  async expectAllSettled(shardId: string, within: Duration): Promise<void> {
    const ids = new Set(this.scheduled.get(shardId) ?? []);
    if (ids.size === 0) throw new Error(`no timer was scheduled on ${shardId}: add "When … timers are scheduled on ${shardId} …" first`);
    let attempt = 0;
    await this.ctx.verdicts.within(
      `every timer on ${shardId} has fired or been cancelled`,
      async () => {
        // Each poll through the next live node: one may be draining, and refuse calls.
        const live = this.nodes.liveNodes();
        const node = live[attempt++ % live.length]!;
        const answer = await node.call('timer::fires', {}, { 'Rpc-Shard-Key': shardId }, 5_000);
        if (answer.status !== 200) return [`timer::fires through ${node.id} answered HTTP ${answer.status}`];
        const timers = (answer.body as { timers?: { id: string; state: string }[] }).timers ?? [];
        return timers.filter((t) => ids.has(t.id) && t.state === 'scheduled').map((t) => `${t.id} still scheduled`);
      },
      (pending) => judge(pending.length <= 3 ? pending : [...pending.slice(0, 3), `and ${pending.length - 3} more`]),
      { timeoutMs: within.ms, intervalMs: 250 },
    );
  }

  /** A final read of the records: each timer fired exactly once and not early, no cancelled one fired. */
  async expectFiredOnce(shardId: string): Promise<void> {
    await finalReads(this.ctx, this.nodes, 'timer::fires', [{ key: shardId, shardKey: shardId }]);
    const ops = this.ctx.history.ops.filter((o) => o.shardKey === shardId);
    const { problems, detail } = timerProblems(ops, { minimumTimers: 10 });
    await this.ctx.verdicts.now(`every timer on ${shardId} fired exactly once, not early, none after a cancel`, problems, {
      ...detail,
      records: [...finalTimerRecords(ops).values()],
    });
  }

  private call(f: string, body: Record<string, unknown>, shardId: string) {
    return recordShardCall(this.ctx, this.nodes.liveNodes()[0]!, { process: PROCESS, f, body, shardId }).catch((e: Error) => ({ status: 0, body: e.message }));
  }
}
