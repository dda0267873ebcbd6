// failover: time until global::echo is served again after the global leader is paused, by lease expiry
// and by promotion, over several rounds on one cluster.
import type { Topology } from '../../../topologies';
import { Cluster } from '../../cluster/cluster';
import type { RelayNode } from '../../cluster/relay-node';
import { eventually, judge } from '../../checks/eventually';
import type { BenchEnv } from './common';

const GLOBAL = 'global-control';

/**
 * Failover, `rounds` times on one cluster: the global leader is paused; the time until a call that needs
 * the global leader (global::echo, sent to a live node and forwarded) is served by another node. Without
 * promotion a regional standby takes over once the lease expires; with promotion the leader of a region
 * the paused node does not lead is promoted at once. Between rounds the paused node resumes and the
 * cluster agrees on one global leader again. Where in its renewal cycle the leader stops decides how much
 * of the lease is left, so one round says little: the caller takes the median.
 */
export async function failover({ images, ca, say }: BenchEnv, topology: Topology, withPromotion: boolean, rounds: number): Promise<number[]> {
  const mode = withPromotion ? 'promote' : 'expiry';
  const cluster = await Cluster.start({ topology, images, ca, scenarioId: `bench-failover-${mode}`, readyTimeoutMs: 120_000 });
  try {
    const figures: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const leader = await agreedHolder(cluster, GLOBAL);
      const entry = cluster.relayNodes.find((n) => n.id !== leader)!;
      const promoted = withPromotion ? await regionLeaderOtherThan(cluster, entry, leader) : undefined;
      const started = Date.now();
      await cluster.node(leader).pause();
      try {
        if (promoted) {
          const answer = await cluster.node(promoted).promote(GLOBAL);
          if (answer.status !== 200) throw new Error(`promotion of ${promoted} answered HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
        }
        await eventually(
          'global::echo is served by a new global leader',
          () => entry.call('global::echo', { bench: true }),
          (r) => judge(r.status === 200 && r.answeredBy && r.answeredBy !== leader ? [] : [`HTTP ${r.status} served by ${r.answeredBy}`]),
          { timeoutMs: 60_000, intervalMs: 50 },
        );
        figures.push(Date.now() - started);
      } finally {
        await cluster.node(leader).unpause();
      }
      say(`failover ${mode} ${round}/${rounds}: ${leader} paused, global::echo through ${entry.id} served again after ${figures.at(-1)} ms`);
    }
    return figures;
  } finally {
    await cluster.stop();
  }
}

/** The holder of `scope` once every node names the same one (the previous round's leader has stepped down). */
export async function agreedHolder(cluster: Cluster, scope: string): Promise<string> {
  const holders = await eventually(
    `every node names one ${scope} holder`,
    () => Promise.all(cluster.relayNodes.map(async (n) => (await n.leaders(scope)).tokens.find((t) => t.scope === scope)?.leaderId)),
    (ids) => judge(ids[0] !== undefined && ids.every((id) => id === ids[0]) ? [] : [`holders seen: ${ids.map((id) => id ?? 'none').join(', ')}`]),
    { timeoutMs: 60_000 },
  );
  return holders[0]!;
}

/** The leader of a region that `paused` does not lead, as `entry` sees it. */
async function regionLeaderOtherThan(cluster: Cluster, entry: RelayNode, paused: string): Promise<string> {
  return eventually(
    `a region leader other than ${paused}`,
    async () => (await entry.leaders()).tokens.find((t) => t.scope.startsWith('region/') && t.leaderId !== paused)?.leaderId,
    (id) => judge(id ? [] : ['none yet']),
    { timeoutMs: 30_000 },
  ).then((id) => id!);
}
