// The World: owns the scenario's cluster, clock, history, faults and verdicts, and groups the domain
// verbs steps call by noun (processes, leadership, promotion, network, clients, shards, backpressure,
// …). Each noun gets the scenario context and only the siblings it uses, so the constructor is the whole
// dependency graph; no noun imports the World. Steps stay one line; the work happens in
// support/scenario/ and below.
import { setWorldConstructor, World, type IWorldOptions } from '@cucumber/cucumber';
import { topologyByName, validateTopology, type ShardSettings, type Timers } from '../topologies';
import { Cluster, ClusterStartError } from './cluster/cluster';
import type { RelayNode } from './cluster/relay-node';
import type { Views } from './checks/cluster-views';
import { attachJson, attachText } from './evidence/attach';
import { renderTimeline } from './evidence/timeline-svg';
import { clientOps, OpHistory, ScenarioClock } from './checks/history';
import { elections, leaseSegments } from './checks/leadership-history';
import { FaultLog } from './chaos/faults';
import { LeadershipWatch } from './fabric/leadership-watch';
import type { LeadersView, PeersView } from './fabric/contract';
import { suite } from './suite';
import type { ScenarioContext } from './scenario/context';
import type { ClusterNodes } from './scenario/nodes';
import { Verdicts } from './scenario/verdicts';
import { ProcessFaults } from './scenario/nouns/processes';
import { Rollouts } from './scenario/nouns/rollouts';
import { Leadership } from './scenario/nouns/leadership';
import { ClockFaults } from './scenario/nouns/clocks';
import { Members } from './scenario/nouns/members';
import { PromotionVerbs } from './scenario/nouns/promotion';
import { NetworkChaos } from './scenario/nouns/network';
import { ClientVerbs } from './scenario/nouns/clients';
import { ShardMap } from './scenario/nouns/shard-map';
import { ShardMoves } from './scenario/nouns/shard-moves';
import { ShardFaults } from './scenario/nouns/shard-faults';
import { ShardData } from './scenario/nouns/shard-data';
import { Entities } from './scenario/nouns/entities';
import { DurableTimers } from './scenario/nouns/timers';
import { DurableWorkflows } from './scenario/nouns/workflows';
import { EntityCalls } from './scenario/nouns/entity-calls';
import { SingletonTask } from './scenario/nouns/singleton';
import { LinkFaults } from './scenario/nouns/links';
import { GeoClients } from './scenario/nouns/geo';
import { TelemetryVerbs } from './scenario/nouns/telemetry';
import { ChaosSchedule } from './scenario/nouns/chaos';
import { CertificateFaults } from './scenario/nouns/certificates';
import { BackpressureVerbs } from './scenario/nouns/backpressure';
import { ClusterHealth } from './scenario/nouns/cluster-health';
import { MembershipSurges } from './scenario/nouns/surges';

export { CheckerError } from './checks/checker-error';

export class HyperscaleWorld extends World implements ClusterNodes {
  /** Set by the Before hook: unique within the run, used in container names and labels. */
  scenarioId = 'unset';
  scenarioName = 'unset';
  /** The scenario's clock: every recorded time (ops, leadership, faults) is on it. */
  readonly clock = new ScenarioClock();
  readonly history = new OpHistory(this.clock);
  readonly faults = new FaultLog(this.history);
  readonly verdicts = new Verdicts(this.clock, this);

  // The nouns steps call, each built with the context and only the siblings it uses: this is the
  // scenario layer's whole dependency graph.
  readonly health: ClusterHealth;
  readonly processes: ProcessFaults;
  readonly rollouts: Rollouts;
  readonly leadership: Leadership;
  /** Member phrases ("the global leader", "the owner of shard-07") as node ids: the one resolver. */
  readonly members: Members;
  readonly promotion: PromotionVerbs;
  readonly network: NetworkChaos;
  readonly clients: ClientVerbs;
  readonly shardMap: ShardMap;
  readonly shardMoves: ShardMoves;
  readonly shardFaults: ShardFaults;
  readonly shardData: ShardData;
  readonly entities: Entities;
  readonly timers: DurableTimers;
  readonly workflows: DurableWorkflows;
  readonly entityCalls: EntityCalls;
  readonly singleton: SingletonTask;
  readonly links: LinkFaults;
  readonly geo: GeoClients;
  readonly telemetry: TelemetryVerbs;
  readonly clocks: ClockFaults;
  readonly chaos: ChaosSchedule;
  readonly certificates: CertificateFaults;
  readonly backpressure: BackpressureVerbs;
  readonly surges: MembershipSurges;

  private running: Cluster | undefined;
  private watch: LeadershipWatch | undefined;
  /** What the scenario started (the cluster first, then watchers, clients, scrapers), released in reverse. */
  private resources = new AsyncDisposableStack();

