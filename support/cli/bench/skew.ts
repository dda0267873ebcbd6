// skew: leases beyond the clock bound relay-node states (its README, "Clock and skew": any offset; drift
// slower than guard/TTL, 8.3 % at 3-second leases). A figure, not an assertion: per drift, on one ShardRing,
// the global leader's clocks run slow (relay-node's clock-skew chaos hook), it is cut off from everyone
// (iptables), and the suite polls every node's /control/leaders every 50 ms for how long the old leader
// still names itself holder after another node first does (0: no overlap, the lease stayed safe).
import { shardRing } from '../../../topologies';
import { NetworkFaults } from '../../chaos/network/faults';
import { Cluster } from '../../cluster/cluster';
import type { BenchEnv } from './common';
import { agreedHolder } from './failover';
import { figure } from './figures';

const GLOBAL = 'global-control';
/** Within the bound, then twice and almost five times past it. */
export const SKEW_DRIFTS = [-0.05, -0.2, -0.4] as const;

export interface SkewFigure {
  readonly drift: number;
  /** How long old and new leader both named themselves holder, ms (0 when they never did at once). */
  readonly overlapMs: number;
  readonly leaseTtlMs: number;
}

export async function skewFigures({ images, ca, say }: BenchEnv): Promise<SkewFigure[]> {
  const topology = shardRing().build();
  const cluster = await Cluster.start({ topology, images, ca, scenarioId: 'bench-skew', readyTimeoutMs: 120_000 });
  const faults = new NetworkFaults({ network: cluster.network.name });
  const figures: SkewFigure[] = [];
  try {
    for (const drift of SKEW_DRIFTS) {
      const leader = await agreedHolder(cluster, GLOBAL);
      const node = cluster.node(leader);
      await node.chaos('clock-skew', 'start', { offsetMs: 0, drift });
      const others = [...topology.nodes, ...topology.etcd].map((m) => m.id).filter((id) => id !== leader);
      const cut = await faults.partition({ kind: 'groups', groups: { leader: [leader], rest: others } });
      try {
        const overlapMs = await claimOverlap(cluster, leader);
        figures.push({ drift, overlapMs, leaseTtlMs: topology.timers.leaseTtlMs });
        say(`skew: ${leader} ${Math.round(drift * 100)} % slow, cut off: it and its successor both claimed global-control for ${overlapMs} ms`);
      } finally {
        await cut.heal();
        await node.chaos('clock-skew', 'stop').catch(() => undefined);
      }
    }
  } finally {
    await cluster.stop();
  }
  return figures;
}

/** From the first poll where another node names itself holder to the last where `old` still does. */
async function claimOverlap(cluster: Cluster, old: string): Promise<number> {
  const t0 = Date.now();
  let newFirst: number | undefined;
  let oldLast = t0;
  while (Date.now() - t0 < 30_000) {
    const at = Date.now();
    const claims = await Promise.all(
      cluster.relayNodes.map(
        async (n) => ((await n.leaders(GLOBAL).catch(() => undefined))?.tokens ?? []).some((t) => t.scope === GLOBAL && t.leaderId === n.id) && n.id,
      ),
    );
    if (claims.includes(old)) oldLast = at;
    if (newFirst === undefined && claims.some((c) => c && c !== old)) newFirst = at;
    if (newFirst !== undefined && at - oldLast > 2_000) break; // the old leader has stopped claiming
    await new Promise((r) => setTimeout(r, 50)); // the poll's pace
  }
  if (newFirst === undefined) throw new Error(`skew: no other node claimed ${GLOBAL} within 30 s of cutting ${old} off`);
  return Math.max(0, oldLast - newFirst);
}

/** -0.2 → `20`: the figure name's percentage. */
export const slowPercent = (drift: number): string => String(Math.round(-drift * 100));

export function printSkew(figures: readonly SkewFigure[]): void {
  for (const f of figures) figure(`skew_claim_overlap_drift_${slowPercent(f.drift)}pct_slow_ms`, f.overlapMs, 'ms');
  if (figures[0]) figure('skew_lease_ttl_ms', figures[0].leaseTtlMs, 'ms');
}
