// failover: time until global::echo is served again after the global leader is paused, by lease expiry
// and by promotion.
import type { Topology } from '../../../topologies';
import { Cluster } from '../../cluster/cluster';
import { eventually, judge } from '../../checks/eventually';
import type { BenchEnv } from './common';

/**
 * Failover: the global leader is paused; the time until a call that needs the global leader
 * (global::echo, sent to a live node and forwarded) is served by another node. Without promotion the
 * regional standby takes over after the lease expires; with promotion the west leader is promoted at once.
 */
export async function failover({ images, ca }: BenchEnv, topology: Topology, withPromotion: boolean): Promise<number> {
  const scenarioId = `bench-failover-${withPromotion ? 'promote' : 'expiry'}`;
  const cluster = await Cluster.start({ topology, images, ca, scenarioId, readyTimeoutMs: 120_000 });
  try {
    const entry = cluster.node('east-3');
    const holderOf = async (scope: string) => (await entry.leaders(scope)).tokens.find((t) => t.scope === scope)?.leaderId;
    const leader = await eventually(
      'a global leader is elected',
      () => holderOf('global-control'),
      (id) => judge(id ? [] : ['none yet']),
      { timeoutMs: 30_000 },
    );
    const west = await eventually(
      'west has a leader',
      () => holderOf('region/west'),
      (id) => judge(id ? [] : ['none yet']),
      { timeoutMs: 30_000 },
    );
    const started = Date.now();
    await cluster.node(leader!).pause();
    if (withPromotion) {
      const answer = await cluster.node(west!).promote('global-control');
      if (answer.status !== 200) throw new Error(`promotion answered HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
    await eventually(
      'global::echo is served by a new global leader',
      () => entry.call('global::echo', { bench: true }),
      (r) => judge(r.status === 200 && r.answeredBy && r.answeredBy !== leader ? [] : [`HTTP ${r.status} served by ${r.answeredBy}`]),
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    const ms = Date.now() - started;
    await cluster.node(leader!).unpause();
    return ms;
  } finally {
    await cluster.stop();
  }
}
