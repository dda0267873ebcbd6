// Background clients calling one procedure on every node in turn, and the checks over what they saw.
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import { BackgroundClients } from '../../fabric/clients';
import { judge } from '../../checks/eventually';
import { uniqueIdsProblems } from '../../checks/unique-ids';
import { clientOps } from '../../checks/history';
import type { Duration } from '../../duration';
import { FewestPending, RoundRobin, seededRng, type PeerChooser } from '../../fabric/choosers';
import { LoadDriver, type LoadSummary } from '../../fabric/load-driver';
import type { RetryOptions } from '../../fabric/retry-policy';
import { Traffic } from '../../fabric/traffic';
import type { ShardRouting } from '../../fabric/shard-routing';
import { attachJson } from '../../evidence/attach';
import { suite } from '../../suite';
import { EXT } from '../../fabric/contract';
import { describeLoad, type Entry, type Load } from '../../load';
import type { ShardMap } from './shard-map';

/** How a replayed traffic file picks nodes. */
export type Routing =
  /** Every node in turn: calls land anywhere and the cluster forwards them. */
  | { kind: 'every node' }
  /** Shard-keyed calls straight to the shard's owner (routing table); the rest by fewest pending calls. */
  | { kind: 'shard owners'; table: ShardRouting }
  /** Geo-affinity clients: calls name `home` as their home region and enter through `via`'s nodes in turn. */
  | { kind: 'geo'; home: string; via: string }
  /** Every call enters through `via`'s nodes in turn, which forward it wherever it must go. */
  | { kind: 'through region'; via: string };

/** Picks per second per node, chosen and pinned apart: the chooser's behaviour over time. */
function picksPerSecond(chooser: PeerChooser): Record<string, { chosen: Record<string, number>; pinned: Record<string, number> }> {
  const out: Record<string, { chosen: Record<string, number>; pinned: Record<string, number> }> = {};
  for (const p of chooser.picks()) {
    const second = String(Math.floor(p.atMs / 1000));
    const slot = (out[second] ??= { chosen: {}, pinned: {} });
    const bucket = p.pinned ? slot.pinned : slot.chosen;
    bucket[p.peer] = (bucket[p.peer] ?? 0) + 1;
  }
  return out;
}

