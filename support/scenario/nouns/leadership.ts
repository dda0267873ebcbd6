// Leadership as the cluster reports it: who holds a scope (by majority agreement), taking leaders
// down, and the checkers over every lease observed (split brain, monotonic terms, election window).
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import { splitsIn, type Split } from '../../checks/partition-effects';
import { cutOffClaimProblems } from '../../checks/cut-off-claims';
import type { ProcessFaults } from './processes';
import { agreedLeaders, eligibilityProblems, leadershipAgreementProblems, leadershipComparison } from '../../checks/cluster-views';
import { judge } from '../../checks/eventually';
import { agreedHolder, majorityLeaderProblems } from '../../checks/majority-leader';
import { electionWindowProblems, leasesSeen, monotonicityProblems, splitBrainProblems } from '../../checks/leadership-checkers';
import { standbyDeferralProblems } from '../../checks/standby-deferral';
import { leaderKeptProblems } from '../../checks/leader-kept';
import { attachJson } from '../../evidence/attach';
import { Duration } from '../../duration';
import { LEADER_LOOKUP } from './common';

/** A poll is timed when sent and answered a little later; two poll intervals of slack. */
const CLAIM_POLL_SLACK_MS = 500;

export class Leadership {
  /** Leaders a fault step took down, so that "a new leader" means a different one. */
  private readonly deposed = new Map<string, string[]>();
  /** When a fault step last took a scope's leader down, on the scenario clock. */
  private readonly deposedAtMs = new Map<string, number>();

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
    private readonly processes: ProcessFaults,
  ) {}

  /**
   * The node that the nodes naming a holder of `scope` all name, once they agree and are a majority of
   * the running relay nodes (within `within`). Nodes that do not answer (paused, crashed) or name nobody (cut off
   * from etcd, between leases) have no say; two different names are never accepted. A lookup a step needs
   * before it acts: it records no verdict.
   */
  leaderOf(scope: string, within: Duration = LEADER_LOOKUP, not: readonly string[] = []): Promise<string> {
    return this.agreedLeader(scope, within, not, false);
  }

  /** `leaderOf` as a Then step's verdict ("a new leader is elected"): recorded, and failing the step at the deadline. */
  expectAgreedLeader(scope: string, within: Duration, not: readonly string[] = []): Promise<string> {
    return this.agreedLeader(scope, within, not, true);
  }

  private async agreedLeader(scope: string, within: Duration, not: readonly string[], judged: boolean): Promise<string> {
    const running = this.nodes.cluster.relayNodes.filter((n) => !this.processes.isDown(n.id)).length;
    const verdicts = this.ctx.verdicts;
    const wait = judged ? verdicts.within.bind(verdicts) : verdicts.waitFor.bind(verdicts);
    const agreed = await wait(
      `a majority of nodes agree on one leader of ${scope}${not.length ? ` other than ${not.join(', ')}` : ''}`,
      async () =>
        this.nodes.leadershipWatch.latest().map((snap) => ({
          observer: snap.observer,
          holders: snap.tokens.filter((t) => t.scope === scope && t.expiresAtMs > snap.atMs).map((t) => t.leaderId),
        })),
      (views) => judge(majorityLeaderProblems(views, running, not)),
      { timeoutMs: within.ms },
    );
    return agreedHolder(agreed)!;
  }

  /** The current holder, excluding the ones fault steps already took down. */
  current(scope: string): Promise<string> {
    return this.leaderOf(scope, LEADER_LOOKUP, this.deposedFrom(scope));
  }

  /** Crashes the current holder of `scope`; remembers it as deposed. */
  async crashLeader(scope: string): Promise<string> {
    const leader = await this.toDepose(scope);
    await this.processes.crash(leader);
    return leader;
  }

  /** Crashes the holder of `scope` and the first other live node (by id) at the same instant. */
  async crashLeaderAndAnother(scope: string): Promise<void> {
    const leader = await this.toDepose(scope);
    const other = this.nodes.cluster.relayNodes
      .map((n) => n.id)
      .sort()
      .find((id) => id !== leader && !this.processes.isDown(id));
    if (!other) throw new Error(`no node other than ${leader} is left to crash`);
    await this.processes.crashTogether([leader, other]);
  }

  /** `times` times: crash the holder, then wait (bounded) for a different node to take the scope. */
  async crashLeadersInARow(scope: string, times: number, eachWithin: Duration): Promise<void> {
    for (let i = 0; i < times; i++) {
      await this.crashLeader(scope);
      await this.expectNewLeader(scope, eachWithin);
    }
  }

  async shutDownLeaderGracefully(scope: string): Promise<void> {
    await this.processes.shutDownGracefully(await this.toDepose(scope));
  }

  /** A node other than the deposed ones holds `scope`, as every answering node sees it. */
  async expectNewLeader(scope: string, within: Duration): Promise<void> {
    const leader = await this.expectAgreedLeader(scope, within, this.deposedFrom(scope));
    this.ctx.log(`${scope} is now held by ${leader} (deposed: ${this.deposedFrom(scope).join(', ')})`);
  }

  /**
   * `expectNewLeader`, with the bound counted from when a fault step took the leader down rather than from
   * now: an election's time does not depend on how long the step took to apply its other faults (a
   * partition verified by probes, through helper containers, takes a few seconds).
   */
  async expectNewLeaderSinceDeposed(scope: string, within: Duration): Promise<void> {
    const since = this.deposedAtMs.get(scope);
    if (since === undefined) {
      throw new Error(`no fault step of this scenario took the ${scope} leader down: say "within ${within} a new … leader is elected" instead`);
    }
    const left = Math.max(0, within.ms - (this.ctx.clock.nowMs() - since));
    this.ctx.log(`${scope}: ${within} from the leader going down leaves ${(left / 1000).toFixed(1)} s`);
    await this.expectNewLeader(scope, new Duration(left));
  }

  /** The current holder of `scope`, remembered as deposed before a fault step takes it down. */
  async toDepose(scope: string): Promise<string> {
    const leader = await this.current(scope);
    this.markDeposed(scope, leader);
    return leader;
  }

  /** Remembers `leader` as taken down by a fault, so that "a new leader" means a different node. */
  markDeposed(scope: string, leader: string): void {
    this.deposedAtMs.set(scope, this.ctx.clock.nowMs());
    if (!this.deposedFrom(scope).includes(leader)) this.deposed.set(scope, [...this.deposedFrom(scope), leader]);
  }

  deposedFrom(scope: string): string[] {
    return this.deposed.get(scope) ?? [];
  }

  /** Holder of each scope as the latest polls say (the first node naming one), for evidence. */
  currentHolders(): Record<string, string> {
    const holders: Record<string, string> = {};
    for (const snap of this.nodes.leadershipWatch.latest()) {
      for (const t of snap.tokens) if (t.expiresAtMs > snap.atMs) holders[t.scope] ??= t.leaderId;
    }
    return holders;
  }

  /** Every node names one unexpired leader for each scope (default: all the topology declares), the same one. */
  async expectAgreed(within: Duration, scopes?: string[]): Promise<void> {
    const topology = this.nodes.cluster.topology;
    const views = await this.ctx.verdicts
      .within(
        `every node reports one leader per ${scopes ? scopes.join(', ') : 'declared scope'}, the same in every view`,
        () => this.nodes.leaderViews(),
        (v) =>
          judge(
            leadershipAgreementProblems(topology, v, this.nodes.leadershipWatch.nodeClocksTrusted ? Date.now() : undefined, scopes),
            leadershipComparison(topology, v, scopes),
          ),
        { timeoutMs: within.ms },
      )
      .finally(async () => attachJson(this.ctx.evidence, 'leaders-by-node', Object.fromEntries(await this.nodes.leaderViews().catch(() => new Map()))));
    this.ctx.log(`leaders: ${JSON.stringify(agreedLeaders(topology, views))}`);
  }

  async expectEligible(): Promise<void> {
    const problems = eligibilityProblems(this.nodes.cluster.topology, await this.nodes.leaderViews());
    await this.ctx.verdicts.now('leases held by nodes not declared eligible', problems);
  }

  async expectNoSplitBrain(): Promise<void> {
    await this.ctx.verdicts.now('no split brain', splitBrainProblems(this.nodes.leadershipWatch.snapshots));
  }

  async expectMonotonicLeases(): Promise<void> {
    await this.ctx.verdicts.now('terms and fences increase', monotonicityProblems(this.leases()), this.leases());
  }

  /** Judged over the polls recorded while `split` held (until now if it still holds): the group's nodes kept one holder and fence of `scope`. */
  async expectGroupKeptLeader(split: Split | undefined, group: string, scope: string): Promise<void> {
    if (!split) throw new Error('no partition was applied in this scenario, so there is no split to judge');
    const members = split.groups[group];
    if (!members) throw new Error(`the last split has no group "${group}"; its groups are ${Object.keys(split.groups).join(', ')}`);
    const relay = new Set(this.nodes.cluster.relayNodes.map((n) => n.id));
    const side = members.filter((id) => relay.has(id));
    const toMs = split.endMs ?? this.ctx.clock.nowMs();
    const verdict = leaderKeptProblems({
      snapshots: this.nodes.leadershipWatch.snapshots,
      scope,
      side,
      fromMs: split.startMs,
      toMs,
      maxSilenceMs: this.nodes.cluster.topology.timers.leaseTtlMs,
    });
    await this.ctx.verdicts.now(`the ${group} side kept its leader of ${scope} for the whole split`, verdict.problems, {
      side,
      window: [split.startMs, toMs],
      ...verdict,
    });
  }

  /**
   * Judged over the polls recorded during every split that cut `region` off (a group holding all of its
   * relay nodes and nothing outside it): none of its nodes named itself holder of any scope once a lease
   * could have run out (one TTL, plus a poll's latency).
   */
  async expectNoClaimsWhileCutOff(region: string): Promise<void> {
    const { topology } = this.nodes.cluster;
    const inRegion = new Set([...topology.nodes, ...topology.etcd].filter((m) => m.region === region).map((m) => m.id));
    const relay = topology.nodes.filter((n) => n.region === region).map((n) => n.id);
    if (relay.length === 0) throw new Error(`region "${region}" has no relay node; regions: ${topology.regions.join(', ')}`);
    const windows = splitsIn(this.ctx.history.ops)
      .filter((split) => Object.values(split.groups).some((g) => relay.every((id) => g.includes(id)) && g.every((id) => inRegion.has(id))))
      .map((split) => ({ startMs: split.startMs, ...(split.endMs === undefined ? {} : { endMs: split.endMs }), nodes: relay }));
    const graceMs = topology.timers.leaseTtlMs + CLAIM_POLL_SLACK_MS;
    const problems = cutOffClaimProblems(this.nodes.leadershipWatch.snapshots, windows, graceMs, this.ctx.clock.nowMs());
    await this.ctx.verdicts.now(`no node of ${region} acted as leader while cut off, once its lease could have run out`, problems, { windows, graceMs });
  }

  /** Every takeover of global-control from the dedicated global node (role `global`) came at least `minGap` after the vacancy. */
  async expectStandbysDeferred(minGap: Duration): Promise<void> {
    const dedicated = this.nodes.cluster.topology.nodes.filter((n) => n.role === 'global').map((n) => n.id);
    if (dedicated.length === 0)
      throw new Error(`the "${this.nodes.cluster.topology.name}" topology has no dedicated global node (role global): nothing to defer to`);
    const { problems, takeovers } = standbyDeferralProblems(this.leases(), { scope: 'global-control', dedicated, minGapMs: minGap.ms });
    await this.ctx.verdicts.now(`standbys deferred at least ${minGap.ms} ms to the dedicated global node`, problems, { dedicated, takeovers });
  }

  async expectElectionsWithinWindow(): Promise<void> {
    const windowMs = this.nodes.cluster.topology.timers.electionWindowMs;
    await this.ctx.verdicts.now(`elections within ${windowMs} ms`, electionWindowProblems(this.leases(), windowMs, this.ctx.clock.nowMs()), this.leases());
  }

  leases(): ReturnType<typeof leasesSeen> {
    return leasesSeen(this.nodes.leadershipWatch.snapshots, this.nodes.leadershipWatch.observations);
  }
}
