// The World: owns the scenario's cluster and evidence, and offers the domain verbs steps call.
// Steps stay one line; the work happens here and in support/.
import { setWorldConstructor, World, type IWorldOptions } from '@cucumber/cucumber';
import { expect } from 'chai';
import { topologyByName, validateTopology, type Timers } from '../topologies';
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
import { renderTimeline } from './evidence/timeline-svg';
import { OpHistory, ScenarioClock } from './checks/history';
import { elections, leaseSegments } from './checks/leadership-history';
import { electionWindowProblems, leasesSeen, monotonicityProblems, splitBrainProblems, type Verdict } from './checks/leadership-checkers';
import { FaultLog, type ActiveFault } from './chaos/faults';
import { LeadershipWatch } from './fabric/leadership-watch';
import { BackgroundClients } from './fabric/clients';
import { NetworkFaults, type Partition } from './chaos/network';
import { resolveGroups, type GroupRow } from './tables';
import { uniqueIdsProblems } from './checks/unique-ids';
import { parsePrometheus, sumOf } from './checks/prometheus';
import { matchGolden } from './evidence/golden';
import { normaliseFailover } from './checks/failover-outcome';
import type { LeadersView, PeersView, Promotion } from './fabric/contract';
import { Duration } from './parameter-types';
import { suite } from './suite';

export class HyperscaleWorld extends World {
  /** Set by the Before hook: unique within the run, used in container names and labels. */
  scenarioId = 'unset';
  scenarioName = 'unset';
  /** The scenario's clock: every recorded time (ops, leadership, faults) is on it. */
  readonly clock = new ScenarioClock();
  readonly history = new OpHistory(this.clock);
  readonly faults = new FaultLog(this.clock);
  readonly verdicts: Verdict[] = [];
  private running: Cluster | undefined;
  private watch: LeadershipWatch | undefined;
  /** Faults still open per node (a crash stays open until the node is restarted). */
  private readonly crashed = new Map<string, ActiveFault>();
  /** Leaders a fault step took down, so that "a new leader" means a different one. */
  private readonly deposed = new Map<string, string[]>();
  private clients: BackgroundClients | undefined;
  private initialLeaders: Record<string, string> | undefined;
  private promotion: (Promotion & { candidate: string }) | undefined;
  private readonly servedBy: string[] = [];
  private steppedDown = false;
  private networkFaults: NetworkFaults | undefined;
  /** Partitions applied, for checks about what isolated nodes did meanwhile. */
  private readonly isolations: { groups: Record<string, string[]>; startMs: number; durationMs: number }[] = [];

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
  async startTopology(name: string = suite().settings.defaultTopology, timers: Partial<Timers> = {}): Promise<void> {
    const named = topologyByName(name);
    const topology = Object.keys(timers).length ? validateTopology({ ...named, timers: { ...named.timers, ...timers } }, `topology "${name}" with the scenario's timers`) : named;
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
    await this.stopClients();
    this.watch?.stop();
    const cluster = this.running;
    this.running = undefined;
    await cluster?.stop();
  }

