// The scenario's fault proxy: the real Toxiproxy or the suite's fault-proxy (same API), one container on
// the scenario network, driven only through toxiproxy-node-client. Links a topology routes through the
// proxy get a proxy each on a port of the pool; ports are published on 127.0.0.1 at start, because a
// running container cannot publish more.
import { publishedUrl } from './engine-host';
import { AbstractStartedContainer, type StartedTestContainer } from 'testcontainers';
import { Toxiproxy, type Proxy } from 'toxiproxy-node-client';
import { SuiteContainer } from './container';
import type { FaultProxyImage } from './images/recipes';
import { PROXY_ALIAS, type PeerLink } from './peer-links';

export { PROXY_ALIAS };

export const PROXY_API_PORT = 8474;
/** The proxy port pool (as @testcontainers/toxiproxy): one port per proxied link endpoint. */
export const PROXY_POOL: readonly number[] = Array.from({ length: 32 }, (_, i) => 8666 + i);

/** One proxied path: clients (or nodes) dial `listen`, the proxy forwards to `upstream`. */
export interface ProxiedLink {
  readonly name: string;
  readonly upstream: string;
  /** Port inside the scenario network (`fault-proxy:<port>`). */
  readonly port: number;
  /** The same port published on 127.0.0.1, for the test process (0: not published, a node-to-node path). */
  readonly publishedPort: number;
  readonly proxy: Proxy;
}

/** The real Toxiproxy or the suite's fault-proxy, as a testcontainers module (as @testcontainers/toxiproxy). */
export class FaultProxyContainer extends SuiteContainer {
  private readonly pool: readonly number[];

  /**
   * `routes`: how many links the test process will dial through the proxy (client links). Only that many
   * pool ports are published: each published port costs the engine a docker-proxy process and NAT rules
   * at start, and all 32 made the proxy the last container of a topology to start (about a second later).
   */
  constructor(
    private readonly image: FaultProxyImage,
    routes: number = PROXY_POOL.length,
  ) {
    super(image.ref);
    if (routes > PROXY_POOL.length) throw new Error(`the fault proxy's port pool has ${PROXY_POOL.length} ports; ${routes} links need one each`);
    this.pool = PROXY_POOL.slice(0, routes);
    this.readyWhenOk('/version', PROXY_API_PORT, `fault proxy (${image.flavour})`, ...this.pool);
  }

  override async start(): Promise<FaultProxy> {
    return new FaultProxy(this.image.flavour, await super.start(), this.pool);
  }
}

export class FaultProxy extends AbstractStartedContainer {
  private readonly free: number[];
  readonly links = new Map<string, ProxiedLink>();
  /** The region ↔ region paths routed through this proxy. */
  peers: readonly PeerLink[] = [];
  readonly toxiproxy: Toxiproxy;

  constructor(
    readonly flavour: FaultProxyImage['flavour'],
    started: StartedTestContainer,
    pool: readonly number[] = PROXY_POOL,
  ) {
    super(started);
    this.free = [...pool];
    this.toxiproxy = new Toxiproxy(publishedUrl(started.getMappedPort(PROXY_API_PORT)));
  }

  /**
   * Every proxy a topology routes, in one `POST /populate`: the region ↔ region paths on their planned
   * ports (inside the network only), and `routes` the test process dials, each on the next free pool
   * port. One call, not one per proxy: made while the nodes start, so no route waits on the critical path.
   */
  async populate(peers: readonly PeerLink[], routes: readonly { name: string; upstream: string }[] = []): Promise<ProxiedLink[]> {
    if (routes.length > this.free.length)
      throw new Error(`the fault proxy's published ports are used up; it was started for ${this.free.length} routed links, not ${routes.length}`);
    const dialled = routes.map((r) => ({ ...r, port: this.free.shift()! }));
    const proxies = await this.toxiproxy.populate([
      ...peers.map((p) => ({ name: p.name, listen: `0.0.0.0:${p.listenPort}`, upstream: p.upstream })),
      ...dialled.map((r) => ({ name: r.name, listen: `0.0.0.0:${r.port}`, upstream: r.upstream })),
    ]);
    const made = (name: string): Proxy => {
      const proxy = proxies[name];
      if (!proxy) throw new Error(`the fault proxy's /populate answer lacks proxy "${name}"`);
      return proxy;
    };
    for (const p of peers) this.links.set(p.name, { name: p.name, upstream: p.upstream, port: p.listenPort, publishedPort: 0, proxy: made(p.name) });
    this.peers = [...this.peers, ...peers];
    return dialled.map((r) => {
      const link = { name: r.name, upstream: r.upstream, port: r.port, publishedPort: this.getMappedPort(r.port), proxy: made(r.name) };
      this.links.set(r.name, link);
      return link;
    });
  }

  /** How many active cuts hold each peer link down: overlapping partitions share links. */
  private readonly heldDown = new Map<string, number>();

  /** Disables these peer links (closing their listeners and live connections) until every holder releases them. */
  async holdPeersDown(names: readonly string[]): Promise<void> {
    const first = names.filter((n) => !this.heldDown.get(n));
    for (const n of names) this.heldDown.set(n, (this.heldDown.get(n) ?? 0) + 1);
    await Promise.all(first.map((n) => this.setEnabled(n, false)));
  }

  /** Releases one hold on each; re-enables those no other cut holds. Returns the names re-enabled. */
  async releasePeers(names: readonly string[]): Promise<string[]> {
    const reopen: string[] = [];
    for (const n of names) {
      const left = (this.heldDown.get(n) ?? 1) - 1;
      if (left > 0) this.heldDown.set(n, left);
      else {
        this.heldDown.delete(n);
        reopen.push(n);
      }
    }
    await Promise.all(reopen.map((n) => this.setEnabled(n, true)));
    return reopen;
  }

  private async setEnabled(name: string, enabled: boolean): Promise<void> {
    const link = this.link(name);
    const proxy = await link.proxy.update({ enabled, listen: `0.0.0.0:${link.port}`, upstream: link.upstream });
    this.links.set(name, { ...link, proxy });
  }

  link(name: string): ProxiedLink {
    const link = this.links.get(name);
    if (!link) throw new Error(`no proxied link "${name}"; links: ${[...this.links.keys()].join(', ') || '(none)'}`);
    return link;
  }
}
