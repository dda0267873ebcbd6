// Network faults an author names in operational terms: isolate a leader, split the network into
// groups, flap a split. Applied with iptables in each member's namespace, verified both ways, healed.
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import type { ProcessFaults } from './processes';
import type { Leadership } from './leadership';
import { NetworkFaults, type Partition } from '../../chaos/network/faults';
import { impairedPairs } from '../../chaos/network/plan';
import type { PartitionSpec } from '../../chaos/network/types';
import { cutProxiedPaths, type ProxiedCut } from '../../chaos/network/proxied';
import { PROXY_ALIAS } from '../../cluster/peer-links';
import { attachJson } from '../../evidence/attach';
import { judge } from '../../checks/eventually';
import { gossipDivergedProblems, isolatedHandedOutProblems } from '../../checks/partition-effects';
import { Duration } from '../../duration';
import type { GroupRow } from '../../tables';
import type { Members } from './members';
import { splitsIn, type Split } from '../../checks/partition-effects';
import type { FaultSubject } from '../../chaos/faults';

export class NetworkChaos {
  private faults: NetworkFaults | undefined;

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
    private readonly processes: ProcessFaults,
    private readonly leadership: Leadership,
    private readonly members: Members,
  ) {
    // A node restarted inside a partition's window gets its rules again (its namespace is new).
    processes.onRestart((nodeId) => this.faults?.rejoin(nodeId) ?? Promise.resolve());
  }

  /**
   * The splits applied so far (partitions and bridges), each with its groups and the window it was given,
   * read from the nemesis ops in the history: for checks about what each side did meanwhile.
   */
  get splits(): Split[] {
    return splitsIn(this.ctx.history.ops);
  }

  /** Whether `nodeId` is in the "isolated" group of a partition still in effect. */
  isolatedNow(nodeId: string): boolean {
    return this.ctx.faults.open.some(
      (f) => f.record.name === 'partition' && f.record.subject.kind === 'groups' && (f.record.subject.groups.isolated ?? []).includes(nodeId),
    );
  }

  private get iptables(): NetworkFaults {
    this.faults ??= new NetworkFaults({
      network: this.nodes.cluster.network.name,
      log: (line) => this.ctx.log(line),
      // A node another fault holds down (an overlapping crash or pause) cannot show a partition either way.
      absent: () => this.processes.heldDown(),
      known: () => new Set([...this.nodes.cluster.relayNodes.map((n) => n.id), ...this.nodes.cluster.etcd.map((m) => m.id)]),
    });
    return this.faults;
  }

  /** Cuts `groups` from each other (iptables in every member's netns) for `duration`, verified both ways. */
  async partition(groups: Record<string, string[]>, duration: Duration): Promise<void> {
    await this.apply('partition', { kind: 'groups', groups }, { kind: 'groups', groups }, duration);
  }

  /** Any network fault spec (groups, one-way, pairs, loss) as one bounded fault window, applied and verified. */
  private async apply(name: string, subject: FaultSubject, spec: PartitionSpec, duration: Duration): Promise<void> {
    let applied: Partition | undefined;
    let proxied: ProxiedCut | undefined;
    const slug = name.replace(/\W+/g, '-');
    await this.ctx.faults.inject(
      name,
      subject,
      async () => {
        applied = await this.iptables.partition(spec);
        try {
          proxied = await this.cutProxied(applied);
        } catch (e) {
          await applied.heal().catch(() => undefined);
          throw e;
        }
        await attachJson(this.ctx.evidence, `${slug}-${applied.id}`, { ...applied.record, ...(proxied ? { proxiedPaths: proxied.record } : {}) });
      },
      async () => {
        const reopened = await proxied?.heal();
        const healed = await applied?.heal();
        if (healed) await attachJson(this.ctx.evidence, `${slug}-${healed.id}-healed`, { ...healed, ...(reopened ? { proxiedPaths: reopened } : {}) });
      },
      duration.ms,
    );
  }

  /** The region ↔ region paths through the fault proxy that the partition cuts, disabled and proven cut. */
  private async cutProxied(applied: Partition): Promise<ProxiedCut | undefined> {
    const proxy = this.nodes.cluster.proxy;
    if (!proxy || applied.spec.kind === 'loss') return undefined;
    const cut = impairedPairs(applied.plan).filter((p) => p.how === 'cut');
    return cutProxiedPaths(proxy, this.nodes.cluster.network.name, cut, this.processes.heldDown());
  }

  /**
   * A bridge (Jepsen): the groups named `bridge` see everyone; every other pair of groups is cut both ways.
   * Recorded as a partition whose sides are the non-bridge groups.
   */
  async bridge(rows: readonly GroupRow[], duration: Duration): Promise<void> {
    const groups = await this.resolve(rows);
    const bridgeNodes = groups.bridge ?? [];
    const sides = Object.entries(groups).filter(([g]) => g !== 'bridge');
    if (bridgeNodes.length === 0 || sides.length < 2)
      throw new Error('a bridge needs a group named "bridge" and at least two other groups (the sides it joins)');
    const cut: [string, string][] = [];
    sides.forEach(([, a], i) => sides.slice(i + 1).forEach(([, b]) => a.forEach((x) => b.forEach((y) => cut.push([x, y])))));
    const label = `bridge ${bridgeNodes.join(' ')} between ${sides.map(([g, ids]) => `${g} [${ids.join(' ')}]`).join(' and ')}`;
    await this.apply('bridge', { kind: 'groups', groups: Object.fromEntries(sides), label }, { kind: 'pairs', cut, nodes: bridgeNodes, label }, duration);
  }

  /** The group named `from` can no longer open (or keep using) connections to the group named `to`; `to` still reaches `from`. */
  async oneWay(rows: readonly GroupRow[], duration: Duration): Promise<void> {
    const groups = await this.resolve(rows);
    const names = Object.keys(groups).sort().join(', ');
    if (names !== 'from, to') throw new Error(`a one-way cut names exactly two groups, "from" and "to"; the table names ${names}`);
    const spec = { kind: 'one-way' as const, from: groups.from!, to: groups.to! };
    await this.apply(
      'one-way cut',
      { kind: 'groups', groups: { from: spec.from, to: spec.to }, label: `${spec.from.join(' ')} → ${spec.to.join(' ')}` },
      spec,
      duration,
    );
  }

  /** Drops `percent` % of the packets between two groups, both ways (iptables statistic match). */
  async loss(rows: readonly GroupRow[], percent: number, duration: Duration): Promise<void> {
    if (!(percent > 0 && percent < 100)) throw new Error(`packet loss must be between 0 and 100 %, exclusive; got ${percent} %`);
    const groups = await this.resolve(rows);
    const names = Object.keys(groups);
    if (names.length !== 2) throw new Error(`packet loss is between exactly two groups; the table names ${names.length} (${names.join(', ')})`);
    const between = { a: groups[names[0]!]!, b: groups[names[1]!]! };
    await this.apply(
      `${percent}% packet loss`,
      { kind: 'groups', groups: { [names[0]!]: between.a, [names[1]!]: between.b }, label: `${names[0]} ↔ ${names[1]}` },
      { kind: 'loss', between, probability: percent / 100 },
      duration,
    );
  }

  /** Cuts `nodeId` off from every other relay node and etcd member. */
  async isolate(nodeId: string, duration: Duration): Promise<void> {
    const { cluster } = this.nodes;
    const rest = [...cluster.relayNodes.map((n) => n.id), ...cluster.etcd.map((m) => m.id)].filter((id) => id !== nodeId);
    await this.partition({ isolated: [nodeId], rest }, duration);
  }

  async isolateLeader(scope: string, duration: Duration): Promise<void> {
    await this.isolate(await this.leadership.toDepose(scope), duration);
  }

  /** The groups an author named (with tokens like "the global leader"), resolved against who leads now. */
  async split(rows: readonly GroupRow[], duration: Duration): Promise<void> {
    await this.partition(await this.resolve(rows), duration);
  }

  /** Splits and heals `times` times within `within`: each cut lasts half a cycle; waits until the last heals. */
  async flap(rows: readonly GroupRow[], times: number, within: Duration): Promise<void> {
    const groups = await this.resolve(rows);
    const half = Math.floor(within.ms / times / 2);
    for (let i = 0; i < times; i++) {
      const cycle = this.ctx.clock.nowMs();
      await this.partition(groups, new Duration(half));
      await this.processes.healed();
      const rest = half * 2 - (this.ctx.clock.nowMs() - cycle);
      if (rest > 0 && i < times - 1) await new Promise((r) => setTimeout(r, rest)); // the healed half of the cycle, not a sync wait
    }
  }

  private async resolve(rows: readonly GroupRow[]): Promise<Record<string, string[]>> {
    const { cluster } = this.nodes;
    // Counted members ("two other nodes") are picked among a settled cluster's nodes: wait for its leader.
    if (rows.some((r) => r.members.some((m) => /other nodes?$/.test(m)))) await this.leadership.leaderOf('global-control');
    const { groups, named } = await this.members.groups(rows, cluster.proxy ? PROXY_ALIAS : undefined);
    // Only a side that reaches an etcd majority can hold a lease: a table that puts "the global leader"
    // in a group without one deposes it, as isolating it does, so a later "a new global leader is
    // elected" must name a different node. In the group with the majority it is not deposed.
    const leader = named.get('the global leader');
    if (leader) {
      const etcd = cluster.etcd.map((m) => m.id);
      const side = Object.values(groups).find((members) => members.includes(leader)) ?? [];
      if (side.filter((id) => etcd.includes(id)).length * 2 <= etcd.length) this.leadership.markDeposed('global-control', leader);
    }
    return groups;
  }

  /**
   * The gossip views on the sides of the last split disagree: every relay node of each side sees some
   * relay node of another side not Alive. The views are attached as seen (evidence of the divergence).
   */
  async expectGossipViewsDiverged(within: Duration): Promise<void> {
    const cut = this.splits.at(-1);
    if (!cut) throw new Error('no network split was applied in this scenario');
    const relay = new Set(this.nodes.cluster.relayNodes.map((n) => n.id));
    const sides = Object.entries(cut.groups)
      .map(([name, ids]) => [name, ids.filter((id) => relay.has(id))] as const)
      .filter(([, ids]) => ids.length > 0);
    const views = await this.ctx.verdicts.within(
      `the gossip views on the sides of the split (${sides.map(([n]) => n).join(' | ')}) diverge`,
      () => this.nodes.peerViews(),
      (v) => judge(gossipDivergedProblems(sides, v)),
      { timeoutMs: within.ms },
    );
    await attachJson(
      this.ctx.evidence,
      'gossip-views-during-split',
      Object.fromEntries([...views].map(([id, v]) => [id, v.peers.map((p) => `${p.nodeId}: ${p.status}`)])),
    );
  }

  /** No sequence number was acknowledged by a node while it was isolated from the cluster. */
  async expectIsolatedNodesHandedOutNothing(): Promise<void> {
    await this.ctx.verdicts.now('isolated nodes hand out nothing', isolatedHandedOutProblems(this.ctx.history.ops));
  }
}
