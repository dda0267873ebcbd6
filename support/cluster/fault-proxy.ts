// The scenario's fault proxy: the real Toxiproxy or the suite's fault-proxy (same API), one container on
// the scenario network, driven only through toxiproxy-node-client. Links a topology routes through the
// proxy get a proxy each on a port of the pool; ports are published on 127.0.0.1 at start, because a
// running container cannot publish more.
import { Toxiproxy, type Proxy } from 'toxiproxy-node-client';
import { SuiteContainer } from './container';
import type { FaultProxyImage } from './images/recipes';
import { LABEL } from './labels';
import type { ScenarioNetwork } from './network';
import { HttpOkWaitStrategy } from './readiness';

export const PROXY_API_PORT = 8474;
/** The proxy port pool (as @testcontainers/toxiproxy): one port per proxied link endpoint. */
export const PROXY_POOL: readonly number[] = Array.from({ length: 32 }, (_, i) => 8666 + i);
export const PROXY_ALIAS = 'fault-proxy';

/** One proxied path: clients (or nodes) dial `listen`, the proxy forwards to `upstream`. */
export interface ProxiedLink {
  readonly name: string;
  readonly upstream: string;
  /** Port inside the scenario network (`fault-proxy:<port>`). */
  readonly port: number;
  /** The same port published on 127.0.0.1, for the test process. */
  readonly publishedPort: number;
  readonly proxy: Proxy;
}

export class FaultProxy {
  private readonly free = [...PROXY_POOL];
  readonly links = new Map<string, ProxiedLink>();

  private constructor(
    readonly flavour: FaultProxyImage['flavour'],
    readonly toxiproxy: Toxiproxy,
    private readonly publishedPort: (port: number) => number,
  ) {}

  static async start(opts: { image: FaultProxyImage; network: ScenarioNetwork; labels: Record<string, string>; name: string; readyTimeoutMs: number }): Promise<FaultProxy> {
    const container = await new SuiteContainer(opts.image.ref)
      .withName(opts.name)
      .withLabels({ ...opts.labels, [LABEL.node]: PROXY_ALIAS })
      .withNetworkMode(opts.network.name)
      .withNetworkAliases(PROXY_ALIAS)
      .withLoopbackPorts(PROXY_API_PORT, ...PROXY_POOL)
      .withWaitStrategy(new HttpOkWaitStrategy('/version', PROXY_API_PORT, `fault proxy (${opts.image.flavour})`))
      .withStartupTimeout(opts.readyTimeoutMs)
      .start();
    const api = `http://127.0.0.1:${container.getMappedPort(PROXY_API_PORT)}`;
    return new FaultProxy(opts.image.flavour, new Toxiproxy(api), (port) => container.getMappedPort(port));
  }

  /** A proxy named `name` on the next free pool port, forwarding to `upstream` (`host:port` on the network). */
  async route(name: string, upstream: string): Promise<ProxiedLink> {
    const port = this.free.shift();
    if (port === undefined) throw new Error(`the fault proxy's port pool (${PROXY_POOL.length} ports) is used up; route fewer links through it`);
    const proxy = await this.toxiproxy.createProxy({ name, listen: `0.0.0.0:${port}`, upstream });
    const link = { name, upstream, port, publishedPort: this.publishedPort(port), proxy };
    this.links.set(name, link);
    return link;
  }

  link(name: string): ProxiedLink {
    const link = this.links.get(name);
    if (!link) throw new Error(`no proxied link "${name}"; links: ${[...this.links.keys()].join(', ') || '(none)'}`);
    return link;
  }
}
