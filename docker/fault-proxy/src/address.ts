// host:port handling with Go's rules (net.SplitHostPort, listener.Addr().String()), because the API answers
// with the address actually bound and clients compare against it.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export function splitHostPort(address: string): HostPort {
  let host: string;
  let portText: string;
  if (address.startsWith('[')) {
    const end = address.indexOf(']');
    if (end < 0) throw new Error(`address ${address}: missing ']' in address`);
    if (address[end + 1] !== ':') throw new Error(`address ${address}: missing port in address`);
    host = address.slice(1, end);
    portText = address.slice(end + 2);
  } else {
    const colon = address.lastIndexOf(':');
    if (colon < 0) throw new Error(`address ${address}: missing port in address`);
    host = address.slice(0, colon);
    if (host.includes(':')) throw new Error(`address ${address}: too many colons in address`);
    portText = address.slice(colon + 1);
  }
  const port = portText === '' ? 0 : Number(portText);
  if (!/^\d*$/.test(portText) || port > 65535) throw new Error(`address ${address}: invalid port`);
  return { host, port };
}

export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The IP a listen host binds to: literals unchanged, names resolved (IPv4 first, as Go does for localhost). */
export async function resolveHost(host: string): Promise<string> {
  if (host === '' || isIP(host)) return host;
  try {
    return (await lookup(host, { family: 4 })).address;
  } catch {
    try {
      return (await lookup(host)).address;
    } catch {
      throw new Error(`lookup ${host}: no such host`);
    }
  }
}

/** Go's net.ResolveTCPAddr(...).String(): how populate decides that a listen address is unchanged. */
export async function resolveListen(listen: string): Promise<string> {
  const { host, port } = splitHostPort(listen);
  return joinHostPort(await resolveHost(host), port);
}
