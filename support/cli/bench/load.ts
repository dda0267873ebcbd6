// load: the suite's LoadDriver against autocannon on one node, same concurrency, duration and body.
import autocannon from 'autocannon';
import { OpHistory, ScenarioClock } from '../../checks/history';
import { LoadDriver } from '../../fabric/load-driver';
import { Traffic } from '../../fabric/traffic';
import { median, type BenchEnv } from './common';

/** What one load generator measured against the lone node. */
export interface LoadFigures {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** The driver's p99 with waits for a connection included (autocannon reports none). */
  callP99Ms?: number;
  /** Answers other than 2xx, and calls without an answer. */
  non2xx: number;
  errors: number;
}

/**
 * Load: one node of the topology (echo carries no shard key, so the node serves it itself), then
 * autocannon and the LoadDriver with the same concurrency, duration and echo body, in rounds of
 * alternating order after a short warm-up of each; each figure is the median over the rounds (on a
 * 2-core machine the client, the nodes and the port proxy share the cores, so single runs vary by ±30%).
 */
export async function loadVsAutocannon(
  { say }: BenchEnv,
  baseUrl: string,
  { loadClients, loadSeconds, loadRounds }: { loadClients: number; loadSeconds: number; loadRounds: number },
): Promise<{ autocannon: LoadFigures; driver: LoadFigures }> {
  const traffic = await Traffic.load('echo');
  const body = JSON.stringify(traffic.opFor(1, 1).body); // same shape and size as the driver's bodies
  const viaAutocannon = async (connections: number, seconds: number): Promise<LoadFigures> => {
    const r = await autocannon({
      url: baseUrl,
      connections,
      duration: seconds,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'rpc-procedure': 'echo', 'rpc-caller': 'hyperscale-bench', 'rpc-encoding': 'json' },
      body,
    });
    return { rps: Math.round(r.requests.total / r.duration), p50Ms: r.latency.p50, p99Ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
  };
  const viaDriver = async (clients: number, seconds: number): Promise<LoadFigures> => {
    // Every call recorded, as in a scenario: the history is part of what the driver costs.
    const history = new OpHistory(new ScenarioClock());
    const driver = new LoadDriver({
      peers: [{ id: 'load-1', baseUrl }],
      traffic,
      history,
      clients,
      durationMs: seconds * 1000,
      callTimeoutMs: 10_000,
      log: say,
      progressEveryMs: 1_000,
    });
    // Every connection opened first, as autocannon opens all of its connections at once before its load.
    const connected = await driver.preconnect(clients);
    if (connected < clients) say(`load: only ${connected} of ${clients} connections opened before the run`);
    const summary = await driver.run();
    // Statuses are HTTP codes for answers and words (timeout, ECONNRESET, …) for calls without one.
    const statuses = Object.entries(summary.statuses);
    const non2xx = statuses.filter(([k]) => /^\d+$/.test(k) && !k.startsWith('2')).reduce((n, [, v]) => n + v, 0);
    const errors = statuses.filter(([k]) => !/^\d+$/.test(k)).reduce((n, [, v]) => n + v, 0);
    // Latency as autocannon measures it (request written to answer); the whole call's p99 beside it.
    if (history.ops.length < summary.calls) throw new Error(`the driver recorded ${history.ops.length} of its ${summary.calls} calls in the history`);
    return {
      rps: Math.round(summary.rps),
      p50Ms: summary.requestLatency.p50Ms,
      p99Ms: summary.requestLatency.p99Ms,
      callP99Ms: summary.latency.p99Ms,
      non2xx,
      errors,
    };
  };
  say(`load: ShardRing node at ${baseUrl}; warm-up 1 s each with 100 connections / clients`);
  await viaAutocannon(100, 1);
  await viaDriver(100, 1);
  const runs: Record<'autocannon' | 'driver', LoadFigures[]> = { autocannon: [], driver: [] };
  for (let round = 1; round <= loadRounds; round++) {
    const order = round % 2 === 1 ? (['autocannon', 'driver'] as const) : (['driver', 'autocannon'] as const);
    for (const side of order) {
      say(`load round ${round}/${loadRounds}: ${side}, ${loadClients} ${side === 'driver' ? 'virtual clients' : 'connections'}, ${loadSeconds} s`);
      const r = side === 'driver' ? await viaDriver(loadClients, loadSeconds) : await viaAutocannon(loadClients, loadSeconds);
      runs[side].push(r);
      say(
        `load round ${round}/${loadRounds}: ${side} ${r.rps}/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms${r.callP99Ms === undefined ? '' : ` (${r.callP99Ms} ms with connection waits)`}, ${r.non2xx} non-2xx, ${r.errors} errors`,
      );
    }
  }
  const medians = (xs: LoadFigures[]): LoadFigures => ({
    rps: median(xs.map((x) => x.rps)),
    p50Ms: median(xs.map((x) => x.p50Ms)),
    p99Ms: median(xs.map((x) => x.p99Ms)),
    ...(xs.every((x) => x.callP99Ms !== undefined) ? { callP99Ms: median(xs.map((x) => x.callP99Ms!)) } : {}),
    non2xx: xs.reduce((n, x) => n + x.non2xx, 0),
    errors: xs.reduce((n, x) => n + x.errors, 0),
  });
  return { autocannon: medians(runs.autocannon), driver: medians(runs.driver) };
}
