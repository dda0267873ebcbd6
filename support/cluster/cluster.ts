// The cluster fixture: starts a topology as containers on its own network (etcd members and relay
// nodes in parallel), waits for each through its readiness endpoint, and hands back typed handles.
// The cluster is async-disposable: what it started is kept on a disposable stack, and disposing it
// (or a failed start) removes the scenario's containers and network by label, so nothing a half-started
// cluster left survives either.
import { addressToward, engineHost, isLoopback, publishedUrl } from './engine-host';
import type { Topology, TopologyNode } from '../../topologies';
import { BootstrapServer, type CertificateAuthority } from '../tls';
import { type ScenarioScope } from './container';
import { EtcdContainer, type EtcdMember } from './etcd';
import type { SuiteImages } from './images/recipes';
import { LABEL, RUN, runLabels } from './labels';
import { createNetwork, type ScenarioNetwork } from './network';
import { ReadinessError } from './readiness';
import { RelayNodeContainer, type RelayNode } from './relay-node';
import { removeScenario } from './teardown';
import { reaper } from './reaper';
import { containerLogs } from './logs';
import { assertEngineNotWedged, docker } from './engine';
import { FaultProxyContainer, type FaultProxy } from './fault-proxy';
import { clientLinkName, PROXY_ALIAS, planClientLinks, planPeerLinks } from './peer-links';
import { OTLP_ALIAS, OTLP_ENDPOINT, OtlpReceiverContainer, type TelemetryReceiver } from './otlp-receiver';

export interface ClusterOptions {
  readonly topology: Topology;
  readonly images: SuiteImages;
  /** Unique per scenario within the run; becomes the scenario label and part of every name. */
  readonly scenarioId: string;
  readonly ca: CertificateAuthority;
  readonly readyTimeoutMs: number;
  /** Seeded defect(s) for relay nodes (RELAY_DEFECT), and on which nodes (default: all). */
  readonly defect?: { readonly name: string; readonly nodes?: readonly string[] };
  readonly log?: (line: string) => void;
  /**
   * `inline` (default): stop() returns once every container and the network are removed. `background`:
   * stop() freezes the containers and hands them to the run's reaper (reaper.ts), which removes them
   * behind the next scenario; whoever chooses it must drain the reaper before the process ends.
   */
  readonly teardown?: 'inline' | 'background';
}

export class ClusterStartError extends Error {
  override name = 'ClusterStartError';
  constructor(
    message: string,
    /** Logs of every container the failed start created, by container name: the evidence. */
    readonly logs: Record<string, string>,
  ) {
    super(message);
  }
}

export class Cluster implements AsyncDisposable {
  private constructor(
    readonly topology: Topology,
    readonly scenarioId: string,
    readonly network: ScenarioNetwork,
    readonly bootstrap: BootstrapServer,
    readonly nodes: ReadonlyMap<string, RelayNode>,
    readonly etcd: readonly EtcdMember[],
    /** Wall-clock milliseconds from the first container request until every node answered ready. */
    readonly startupMs: number,
    /** Present when the topology routes links through the fault proxy. */
    readonly proxy: FaultProxy | undefined,
    /** The scenario's OTLP trace receiver, which every relay node exports its spans to. */
    readonly telemetry: TelemetryReceiver,
    /** What the start acquired, released in reverse order. */
    private readonly resources: AsyncDisposableStack,
    /** Starts one more relay node on the scenario network, enrolled and configured like the declared ones. */
    private readonly startNode: (spec: TopologyNode) => Promise<RelayNode>,
  ) {}

