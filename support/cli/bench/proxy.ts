// proxy: the fault proxy's own cost, the LoadDriver's calls direct and through a toxic-free proxy.
import type { Cluster } from '../../cluster/cluster';
import { LoadDriver } from '../../fabric/load-driver';
import { Traffic } from '../../fabric/traffic';
import { median, type BenchEnv } from './common';

export interface ProxyFigures {
  flavour: string;
  direct: { rps: number; p50Ms: number; p99Ms: number };
  proxied: { rps: number; p50Ms: number; p99Ms: number };
}

/**
 * Proxy overhead: echo from `proxyClients` virtual clients to ring-1, direct and through its (toxic-free)
 * proxy on the client link, in alternating rounds; medians. The proxy and the node share the 2 cores with
 * the driver, so this is the whole cost of the extra hop as a scenario sees it.
 */
export async function proxyOverhead(
  { say }: BenchEnv,
  cluster: Cluster,
  { proxyClients, loadRounds }: { proxyClients: number; loadRounds: number },
): Promise<ProxyFigures> {
  const node = cluster.node('ring-1');
  if (!cluster.proxy || node.ingress === node.url) throw new Error('the bench topology has no proxied client link');
  const traffic = await Traffic.load('echo');
  const run = async (baseUrl: string) => {
    const s = await new LoadDriver({
      peers: [{ id: 'ring-1', baseUrl }],
      traffic,
      clients: proxyClients,
      durationMs: 5_000,
      callTimeoutMs: 10_000,
      log: say,
      progressEveryMs: 0,
    }).run();
    return { rps: Math.round(s.rps), p50Ms: s.latency.p50Ms, p99Ms: s.latency.p99Ms };
  };
  const sides: Record<'direct' | 'proxied', { rps: number; p50Ms: number; p99Ms: number }[]> = { direct: [], proxied: [] };
  for (let round = 1; round <= loadRounds; round++) {
    const order = round % 2 === 1 ? (['direct', 'proxied'] as const) : (['proxied', 'direct'] as const);
    for (const side of order) {
      const r = await run(side === 'direct' ? node.url : node.ingress);
      sides[side].push(r);
      say(`proxy round ${round}/${loadRounds}: ${side} ${r.rps}/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`);
    }
  }
  const med = (xs: { rps: number; p50Ms: number; p99Ms: number }[]) => ({
    rps: median(xs.map((x) => x.rps)),
    p50Ms: median(xs.map((x) => x.p50Ms)),
    p99Ms: median(xs.map((x) => x.p99Ms)),
  });
  return { flavour: cluster.proxy.flavour, direct: med(sides.direct), proxied: med(sides.proxied) };
}
