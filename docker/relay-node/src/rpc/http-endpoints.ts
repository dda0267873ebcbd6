// Where a node's plain-HTTP port is: the `httpEndpoint` label it advertises through gossip, else
// `<nodeId>:<RELAY_HTTP_PORT>` (node ids are host names inside a topology's network), through its peer
// route when one is installed (peer-routes.ts).
import type { MembershipTable } from '../gossip/membership';
import { routed } from './peer-routes';
import { splitHostPort, type HostPort } from './host-port';

export { formatHostPort, splitHostPort, type HostPort } from './host-port';

/** Gossip label carrying a node's plain-HTTP endpoint (host:port). */
export const HTTP_ENDPOINT_LABEL = 'httpEndpoint';

export function httpEndpointOf(nodeId: string, table: MembershipTable, fallbackPort: number): HostPort {
  const advertised = splitHostPort(table.get(nodeId)?.metadata.labels[HTTP_ENDPOINT_LABEL]);
  return routed(advertised ?? { host: nodeId, port: fallbackPort });
}
