// Where the test process reaches what containers publish: one address for the whole run
// (OMNIRELAY_HYPERSCALE_ENGINE_HOST, see settings.ts). A loopback address (127.0.0.1 by default, 127.0.0.2
// for a second engine on this machine, whose port allocator knows nothing of the first's) is also where
// ports are published; for an engine on another host they are published on its every interface, the one
// deliberate exception to publishing on loopback only.
import { readSettings } from '../settings';

let host: string | undefined;

export function engineHost(): string {
  return (host ??= readSettings().engineHost);
}

/** The HostIp ports are published on. */
export function publishAddress(): string {
  return /^127\./.test(engineHost()) || engineHost() === 'localhost' ? engineHost() : '0.0.0.0';
}

/** `http://<engine host>:<port>`: a published port as the test process dials it. */
export function publishedUrl(port: number | string): string {
  return `http://${engineHost()}:${port}`;
}
