// `npm run bench`: prints `name value unit` per figure. Sections (all by default; `--only=<a,b>` or
// `--only <a,b>` runs some):
//   startup   time until the GlobalLeaderWithTwoRegions topology answers ready on every node through the
//             fixture, against the same containers started in parallel with bare Docker API calls and
//             polled the same way, in the same run, and their ratio (`--rounds=N`, default 3);
//   failover  time until global::echo is served again after pausing the global leader, by lease expiry
//             and by promotion, against the lease TTL;
//   load      one node of a running ShardRing topology (it serves echo itself) driven by autocannon and by
//             the suite's LoadDriver with the same number of connections / virtual clients for the same
//             time, in rounds of alternating order: median rps and p50/p99 of both and their ratio, non-2xx
//             answers and errors summed (`--load-clients=N`, default 1,000; `--load-seconds=N`, default
//             5; `--load-rounds=N`, default 3);
//   proxy     the fault proxy's own cost: the LoadDriver's echo calls to one node direct and through a
//             toxic-free proxy in front of it, alternating (`--proxy-clients=N`, default 100, 5 s per side,
//             `--load-rounds` rounds): added p50 and p99 and the throughput ratio;
//   handover  the same topology under 200 clients replaying seeds/traffic/handover.json while an operator
//             moves shard-07 `--handovers=N` times (default 5): handover time as the leader measured it,
//             and the latency of the calls on shard-07 that overlapped a handover against those that did
//             not, with failed calls counted;
//   overload  cross-region backpressure on GlobalLeaderWithTwoRegions with a node budget (`--overload-budget=N`,
//             default 50 calls/s): time from the shard owner's first refusal to the first call shed by the
//             other region's ingress, and goodput at 150 % of the budget against 100 % (`--overload-seconds=N`,
//             default 10 per run); see bench-overload.ts.
import autocannon from 'autocannon';
import { CLIENTS, topologyByName, validateTopology, type Topology } from '../../topologies';
import { Cluster } from '../cluster/cluster';
import { docker } from '../cluster/engine';
import { LABEL, RUN, runLabels } from '../cluster/labels';
import { createNetwork } from '../cluster/network';
import { waitForHttpOk } from '../cluster/readiness';
import { RELAY_HTTP_PORT } from '../cluster/relay-node';
import { ETCD_DATA_TMPFS, etcdCommand, relayNodeEnv } from '../cluster/specs';
import { removeRun, removeScenario } from '../cluster/teardown';
import { BootstrapServer } from '../tls';
import { eventually, judge } from '../checks/eventually';
import { LoadDriver } from '../fabric/load-driver';
import { OpHistory, ScenarioClock, type Op } from '../checks/history';
import { Traffic } from '../fabric/traffic';
import { prepareSuite } from '../suite';
import { overloadFigures, type OverloadFigures } from './bench-overload';
import { listOf, parseFlags, usageExit, wholeNumber } from './flags';

const SECTIONS = ['startup', 'failover', 'load', 'proxy', 'handover', 'overload'] as const;
type Section = (typeof SECTIONS)[number];
const USAGE = `usage: npm run bench -- [--only <${SECTIONS.join(',')}>] [--rounds N] [--load-clients N] [--load-seconds N]
                          [--load-rounds N] [--proxy-clients N] [--handovers N] [--overload-budget N] [--overload-seconds N]
  each flag takes its value as --flag N or --flag=N; see the top of support/cli/bench.ts for what each section measures`;
const NUMBER_FLAGS = ['rounds', 'load-clients', 'load-seconds', 'load-rounds', 'proxy-clients', 'handovers', 'overload-budget', 'overload-seconds'] as const;
const flags = usageExit('bench', USAGE, () => {
  const { values } = parseFlags(process.argv.slice(2), {
    only: { type: 'string' },
    ...Object.fromEntries(NUMBER_FLAGS.map((f) => [f, { type: 'string' as const }])),
  });
  const n = (flag: (typeof NUMBER_FLAGS)[number], fallback: number) => wholeNumber(flag, (values as Record<string, string | undefined>)[flag], fallback);
  return {
    only: listOf('only', values.only, SECTIONS),
    rounds: n('rounds', 3),
    loadClients: n('load-clients', 1_000),
    loadSeconds: n('load-seconds', 5),
    loadRounds: n('load-rounds', 3),
    handovers: n('handovers', 5),
    proxyClients: n('proxy-clients', 100),
    overloadBudget: n('overload-budget', 50),
    overloadSeconds: n('overload-seconds', 10),
  };
});
const { only, rounds, loadClients, loadSeconds, loadRounds, handovers, proxyClients, overloadBudget, overloadSeconds } = flags;
const runs = (section: Section) => only.includes(section);
const topology = topologyByName('GlobalLeaderWithTwoRegions');
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

