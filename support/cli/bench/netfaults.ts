// netfaults: what a partition costs through each way into a namespace (netns.ts): a region cut off and
// healed on one cluster, alternating host nsenter and helper containers, each round timing apply + verify
// and heal + verify as NetworkFaults records them. The helper's first fault on a target also starts its
// helper container; that round is reported apart.
import type { Topology } from '../../../topologies';
import { NetworkFaults } from '../../chaos/network/faults';
import { HelperNetns } from '../../chaos/network/helper';
import { HostNetns, hostMissing, useNetns, type NetnsExec } from '../../chaos/network/netns';
import { Cluster } from '../../cluster/cluster';
import { netfaultHelperImage } from '../../cluster/images/netfault-helper';
import { median, type BenchEnv } from './common';
import { figure } from './figures';

export interface NetfaultsFigures {
  /** Per mode: apply + verify and heal + verify of each round, ms (the helper's first round apart). */
  readonly host?: { readonly cut: number[]; readonly heal: number[] };
  readonly helper: { readonly cut: number[]; readonly heal: number[]; readonly firstCut: number };
  /** Why host mode was left out, when it was. */
  readonly hostSkipped?: string;
  readonly members: number;
}

export async function netfaultsFigures({ images, ca, say }: BenchEnv, topology: Topology, rounds: number): Promise<NetfaultsFigures> {
  const missing = await hostMissing();
  const helper = new HelperNetns(await netfaultHelperImage(undefined, say));
  const modes: [string, NetnsExec][] = [['helper', helper], ...(missing.length === 0 ? [['host', new HostNetns()] as [string, NetnsExec]] : [])];
  if (missing.length > 0) say(`netfaults: host mode left out: ${missing.join('; ')}`);
  const cluster = await Cluster.start({ topology, images, ca, scenarioId: 'bench-netfaults', readyTimeoutMs: 120_000 });
  const region = topology.regions.find((r) => r !== 'global') ?? topology.regions[0]!;
  const ids = (inside: boolean) => [...topology.nodes, ...topology.etcd].filter((m) => (m.region === region) === inside).map((m) => m.id);
  const [inRegion, others] = [ids(true), ids(false)];
  const figures = { helper: { cut: [] as number[], heal: [] as number[], firstCut: 0 }, host: { cut: [] as number[], heal: [] as number[] } };
  try {
    const faults = new NetworkFaults({ network: cluster.network.name });
    // Round 0 starts the helpers (one per member the cut touches): the cost of a scenario's first fault.
    for (let round = 0; round <= rounds; round++) {
      for (const [name, exec] of round % 2 === 0 ? modes : [...modes].reverse()) {
        if (round === 0 && name !== 'helper') continue;
        useNetns(exec);
        const partition = await faults.partition({ kind: 'groups', groups: { [region]: inRegion, rest: others } });
        const cut = partition.record.applyMs + partition.record.verifyMs;
        const healed = await partition.heal();
        const heal = healed.healMs + healed.verifyMs;
        say(`netfaults ${name} round ${round}/${rounds}: cut ${region} (apply + verify) ${cut} ms, heal + verify ${heal} ms`);
        if (round === 0) figures.helper.firstCut = cut;
        else {
          figures[name as 'host' | 'helper'].cut.push(cut);
          figures[name as 'host' | 'helper'].heal.push(heal);
        }
      }
    }
  } finally {
    useNetns(new HostNetns());
    await cluster.stop();
  }
  return {
    helper: figures.helper,
    ...(missing.length === 0 ? { host: figures.host } : { hostSkipped: missing.join('; ') }),
    members: inRegion.length + others.length,
  };
}

export function printNetfaults(f: NetfaultsFigures): void {
  figure('netfaults_members', f.members, 'containers');
  figure('netfaults_helper_first_cut_ms', f.helper.firstCut, 'ms');
  figure('netfaults_helper_cut_ms', median(f.helper.cut), 'ms');
  figure('netfaults_helper_heal_ms', median(f.helper.heal), 'ms');
  if (f.host) {
    figure('netfaults_host_cut_ms', median(f.host.cut), 'ms');
    figure('netfaults_host_heal_ms', median(f.host.heal), 'ms');
    figure('netfaults_helper_to_host_cut_ratio', (median(f.helper.cut) / median(f.host.cut)).toFixed(2), 'x');
    figure('netfaults_helper_to_host_heal_ratio', (median(f.helper.heal) / median(f.host.heal)).toFixed(2), 'x');
  } else figure('netfaults_host_skipped', 1, '-', f.hostSkipped);
  figure('netfaults_rounds', f.helper.cut.length, 'rounds');
}
