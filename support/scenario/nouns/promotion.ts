// Promotion of a region's leader to a scope (extension feature:mesh-promotion) and what must follow:
// calls served by the new holder, metrics recording the change, the deposed holder stepping down,
// and the outcome against a golden snapshot.
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import type { ProcessFaults } from './processes';
import type { Leadership } from './leadership';
import { judge } from '../../checks/eventually';
import { servedByHolderProblems, transitionsRecordedProblems } from '../../checks/signals';
import { parsePrometheus } from '../../checks/prometheus';
import { normaliseFailover } from '../../checks/failover-outcome';
import { promotionRevokedProblems } from '../../checks/promotion';
import { attachJson } from '../../evidence/attach';
import { matchGolden } from '../../evidence/golden';
import type { Promotion } from '../../fabric/contract';
import type { Duration } from '../../duration';
import { suite } from '../../suite';

export class PromotionVerbs {
  private initialLeaders: Record<string, string> | undefined;
  private promotion: (Promotion & { candidate: string }) | undefined;
  private readonly servedBy: string[] = [];
  private steppedDown = false;

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
    private readonly processes: ProcessFaults,
    private readonly leadership: Leadership,
  ) {}

  /** Pauses the holder of `scope` for `duration` (it heals itself when the window ends). */
  async pauseLeader(scope: string, duration: Duration): Promise<void> {
    const leader = await this.leadership.toDepose(scope);
    this.initialLeaders ??= this.leadership.currentHolders();
    await this.processes.pause(leader, duration);
  }

  /** Promotes the leader of `region` to hold `scope`. */
  async promoteRegionLeader(region: string, scope: string): Promise<void> {
    this.initialLeaders ??= this.leadership.currentHolders();
    const candidate = await this.leadership.leaderOf(`region/${region}`);
    const answer = await this.nodes.cluster.node(candidate).promote(scope);
    await attachJson(this.ctx.evidence, `promotion-${scope}`, answer);
    if (answer.status !== 200) throw new Error(`promoting ${candidate} to ${scope} answered HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
    this.promotion = { ...answer.body, candidate };
  }

  async expectRegionLeaderHolds(region: string, scope: string, within: Duration): Promise<void> {
    const promoted = this.promotion?.candidate ?? (await this.leadership.leaderOf(`region/${region}`));
    const holder = await this.leadership.expectAgreedLeader(scope, within, this.leadership.deposedFrom(scope));
    await this.ctx.verdicts.now(
      `the promoted leader of ${region} holds ${scope}`,
      holder === promoted ? [] : [`${scope} is held by ${holder}, not by ${promoted}, the node promoted`],
    );
  }

  /** From the lease history: the promoted lease began well before the frozen incumbent's ran out, which did not end by release. */
  async expectIncumbentRevoked(scope: string): Promise<void> {
    if (!this.promotion) throw new Error('no node was promoted in this scenario');
    const incumbent = this.leadership.deposedFrom(scope).at(-1);
    if (!incumbent) throw new Error(`no holder of ${scope} was taken down before the promotion`);
    const { snapshots, observations } = this.nodes.leadershipWatch;
    const problems = promotionRevokedProblems({ scope, candidate: this.promotion.candidate, incumbent, answer: this.promotion }, snapshots, observations);
    await this.ctx.verdicts.now(`the promotion revoked ${incumbent}'s lease of ${scope}`, problems, { promotion: this.promotion, incumbent });
  }

  /** Sends `procedure` to every running, unpaused node; each must be served by the holder of `scope`. */
  async expectServedByHolder(procedure: string, scope: string): Promise<void> {
    const holder = await this.leadership.current(scope);
    const answers = await Promise.all(
      this.nodes.liveNodes().map(async (node) => {
        const payload = { probe: `${node.id}-${Date.now()}` };
        const answer = await this.ctx.history
          .record(
            { process: `client→${node.id}`, f: procedure, target: node.id, value: payload },
            () => node.call(procedure, payload),
            (res) =>
              res.status === 200 ? { outcome: 'ok', result: { body: res.body, servedBy: res.answeredBy } } : { outcome: 'fail', error: `HTTP ${res.status}` },
          )
          .catch((e: Error) => e);
        return { node: node.id, answer };
      }),
    );
    this.servedBy.push(holder);
    await this.ctx.verdicts.now(`${procedure} calls served through the leader`, servedByHolderProblems(answers, holder));
  }

  /** The new holder's metrics count its promotion to `scope`, and another node counts observing it. */
  async expectLeadershipMetricsRecordChange(scope: string): Promise<void> {
    const holder = await this.leadership.current(scope);
    const deposed = this.leadership.deposedFrom(scope);
    const own = parsePrometheus(await this.nodes.cluster.node(holder).metrics());
    const witness = this.nodes.cluster.relayNodes.find((n) => n.id !== holder && !deposed.includes(n.id))!;
    const seen = parsePrometheus(await witness.metrics());
    const problems = transitionsRecordedProblems(scope, { id: holder, samples: own }, { id: witness.id, samples: seen });
    await attachJson(this.ctx.evidence, 'leadership-metrics', {
      [holder]: own.filter((x) => x.name.startsWith('mesh_leadership')),
      [witness.id]: seen.filter((x) => x.name.startsWith('mesh_leadership')),
    });
    await this.ctx.verdicts.now(`leadership metrics record the change of ${scope}`, problems);
  }

  /** After its pause, the deposed holder itself names the new holder of `scope` and no longer claims it. */
  async expectDeposedSteppedDown(scope: string, within: Duration): Promise<void> {
    const deposed = this.leadership.deposedFrom(scope);
    const holder = await this.leadership.current(scope);
    await this.ctx.verdicts.within(
      `${deposed.join(', ')} name ${holder} as holder of ${scope} and claim it no longer`,
      async () => Promise.all(deposed.map(async (id) => ({ id, view: await this.nodes.cluster.node(id).leaders(scope) }))),
      (views) =>
        judge(
          views.flatMap(({ id, view }) => {
            const live = view.tokens.filter((t) => t.scope === scope && Date.parse(t.expiresAt) > Date.now());
            return live.length === 1 && live[0]!.leaderId === holder ? [] : [`${id} names ${live.map((t) => t.leaderId).join(' + ') || 'nobody'}`];
          }),
        ),
      { timeoutMs: within.ms },
    );
    this.steppedDown = true;
  }

  /** The failover's outcome with ids replaced by region/role and times dropped, against seeds/golden/<name>.json. */
  async expectGoldenOutcome(name: string): Promise<void> {
    const outcome = normaliseFailover(this.nodes.cluster.topology, {
      initialLeaders: this.initialLeaders ?? {},
      promotion: this.promotion,
      finalLeaders: this.leadership.currentHolders(),
      globalTerms: this.leadership
        .leases()
        .filter((l) => l.scope === 'global-control')
        .map((l) => l.term),
      servedBy: this.servedBy,
      deposedSteppedDown: this.steppedDown,
    });
    await attachJson(this.ctx.evidence, `golden-${name}-observed`, outcome);
    const result = await matchGolden(name, outcome, suite().settings.updateGolden);
    if (result.updated) this.ctx.log(`golden snapshot written: ${result.path}`);
    await this.ctx.verdicts.now(`matches golden ${name}`, result.problems, outcome);
  }
}
