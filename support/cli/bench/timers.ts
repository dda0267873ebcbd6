// timers: how late durable timers fire. Under load: timers due over a few seconds on a shard that 50
// clients write to at the same time. Across a failover: timers due over ten seconds on a shard whose
// owner is killed one second in; those due before the next owner serves fire late by about the
// failover time. Lateness is fired-at minus due-at on the owners' clocks (one machine, one clock).
import type { Cluster } from '../../cluster/cluster';
import { eventually, judge } from '../../checks/eventually';
import { spread } from '../../checks/format';
import { LoadDriver } from '../../fabric/load-driver';
import { Traffic } from '../../fabric/traffic';
import type { BenchEnv } from './common';
import { figure } from './figures';

export interface Lateness {
  timers: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface TimerFigures {
  underLoad: Lateness;
  acrossFailover: Lateness;
}

interface Record {
  id: string;
  dueAt: number;
  state: string;
  firedAt?: number;
}

async function scheduleAll(cluster: Cluster, shardId: string, prefix: string, count: number, overMs: number): Promise<void> {
  const node = cluster.relayNodes[0]!;
  for (let i = 1; i <= count; i++) {
    const answer = await node.call(
      'timer::schedule',
      { id: `${prefix}-${i}`, delayMs: Math.round((overMs * i) / count) },
      { 'Rpc-Shard-Key': shardId },
      10_000,
    );
    if (answer.status !== 200) throw new Error(`timer::schedule ${prefix}-${i} on ${shardId}: HTTP ${answer.status}`);
  }
}

/** Waits until every timer with `prefix` has fired, then their lateness. */
async function lateness(cluster: Cluster, shardId: string, prefix: string, timeoutMs: number): Promise<Lateness> {
  const records = await eventually(
    `every ${prefix} timer on ${shardId} has fired`,
    async () => {
      const answers = await Promise.all(cluster.relayNodes.map((n) => n.call('timer::fires', {}, { 'Rpc-Shard-Key': shardId }, 5_000).catch(() => undefined)));
      // Any node that answers routes the read to the owner; the killed one does not answer.
      const answer = answers.find((a) => a?.status === 200);
      return ((answer?.body as { timers?: Record[] } | undefined)?.timers ?? []).filter((t) => t.id.startsWith(`${prefix}-`));
    },
    (ts) => judge(ts.length > 0 && ts.every((t) => t.state === 'fired') ? [] : [`${ts.filter((t) => t.state !== 'fired').length} of ${ts.length} not fired`]),
    { timeoutMs, intervalMs: 250 },
  );
  const late = spread(records.map((t) => t.firedAt! - t.dueAt))!;
  return { timers: records.length, p50Ms: late.p50, p99Ms: late.p99, maxMs: late.max };
}

export async function timerFigures({ say }: BenchEnv, cluster: Cluster, { clients }: { clients: number }): Promise<TimerFigures> {
  const peers = cluster.relayNodes.map((n) => ({ id: n.id, baseUrl: n.url }));
  const writes = Traffic.parse(
    {
      name: 'timer-load',
      description: 'bench: writes beside the timers',
      ops: [{ procedure: 'kv::set', shardKey: 'shard-21', body: { key: 'w-{client}', value: '{uid}' } }],
    },
    'bench timer-load',
  );
  say(`timers: 100 due over 5 s on shard-21 beside ${clients} clients writing to it`);
  const load = new LoadDriver({ peers, traffic: writes, clients, durationMs: 8_000, callTimeoutMs: 10_000, log: say, progressEveryMs: 0 }).run();
  await scheduleAll(cluster, 'shard-21', 'load', 100, 5_000);
  const underLoad = await lateness(cluster, 'shard-21', 'load', 30_000);
  const summary = await load;
  say(`timers under load: ${underLoad.timers} fired, late p50 ${underLoad.p50Ms} ms, p99 ${underLoad.p99Ms} ms; writes ${Math.round(summary.okRps)}/s`);

  const owner = (await cluster.relayNodes[0]!.shards()).items.find((r) => r.shardId === 'shard-22')?.ownerNodeId;
  if (!owner) throw new Error('shard-22 has no owner in the map');
  say(`timers: 50 due over 10 s on shard-22; its owner ${owner} is killed 1 s in`);
  await scheduleAll(cluster, 'shard-22', 'failover', 50, 10_000);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await cluster.node(owner).kill();
  const acrossFailover = await lateness(cluster, 'shard-22', 'failover', 60_000);
  say(
    `timers across a failover: ${acrossFailover.timers} fired, late p50 ${acrossFailover.p50Ms} ms, p99 ${acrossFailover.p99Ms} ms, max ${acrossFailover.maxMs} ms`,
  );
  return { underLoad, acrossFailover };
}

export function printTimers(f: TimerFigures): void {
  figure('timers_late_p50_under_load_ms', f.underLoad.p50Ms, 'ms');
  figure('timers_late_p99_under_load_ms', f.underLoad.p99Ms, 'ms');
  figure('timers_late_p50_across_failover_ms', f.acrossFailover.p50Ms, 'ms');
  figure('timers_late_p99_across_failover_ms', f.acrossFailover.p99Ms, 'ms');
  figure('timers_late_max_across_failover_ms', f.acrossFailover.maxMs, 'ms');
}
