// Which proxied paths a link target names, for a scenario's fault proxy and the chaos environment's alike:
// a region's client ingress (one proxy per node of the region), every proxied path into or out of a region,
// or the region ↔ region paths between two regions, both ways. Pure.
import type { PeerLink } from '../cluster/peer-links';
import { describeLink, type LinkTarget } from './schedule';

/** A `clients → region` proxy: the one in front of `node`'s HTTP port. */
export interface ClientPath {
  readonly name: string;
  readonly node: string;
  readonly region: string;
}

/** Names of the proxies `target` covers; an error naming the topology's links when it covers none. */
export function pathsOf(
  target: LinkTarget,
  paths: { readonly clients: readonly ClientPath[]; readonly peers: readonly PeerLink[] },
  topology: { readonly name: string; readonly links: string },
): string[] {
  const clients = target.kind === 'between' ? [] : paths.clients.filter((c) => c.region === target.region).map((c) => c.name);
  const peers = paths.peers
    .filter((p) =>
      target.kind === 'region'
        ? p.fromRegion === target.region || p.toRegion === target.region
        : target.kind === 'between' && ((p.fromRegion === target.a && p.toRegion === target.b) || (p.fromRegion === target.b && p.toRegion === target.a)),
    )
    .map((p) => p.name);
  const names = [...clients, ...peers];
  if (names.length === 0) {
    const regions = [...new Set([...paths.clients.map((c) => c.region), ...paths.peers.flatMap((p) => [p.fromRegion, p.toRegion])])].join(', ') || 'none';
    throw new Error(`"${describeLink(target)}" matches no proxied path of topology "${topology.name}" (links: ${topology.links}; proxied regions: ${regions})`);
  }
  return names;
}