export class ClientVerbs {
  private clients: BackgroundClients | undefined;
  private driver: { load: LoadDriver; chooser: PeerChooser; traffic: string; startedMs: number; stopped?: boolean } | undefined;
  /** Summaries of finished replays, for evidence and bench-like figures. */
  readonly summaries: LoadSummary[] = [];

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
    private readonly shardMap: ShardMap,
  ) {}

  /** `load` replays `traffic` with calls entering where `entry` says (an author's phrase, support/load.ts). */
  async replayEntering(traffic: string, load: Load, entry: Entry, maxRun: Duration): Promise<void> {
    if (entry.kind === 'from region' && this.nodes.cluster.relayNodesIn(entry.region).length === 0) {
      throw new Error(
        `region "${entry.region}" has no relay nodes in this topology (regions: ${[...new Set(this.nodes.cluster.relayNodes.map((n) => n.region))].join(', ')})`,
      );
    }
    let routing: Routing = { kind: 'every node' };
    if (entry.kind === 'from region') routing = { kind: 'through region', via: entry.region };
    if (entry.kind === 'shard owners') {
      await this.shardMap.routingTable.refresh();
      routing = { kind: 'shard owners', table: this.shardMap.routingTable };
    }
    await this.replay(traffic, load, routing, maxRun);
  }

  /** Starts `clients` background clients calling `procedure` on every node in turn (bounded to 5 minutes). */
  start(procedure: string, clients: number, body?: unknown): void {
    if (this.clients) throw new Error('clients are already running; stop them first');
    this.clients = new BackgroundClients(() => this.nodes.cluster.relayNodes, this.ctx.history, {
      procedure,
      clients,
      intervalMs: 50,
      maxRunMs: 300_000,
      body,
    });
    this.ctx.defer(() => this.stop());
  }

  /**
   * `load` (a number of virtual clients, or clients under a rate) replays seeds/traffic/<name>.json (or
   * the traffic given) for at most `maxRun`, each call recorded in the scenario's history; `retry` turns
   * client-side retries on (a number: that many attempts per call, default backoff). Progress lines go
   * to the scenario log.
   */
  async replay(source: string | Traffic, load: Load | number, routing: Routing, maxRun: Duration, retry: number | RetryOptions = 1): Promise<void> {
    const asked: Load = typeof load === 'number' ? { clients: load } : load;
    const { clients, callsPerSecond } = asked;
    if (this.driver) throw new Error('a traffic replay is already running; stop the clients first');
    const traffic = typeof source === 'string' ? await Traffic.load(source) : source;
    const name = traffic.name;
    const { clock, history } = this.ctx;
    const via = 'via' in routing ? routing.via : undefined;
    const entry = () => (via === undefined ? this.nodes.cluster.relayNodes : this.nodes.cluster.relayNodesIn(via));
    const ids = entry().map((n) => n.id);
    const retryOptions: RetryOptions = typeof retry === 'number' ? { attempts: retry } : retry;
    const rng = seededRng(suite().seed);
    const chooser = routing.kind === 'shard owners' ? new FewestPending(ids, { clock, rng }) : new RoundRobin(ids, { clock, rng });
    const driver = new LoadDriver({
      peers: () => entry().map((n) => ({ id: n.id, baseUrl: n.ingress })),
      ...(routing.kind === 'geo' ? { headers: { [EXT.homeRegionHeader]: routing.home } } : {}),
      traffic,
      clients,
      engineHost: suite().settings.engineHost,
      ...(callsPerSecond === undefined ? {} : { targetRps: callsPerSecond }),
      chooser,
      ...(routing.kind === 'shard owners' ? { route: (op) => (op.shardKey ? routing.table.ownerOf(op.shardKey) : undefined) } : {}),
      history,
      durationMs: maxRun.ms,
      callTimeoutMs: 10_000,
      ...(retryOptions.attempts > 1 ? { retry: retryOptions, rng } : {}),
      log: (line) => this.ctx.log(line),
    }).start();
    this.ctx.log(`${describeLoad(asked)} replay "${name}" (${routing.kind}${via ? ` ${via}` : ''})`);
    this.driver = { load: driver, chooser, traffic: name, startedMs: clock.nowMs() };
    this.ctx.defer(() => this.stop());
  }

  /** The chooser of the running (or last) replay: its picks are routing evidence. */
  get chooser(): PeerChooser | undefined {
    return this.driver?.chooser;
  }

  /** The figures of the last replay the clients finished (after `When the clients stop`). */
  lastSummary(): LoadSummary {
    const summary = this.summaries.at(-1);
    if (!summary) throw new Error('no traffic replay has finished: stop the clients first');
    return summary;
  }

  /** The running (or last unstopped) replay's figures so far, for verdicts judged while it runs. */
  liveSummary(): LoadSummary | undefined {
    return this.driver?.load.summary();
  }

  /** When the running replay started, on the scenario clock. */
  get replayStartedMs(): number | undefined {
    return this.driver?.startedMs;
  }

  /** Stops background clients and any replay, waiting for calls in flight; attaches the replay's figures once. */
  async stop(): Promise<void> {
    const clients = this.clients;
    this.clients = undefined;
    await clients?.stop();
    const driver = this.driver;
    if (!driver || driver.stopped) return;
    driver.stopped = true;
    const summary = await driver.load.stop();
    this.summaries.push(summary);
    await attachJson(this.ctx.evidence, `load-${driver.traffic}`, summary);
    await attachJson(this.ctx.evidence, 'chooser-picks', { perSecond: picksPerSecond(driver.chooser), breakers: driver.chooser.breakerTransitions() });
  }

  /** Of the replayed `procedure` calls (one per logical call, retries included in it), at least `percent` % ended ok. */
  async expectSuccessRate(procedure: string, percent: number): Promise<void> {
    const calls = this.ctx.history.ops.filter((o) => o.f === procedure && o.process.startsWith('vc-') && o.outcome !== undefined);
    const ok = calls.filter((o) => o.outcome === 'ok').length;
    const rate = calls.length ? (ok / calls.length) * 100 : 0;
    const failures = calls.filter((o) => o.outcome !== 'ok');
    const problems = [
      ...(calls.length < 100 ? [`only ${calls.length} ${procedure} calls completed: too few to judge a rate`] : []),
      ...(rate < percent
        ? [
            `${ok} of ${calls.length} ${procedure} calls succeeded (${rate.toFixed(2)} %, at least ${percent} % expected); e.g. ${failures
              .slice(0, 3)
              .map((o) => `${o.target}: ${o.error ?? o.outcome}`)
              .join('; ')}`,
          ]
        : []),
    ];
    await this.ctx.verdicts.now(`${procedure} success rate at least ${percent} %`, problems, { calls: calls.length, ok, ratePercent: rate });
  }

  /** The last replay retried less than `percent` % of its calls (retries do not pile up into a herd). */
  async expectRetryRateUnder(percent: number): Promise<void> {
    const summary = this.lastSummary();
    const rate = (summary.retryRate ?? 0) * 100;
    await this.ctx.verdicts.now(
      `retry rate under ${percent} %`,
      rate < percent ? [] : [`${summary.retries} retries for ${summary.calls} calls (${rate.toFixed(1)} %)`],
      { retries: summary.retries, calls: summary.calls, attempts: summary.attempts },
    );
  }

  /** Waits until at least `count` calls (any procedure) are acknowledged, counted from now when `more`. */
  async expectCallsAcknowledged(count: number, within: Duration, more = false): Promise<void> {
    const okNow = () => this.ctx.history.ops.reduce((n, o) => n + (o.outcome === 'ok' ? 1 : 0), 0);
    const base = more ? okNow() : 0;
    await this.ctx.verdicts.within(
      `at least ${count}${more ? ' more' : ''} calls are acknowledged`,
      async () => ({ acknowledged: okNow() - base, recorded: clientOps(this.ctx.history.ops).length }),
      (seen) => judge(seen.acknowledged >= count ? [] : [`${seen.acknowledged} acknowledged (${seen.recorded} calls recorded in all)`]),
      { timeoutMs: within.ms },
    );
  }

  /** Waits until at least `count` calls of `procedure` have been acknowledged, so a fault hits a loaded cluster. */
  async expectAcknowledged(procedure: string, count: number, within: Duration): Promise<void> {
    await this.ctx.verdicts.within(
      `at least ${count} ${procedure} calls are acknowledged`,
      async () => this.ctx.history.ops.filter((o) => o.f === procedure).map((o) => o.outcome ?? 'pending'),
      (outcomes) =>
        judge(
          outcomes.filter((o) => o === 'ok').length >= count ? [] : [`${outcomes.filter((o) => o === 'ok').length} acknowledged of ${outcomes.length} calls`],
        ),
      { timeoutMs: within.ms },
    );
  }

  /** Every acknowledged `sequence::next` returned a distinct value (and enough were acknowledged to matter). */
  async expectSequenceNeverRepeated(minimumAcknowledged: number): Promise<void> {
    const ops = this.ctx.history.ops.filter((o) => o.f === 'sequence::next');
    const result = uniqueIdsProblems(ops, (o) => (o.result as { value?: number } | undefined)?.value, minimumAcknowledged);
    this.ctx.log(`sequence: ${result.acknowledged} acknowledged of ${ops.length} calls`);
    await this.ctx.verdicts.now('sequence never repeats', result.problems, {
      acknowledged: result.acknowledged,
      calls: ops.length,
      duplicates: result.duplicates,
    });
  }
}
