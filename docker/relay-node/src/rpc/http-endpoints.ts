// Where a node's plain-HTTP port is: the `httpEndpoint` label it advertises through gossip, else
// `<nodeId>:<RELAY_HTTP_PORT>` (node ids are host names inside a topology's network), through its peer
// route when one is installed (peer-routes.ts).
import type { MembershipTable } from '../gossip/membership';
import { routed } from './peer-routes';

/** Gossip label carrying a node's plain-HTTP endpoint (host:port). */
export const HTTP_ENDPOINT_LABEL = 'httpEndpoint';

export interface HostPort {
  host: string;
  port: number;
}

export function httpEndpointOf(nodeId: string, table: MembershipTable, fallbackPort: number): HostPort {
  const advertised = splitHostPort(table.get(nodeId)?.metadata.labels[HTTP_ENDPOINT_LABEL]);
  return routed(advertised ?? { host: nodeId, port: fallbackPort });
}

export function splitHostPort(endpoint: string | undefined): HostPort | undefined {
  if (!endpoint) return undefined;
  const colon = endpoint.lastIndexOf(':');
  const port = Number(endpoint.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host: endpoint.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port };
}

/** `host:port` for URLs, bracketing IPv6 literals. */
export function formatHostPort({ host, port }: HostPort): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
