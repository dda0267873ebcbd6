// Peer routes (RELAY_PEER_ROUTES): paths to other nodes that a test topology sends through a fault proxy.
// `west-1:8080=fault-proxy:9000` makes this node dial fault-proxy:9000 whenever it means west-1:8080;
// TLS keeps verifying west-1 (servername is the node id), so the proxy is invisible but for its faults.
// Process-wide, like a hosts file: every dial site resolves through it, and it is set once at start.
import { type HostPort, splitHostPort } from './host-port';

export type PeerRoutes = ReadonlyMap<string, HostPort>;

let installed: PeerRoutes = new Map();

/** Parses `host:port=via:port,…`; throws a message naming the bad entry. */
export function parsePeerRoutes(raw: string | undefined): PeerRoutes {
  const routes = new Map<string, HostPort>();
  for (const entry of (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const [target, via, extra] = entry.split('=');
    const from = splitHostPort(target?.trim());
    const to = splitHostPort(via?.trim());
    if (!from || !to || extra !== undefined) throw new Error(`bad route ${JSON.stringify(entry)}: expected host:port=via-host:port`);
    routes.set(key(from), to);
  }
  return routes;
}

export function installPeerRoutes(routes: PeerRoutes): void {
  installed = routes;
}

/** Where to dial to reach `target`: its route if one is installed, else itself. */
export function routed(target: HostPort): HostPort {
  return installed.get(key(target)) ?? target;
}

const key = ({ host, port }: HostPort) => `${host}:${port}`;