  constructor(options: IWorldOptions) {
    super(options);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the context's getter reads the name the Before hook sets later
    const world = this;
    const ctx: ScenarioContext = {
      clock: this.clock,
      history: this.history,
      faults: this.faults,
      verdicts: this.verdicts,
      evidence: this,
      log: (text) => this.log(text),
      defer: (cleanup) => void this.resources.defer(cleanup),
      get scenarioName() {
        return world.scenarioName;
      },
    };
    this.health = new ClusterHealth(ctx, this);
    this.processes = new ProcessFaults(ctx, this);
    this.leadership = new Leadership(ctx, this, this.processes);
    this.promotion = new PromotionVerbs(ctx, this, this.processes, this.leadership);
    this.shardMap = new ShardMap(ctx, this);
    this.members = new Members(this, this.leadership, this.shardMap);
    this.network = new NetworkChaos(ctx, this, this.processes, this.leadership, this.members);
    this.rollouts = new Rollouts(ctx, this, this.processes, this.health, this.members);
    this.clients = new ClientVerbs(ctx, this, this.shardMap);
    this.shardMoves = new ShardMoves(ctx, this, this.shardMap, this.network, this.clients);
    this.shardFaults = new ShardFaults(ctx, this, this.shardMap, this.processes, this.network);
    this.shardData = new ShardData(ctx, this, this.shardMap, this.shardMoves, this.shardFaults, this.network);
    this.entities = new Entities(ctx, this, this.shardMap);
    this.timers = new DurableTimers(ctx, this);
    this.workflows = new DurableWorkflows(ctx, this);
    this.entityCalls = new EntityCalls(ctx, this);
    this.singleton = new SingletonTask(ctx, this, this.network, this.processes);
    this.links = new LinkFaults(ctx, this);
    this.geo = new GeoClients(ctx, this, this.clients);
    this.telemetry = new TelemetryVerbs(ctx, this, this.processes, this.leadership, this.members);
    this.clocks = new ClockFaults(ctx, this);
    this.surges = new MembershipSurges(ctx, this);
    this.chaos = new ChaosSchedule(ctx, this.processes, this.links, this.network, this.members, this.clocks, this.surges);
    this.certificates = new CertificateFaults(ctx, this);
    this.backpressure = new BackpressureVerbs(ctx, this, this.clients, this.leadership);
  }

  get cluster(): Cluster {
    if (!this.running) throw new Error('No topology is running. Start one first, e.g. `Given the "GlobalLeaderWithTwoRegions" topology is running`.');
    return this.running;
  }

  get hasCluster(): boolean {
    return this.running !== undefined;
  }

  // ── topology ──────────────────────────────────────────────────────────────────────────────────────
  async startTopology(name: string = suite().settings.defaultTopology, timers: Partial<Timers> = {}, shards: Partial<ShardSettings> = {}): Promise<void> {
    const named = topologyByName(name);
    const changed = Object.keys(timers).length + Object.keys(shards).length > 0;
    const topology = changed
      ? validateTopology(
          { ...named, timers: { ...named.timers, ...timers }, shards: { ...named.shards, ...shards } },
          `topology "${name}" with the scenario's settings`,
        )
      : named;
    await attachJson(this, `topology-${topology.name}`, topology);
    const { settings, containers } = suite();
    if (!containers) throw new Error('containers are disabled (OMNIRELAY_HYPERSCALE_CONTAINERS=false)');
    const cluster = await Cluster.start({
      topology,
      images: containers.images,
      scenarioId: this.scenarioId,
      ca: containers.ca,
      readyTimeoutMs: settings.readyTimeoutMs,
      defect: settings.defect ? { name: settings.defect } : undefined,
      // Removal runs behind the next scenario; AfterAll drains the reaper.
      teardown: 'background',
    }).catch(async (error: unknown) => {
      if (error instanceof ClusterStartError) {
        for (const [id, text] of Object.entries(error.logs)) await attachText(this, `log-${id}`, text);
      }
      throw error;
    });
    this.running = this.resources.use(cluster);
    const watch = (this.watch = new LeadershipWatch(this.cluster.relayNodes, this.clock));
    this.resources.defer(() => watch.stop());
    watch.start();
    this.log(
      `topology ${topology.name} ready in ${this.running.startupMs} ms (${this.cluster.relayNodes.length} relay nodes, ${this.cluster.etcd.length} etcd members)`,
    );
  }

  /** Releases everything the scenario started, the cluster last; every release runs even if one fails. */
  async stopTopology(): Promise<void> {
    const resources = this.resources;
    this.resources = new AsyncDisposableStack();
    this.running = undefined;
    await resources.disposeAsync();
  }

  /** Every node's leadership, streamed and polled for the scenario's life. */
  get leadershipWatch(): LeadershipWatch {
    if (!this.watch) throw new Error('leadership is not being watched: no topology is running');
    return this.watch;
  }

  /** The scenario's picture: client operations, leases and elections, fault windows, verdicts. */
  timelineSvg(): string {
    const observations = this.watch?.observations ?? [];
    return renderTimeline({
      title: this.scenarioName,
      endMs: this.clock.nowMs(),
      ops: clientOps(this.history.ops),
      leases: leaseSegments(observations),
      elections: elections(observations),
      faults: this.faults.all,
      verdicts: this.verdicts.all,
    });
  }

  // ── observations ─────────────────────────────────────────────────────────────────────────────────
  /** Asks every relay node the same question in parallel; the answers keyed by node id. */
  async askEveryNode<T>(question: (node: RelayNode) => Promise<T>, nodes: readonly RelayNode[] = this.cluster.relayNodes): Promise<Views<T>> {
    const answers = await Promise.all(nodes.map(question));
    return new Map(nodes.map((n, i) => [n.id, answers[i]!]));
  }

  /** The relay nodes not crashed, stopped or paused right now. */
  liveNodes(): RelayNode[] {
    const down = this.processes.heldDown();
    return this.cluster.relayNodes.filter((n) => !down.has(n.id));
  }

  leaderViews(): Promise<Views<LeadersView>> {
    return this.askEveryNode((n) => n.leaders());
  }

  peerViews(): Promise<Views<PeersView>> {
    return this.askEveryNode((n) => n.peers());
  }
}

setWorldConstructor(HyperscaleWorld);
