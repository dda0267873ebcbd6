// Geo-affinity clients (feature:mesh-geo-affinity): clients homed in one region enter through another's
// ingress, and relay-node routes each call to the home region unless it is degraded. The verdicts read
// what the clients saw (the serving region of every acknowledged call) and hold the nodes' routing
// metrics against it.
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import type { ClientVerbs } from './clients';
import { judge } from '../../checks/eventually';
import { clientsMovedProblems, routedSince, routingAgreementProblems, servedInProblems, servedPerSecond, tallyServed } from '../../checks/geo';
import { parsePrometheus, type Sample } from '../../checks/prometheus';
import { attachJson } from '../../evidence/attach';
import type { Duration } from '../../duration';

/** seeds/traffic/echo.json: one unsharded `echo` call per op. */
const TRAFFIC = 'echo';
const PROCEDURE = 'echo';
const ROUTED = 'mesh_geo_routed_total';
/** "Served in a region" means this share of the calls completed in the last window. */
const SERVED_SHARE = 0.9;
const WINDOW_MS = 1500;

export class GeoClients {
  private run: { home: string; via: string; baseline: Map<string, Sample[]> } | undefined;

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
    private readonly clients: ClientVerbs,
  ) {}

  /** `clients` clients homed in `home` replay the echo traffic through `via`'s nodes, with retries, for at most `maxRun`. */
  async start(clients: number, home: string, via: string, maxRun: Duration): Promise<void> {
    const entries = this.entries(via);
    const baseline = new Map(await Promise.all(entries.map(async (id) => [id, parsePrometheus(await this.nodes.cluster.node(id).metrics())] as const)));
    await this.clients.replay(TRAFFIC, clients, { kind: 'geo', home, via }, maxRun, 3);
    this.run = { home, via, baseline };
  }

  /** Within `within`, at least 90 % of the calls completed in the last 1.5 s were acknowledged from `region`. */
  async expectServedIn(region: string, within: Duration): Promise<void> {
    const started = this.ctx.clock.nowMs();
    const tally = await this.ctx.verdicts.within(
      `the geo-affinity clients' calls are served in ${region}`,
      async () => {
        const now = this.ctx.clock.nowMs();
        return tallyServed(this.ctx.history.ops, PROCEDURE, now - WINDOW_MS, now);
      },
      (t) => judge(servedInProblems(t, region, SERVED_SHARE, 5)),
      { timeoutMs: within.ms },
    );
    await attachJson(this.ctx.evidence, `geo-served-in-${region}`, { afterMs: Math.round(this.ctx.clock.nowMs() - started), lastWindow: tally });
  }

  /**
   * After the clients stopped: the entry nodes' mesh_geo_routed_total for the clients' home region,
   * per serving region, agrees with the serving regions the clients saw, within the attempts they retried
   * or never saw answered; and both name more than one region (the scenario did move the clients).
   */
  async expectRoutingMetricsAgree(): Promise<void> {
    const run = this.run;
    if (!run) throw new Error('no geo-affinity clients have run: start them, and stop the clients, first');
    const summary = this.clients.lastSummary();
    const routed: Record<string, number> = {};
    const scraped: Record<string, Sample[]> = {};
    for (const id of this.entries(run.via)) {
      const samples = parsePrometheus(await this.nodes.cluster.node(id).metrics()).filter((s) => s.name === ROUTED && s.labels.mesh_home_region === run.home);
      scraped[id] = samples;
      for (const [region, n] of Object.entries(routedSince(samples, run.baseline.get(id) ?? [], ROUTED, run.home))) routed[region] = (routed[region] ?? 0) + n;
    }
    const tally = tallyServed(this.ctx.history.ops, PROCEDURE, 0, Infinity);
    const slack = (summary.retries ?? 0) + (tally.completed - tally.ok);
    const problems = [...routingAgreementProblems(routed, tally.byRegion, slack), ...clientsMovedProblems(tally.byRegion)];
    await attachJson(this.ctx.evidence, 'geo-served-per-second', servedPerSecond(this.ctx.history.ops, PROCEDURE));
    await this.ctx.verdicts.now('routing metrics agree with what the clients saw', problems, { routed, seen: tally.byRegion, slack, metrics: scraped });
  }

  private entries(via: string): string[] {
    return this.nodes.cluster.relayNodesIn(via).map((n) => n.id);
  }
}
