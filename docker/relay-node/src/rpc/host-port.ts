// A host and port, as gossip labels and peer routes carry them (`host:port`, IPv6 bracketed). Pure, and
// imported by both http-endpoints.ts and peer-routes.ts, which would otherwise import each other.

export interface HostPort {
  host: string;
  port: number;
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