process.once('SIGINT', () => void removeRun().finally(() => process.exit(130)));

const prepared = await prepareSuite();
if (!prepared.containers) throw new Error('the benchmark needs containers (OMNIRELAY_HYPERSCALE_CONTAINERS is false)');
const { images, ca } = prepared.containers;

async function viaFixture(round: number): Promise<number> {
  const cluster = await Cluster.start({ topology, images, ca, scenarioId: `bench-fixture-${round}`, readyTimeoutMs: 120_000 });
  await cluster.stop();
  return cluster.startupMs;
}

/** The same containers, created and started with plain dockerode calls, polled for the same endpoints. */
async function viaBareDocker(round: number, t: Topology): Promise<number> {
  const scenarioId = `bench-bare-${round}`;
  const started = Date.now();
  const labels = runLabels({ [LABEL.scenario]: scenarioId });
  const network = await createNetwork(`ohs-${RUN.id}-${scenarioId}`, labels);
  const bootstrap = await BootstrapServer.start(ca, { host: network.gateway });
  try {
    const specs = [
      ...t.etcd.map((m) => ({ id: m.id, image: images.etcd.ref, port: 2379, path: '/health', cmd: etcdCommand(t, m, scenarioId), env: [] as string[] })),
      ...t.nodes.map((n) => ({
        id: n.id,
        image: images.relayNode.ref,
        port: RELAY_HTTP_PORT,
        path: '/readyz',
        cmd: undefined,
        env: Object.entries(
          relayNodeEnv(t, n, { bootstrapUrl: `http://${network.gateway}:${bootstrap.port}`, bootstrapToken: bootstrap.clusterToken ?? '' }),
        ).map(([k, v]) => `${k}=${v}`),
      })),
    ];
    await Promise.all(
      specs.map(async (s) => {
        const container = await docker().createContainer({
          name: `ohs-${RUN.id}-${scenarioId}-${s.id}`,
          Image: s.image,
          Cmd: s.cmd,
          Env: s.env,
          Labels: labels,
          ExposedPorts: { [`${s.port}/tcp`]: {} },
          HostConfig: {
            NetworkMode: network.name,
            PortBindings: { [`${s.port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '0' }] },
            Tmpfs: s.cmd ? { ...ETCD_DATA_TMPFS } : undefined,
          },
          NetworkingConfig: { EndpointsConfig: { [network.name]: { Aliases: [s.id] } } },
        });
        await container.start();
        const info = await container.inspect();
        const hostPort = info.NetworkSettings.Ports[`${s.port}/tcp`]?.[0]?.HostPort;
        await waitForHttpOk(`http://127.0.0.1:${hostPort}${s.path}`, `${s.id} ${s.path}`, 120_000);
      }),
    );
    return Date.now() - started;
  } finally {
    await bootstrap.stop();
    await removeScenario(scenarioId);
  }
}

/**
 * Failover: the global leader is paused; the time until a call that needs the global leader
 * (global::echo, sent to a live node and forwarded) is served by another node. Without promotion the
 * regional standby takes over after the lease expires; with promotion the west leader is promoted at once.
 */
async function failover(withPromotion: boolean): Promise<number> {
  const scenarioId = `bench-failover-${withPromotion ? 'promote' : 'expiry'}`;
  const cluster = await Cluster.start({ topology, images, ca, scenarioId, readyTimeoutMs: 120_000 });
  try {
    const entry = cluster.node('east-3');
    const holderOf = async (scope: string) => (await entry.leaders(scope)).tokens.find((t) => t.scope === scope)?.leaderId;
    const leader = await eventually(
      'a global leader is elected',
      () => holderOf('global-control'),
      (id) => judge(id ? [] : ['none yet']),
      { timeoutMs: 30_000 },
    );
    const west = await eventually(
      'west has a leader',
      () => holderOf('region/west'),
      (id) => judge(id ? [] : ['none yet']),
      { timeoutMs: 30_000 },
    );
    const started = Date.now();
    await cluster.node(leader!).pause();
    if (withPromotion) {
      const answer = await cluster.node(west!).promote('global-control');
      if (answer.status !== 200) throw new Error(`promotion answered HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
    await eventually(
      'global::echo is served by a new global leader',
      () => entry.call('global::echo', { bench: true }),
      (r) => judge(r.status === 200 && r.answeredBy && r.answeredBy !== leader ? [] : [`HTTP ${r.status} served by ${r.answeredBy}`]),
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    const ms = Date.now() - started;
    await cluster.node(leader!).unpause();
    return ms;
  } finally {
    await cluster.stop();
  }
}

/** What one load generator measured against the lone node. */
interface LoadFigures {
  rps: number;
  p50Ms: number;
  p99Ms: number;
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
async function loadVsAutocannon(baseUrl: string): Promise<{ autocannon: LoadFigures; driver: LoadFigures }> {
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
    const summary = await new LoadDriver({
      peers: [{ id: 'load-1', baseUrl }],
      traffic,
      clients,
      durationMs: seconds * 1000,
      callTimeoutMs: 10_000,
      log: say,
      progressEveryMs: 1_000,
    }).run();
    // Statuses are HTTP codes for answers and words (timeout, ECONNRESET, …) for calls without one.
    const statuses = Object.entries(summary.statuses);
    const non2xx = statuses.filter(([k]) => /^\d+$/.test(k) && !k.startsWith('2')).reduce((n, [, v]) => n + v, 0);
    const errors = statuses.filter(([k]) => !/^\d+$/.test(k)).reduce((n, [, v]) => n + v, 0);
    return { rps: Math.round(summary.rps), p50Ms: summary.latency.p50Ms, p99Ms: summary.latency.p99Ms, non2xx, errors };
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
      say(`load round ${round}/${loadRounds}: ${side} ${r.rps}/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.non2xx} non-2xx, ${r.errors} errors`);
    }
  }
  const medians = (xs: LoadFigures[]): LoadFigures => ({
    rps: median(xs.map((x) => x.rps)),
    p50Ms: median(xs.map((x) => x.p50Ms)),
    p99Ms: median(xs.map((x) => x.p99Ms)),
    non2xx: xs.reduce((n, x) => n + x.non2xx, 0),
    errors: xs.reduce((n, x) => n + x.errors, 0),
  });
  return { autocannon: medians(runs.autocannon), driver: medians(runs.driver) };
}

interface ProxyFigures {
  flavour: string;
  direct: { rps: number; p50Ms: number; p99Ms: number };
  proxied: { rps: number; p50Ms: number; p99Ms: number };
}

/**
 * Proxy overhead: echo from `proxyClients` virtual clients to ring-1, direct and through its (toxic-free)
 * proxy on the client link, in alternating rounds; medians. The proxy and the node share the 2 cores with
 * the driver, so this is the whole cost of the extra hop as a scenario sees it.
 */
async function proxyOverhead(cluster: Cluster): Promise<ProxyFigures> {
  const node = cluster.node('ring-1');
  if (!cluster.proxy || node.ingress === node.url) throw new Error('the bench topology has no proxied client link');
  const traffic = await Traffic.load('echo');
  const run = async (baseUrl: string) => {
    const s = await new LoadDriver({
      peers: [{ id: 'ring-1', baseUrl }],
      traffic,
      clients: proxyClients,
      durationMs: 5_000,
      callTimeoutMs: 10_000,
      log: say,
      progressEveryMs: 0,
    }).run();
    return { rps: Math.round(s.rps), p50Ms: s.latency.p50Ms, p99Ms: s.latency.p99Ms };
  };
  const sides: Record<'direct' | 'proxied', { rps: number; p50Ms: number; p99Ms: number }[]> = { direct: [], proxied: [] };
  for (let round = 1; round <= loadRounds; round++) {
    const order = round % 2 === 1 ? (['direct', 'proxied'] as const) : (['proxied', 'direct'] as const);
    for (const side of order) {
      const r = await run(side === 'direct' ? node.url : node.ingress);
      sides[side].push(r);
      say(`proxy round ${round}/${loadRounds}: ${side} ${r.rps}/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`);
    }
  }
  const med = (xs: { rps: number; p50Ms: number; p99Ms: number }[]) => ({
    rps: median(xs.map((x) => x.rps)),
    p50Ms: median(xs.map((x) => x.p50Ms)),
    p99Ms: median(xs.map((x) => x.p99Ms)),
  });
  return { flavour: cluster.proxy.flavour, direct: med(sides.direct), proxied: med(sides.proxied) };
}

/** Waits until every node of `cluster` reports the same published shard map. */
async function mapPublished(cluster: Cluster): Promise<void> {
  await eventually(
    `every node of ${cluster.topology.name} reports the same published shard map`,
    () =>
      Promise.all(
        cluster.relayNodes.map((n) =>
          n
            .shards()
            .then((v) => v.version)
            .catch(() => -1),
        ),
      ),
    (versions) => judge(versions.every((v) => v >= 1 && v === versions[0]) ? [] : [`map versions ${versions.join(', ')}`]),
    { timeoutMs: 60_000 },
  );
}

interface HandoverFigures {
  moves: number;
  handoverMs: { p50: number; max: number };
  during: { calls: number; p50Ms: number; p99Ms: number; maxMs: number; notOk: number };
  outside: { calls: number; p50Ms: number; p99Ms: number; notOk: number };
}

/**
 * Handover: 200 clients replay the handover traffic (every call on shard-07) through every node, and an
 * operator moves shard-07 `handovers` times, 3 s apart. A call "overlaps" a handover when it was in
 * flight at any moment of the rebalance call; its latency is from invoke to completion on the driver.
 */
async function handoverUnderLoad(cluster: Cluster): Promise<HandoverFigures> {
  const history = new OpHistory(new ScenarioClock());
  const driver = new LoadDriver({
    peers: () => cluster.relayNodes.map((n) => ({ id: n.id, baseUrl: n.url })),
    traffic: await Traffic.load('handover'),
    clients: 200,
    history,
    durationMs: (handovers + 2) * 3_000,
    callTimeoutMs: 10_000,
    log: say,
    progressEveryMs: 3_000,
  }).start();
  const windows: { fromMs: number; toMs: number }[] = [];
  const handoverMs: number[] = [];
  try {
    for (let i = 1; i <= handovers; i++) {
      await new Promise((resolve) => setTimeout(resolve, 3_000)); // the load's steady state between moves, not a sync wait
      const fromMs = history.clock.nowMs();
      const answer = await cluster.node('ring-1').rebalance('shard-07');
      const toMs = history.clock.nowMs();
      if (answer.status !== 200) throw new Error(`move ${i} of shard-07 answered HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
      windows.push({ fromMs, toMs });
      handoverMs.push(answer.body.handover?.ms ?? toMs - fromMs);
      say(
        `handover ${i}/${handovers}: shard-07 ${answer.body.from} → ${answer.body.to} in ${handoverMs.at(-1)} ms (rebalance call ${Math.round(toMs - fromMs)} ms)`,
      );
    }
  } finally {
    await driver.stop();
  }
  const calls = history.ops.filter((o) => o.shardKey === 'shard-07' && o.completeMs !== undefined);
  const overlaps = (o: Op) => windows.some((w) => o.invokeMs <= w.toMs && o.completeMs! >= w.fromMs);
  const figures = (ops: readonly Op[]) => {
    const ms = ops.map((o) => o.completeMs! - o.invokeMs).sort((a, b) => a - b);
    const at = (q: number) => Math.round(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0);
    return { calls: ops.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: Math.round(ms.at(-1) ?? 0), notOk: ops.filter((o) => o.outcome !== 'ok').length };
  };
  const during = figures(calls.filter(overlaps));
  const { maxMs: _max, ...outside } = figures(calls.filter((o) => !overlaps(o)));
  return { moves: windows.length, handoverMs: { p50: median(handoverMs), max: Math.max(...handoverMs) }, during, outside };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fixture: number[] = [];
const bare: number[] = [];
let withoutPromotion = 0;
let withPromotion = 0;
let load: Awaited<ReturnType<typeof loadVsAutocannon>> | undefined;
let handover: HandoverFigures | undefined;
let proxy: ProxyFigures | undefined;
let overload: OverloadFigures | undefined;
try {
  if (runs('startup')) {
    for (let round = 1; round <= rounds; round++) {
      // Alternate the order so that neither side always runs on a warmer engine.
      const order = round % 2 === 1 ? (['fixture', 'bare'] as const) : (['bare', 'fixture'] as const);
      for (const side of order) {
        const ms = side === 'fixture' ? await viaFixture(round) : await viaBareDocker(round, topology);
        (side === 'fixture' ? fixture : bare).push(ms);
        say(`round ${round}/${rounds}: ${side} ready in ${ms} ms`);
      }
    }
    await removeRun();
  }
  if (runs('failover')) {
    withoutPromotion = await failover(false);
    say(`failover by lease expiry and standby: ${withoutPromotion} ms`);
    withPromotion = await failover(true);
    say(`failover by promotion: ${withPromotion} ms`);
  }
  if (runs('load') || runs('handover') || runs('proxy')) {
    // ShardRing with a client link, so that the fixture also starts the fault proxy in front of its nodes.
    const topology = validateTopology(
      { ...topologyByName('ShardRing'), links: [{ from: CLIENTS, to: 'ring', through: 'proxy', bidirectional: false }] },
      'ShardRing with a proxied client link',
    );
    const ring = await Cluster.start({ topology, images, ca, scenarioId: 'bench-shards', readyTimeoutMs: 120_000 });
    try {
      await mapPublished(ring);
      if (runs('load')) load = await loadVsAutocannon(ring.node('ring-1').url);
      if (runs('proxy')) proxy = await proxyOverhead(ring);
      if (runs('handover')) handover = await handoverUnderLoad(ring);
    } finally {
      await ring.stop();
    }
  }
  if (runs('overload')) {
    const budgeted = validateTopology({ ...topology, shards: { ...topology.shards, nodeQpsBudget: overloadBudget } }, `${topology.name} with a node budget`);
    const cluster = await Cluster.start({ topology: budgeted, images, ca, scenarioId: 'bench-overload', readyTimeoutMs: 120_000 });
    try {
      await mapPublished(cluster);
      overload = await overloadFigures(cluster, { budgetQps: overloadBudget, seconds: overloadSeconds, say });
    } finally {
      await cluster.stop();
    }
  }
} finally {
  await removeRun();
}

if (runs('startup')) {
  const f = median(fixture);
  const b = median(bare);
  console.log(`topology_ready_fixture_ms ${f} ms`);
  console.log(`topology_ready_bare_docker_ms ${b} ms`);
  console.log(`fixture_to_bare_docker_ratio ${(f / b).toFixed(2)} x`);
}
if (runs('failover')) {
  console.log(`failover_without_promotion_ms ${withoutPromotion} ms`);
  console.log(`failover_with_promotion_ms ${withPromotion} ms`);
  console.log(`configured_lease_ttl_ms ${topology.timers.leaseTtlMs} ms`);
  console.log(`failover_without_promotion_to_lease_ratio ${(withoutPromotion / topology.timers.leaseTtlMs).toFixed(2)} x`);
  console.log(`failover_with_promotion_to_lease_ratio ${(withPromotion / topology.timers.leaseTtlMs).toFixed(2)} x`);
}
if (runs('startup')) {
  console.log(`topology_containers ${topology.nodes.length + topology.etcd.length} containers`);
  console.log(`bench_rounds ${rounds} rounds`);
}
if (load) {
  console.log(`load_autocannon_rps ${load.autocannon.rps} req/s`);
  console.log(`load_autocannon_p50_ms ${load.autocannon.p50Ms} ms`);
  console.log(`load_autocannon_p99_ms ${load.autocannon.p99Ms} ms`);
  console.log(`load_autocannon_non2xx_or_errors ${load.autocannon.non2xx + load.autocannon.errors} calls`);
  console.log(`load_driver_rps ${load.driver.rps} req/s`);
  console.log(`load_driver_p50_ms ${load.driver.p50Ms} ms`);
  console.log(`load_driver_p99_ms ${load.driver.p99Ms} ms`);
  console.log(`load_driver_non2xx_or_errors ${load.driver.non2xx + load.driver.errors} calls`);
  console.log(`load_driver_to_autocannon_rps_ratio ${(load.driver.rps / load.autocannon.rps).toFixed(2)} x`);
  console.log(`load_concurrency ${loadClients} connections`);
  console.log(`load_seconds ${loadSeconds} s`);
  console.log(`load_rounds ${loadRounds} rounds`);
}
if (proxy) {
  console.log(`proxy_flavour ${proxy.flavour} -`);
  console.log(`proxy_direct_rps ${proxy.direct.rps} req/s`);
  console.log(`proxy_proxied_rps ${proxy.proxied.rps} req/s`);
  console.log(`proxy_throughput_ratio ${(proxy.proxied.rps / proxy.direct.rps).toFixed(2)} x`);
  console.log(`proxy_direct_p50_ms ${proxy.direct.p50Ms} ms`);
  console.log(`proxy_proxied_p50_ms ${proxy.proxied.p50Ms} ms`);
  console.log(`proxy_added_p50_ms ${(proxy.proxied.p50Ms - proxy.direct.p50Ms).toFixed(2)} ms`);
  console.log(`proxy_direct_p99_ms ${proxy.direct.p99Ms} ms`);
  console.log(`proxy_proxied_p99_ms ${proxy.proxied.p99Ms} ms`);
  console.log(`proxy_added_p99_ms ${(proxy.proxied.p99Ms - proxy.direct.p99Ms).toFixed(2)} ms`);
  console.log(`proxy_clients ${proxyClients} clients`);
}
if (handover) {
  console.log(`handover_moves ${handover.moves} moves`);
  console.log(`handover_ms_p50 ${handover.handoverMs.p50} ms`);
  console.log(`handover_ms_max ${handover.handoverMs.max} ms`);
  console.log(`handover_overlapping_calls ${handover.during.calls} calls`);
  console.log(`handover_overlapping_call_p50_ms ${handover.during.p50Ms} ms`);
  console.log(`handover_overlapping_call_p99_ms ${handover.during.p99Ms} ms`);
  console.log(`handover_overlapping_call_max_ms ${handover.during.maxMs} ms`);
  console.log(`handover_overlapping_calls_not_ok ${handover.during.notOk} calls`);
  console.log(`steady_call_p50_ms ${handover.outside.p50Ms} ms`);
  console.log(`steady_call_p99_ms ${handover.outside.p99Ms} ms`);
  console.log(`steady_calls_not_ok ${handover.outside.notOk} calls`);
  console.log(`handover_to_steady_p99_ratio ${(handover.during.p99Ms / Math.max(1, handover.outside.p99Ms)).toFixed(2)} x`);
}
if (overload) {
  const { atBudget, overBudget } = overload.goodput;
  console.log(`overload_node_budget ${overloadBudget} calls/s`);
  console.log(`overload_saturation_to_first_throttle_in_other_region_ms ${overload.propagationMs ?? 'never'} ms`);
  console.log(`overload_goodput_at_100pct_rps ${atBudget.okRps} req/s`);
  console.log(`overload_goodput_at_150pct_rps ${overBudget.okRps} req/s`);
  console.log(`overload_goodput_150_to_100_ratio ${(overBudget.okRps / Math.max(0.1, atBudget.okRps)).toFixed(2)} x`);
  console.log(`overload_shed_at_ingress_150pct ${overBudget.shedAtIngress} calls`);
  console.log(`overload_refused_by_owner_150pct ${overBudget.refusedByOwner} calls`);
}
