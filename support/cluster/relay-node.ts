// A handle on one running relay node, in testcontainers' started-module shape: every verb of the
// OmniRelay contract (and our extensions) over its public endpoints, and its process (pause, kill,
// restart, graceful stop). Nouns call these verbs; the HTTP client and Docker stay inside.
import { publishedUrl } from './engine-host';
import { AbstractStartedContainer, type StartedTestContainer } from 'testcontainers';
import type { Topology, TopologyNode } from '../../topologies';
import { NodeClient } from '../fabric/node-client';
import { SuiteContainer } from './container';
import { docker } from './engine';
import { containerLogs } from './logs';
import { RELAY_HTTP_PORT } from './ports';
import { relayNodeEnv, type RelayNodeEnvOptions } from './specs';

export { RELAY_GOSSIP_PORT, RELAY_HTTP_PORT } from './ports';

/** A relay node of a topology, as a testcontainers module; its environment is filled from the topology at start. */
export class RelayNodeContainer extends SuiteContainer {
  private options: RelayNodeEnvOptions = { bootstrapUrl: '', bootstrapToken: '' };

  constructor(
    image: string,
    private readonly topology: Topology,
    private readonly spec: TopologyNode,
  ) {
    super(image);
    this.readyWhenOk('/readyz', RELAY_HTTP_PORT, `relay node ${spec.id}`);
  }

  /** Where the node enrolls for its certificate, and the cluster's enrollment token. */
  withBootstrap(url: string, token: string): this {
    this.options = { ...this.options, bootstrapUrl: url, bootstrapToken: token };
    return this;
  }

  /** A seeded defect (RELAY_DEFECT), if it applies to this node. */
  withDefect(defect: RelayNodeEnvOptions['defect']): this {
    this.options = { ...this.options, ...(defect ? { defect } : {}) };
    return this;
  }

  /** Where the node exports its spans (OTLP/HTTP). */
  withTelemetry(otlpEndpoint: string): this {
    this.options = { ...this.options, otlpEndpoint };
    return this;
  }

  override async start(): Promise<RelayNode> {
    if (!this.options.bootstrapUrl) throw new Error(`relay node ${this.spec.id}: withBootstrap(url, token) first; a node cannot enroll without it`);
    this.withEnvironment(relayNodeEnv(this.topology, this.spec, this.options));
    return new RelayNode(this.spec, await super.start());
  }
}

export class RelayNode extends AbstractStartedContainer {
  /** Replaced after a restart: the engine may publish the port anew. */
  private client: NodeClient;
  /** Where scenario clients reach the node: through the fault proxy on a `clients → region` link, else direct. */
  private ingressUrl: string | undefined;

  constructor(
    readonly spec: TopologyNode,
    started: StartedTestContainer,
  ) {
    super(started);
    this.client = new NodeClient(publishedUrl(started.getMappedPort(RELAY_HTTP_PORT)));
  }

  /** Routes scenario clients through `url` (the node's proxy on a `clients → region` link). */
  useIngress(url: string): void {
    this.ingressUrl = url;
  }

  /** The URL scenario clients call: the proxied ingress when the region's client link is proxied. */
  get ingress(): string {
    return this.ingressUrl ?? this.url;
  }

  /** The node's HTTP port as published on 127.0.0.1, never through a proxy (changes after a restart). */
  get url(): string {
    return this.client.baseUrl;
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
      const abortSignal = AbortSignal.timeout(exitWithinMs);
      const exited = await this.docker.wait({ abortSignal }).then(
        () => true,
        (error: unknown) => {
          if (abortSignal.aborted) return false;
          throw error;
        },
      );
      if (!exited) await this.kill().catch(() => undefined);
      await this.docker.wait();
    }
    await this.docker.start();
    const info = await this.docker.inspect();
    const port = info.NetworkSettings.Ports[`${RELAY_HTTP_PORT}/tcp`]?.[0]?.HostPort;
    if (!port) throw new Error(`${this.id} restarted without a published port for ${RELAY_HTTP_PORT}`);
    this.client = new NodeClient(publishedUrl(port));
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
    return this.getId();
  }

  // ── the contract: health, membership, leadership ─────────────────────────────────────────────────
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

  promote(scope: string) {
    return this.client.promote(scope);
  }

  // ── shards ───────────────────────────────────────────────────────────────────────────────────────
  shards(namespace?: string) {
    return this.client.shards(namespace);
  }

  shardLoad() {
    return this.client.shardLoad();
  }

  shardCopy(shardId: string) {
    return this.client.shardCopy(shardId);
  }

  /** Whether this node runs the cluster singleton task now (feature:mesh-singleton). */
  singletonStatus() {
    return this.client.singleton();
  }

  shardDiff(fromVersion: number, toVersion?: number) {
    return this.client.shardDiff(fromVersion, toVersion);
  }

  rebalance(shardId: string, to?: string) {
    return this.client.rebalance(shardId, to);
  }

  /** Every key-value entity of `shardId` held here leaves memory (feature:mesh-entity-traits). */
  evictEntities(shardId: string) {
    return this.client.evict(shardId);
  }

  // ── operations: drain, pressure, metrics, chaos hooks ────────────────────────────────────────────
  drain(reason: string) {
    return this.client.drain(reason);
  }

  resume() {
    return this.client.resume();
  }

  upgrade() {
    return this.client.upgrade();
  }

  pressure() {
    return this.client.pressure();
  }

  metrics() {
    return this.client.metrics();
  }

  /** relay-node's chaos hooks (`POST /omnirelay/control/chaos/<name>:start|stop`, the body the hook's parameters). */
  chaos(name: string, action: 'start' | 'stop', params?: Record<string, unknown>) {
    return this.client.chaos(name, action, params);
  }

  // ── the data plane ──────────────────────────────────────────────────────────────────────────────
  call(procedure: string, body: unknown, headers?: Record<string, string>, timeoutMs?: number) {
    return this.client.call(procedure, body, headers, timeoutMs);
  }

  /** The node's log as text (the evidence attached when a scenario fails). */
  logText(): Promise<string> {
    return containerLogs(this.containerId);
  }
}
