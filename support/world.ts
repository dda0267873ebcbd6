// The World: owns the scenario's cluster and evidence, and offers the domain verbs steps call.
// Steps stay one line; the work happens here and in support/.
import { setWorldConstructor, World, type IWorldOptions } from '@cucumber/cucumber';
import { expect } from 'chai';
import { topologyByName } from '../topologies';
import { Cluster, ClusterStartError } from './cluster/cluster';
import type { RelayNode } from './cluster/relay-node';
import {
  agreedLeaders,
  eligibilityProblems,
  leadershipAgreementProblems,
  leadershipComparison,
  membershipComparison,
  membershipProblems,
  type Views,
} from './checks/cluster-views';
import { eventually, judge } from './checks/eventually';
import { attachJson, attachText } from './evidence/attach';
import { renderTimeline, type FaultWindow } from './evidence/timeline-svg';
import { OpHistory, ScenarioClock } from './checks/history';
import { elections, leaseSegments, observationFrom, type LeadershipObservation } from './checks/leadership-history';
import { streamLeadership } from './fabric/leadership-stream';
import type { LeadersView, PeersView } from './fabric/contract';
import type { Duration } from './parameter-types';
import { suite } from './suite';

export class HyperscaleWorld extends World {
  /** Set by the Before hook: unique within the run, used in container names and labels. */
  scenarioId = 'unset';
  scenarioName = 'unset';
  /** The scenario's clock: every recorded time (ops, leadership, faults) is on it. */
  readonly clock = new ScenarioClock();
  readonly history = new OpHistory(this.clock);
  readonly leadership: LeadershipObservation[] = [];
  readonly faults: FaultWindow[] = [];
  private running: Cluster | undefined;
  private observing: AbortController | undefined;

  constructor(options: IWorldOptions) {
    super(options);
  }

  get cluster(): Cluster {
    if (!this.running) throw new Error('No topology is running. Start one first, e.g. `Given the "GlobalLeaderWithTwoRegions" topology is running`.');
    return this.running;
  }

  get hasCluster(): boolean {
    return this.running !== undefined;
  }

  // ── topology ──────────────────────────────────────────────────────────────────────────────────────
  async startTopology(name: string = suite().settings.defaultTopology): Promise<void> {
    const topology = topologyByName(name);
    await attachJson(this, `topology-${topology.name}`, topology);
    const { settings, containers } = suite();
    if (!containers) throw new Error('containers are disabled (OMNIRELAY_HYPERSCALE_CONTAINERS=false)');
    this.running = await Cluster.start({
      topology,
      images: containers.images,
      scenarioId: this.scenarioId,
      ca: containers.ca,
      readyTimeoutMs: settings.readyTimeoutMs,
      defect: settings.defect ? { name: settings.defect } : undefined,
    }).catch(async (error: unknown) => {
      if (error instanceof ClusterStartError) {
        for (const [id, text] of Object.entries(error.logs)) await attachText(this, `log-${id}`, text);
      }
      throw error;
    });
    this.observeLeadership();
    this.log(`topology ${topology.name} ready in ${this.running.startupMs} ms (${this.cluster.relayNodes.length} relay nodes, ${this.cluster.etcd.length} etcd members)`);
  }

  async stopTopology(): Promise<void> {
    this.observing?.abort();
    const cluster = this.running;
    this.running = undefined;
    await cluster?.stop();
  }

  /** Streams every node's leadership events into the scenario's observations until teardown. */
  private observeLeadership(): void {
    this.observing = new AbortController();
    for (const node of this.cluster.relayNodes) {
      void streamLeadership(
        node.client.baseUrl,
        (event) => this.leadership.push(observationFrom(node.id, event, (wall) => this.clock.fromWall(wall))),
        this.observing.signal,
      );
    }
  }

  /** The scenario's picture: client operations, leases and elections, fault windows. */
  timelineSvg(): string {
    return renderTimeline({
      title: this.scenarioName,
      endMs: this.clock.nowMs(),
      ops: this.history.ops,
      leases: leaseSegments(this.leadership),
      elections: elections(this.leadership),
      faults: this.faults,
    });
  }