  static async start(opts: ClusterOptions): Promise<Cluster> {
    const { topology, scenarioId } = opts;
    assertEngineNotWedged();
    const started = Date.now();
    const resources = new AsyncDisposableStack();
    // Registered first, so released last: the scenario's containers and network, by label (see teardown.ts).
    resources.defer(async () => void (await (opts.teardown === 'background' ? reaper.hand(scenarioId) : removeScenario(scenarioId))));
    try {
      const labels = runLabels({ [LABEL.scenario]: scenarioId, [LABEL.topology]: topology.name });
      const network = await createNetwork(`ohs-${RUN.id}-${scenarioId}`, labels);
      const { server: bootstrap, url: bootstrapAt } = await startBootstrap(opts.ca, network);
      resources.defer(() => bootstrap.stop());
      const scope: ScenarioScope = { scenarioId, network, labels, readyTimeoutMs: opts.readyTimeoutMs };

      const etcdStarts = topology.etcd.map((m) => new EtcdContainer(opts.images.etcd.ref, topology, m, scenarioId).inScenario(scope, m.id).start());
      const startNode = (n: TopologyNode) =>
        new RelayNodeContainer(opts.images.relayNode.ref, topology, n)
          .withBootstrap(bootstrapAt, bootstrap.clusterToken ?? '')
          .withDefect(opts.defect)
          .withTelemetry(OTLP_ENDPOINT)
          .inScenario(scope, n.id)
          .start();
      const nodeStarts = topology.nodes.map(startNode);
      const telemetryStart = new OtlpReceiverContainer(opts.images.otlpReceiver.ref).inScenario(scope, OTLP_ALIAS).start();
      // Every path is routed as soon as the proxy answers, while the nodes start: the nodes, told at start
      // to dial their peer paths, retry until then; client paths need only the nodes' names.
      const proxyStart =
        topology.links.length > 0
          ? new FaultProxyContainer(opts.images.faultProxy, clientRoutes(topology))
              .inScenario(scope, PROXY_ALIAS)
              .start()
              .then(async (proxy) => {
                await proxy.populate(planPeerLinks(topology), planClientLinks(topology));
                return proxy;
              })
          : undefined;
      const [results, proxyResult, telemetryResult] = await Promise.all([
        Promise.allSettled<EtcdMember | RelayNode>([...etcdStarts, ...nodeStarts]),
        proxyStart ? Promise.allSettled([proxyStart]).then(([r]) => r) : undefined,
        Promise.allSettled([telemetryStart]).then(([r]) => r!),
      ]);
      const ids = [...topology.etcd, ...topology.nodes].map((m) => m.id); // in the order they were started
      const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`${ids[i]}: ${(r.reason as Error).message}`] : []));
      if (proxyResult?.status === 'rejected') failures.push(`fault-proxy: ${(proxyResult.reason as Error).message}`);
      if (telemetryResult.status === 'rejected') failures.push(`${OTLP_ALIAS}: ${(telemetryResult.reason as Error).message}`);
      if (failures.length > 0) {
        const logs = await scenarioLogs(scenarioId);
        // Containers whose wait failed are already removed by testcontainers; their evidence rode on the error.
        results.forEach((r, i) => {
          if (r.status === 'rejected' && r.reason instanceof ReadinessError) logs[ids[i]!] = r.reason.evidence;
        });
        throw new ClusterStartError(`topology "${topology.name}" did not become ready:\n${failures.join('\n')}`, logs);
      }
      const etcd = results.slice(0, topology.etcd.length).map((r) => (r as PromiseFulfilledResult<EtcdMember>).value);
      const nodes = results.slice(topology.etcd.length).map((r) => (r as PromiseFulfilledResult<RelayNode>).value);
      const proxy = proxyResult?.status === 'fulfilled' ? proxyResult.value : undefined;
      if (proxy) for (const node of nodes) useClientLink(node, proxy);
      const telemetry = (telemetryResult as PromiseFulfilledResult<TelemetryReceiver>).value;
      return new Cluster(
        topology,
        scenarioId,
        network,
        bootstrap,
        new Map(nodes.map((n) => [n.id, n])),
        etcd,
        Date.now() - started,
        proxy,
        telemetry,
        resources.move(),
        startNode,
      );
    } catch (error) {
      // A half-started cluster leaves nothing behind; the start's own error is the one worth reading.
      await resources.disposeAsync().catch(() => undefined);
      throw error;
    }
  }

  /**
   * A relay node the topology does not declare (a membership surge): started on the scenario network with
   * the cluster's CA, defect and telemetry, and removed with the scenario like the others. It is not one of
   * `relayNodes`: views, checks and faults keep to the declared nodes.
   */
  join(spec: TopologyNode): Promise<RelayNode> {
    if (this.topology.nodes.some((n) => n.id === spec.id))
      throw new Error(`node "${spec.id}" is declared by topology "${this.topology.name}"; a joining node needs a new id`);
    return this.startNode(spec);
  }

  node(id: string): RelayNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no node "${id}" in topology "${this.topology.name}"; nodes: ${[...this.nodes.keys()].join(', ')}`);
    return node;
  }

  get relayNodes(): RelayNode[] {
    return [...this.nodes.values()];
  }

  /** The relay nodes of `region`; an error naming the topology's regions when it has none there. */
  relayNodesIn(region: string): RelayNode[] {
    const nodes = this.relayNodes.filter((n) => n.region === region);
    if (nodes.length === 0)
      throw new Error(
        `no relay node in region "${region}" in topology "${this.topology.name}"; regions: ${[...new Set(this.relayNodes.map((n) => n.region))].join(', ')}`,
      );
    return nodes;
  }

  /** Every container's log, by id: attached to the report when a scenario fails. */
  async logs(): Promise<Record<string, string>> {
    const all = [...this.relayNodes, ...this.etcd];
    const texts = await Promise.all(all.map((c) => c.logText().catch((e: Error) => `(logs unavailable: ${e.message})`)));
    return Object.fromEntries(all.map((c, i) => [c.id, texts[i]!]));
  }

  /** Stops the CA's endpoint and removes the scenario's containers and network (idempotent). */
  async stop(): Promise<void> {
    await this.resources.disposeAsync();
  }

  /** `await using cluster = await Cluster.start(…)` stops it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * The CA's enrollment endpoint, bound to the network's gateway so that only this scenario's containers
 * reach it. Where the gateway is not an address of this machine (Docker Desktop's VM, an engine on
 * another host) it listens on every interface, and nodes reach it at this machine's address on the route
 * to the engine host, or at Docker Desktop's host.docker.internal for a local engine. Enrolment needs the
 * cluster's token either way.
 */
async function startBootstrap(ca: CertificateAuthority, network: ScenarioNetwork): Promise<{ server: BootstrapServer; url: string }> {
  try {
    const server = await BootstrapServer.start(ca, { host: network.gateway });
    return { server, url: `http://${network.gateway}:${server.port}` };
  } catch {
    const server = await BootstrapServer.start(ca, { host: '0.0.0.0' });
    const here = isLoopback(engineHost()) ? 'host.docker.internal' : await addressToward(engineHost());
    return { server, url: `http://${here}:${server.port}` };
  }
}

function useClientLink(node: RelayNode, proxy: FaultProxy): void {
  const link = proxy.links.get(clientLinkName(node.id));
  if (link) node.useIngress(publishedUrl(link.publishedPort));
}

/** How many client links the fixture routes: one per node of each region clients reach through the proxy. */
export function clientRoutes(topology: Topology): number {
  return planClientLinks(topology).length;
}

export { clientLinkName };

/** Logs of every container labelled with the scenario, running or not. */
async function scenarioLogs(scenarioId: string): Promise<Record<string, string>> {
  const containers = await docker().listContainers({ all: true, filters: { label: [`${LABEL.run}=${RUN.id}`, `${LABEL.scenario}=${scenarioId}`] } });
  const entries = await Promise.all(
    containers.map(async (c) => {
      const text = await containerLogs(c.Id).catch((e: Error) => `(logs unavailable: ${e.message})`);
      return [c.Labels[LABEL.node] ?? c.Names[0] ?? c.Id, `state: ${c.State} (${c.Status})\n${text}`] as const;
    }),
  );
  return Object.fromEntries(entries);
}
