// Starts the API server; main.ts and the tests both use this.
import { createServer, type Server } from 'node:http';
import { joinHostPort, resolveHost } from './address';
import { createApi } from './api';
import { ProxyCollection } from './collection';
import { silentLogger, type Logger } from './log';

export interface FaultProxyOptions {
  /** Default `localhost` (the Go server's default); the container passes 0.0.0.0. */
  readonly host?: string;
  /** Default 8474; 0 picks a free port. */
  readonly port?: number;
  readonly log?: Logger;
}

export interface FaultProxy {
  /** Base URL of the API, e.g. http://127.0.0.1:8474 (a wildcard host is reached through loopback). */
  readonly url: string;
  readonly port: number;
  readonly proxies: ProxyCollection;
  close(): Promise<void>;
}

export async function startFaultProxy(options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const log = options.log ?? silentLogger;
  const host = await resolveHost(options.host ?? 'localhost');
  const proxies = new ProxyCollection(log);
  const server: Server = createServer(createApi(proxies));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(host === '' ? { port: options.port ?? 8474 } : { host, port: options.port ?? 8474 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : (options.port ?? 8474);
  const reachable = host === '' || host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const url = `http://${joinHostPort(reachable, port)}`;
  return {
    url,
    port,
    proxies,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.all([closed, proxies.close()]);
    },
  };
}
