// entities: what durable entities cost on one shard. Compare-and-set against a plain set (each client
// on its own key, so every cas applies: the cost of the compare, not of contention), and kv::get on a
// shard holding 10,000 keys against one holding 10 (issue 17's size figure), in alternating rounds.
import type { Cluster } from '../../cluster/cluster';
import { LoadDriver } from '../../fabric/load-driver';
import { Traffic, type TrafficOp } from '../../fabric/traffic';
import { median, type BenchEnv } from './common';
import { figure } from './figures';

export interface Side {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  notOk: number;
}

export interface EntitiesFigures {
  set: Side;
  cas: Side;
  /** Share of cas calls answered 200 (applied or not: each client cas-es its own key, so nearly all apply). */
  casOk: number;
  getSmall: Side;
  getBig: Side;
  bigKeys: number;
}

const traffic = (name: string, ops: TrafficOp[]) => Traffic.parse({ name, description: `bench ${name}`, ops }, `bench ${name}`);

export async function entitiesFigures(
  { say }: BenchEnv,
  cluster: Cluster,
  { clients, loadRounds, bigKeys = 10_000 }: { clients: number; loadRounds: number; bigKeys?: number },
): Promise<EntitiesFigures> {
  const peers = cluster.relayNodes.map((n) => ({ id: n.id, baseUrl: n.url }));
  const run = async (t: Traffic, bound: { durationMs?: number; maxOps?: number }, n = clients) => {
    const s = await new LoadDriver({ peers, traffic: t, clients: n, ...bound, callTimeoutMs: 10_000, log: say, progressEveryMs: 0 }).run();
    const ok = s.byProcedure[t.ops[0]!.procedure];
    return { summary: s, side: { rps: Math.round(s.okRps), p50Ms: s.latency.p50Ms, p99Ms: s.latency.p99Ms, notOk: s.calls - (ok?.ok ?? 0) } };
  };
  const set = traffic('set', [{ procedure: 'kv::set', shardKey: 'shard-21', body: { key: 'set-{client}', value: '{uid}' } }]);
  const cas = traffic('cas', [{ procedure: 'kv::cas', shardKey: 'shard-21', body: { key: 'cas-{client}', expect: '{seen}', value: '{uid}' } }]);
  const fill = (shard: string, prefix: string) =>
    traffic(`fill-${prefix}`, [{ procedure: 'kv::set', shardKey: shard, body: { key: `${prefix}-{uid}`, value: '{uid}' } }]);
  // Reads of 10 keys the fill wrote first (client c's first op wrote <prefix>-c<c>-n1), on each shard.
  const reads = (shard: string, prefix: string) =>
    traffic(`get-${prefix}`, [{ procedure: 'kv::get', shardKey: shard, body: { key: `${prefix}-c{client}-n1` } }]);

  say(`entities: filling shard-33 with ${bigKeys} keys and shard-34 with 10`);
  await run(fill('shard-33', 'big'), { maxOps: bigKeys });
  await run(fill('shard-34', 'small'), { maxOps: 10 }, 10);

  const sides: Record<'set' | 'cas' | 'getSmall' | 'getBig', Side[]> = { set: [], cas: [], getSmall: [], getBig: [] };
  let casAnswered = 0;
  let casCalls = 0;
  for (let round = 1; round <= loadRounds; round++) {
    const order = round % 2 === 1 ? (['set', 'cas', 'getSmall', 'getBig'] as const) : (['getBig', 'getSmall', 'cas', 'set'] as const);
    for (const side of order) {
      const t = side === 'set' ? set : side === 'cas' ? cas : side === 'getSmall' ? reads('shard-34', 'small') : reads('shard-33', 'big');
      // Reads name the first 10 clients' keys: 10 clients, each on its own key.
      const r = await run(t, { durationMs: 5_000 }, side.startsWith('get') ? 10 : clients);
      if (side === 'cas') {
        casCalls += r.summary.calls;
        casAnswered += r.summary.byProcedure['kv::cas']?.ok ?? 0;
      }
      sides[side].push(r.side);
      say(`entities round ${round}/${loadRounds}: ${side} ${r.side.rps}/s, p50 ${r.side.p50Ms} ms, p99 ${r.side.p99Ms} ms, ${r.side.notOk} not ok`);
    }
  }
  const med = (xs: Side[]): Side => ({
    rps: median(xs.map((x) => x.rps)),
    p50Ms: median(xs.map((x) => x.p50Ms)),
    p99Ms: median(xs.map((x) => x.p99Ms)),
    notOk: xs.reduce((a, x) => a + x.notOk, 0),
  });
  return {
    set: med(sides.set),
    cas: med(sides.cas),
    casOk: casCalls === 0 ? 0 : casAnswered / casCalls,
    getSmall: med(sides.getSmall),
    getBig: med(sides.getBig),
    bigKeys,
  };
}

export function printEntities(f: EntitiesFigures): void {
  figure('entities_set_rps', f.set.rps, 'req/s');
  figure('entities_cas_rps', f.cas.rps, 'req/s');
  figure('entities_cas_to_set_rps_ratio', (f.cas.rps / Math.max(1, f.set.rps)).toFixed(2), 'x');
  figure('entities_set_p99_ms', f.set.p99Ms, 'ms');
  figure('entities_cas_p99_ms', f.cas.p99Ms, 'ms');
  figure('entities_cas_ok_share', (f.casOk * 100).toFixed(1), '%');
  figure('entities_get_p99_10_keys_ms', f.getSmall.p99Ms, 'ms');
  figure(`entities_get_p99_${f.bigKeys}_keys_ms`, f.getBig.p99Ms, 'ms');
  figure('entities_get_p99_big_to_small_ratio', (f.getBig.p99Ms / Math.max(0.01, f.getSmall.p99Ms)).toFixed(2), 'x');
  figure('entities_not_ok_calls', f.set.notOk + f.cas.notOk + f.getSmall.notOk + f.getBig.notOk, 'calls');
}