  /** Streams and polls every node's leadership for the scenario's life (see LeadershipWatch). */
  private observeLeadership(): void {
    this.watch = new LeadershipWatch(this.cluster.relayNodes, this.clock);
    this.watch.start();
  }

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
      ops: this.history.ops,
      leases: leaseSegments(observations),
      elections: elections(observations),
      faults: this.faults.all,
      verdicts: this.verdicts,
    });
  }

  // ── leadership ───────────────────────────────────────────────────────────────────────────────────
  /**
   * The node that the nodes naming a holder of `scope` all name, once they agree and are a majority of
   * the running relay nodes (within `within`). Nodes that do not answer (paused, crashed) or name nobody (cut off
   * from etcd, between leases) have no say; two different names are never accepted.
   */
  async leaderOf(scope: string, within: Duration, not: readonly string[] = []): Promise<string> {
    // A majority of the nodes that are running: crashed ones cannot answer at all.
    const running = this.cluster.relayNodes.filter((n) => !this.crashed.has(n.id)).length;
    const majority = Math.floor(running / 2) + 1;
    const agreed = await eventually(
      `a majority of nodes agree on one leader of ${scope}${not.length ? ` other than ${not.join(', ')}` : ''}`,
      async () => this.leadershipWatch.latest().map((snap) => ({ observer: snap.observer, holders: snap.tokens.filter((t) => t.scope === scope && t.expiresAtMs > snap.atMs).map((t) => t.leaderId) })),
      (views) => {
        const naming = views.filter((v) => v.holders.length > 0);
        const named = new Set(naming.flatMap((v) => v.holders));
        const problems = [
          ...(naming.length < majority ? [`only ${naming.length} of ${running} running nodes name a leader (${majority} needed)`] : []),
          ...naming.filter((v) => v.holders.length > 1).map((v) => `${v.observer} names ${v.holders.join(' + ')}`),
          ...(named.size > 1 ? [`nodes disagree: ${[...named].join(' vs ')}`] : []),
          ...[...named].filter((n) => not.includes(n)).map((n) => `${n} still leads`),
        ];
        return judge(problems);
      },
      { timeoutMs: within.ms },
    );
    return agreed.find((v) => v.holders.length > 0)!.holders[0]!;
  }

  /** Crashes the current holder of `scope`; remembers it as deposed. */
  async crashLeader(scope: string): Promise<string> {
    const leader = await this.leaderToDepose(scope);
    await this.crash(leader);
    return leader;
  }

  /** Crashes the holder of `scope` and the first other live node (by id) at the same instant. */
  async crashLeaderAndAnother(scope: string): Promise<void> {
    const leader = await this.leaderToDepose(scope);
    const other = this.cluster.relayNodes.map((n) => n.id).sort().find((id) => id !== leader && !this.crashed.has(id));
    if (!other) throw new Error(`no node other than ${leader} is left to crash`);
    await this.crashTogether([leader, other]);
  }

  /** `times` times: crash the holder, then wait (bounded) for a different node to take the scope. */
  async crashLeadersInARow(scope: string, times: number, eachWithin: Duration): Promise<void> {
    for (let i = 0; i < times; i++) {
      await this.crashLeader(scope);
      await this.expectNewLeader(scope, eachWithin);
    }
  }

  async shutDownLeaderGracefully(scope: string): Promise<void> {
    await this.shutDownGracefully(await this.leaderToDepose(scope));
  }

  /** A node other than the deposed ones holds `scope`, as every answering node sees it. */
  async expectNewLeader(scope: string, within: Duration): Promise<void> {
    const leader = await this.leaderOf(scope, within, this.deposedFrom(scope));
    this.log(`${scope} is now held by ${leader} (deposed: ${this.deposedFrom(scope).join(', ')})`);
  }

  /** The current holder of `scope`, remembered as deposed before a fault step takes it down. */
  private async leaderToDepose(scope: string): Promise<string> {
    const leader = await this.leaderOf(scope, LEADER_LOOKUP, this.deposedFrom(scope));
    this.deposed.set(scope, [...this.deposedFrom(scope), leader]);
    return leader;
  }

  private deposedFrom(scope: string): string[] {
    return this.deposed.get(scope) ?? [];
  }

  // ── process faults ───────────────────────────────────────────────────────────────────────────────
  /** SIGKILL; the fault stays open until the node is restarted (by a step, or by the After hook). */
  async crash(nodeId: string): Promise<void> {
    const node = this.cluster.node(nodeId);
    const fault = await this.faults.inject('crash', nodeId, () => node.kill(), () => node.start(), FAULT_MAX_WINDOW_MS);
    this.crashed.set(nodeId, fault);
  }

  async crashTogether(nodeIds: readonly string[]): Promise<void> {
    await Promise.all(nodeIds.map((id) => this.crash(id)));
  }

  /** Restarts every crashed node (healing their crash faults) and waits for each to answer ready. */
  async restartCrashed(within: Duration): Promise<void> {
    const open = [...this.crashed];
    this.crashed.clear();
    await Promise.all(open.map(([, fault]) => fault.heal()));
    await Promise.all(
      open.map(([id]) =>
        eventually(`${id} answers ready after its restart`, () => this.cluster.node(id).readiness(), (r) => judge(r.status === 200 ? [] : [`/readyz ${r.status}`]), { timeoutMs: within.ms }),
      ),
    );
  }

  /** Freezes the node for `duration`; the pause heals itself when the window ends. */
  async pause(nodeId: string, duration: Duration): Promise<void> {
    const node = this.cluster.node(nodeId);
    await this.faults.inject('pause', nodeId, () => node.pause(), () => node.unpause(), duration.ms);
  }

  /** SIGTERM: the node drains and releases its leases. Recorded as a fault lasting until it exits. */
  async shutDownGracefully(nodeId: string): Promise<void> {
    const node = this.cluster.node(nodeId);
    const fault = await this.faults.inject('graceful stop', nodeId, () => node.terminate(), () => node.start(), FAULT_MAX_WINDOW_MS);
    this.crashed.set(nodeId, fault);
  }

  /** Waits until every open fault has ended; each is bounded by its own window. */
  async faultsHealed(): Promise<void> {
    await Promise.all(this.faults.open.map((f) => f.healed));
  }

  // ── promotion ────────────────────────────────────────────────────────────────────────────────────
  /** Pauses the holder of `scope` for `duration` (it heals itself when the window ends). */
  async pauseLeader(scope: string, duration: Duration): Promise<void> {
    const leader = await this.leaderToDepose(scope);
    this.initialLeaders ??= this.currentHolders();
    await this.pause(leader, duration);
  }

  /** Promotes the leader of `region` to hold `scope` (extension feature:mesh-promotion). */
  async promoteRegionLeader(region: string, scope: string): Promise<void> {
    this.initialLeaders ??= this.currentHolders();
    const candidate = await this.leaderOf(`region/${region}`, LEADER_LOOKUP);
    const answer = await this.cluster.node(candidate).client.promote(scope);
    await attachJson(this, `promotion-${scope}`, answer);
    if (answer.status !== 200) throw new Error(`promoting ${candidate} to ${scope} answered HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
    this.promotion = { ...answer.body, candidate };
  }

  async expectRegionLeaderHolds(region: string, scope: string, within: Duration): Promise<void> {
    const promoted = this.promotion?.candidate ?? (await this.leaderOf(`region/${region}`, LEADER_LOOKUP));
    const holder = await this.leaderOf(scope, within, this.deposedFrom(scope));
    expect(holder, `${scope} holder`).to.equal(promoted);
  }

  /** Sends `procedure` to every running, unpaused node; each must be served by the holder of `scope`. */
  async expectServedByHolder(procedure: string, scope: string): Promise<void> {
    const holder = await this.leaderOf(scope, LEADER_LOOKUP, this.deposedFrom(scope));
    const frozen = new Set(this.faults.open.map((f) => f.record.target));
    const nodes = this.cluster.relayNodes.filter((n) => !frozen.has(n.id) && !this.crashed.has(n.id));
    const problems: string[] = [];
    await Promise.all(
      nodes.map(async (node) => {
        const payload = { probe: `${node.id}-${Date.now()}` };
        const r = await this.history
          .record({ process: `client→${node.id}`, f: procedure, target: node.id, value: payload }, () => node.call(procedure, payload), (res) =>
            res.status === 200 ? { outcome: 'ok', result: { body: res.body, servedBy: res.answeredBy } } : { outcome: 'fail', error: `HTTP ${res.status}` },
          )
          .catch((e: Error) => e);
        if (r instanceof Error) problems.push(`${node.id}: no answer (${r.message})`);
        else if (r.status !== 200) problems.push(`${node.id}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
        else if (r.answeredBy !== holder) problems.push(`${node.id}: served by ${r.answeredBy ?? '(no node header)'}, not by the leader ${holder}`);
      }),
    );
    this.servedBy.push(holder);
    expect(problems, `${procedure} calls not served through the leader`).to.deep.equal([]);
  }

  /** The new holder's metrics count its promotion to `scope`, and another node counts observing it. */
  async expectLeadershipMetricsRecordChange(scope: string): Promise<void> {
    const holder = await this.leaderOf(scope, LEADER_LOOKUP, this.deposedFrom(scope));
    const own = parsePrometheus(await this.cluster.node(holder).client.metrics());
    const witness = this.cluster.relayNodes.find((n) => n.id !== holder && !this.deposedFrom(scope).includes(n.id))!;
    const seen = parsePrometheus(await witness.client.metrics());
    const name = 'mesh_leadership_transitions_total';
    const problems = [
      ...(sumOf(own, name, { mesh_scope: scope, mesh_leader: holder, mesh_transition: 'promoted' }) + sumOf(own, name, { mesh_scope: scope, mesh_leader: holder, mesh_transition: 'elected' }) >= 1
        ? []
        : [`${holder}'s ${name} has no promoted/elected transition for ${scope}`]),
      ...(sumOf(seen, name, { mesh_scope: scope, mesh_leader: holder }) >= 1 ? [] : [`${witness.id}'s ${name} has no transition naming ${holder} for ${scope}`]),
    ];
    await attachJson(this, 'leadership-metrics', { [holder]: own.filter((x) => x.name.startsWith('mesh_leadership')), [witness.id]: seen.filter((x) => x.name.startsWith('mesh_leadership')) });
    expect(problems, 'leadership metrics').to.deep.equal([]);
  }

  /** After its pause, the deposed holder itself names the new holder of `scope` and no longer claims it. */
  async expectDeposedSteppedDown(scope: string, within: Duration): Promise<void> {
    const deposed = this.deposedFrom(scope);
    const holder = await this.leaderOf(scope, LEADER_LOOKUP, deposed);
    await eventually(
      `${deposed.join(', ')} name ${holder} as holder of ${scope} and claim it no longer`,
      async () => Promise.all(deposed.map(async (id) => ({ id, view: await this.cluster.node(id).leaders(scope) }))),
      (views) => judge(views.flatMap(({ id, view }) => {
        const live = view.tokens.filter((t) => t.scope === scope && Date.parse(t.expiresAt) > Date.now());
        return live.length === 1 && live[0]!.leaderId === holder ? [] : [`${id} names ${live.map((t) => t.leaderId).join(' + ') || 'nobody'}`];
      })),
      { timeoutMs: within.ms },
    );
    this.steppedDown = true;
  }

  /** The failover's outcome with ids replaced by region/role and times dropped, against seeds/golden/<name>.json. */
  async expectGoldenOutcome(name: string): Promise<void> {
    const globalLeases = leasesSeen(this.leadershipWatch.snapshots, this.leadershipWatch.observations).filter((l) => l.scope === 'global-control');
    const outcome = normaliseFailover(this.cluster.topology, {
      initialLeaders: this.initialLeaders ?? {},
      promotion: this.promotion,
      finalLeaders: this.currentHolders(),
      globalTerms: globalLeases.map((l) => l.term),
      servedBy: this.servedBy,
      deposedSteppedDown: this.steppedDown,
    });
    await attachJson(this, `golden-${name}-observed`, outcome);
    const result = await matchGolden(name, outcome, suite().settings.updateGolden);
    if (result.updated) this.log(`golden snapshot written: ${result.path}`);
    await this.verdict(`matches golden ${name}`, result.problems, outcome);
  }

  /** Holder of each scope as the latest polls say (the first node naming one), for evidence. */
  private currentHolders(): Record<string, string> {
    const holders: Record<string, string> = {};
    for (const snap of this.leadershipWatch.latest()) {
      for (const t of snap.tokens) if (t.expiresAtMs > snap.atMs) holders[t.scope] ??= t.leaderId;
    }
    return holders;
  }

  // ── network faults ───────────────────────────────────────────────────────────────────────────────
  private get network(): NetworkFaults {
    this.networkFaults ??= new NetworkFaults({ network: this.cluster.network.name, log: (line) => this.log(line) });
    return this.networkFaults;
  }

  /** Cuts `groups` from each other (iptables in every member's netns) for `duration`, verified both ways. */
  async partition(groups: Record<string, string[]>, duration: Duration): Promise<void> {
    const target = Object.entries(groups).map(([name, ids]) => `${name}: ${ids.join(' ')}`).join(' | ');
    let applied: Partition | undefined;
    await this.faults.inject(
      'partition',
      target,
      async () => {
        applied = await this.network.partition({ kind: 'groups', groups });
        await attachJson(this, `partition-${applied.id}`, applied.record);
      },
      async () => {
        const healed = await applied?.heal();
        if (healed) await attachJson(this, `partition-${healed.id}-healed`, healed);
      },
      duration.ms,
    );
    this.isolations.push({ groups, startMs: this.clock.nowMs(), durationMs: duration.ms });
  }

  async isolateLeader(scope: string, duration: Duration): Promise<void> {
    const leader = await this.leaderToDepose(scope);
    const rest = [...this.cluster.relayNodes.map((n) => n.id), ...this.cluster.etcd.map((m) => m.id)].filter((id) => id !== leader);
    await this.partition({ isolated: [leader], rest }, duration);
  }

  /** The groups an author named (with tokens like "the global leader"), resolved against who leads now. */
  async splitNetwork(rows: readonly GroupRow[], duration: Duration): Promise<void> {
    await this.partition(await this.resolve(rows), duration);
  }

  /** Splits and heals `times` times within `within`: each cut lasts half a cycle; waits until the last heals. */
  async flapNetwork(rows: readonly GroupRow[], times: number, within: Duration): Promise<void> {
    const groups = await this.resolve(rows);
    const half = Math.floor(within.ms / times / 2);
    for (let i = 0; i < times; i++) {
      const cycle = this.clock.nowMs();
      await this.partition(groups, new Duration(half));
      await this.faultsHealed();
      const rest = half * 2 - (this.clock.nowMs() - cycle);
      if (rest > 0 && i < times - 1) await new Promise((r) => setTimeout(r, rest)); // the healed half of the cycle, not a sync wait
    }
  }

  private async resolve(rows: readonly GroupRow[]): Promise<Record<string, string[]>> {
    const needsLeader = rows.some((r) => r.members.some((m) => m === 'the global leader' || /other nodes?$/.test(m)));
    const leader = needsLeader ? await this.leaderOf('global-control', LEADER_LOOKUP) : '';
    const regions = new Map<string, string>([...this.cluster.topology.nodes, ...this.cluster.topology.etcd].map((m) => [m.id, m.region]));
    return resolveGroups(rows, { leader, relay: this.cluster.relayNodes.map((n) => n.id), etcd: this.cluster.etcd.map((m) => m.id), regionOf: (id) => regions.get(id) });
  }

  /** No sequence number was acknowledged by a node while it was isolated from the cluster. */
  async expectIsolatedNodesHandedOutNothing(): Promise<void> {
    const problems: string[] = [];
    for (const cut of this.isolations) {
      const isolated = cut.groups.isolated ?? [];
      const served = this.history.ops.filter(
        (o) => o.f === 'sequence::next' && o.outcome === 'ok' && isolated.includes(o.target) && o.invokeMs >= cut.startMs && (o.completeMs ?? Infinity) <= cut.startMs + cut.durationMs,
      );
      for (const o of served) problems.push(`${o.target} handed out ${JSON.stringify(o.result)} at ${(o.invokeMs / 1000).toFixed(2)} s while isolated`);
    }
    if (this.isolations.length === 0) problems.push('no node was isolated, so nothing was checked');
    await this.verdict('isolated nodes hand out nothing', problems);
  }

  // ── client load ──────────────────────────────────────────────────────────────────────────────────
  /** Starts `clients` background clients calling `procedure` on every node in turn (bounded to 5 minutes). */
  startClients(procedure: string, clients: number, body?: unknown): void {
    if (this.clients) throw new Error('clients are already running; stop them first');
    this.clients = new BackgroundClients(() => this.cluster.relayNodes, this.history, { procedure, clients, intervalMs: 50, maxRunMs: 300_000, body });
  }

  async stopClients(): Promise<void> {
    const clients = this.clients;
    this.clients = undefined;
    await clients?.stop();
  }

  /** Waits until at least `count` calls of `procedure` have been acknowledged, so a fault hits a loaded cluster. */
  async expectAcknowledged(procedure: string, count: number, within: Duration): Promise<void> {
    await eventually(
      `at least ${count} ${procedure} calls are acknowledged`,
      async () => this.history.ops.filter((o) => o.f === procedure).map((o) => o.outcome ?? 'pending'),
      (outcomes) => judge(outcomes.filter((o) => o === 'ok').length >= count ? [] : [`${outcomes.filter((o) => o === 'ok').length} acknowledged of ${outcomes.length} calls`]),
      { timeoutMs: within.ms },
    );
  }

  /** Every acknowledged `sequence::next` returned a distinct value (and enough were acknowledged to matter). */
  async expectSequenceNeverRepeated(minimumAcknowledged: number): Promise<void> {
    const ops = this.history.ops.filter((o) => o.f === 'sequence::next');
    const result = uniqueIdsProblems(ops, (o) => (o.result as { value?: number } | undefined)?.value, minimumAcknowledged);
    this.log(`sequence: ${result.acknowledged} acknowledged of ${ops.length} calls`);
    await this.verdict('sequence never repeats', result.problems, { acknowledged: result.acknowledged, calls: ops.length, duplicates: result.duplicates });
  }

  // ── checker verdicts ─────────────────────────────────────────────────────────────────────────────
  /** Records a checker's verdict (report, timeline) and fails the step when it found problems. */
  async verdict(checker: string, problems: readonly string[], detail?: unknown): Promise<void> {
    const v: Verdict = { checker, ok: problems.length === 0, problems, atMs: this.clock.nowMs(), detail };
    this.verdicts.push(v);
    await attachJson(this, `verdict-${checker.replace(/\W+/g, '-')}`, v);
    if (!v.ok) throw new CheckerError(checker, problems);
  }

  async expectNoSplitBrain(): Promise<void> {
    await this.verdict('no split brain', splitBrainProblems(this.leadershipWatch.snapshots));
  }

  async expectMonotonicLeases(): Promise<void> {
    const leases = leasesSeen(this.leadershipWatch.snapshots, this.leadershipWatch.observations);
    await this.verdict('terms and fences increase', monotonicityProblems(leases), leases);
  }

  async expectElectionsWithinWindow(): Promise<void> {
    const leases = leasesSeen(this.leadershipWatch.snapshots, this.leadershipWatch.observations);
    const windowMs = this.cluster.topology.timers.electionWindowMs;
    await this.verdict(`elections within ${windowMs} ms`, electionWindowProblems(leases, windowMs, this.clock.nowMs()), leases);
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

  /** Every node names one unexpired leader for each scope (default: all the topology declares), the same one. */
  async expectLeadershipAgreed(within: Duration, scopes?: string[]): Promise<void> {
    const topology = this.cluster.topology;
    const views = await eventually(
      `every node reports one leader per ${scopes ? scopes.join(', ') : 'declared scope'}, the same in every view`,
      () => this.leaderViews(),
      (v) => judge(leadershipAgreementProblems(topology, v, Date.now(), scopes), leadershipComparison(topology, v, scopes)),
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

/** A fault with no explicit end still ends: the After hook, or this bound, heals it. */
const FAULT_MAX_WINDOW_MS = 120_000;
/** How long a fault step may wait to learn who currently leads before it acts. */
const LEADER_LOOKUP = new Duration(10_000);

/** A checker over the recorded history found problems: a product defect, not a harness failure. */
export class CheckerError extends Error {
  override name = 'CheckerError';
  constructor(checker: string, problems: readonly string[]) {
    super(`${checker}: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

setWorldConstructor(HyperscaleWorld);
