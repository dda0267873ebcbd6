// Where the test process reaches what containers publish: one address for the whole run
// (OMNIRELAY_HYPERSCALE_ENGINE_HOST, see settings.ts). A loopback address (127.0.0.1 by default, 127.0.0.2
// for a second engine on this machine, whose port allocator knows nothing of the first's) is also where
// ports are published; for an engine on another host they are published on that address when it is an
// IP, else on the engine's every interface: the one deliberate exception to publishing on loopback only.
import { createSocket } from 'node:dgram';
import { readSettings } from '../settings';

let host: string | undefined;

export function engineHost(): string {
  return (host ??= readSettings().engineHost);
}

/** After the thread was pointed at another engine (engines.ts). */
export function forgetEngineHost(): void {
  host = undefined;
}

export const isLoopback = (address: string) => /^127\./.test(address) || address === 'localhost' || address === '::1';

/** The HostIp ports are published on. */
export function publishAddress(): string {
  const h = engineHost();
  return isLoopback(h) || /^\d{1,3}(\.\d{1,3}){3}$/.test(h) ? h : '0.0.0.0';
}

/** `http://<engine host>:<port>`: a published port as the test process dials it. */
export function publishedUrl(port: number | string): string {
  return `http://${engineHost()}:${port}`;
}

/**
 * This machine's address on the route to `target`, the one an engine there reaches us at: a UDP socket's
 * connect() picks the route and sends nothing.
 */
export function addressToward(target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(target.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', (e) => {
      socket.close();
      reject(e);
    });
    socket.connect(9, target, () => {
      const { address } = socket.address();
      socket.close();
      resolve(address);
    });
  });
}
