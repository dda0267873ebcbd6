// Region ↔ region links routed through the fault proxy: one proxy per (caller node, callee node, port), so
// that a fault can slow or cut exactly the paths it names. Each caller is told, at start, to dial its
// proxy instead of the callee (relay-node's RELAY_PEER_ROUTES); TLS still verifies the callee's node id,
// because the proxy passes bytes through and the caller sets servername to the id it meant to reach.
// Pure: the fixture creates the proxies, relay-node reads the routes.
import { CLIENTS, type Topology } from '../../topologies';
import { RELAY_GOSSIP_PORT, RELAY_HTTP_PORT } from './ports';

/** The fault proxy's name on the scenario network. */
export const PROXY_ALIAS = 'fault-proxy';

/** Ports of the proxy's peer links: inside the scenario network only, never published (the test process does not use them). */
export const PEER_LINK_PORTS = { first: 9000, count: 200 } as const;

export type PeerPort = 'http' | 'gossip';
const PORT_NUMBER: Record<PeerPort, number> = { http: RELAY_HTTP_PORT, gossip: RELAY_GOSSIP_PORT };

export interface PeerLink {
  /** Proxy name, e.g. `peer-east-1-to-west-2-http`. */
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly fromRegion: string;
  readonly toRegion: string;
  readonly port: PeerPort;
  /** Where the callee listens (`west-2:8080`). */
  readonly upstream: string;
  /** Where the proxy listens for it on the scenario network. */
  readonly listenPort: number;
}

export const peerLinkName = (from: string, to: string, port: PeerPort) => `peer-${from}-to-${to}-${port}`;

/** Every proxied node-to-node path of the topology's region links, in a stable order. */
export function planPeerLinks(topology: Topology): PeerLink[] {
  const directed = topology.links
    .filter((l) => l.from !== CLIENTS)
    .flatMap((l) =>
      l.bidirectional
        ? [
            [l.from, l.to],
            [l.to, l.from],
          ]
        : [[l.from, l.to]],
    );
  const links: PeerLink[] = [];
  for (const [fromRegion, toRegion] of directed) {
    for (const a of topology.nodes.filter((n) => n.region === fromRegion)) {
      for (const b of topology.nodes.filter((n) => n.region === toRegion)) {
        for (const port of ['http', 'gossip'] as const) {
          const listenPort = PEER_LINK_PORTS.first + links.length;
          links.push({
            name: peerLinkName(a.id, b.id, port),
            from: a.id,
            to: b.id,
            fromRegion: fromRegion!,
            toRegion: toRegion!,
            port,
            upstream: `${b.id}:${PORT_NUMBER[port]}`,
            listenPort,
          });
        }
      }
    }
  }
  if (links.length > PEER_LINK_PORTS.count) {
    throw new Error(
      `topology "${topology.name}" routes ${links.length} node-to-node paths through the fault proxy; at most ${PEER_LINK_PORTS.count} fit. Route fewer region links through it.`,
    );
  }
  return links;
}

/** relay-node's RELAY_PEER_ROUTES for `nodeId`: `callee:port=fault-proxy:listen`, comma-separated ('' when none). */
export function peerRoutesFor(links: readonly PeerLink[], nodeId: string, proxyHost: string): string {
  return links
    .filter((l) => l.from === nodeId)
    .map((l) => `${l.upstream}=${proxyHost}:${l.listenPort}`)
    .join(',');
}

/** The proxy in front of a node's HTTP port on a `clients → region` link. */
export const clientLinkName = (nodeId: string) => `clients-to-${nodeId}`;

/**
 * `clients → region` links: every node of the region gets a proxy in front of its HTTP port (routed with
 * the peer paths), so that clients of that region feel the link's faults.
 */
export function planClientLinks(topology: Topology): { name: string; upstream: string }[] {
  return topology.links
    .filter((l) => l.from === CLIENTS)
    .flatMap((link) => topology.nodes.filter((n) => n.region === link.to).map((n) => ({ name: clientLinkName(n.id), upstream: `${n.id}:${RELAY_HTTP_PORT}` })));
}
