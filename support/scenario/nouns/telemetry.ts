// Telemetry signals (feature:mesh-shard-telemetry): the spans every node exported to the scenario's OTLP
// receiver, the metrics a scrape can alert on, and counters read the way a scraper with reset handling
// reads them, across restarts.
import type { ScenarioContext } from '../context';
import type { ClusterNodes } from '../nodes';
import type { ProcessFaults } from './processes';
import type { Leadership } from './leadership';
import type { Members } from './members';
import { parseMember } from '../../members';
import { judge } from '../../checks/eventually';
import { metricAtLeastProblems, spanProblems } from '../../checks/signals';
import { counterResetReport, type Scrape } from '../../checks/counter-resets';
import { parsePrometheus, sumOf } from '../../checks/prometheus';
import { attachJson } from '../../evidence/attach';
import type { Duration } from '../../duration';
import { TableError } from '../../tables';

const GLOBAL = 'global-control';

/** `| span | attribute | value |` rows: a span of that name with that attribute value must arrive. */
export interface SpanRow {
  readonly span: string;
  readonly attribute: string;
  readonly value: string;
}

export function spanRows(rows: readonly (readonly string[])[]): SpanRow[] {
  const [header, ...body] = rows;
  if (header?.map((c) => c.trim().toLowerCase()).join('|') !== 'span|attribute|value')
    throw new TableError('span table: the first row must be the header | span | attribute | value |');
  if (body.length === 0) throw new TableError('span table: name at least one span');
  return body.map((r, i) => {
    const [span, attribute, value] = r.map((c) => c.trim());
    if (!span || !attribute || value === undefined || value === '')
      throw new TableError(`span table, row ${i + 2}: expected | <span name> | <attribute> | <value> |`);
    return { span, attribute, value };
  });
}

export class TelemetryVerbs {
  private scrapes: Scrape[] = [];
  private scraping: { stop: () => Promise<void> } | undefined;

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly nodes: ClusterNodes,
    private readonly processes: ProcessFaults,
    private readonly leadership: Leadership,
    private readonly members: Members,
  ) {}

  /**
   * Scrapes every live node's /omnirelay/metrics every `every` until the scenario ends or the counters are
   * judged. Returns once every node has been scraped once, so that a fault after this step falls on
   * counters the scraper has already seen.
   */
  async startScraping(every: Duration): Promise<void> {
    if (this.scraping) throw new Error('the metrics are already being scraped');
    let running = true;
    const round = async () => {
      const down = this.processes.heldDown();
      await Promise.all(
        this.nodes.cluster.relayNodes
          .filter((n) => !down.has(n.id))
          .map(async (n) => {
            const text = await n.metrics().catch(() => undefined); // a node restarting answers nothing: skipped, as Prometheus would
            if (text) this.scrapes.push({ node: n.id, atMs: this.ctx.clock.nowMs(), samples: parsePrometheus(text) });
          }),
      );
    };
    await round();
    const loop = (async () => {
      while (running) {
        await new Promise((r) => setTimeout(r, every.ms)); // the scrape interval itself, not a sync wait
        if (running) await round();
      }
    })();
    this.ctx.defer(() => this.stop());
    this.scraping = {
      stop: async () => {
        running = false;
        await loop;
      },
    };
  }

  async stop(): Promise<void> {
    await this.scraping?.stop();
    this.scraping = undefined;
  }

  /** Within `within`, the receiver holds a span of each row's name whose attribute has the row's value. */
  async expectSpans(rows: readonly SpanRow[], within: Duration): Promise<void> {
    const wanted = await Promise.all(rows.map(async (r) => ({ ...r, value: await this.resolve(r.value) })));
    const receiver = this.nodes.cluster.telemetry;
    const found = await this.ctx.verdicts.within(
      `the trace receiver holds ${wanted.map((w) => `${w.span} with ${w.attribute}=${w.value}`).join('; ')}`,
      async () => {
        const names = [...new Set(wanted.map((w) => w.span))];
        const byName = new Map(await Promise.all(names.map(async (n) => [n, await receiver.spans(n)] as const)));
        return wanted.map((w) => ({
          ...w,
          seen: byName.get(w.span) ?? [],
          match: (byName.get(w.span) ?? []).find((s) => String(s.attributes[w.attribute]) === w.value),
        }));
      },
      (rs) => judge(spanProblems(rs)),
      { timeoutMs: within.ms },
    );
    await attachJson(
      this.ctx.evidence,
      'spans-matched',
      found.map((r) => ({ span: r.span, attribute: r.attribute, value: r.value, match: r.match })),
    );
  }

  /** A scrape of the current global leader shows `metric` (summed over series with these labels) at least `atLeast`. */
  async expectLeaderMetric(metric: string, labels: Record<string, string>, atLeast: number): Promise<void> {
    const leader = await this.leadership.current(GLOBAL);
    const samples = parsePrometheus(await this.nodes.cluster.node(leader).metrics());
    await this.ctx.verdicts.now(`${metric} on the global leader is at least ${atLeast}`, metricAtLeastProblems(leader, samples, metric, labels, atLeast), {
      leader,
      metric,
      labels,
      value: sumOf(samples, metric, labels),
      series: samples.filter((s) => s.name === metric),
    });
  }

  /**
   * Every counter of every node only rose, read as a scraper with reset handling reads it: a fall is a
   * restart when process_start_time_seconds changed, and a reset nobody can detect when it did not. Waits
   * until every live node was scraped twice more, then judges; at least one restart must have been seen.
   */
  async expectCountersMonotonic(within: Duration): Promise<void> {
    if (!this.scraping) throw new Error('the metrics are not being scraped: add "the metrics of every node are scraped every 500 ms" before the faults');
    const from = this.ctx.clock.nowMs();
    await this.ctx.verdicts.waitFor(
      'every live node was scraped twice more',
      async () => this.nodes.cluster.relayNodes.map((n) => ({ id: n.id, since: this.scrapes.filter((s) => s.node === n.id && s.atMs >= from).length })),
      (seen) => judge(seen.filter((s) => s.since < 2).map((s) => `${s.id}: ${s.since} scrapes since`)),
      { timeoutMs: within.ms },
    );
    await this.stop();
    const report = counterResetReport(this.scrapes);
    const restarts = Object.values(report.restartsSeen).reduce((a, b) => a + b, 0);
    const problems = [...report.problems, ...(restarts === 0 ? ['no node restarted while its metrics were scraped, so no reset handling was exercised'] : [])];
    await this.ctx.verdicts.now('counters only rose, across restarts', problems, { ...report, scrapes: this.scrapes.length });
  }

  /** A member phrase (`the global leader`, `the previous global leader`, …) as the node it names; any other value as written. */
  private async resolve(value: string): Promise<string> {
    const member = parseMember(value);
    return member && member.kind !== 'id' ? this.members.one(member) : value;
  }
}
