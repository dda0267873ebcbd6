// One proxy: a TCP listener that pipes every accepted client to a fresh upstream connection through the
// proxy's toxics. Disabling it closes the listener and every live connection; changing listen or upstream
// restarts it (proxy.go Update).
import { createServer, connect, type Server, type Socket } from 'node:net';
import * as util from 'node:util';
import { joinHostPort, resolveHost, splitHostPort } from './address';
import { internal } from './errors';
import { errorText, type Logger } from './log';
import { Connection } from './stream/connection';
import { ToxicCollection } from './toxics/collection';
import { toxicJson, type ToxicJson } from './toxics/toxic';

export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicJson[];
}

export interface ProxySettings {
  listen: string;
  upstream: string;
  enabled: boolean;
}

/** Go's error text for a failed listen, e.g. "listen tcp 127.0.0.1:80: bind: address already in use". */
function listenError(listen: string, error: unknown): Error {
  const errno = (error as NodeJS.ErrnoException).errno;
  let text = errorText(error);
  if (typeof errno === 'number') {
    try {
      text = `bind: ${util.getSystemErrorMessage(errno)}`;
    } catch {
      // keep Node's own message
    }
  }
  return internal(`listen tcp ${listen}: ${text}`);
}

export class Proxy {
  readonly toxics = new ToxicCollection();
  enabled = false;
  private server: Server | undefined;
  private readonly connections = new Set<Connection>();
  /** Clients accepted while their upstream connection is still being dialled. */
  private readonly dialling = new Set<Socket>();

  constructor(
    readonly name: string,
    public listen: string,
    public upstream: string,
    private readonly log: Logger,
  ) {}

  toJSON(): ProxyJson {
    return { name: this.name, listen: this.listen, upstream: this.upstream, enabled: this.enabled, toxics: this.toxics.list().map(toxicJson) };
  }

  /** Binds the listener; the proxy's `listen` becomes the address actually bound. Throws a 500 ApiError. */
  async start(): Promise<void> {
    if (this.enabled) return;
    let host: string;
    let port: number;
    try {
      ({ host, port } = splitHostPort(this.listen));
      host = await resolveHost(host);
    } catch (error) {
      throw internal(`listen tcp ${this.listen}: ${errorText(error)}`);
    }
    const server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // An empty host binds every interface, as Go's net.Listen(":port") does.
      server.listen(host === '' ? { port } : { host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      throw listenError(this.listen, error);
    });
    server.on('error', (error) => this.log.warn('listener error', { proxy: this.name, error: errorText(error) }));
    const bound = server.address();
    if (bound && typeof bound === 'object') this.listen = joinHostPort(host === '' ? bound.address : host, bound.port);
    this.server = server;
    this.enabled = true;
    this.log.info('started proxy', { name: this.name, proxy: this.listen, upstream: this.upstream });
  }

  /** Closes the listener and drops every live connection; resolves once the port is free again. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.enabled = false;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const connection of this.connections) connection.destroy();
    for (const client of this.dialling) client.destroy();
    await closed;
    this.log.info('terminated proxy', { name: this.name, proxy: this.listen, upstream: this.upstream });
  }

  async update(settings: ProxySettings): Promise<void> {
    if (settings.listen !== this.listen || settings.upstream !== this.upstream) {
      await this.stop();
      this.listen = settings.listen;
      this.upstream = settings.upstream;
    }
    if (settings.enabled && !this.enabled) await this.start();
    if (!settings.enabled && this.enabled) await this.stop();
  }

  private accept(client: Socket): void {
    let target: { host: string; port: number };
    try {
      target = splitHostPort(this.upstream);
    } catch (error) {
      this.log.warn('unable to open connection to upstream', { name: this.name, upstream: this.upstream, error: errorText(error) });
      client.destroy();
      return;
    }
    this.dialling.add(client);
    client.on('error', () => {});
    const upstream = connect({ host: target.host || 'localhost', port: target.port, allowHalfOpen: true });
    const failed = (error: Error): void => {
      this.log.warn('unable to open connection to upstream', { name: this.name, upstream: this.upstream, error: errorText(error) });
      this.dialling.delete(client);
      client.destroy();
    };
    const clientGone = (): void => {
      upstream.destroy();
      this.dialling.delete(client);
    };
    upstream.once('error', failed);
    client.once('close', clientGone);
    upstream.once('connect', () => {
      upstream.off('error', failed);
      client.off('close', clientGone);
      this.dialling.delete(client);
      const connection = new Connection(
        client,
        upstream,
        this.toxics,
        (c) => this.connections.delete(c),
        (error) => this.log.warn('toxic failed', { name: this.name, error: errorText(error) }),
      );
      this.connections.add(connection);
    });
  }
}
