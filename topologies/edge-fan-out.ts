import { TopologyBuilder } from './builder';
import { GLOBAL_SCOPE, regionScope, TopologyError } from './schema';

export interface EdgeFanOutOptions {
  /** Backend regions, default `east` and `west`. */
  readonly regions?: readonly string[];
  /** Edge ingress nodes per region (`edge-<region>-<i>`), default 1. */
  readonly edgesPerRegion?: number;
  /** Backend replicas per region (`<region>-<i>`), default 2. */
  readonly backendsPerRegion?: number;
}

/**
 * Edge ingress in front of per-region backend pools. Each region gets edge nodes (role `edge`, mode
 * `Edge`, `edge-east-1`) and replica backends (`east-1`, `east-2`; the first is eligible for `region/<name>`);
 * a `global` site holds `global-1`, eligible for `global-control`. etcd has 3 members spread over the sites
 * (`global` first). Clients reach each region through the fault proxy, and every pair of regions is linked
 * through it both ways.
 */
export function edgeFanOut(opts: EdgeFanOutOptions = {}): TopologyBuilder {
  const regions = opts.regions ?? ['east', 'west'];
  const edges = opts.edgesPerRegion ?? 1;
  const backends = opts.backendsPerRegion ?? 2;
  for (const [what, n] of [
    ['edgesPerRegion', edges],
    ['backendsPerRegion', backends],
  ] as const) {
    if (!Number.isInteger(n) || n < 1) throw new TopologyError(`edgeFanOut: ${what} must be a whole number, at least 1; got ${n}`);
  }
  const builder = new TopologyBuilder('EdgeFanOut').withRegion('global');
  for (const r of regions) builder.withRegion(r);
  builder.withNode('global-1', 'global', 'global', [GLOBAL_SCOPE]);
  for (const r of regions) {
    for (let i = 1; i <= backends; i++) builder.withReplica(`${r}-${i}`, r, i === 1 ? [regionScope(r)] : []);
    for (let i = 1; i <= edges; i++) builder.withEdgeNode(`edge-${r}-${i}`, r);
  }
  const sites = ['global', ...regions];
  for (let i = 0; i < 3; i++) {
    const site = sites[i % sites.length]!;
    builder.withEtcdMember(sites.length >= 3 ? `etcd-${site}` : `etcd-${i + 1}`, site);
  }
  for (const r of regions) builder.withClientLink(r);
  regions.forEach((a, i) => regions.slice(i + 1).forEach((b) => builder.withLink(a, b, { bidirectional: true })));
  return builder;
}
