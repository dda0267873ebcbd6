// A handle on one running relay node: domain verbs over its public endpoints and its process (pause,
// kill, restart, graceful stop), never raw Docker in the steps.
import type { StartedTestContainer } from 'testcontainers';
import type { TopologyNode } from '../../topologies';
import { NodeClient } from '../fabric/node-client';
import { docker } from './engine';
import { containerLogs } from './logs';

export const RELAY_HTTP_PORT = 8080;
export const RELAY_GOSSIP_PORT = 17421;

export class RelayNode {
  /** Replaced after a restart: the engine may publish the port anew. */
  client: NodeClient;
  /** Where scenario clients reach the node: through the fault proxy on a `clients → region` link, else direct. */
  private ingressUrl: string | undefined;

  constructor(
    readonly spec: TopologyNode,
    private readonly container: StartedTestContainer,
  ) {
    this.client = new NodeClient(`http://127.0.0.1:${container.getMappedPort(RELAY_HTTP_PORT)}`);
  }

  /** Routes scenario clients through `url` (the node's proxy on a `clients → region` link). */
  useIngress(url: string): void {
    this.ingressUrl = url;
  }

  /** The URL scenario clients call: the proxied ingress when the region's client link is proxied. */
  get ingress(): string {
    return this.ingressUrl ?? this.client.baseUrl;
  }

  // ── process faults ───────────────────────────────────────────────────────────────────────────────
  /** Freezes every process of the node (cgroup freezer): it neither runs nor answers, its sockets stay open. */
  async pause(): Promise<void> {
    await this.docker.pause();
  }

  async unpause(): Promise<void> {
    await this.docker.unpause();
  }

  /** SIGKILL: no drain, no release; leases expire. */
  async kill(): Promise<void> {
    await this.docker.kill({ signal: 'SIGKILL' });
  }

  /** SIGTERM without waiting: the node drains and releases its leases, then exits. */
  async terminate(): Promise<void> {
    await this.docker.kill({ signal: 'SIGTERM' });
  }

  /**
   * Starts a stopped or killed node again and re-reads its published port. A node still shutting down
   * (SIGTERM drains, bounded) is first given `exitWithinMs` to exit, then killed: starting a running
   * container does nothing, and the node would exit right after.
   */
  async start(exitWithinMs = 15_000): Promise<void> {
    if ((await this.state()) === 'running') {
      const exited = await Promise.race([this.docker.wait().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), exitWithinMs).unref())]);
      if (!exited) await this.kill().catch(() => undefined);
      await this.docker.wait();
    }
    await this.docker.start();
    const info = await this.docker.inspect();
    const port = info.NetworkSettings.Ports[`${RELAY_HTTP_PORT}/tcp`]?.[0]?.HostPort;
    if (!port) throw new Error(`${this.id} restarted without a published port for ${RELAY_HTTP_PORT}`);
    this.client = new NodeClient(`http://127.0.0.1:${port}`);
  }

  /** What the engine says the process is doing: running, paused, exited, … */
  async state(): Promise<string> {
    return (await this.docker.inspect()).State.Status;
  }

  private get docker() {
    return docker().getContainer(this.containerId);
  }

  get id(): string {
    return this.spec.id;
  }

  get region(): string {
    return this.spec.region;
  }

  get containerId(): string {
    return this.container.getId();
  }

  readiness() {
    return this.client.readiness();
  }

  introspect() {
    return this.client.introspect();
  }

  peers() {
    return this.client.peers();
  }

  leaders(scope?: string) {
    return this.client.leaders(scope);
  }

  call(procedure: string, body: unknown, headers?: Record<string, string>, timeoutMs?: number) {
    return this.client.call(procedure, body, headers, timeoutMs);
  }

  logs(): Promise<string> {
    return containerLogs(this.containerId);
  }
}

export class EtcdMember {
  constructor(
    readonly id: string,
    readonly region: string,
    private readonly container: StartedTestContainer,
  ) {}

  get clientUrl(): string {
    return `http://127.0.0.1:${this.container.getMappedPort(2379)}`;
  }

  get containerId(): string {
    return this.container.getId();
  }

  logs(): Promise<string> {
    return containerLogs(this.containerId);
  }
}