  // ── observations ─────────────────────────────────────────────────────────────────────────────────
  /** Asks every relay node the same question in parallel; the answers keyed by node id. */
  async askEveryNode<T>(question: (node: RelayNode) => Promise<T>): Promise<Views<T>> {
    const nodes = this.cluster.relayNodes;
    const answers = await Promise.all(nodes.map(question));
    return new Map(nodes.map((n, i) => [n.id, answers[i]!]));
  }

  leaderViews(): Promise<Views<LeadersView>> {
    return this.askEveryNode((n) => n.leaders());
  }

  peerViews(): Promise<Views<PeersView>> {
    return this.askEveryNode((n) => n.peers());
  }

  // ── expectations ─────────────────────────────────────────────────────────────────────────────────
  async expectEveryNodeReady(): Promise<void> {
    const views = await this.askEveryNode((n) => n.readiness());
    const problems = [...views].flatMap(([id, r]) => (r.status === 200 ? [] : [`${id}: /readyz ${r.status} ${JSON.stringify(r.body.issues)}`]));
    expect(problems, 'nodes not ready').to.deep.equal([]);
  }

  async expectLeadershipAgreed(within: Duration): Promise<void> {
    const topology = this.cluster.topology;
    const views = await eventually(
      'every node reports one leader per declared scope, the same in every view',
      () => this.leaderViews(),
      (v) => judge(leadershipAgreementProblems(topology, v), leadershipComparison(topology, v)),
      { timeoutMs: within.ms },
    ).finally(async () => attachJson(this, 'leaders-by-node', Object.fromEntries(await this.leaderViews().catch(() => new Map()))));
    this.log(`leaders: ${JSON.stringify(agreedLeaders(topology, views))}`);
  }

  async expectLeadersEligible(): Promise<void> {
    const problems = eligibilityProblems(this.cluster.topology, await this.leaderViews());
    expect(problems, 'leases held by nodes not declared eligible').to.deep.equal([]);
  }

  async expectMembershipConverged(within: Duration): Promise<void> {
    const topology = this.cluster.topology;
    await eventually(
      'every node sees every other node Alive with its declared role and region',
      () => this.peerViews(),
      (v) => judge(membershipProblems(topology, v), membershipComparison(topology, v)),
      { timeoutMs: within.ms },
    ).finally(async () => attachJson(this, 'peers-by-node', Object.fromEntries(await this.peerViews().catch(() => new Map()))));
  }

  /** Sends `procedure` to every node with a unique payload: each must answer it itself, intact. */
  async expectEveryNodeAnswersItself(procedure: string): Promise<void> {
    const answers = await this.askEveryNode(async (node) => {
      const payload = { probe: `${node.id}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}` };
      const response = await this.history.record({ process: `client→${node.id}`, f: procedure, target: node.id, value: payload }, () => node.call(procedure, payload), (r) =>
        r.status === 200 ? { outcome: 'ok', result: r.body } : { outcome: 'fail', error: `HTTP ${r.status} ${r.rpcStatus ?? ''}`.trim() },
      );
      return { sent: payload, response };
    });
    await attachJson(this, `rpc-${procedure}-by-node`, Object.fromEntries(answers));
    const problems = [...answers].flatMap(([id, { sent, response }]) => {
      const p: string[] = [];
      if (response.status !== 200) p.push(`${id}: HTTP ${response.status} ${response.rpcStatus ?? ''} ${JSON.stringify(response.body)}`);
      else if (JSON.stringify(response.body) !== JSON.stringify(sent)) p.push(`${id}: answered ${JSON.stringify(response.body)}, sent ${JSON.stringify(sent)}`);
      if (response.answeredBy !== id) p.push(`${id}: the call was answered by ${response.answeredBy ?? '(no node header)'}`);
      return p;
    });
    expect(problems, `${procedure} calls not answered by the node they were sent to`).to.deep.equal([]);
  }
}

setWorldConstructor(HyperscaleWorld);
