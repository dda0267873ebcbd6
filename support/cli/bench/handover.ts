// handover: shard-07 moved under 200 clients; handover time, and the latency of calls overlapping a move
// against steady ones.
import type { Cluster } from '../../cluster/cluster';
import { OpHistory, ScenarioClock, type Op } from '../../checks/history';
import { LoadDriver } from '../../fabric/load-driver';
import { Traffic } from '../../fabric/traffic';
import { median, type BenchEnv } from './common';

export interface HandoverFigures {
  moves: number;
  handoverMs: { p50: number; max: number };
  /** From the rebalance answer until every node's GET /control/shards names the new version. */
  mapEverywhereMs: { p50: number; max: number };
  during: { calls: number; p50Ms: number; p99Ms: number; maxMs: number; notOk: number };
  outside: { calls: number; p50Ms: number; p99Ms: number; notOk: number };
}

/**
 * Handover: 200 clients replay the handover traffic (every call on shard-07) through every node, and an
 * operator moves shard-07 `handovers` times, 3 s apart. A call "overlaps" a handover when it was in
 * flight at any moment of the rebalance call; its latency is from invoke to completion on the driver.
 */
export async function handoverUnderLoad({ say }: BenchEnv, cluster: Cluster, handovers: number): Promise<HandoverFigures> {
  const history = new OpHistory(new ScenarioClock());
  const driver = new LoadDriver({
    peers: () => cluster.relayNodes.map((n) => ({ id: n.id, baseUrl: n.url })),
    traffic: await Traffic.load('handover'),
    clients: 200,
    history,
    durationMs: (handovers + 2) * 3_000,
    callTimeoutMs: 10_000,
    log: say,
    progressEveryMs: 3_000,
  }).start();
  const windows: { fromMs: number; toMs: number }[] = [];
  const handoverMs: number[] = [];
  const everywhereMs: number[] = [];
  try {
    for (let i = 1; i <= handovers; i++) {
      await new Promise((resolve) => setTimeout(resolve, 3_000)); // the load's steady state between moves, not a sync wait
      const fromMs = history.clock.nowMs();
      const answer = await cluster.node('ring-1').rebalance('shard-07');
      const toMs = history.clock.nowMs();
      if (answer.status !== 200) throw new Error(`move ${i} of shard-07 answered HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
      windows.push({ fromMs, toMs });
      handoverMs.push(answer.body.handover?.ms ?? toMs - fromMs);
      everywhereMs.push((await mapEverywhere(cluster, answer.body.version, () => history.clock.nowMs())) - toMs);
      say(
        `handover ${i}/${handovers}: shard-07 ${answer.body.from} → ${answer.body.to} in ${handoverMs.at(-1)} ms (rebalance call ${Math.round(toMs - fromMs)} ms, map v${answer.body.version} on every node ${Math.round(everywhereMs.at(-1)!)} ms later)`,
      );
    }
  } finally {
    await driver.stop();
  }
  const calls = history.ops.filter((o) => o.shardKey === 'shard-07' && o.completeMs !== undefined);
  const overlaps = (o: Op) => windows.some((w) => o.invokeMs <= w.toMs && o.completeMs! >= w.fromMs);
  const figures = (ops: readonly Op[]) => {
    const ms = ops.map((o) => o.completeMs! - o.invokeMs).sort((a, b) => a - b);
    const at = (q: number) => Math.round(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0);
    return { calls: ops.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: Math.round(ms.at(-1) ?? 0), notOk: ops.filter((o) => o.outcome !== 'ok').length };
  };
  const during = figures(calls.filter(overlaps));
  const { maxMs: _max, ...outside } = figures(calls.filter((o) => !overlaps(o)));
  return {
    moves: windows.length,
    handoverMs: { p50: median(handoverMs), max: Math.max(...handoverMs) },
    mapEverywhereMs: { p50: Math.round(median(everywhereMs)), max: Math.round(Math.max(...everywhereMs)) },
    during,
    outside,
  };
}

/** When (by `now`) every node first names map `version`: all asked at once, every 5 ms, for at most 5 s. */
async function mapEverywhere(cluster: Cluster, version: number, now: () => number): Promise<number> {
  const deadline = now() + 5_000;
  const behind = new Set(cluster.relayNodes);
  for (;;) {
    const views = await Promise.all([...behind].map(async (node) => [node, (await node.shards()).version] as const));
    for (const [node, seen] of views) if (seen >= version) behind.delete(node);
    if (behind.size === 0) return now();
    if (now() > deadline) throw new Error(`map v${version} not on ${[...behind].map((n) => n.id).join(', ')} within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 5)); // the probe's pace, bounded by the deadline above
  }
}
