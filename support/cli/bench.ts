// `npm run bench`: prints `name value unit` per figure. Sections (all by default; `--only=<a,b>` or
// `--only <a,b>` runs some):
//   startup   time until the GlobalLeaderWithTwoRegions topology answers ready on every node through the
//             fixture, against the same containers started in parallel with bare Docker API calls and
//             polled the same way, in the same run: the ratio of the medians and the median of the
//             per-round ratios (`--rounds=N`, default 3);
//   failover  time until global::echo is served again after pausing the global leader, by lease expiry
//             and by promotion, against the lease TTL (median and max of `--rounds=N` pauses per mode, each
//             on one cluster);
//   load      one node of a running ShardRing topology (it serves echo itself) driven by autocannon and by
//             the suite's LoadDriver (recording every call in a history, as in a scenario; its connections
//             opened before the run, as autocannon opens all of its at once) with the same
//             number of connections / virtual clients for the same time, in rounds of alternating order: median rps and p50/p99 of both and their ratios (the
//             driver's latency as autocannon measures it, from the request written on a connected socket;
//             its p99 with waits for a connection beside it), non-2xx answers and errors summed (`--load-clients=N`, default 1,000; `--load-seconds=N`, default
//             5; `--load-rounds=N`, default 3);
//   proxy     the fault proxy's own cost: the LoadDriver's echo calls to one node direct and through a
//             toxic-free proxy in front of it, alternating (`--proxy-clients=N`, default 100, 5 s per side,
//             `--load-rounds` rounds): added p50 and p99 and the throughput ratio;
//   handover  the same topology under 200 clients replaying seeds/traffic/handover.json while an operator
//             moves shard-07 `--handovers=N` times (default 5): handover time as the leader measured it,
//             how long after the rebalance answer every node names the new map version, and the latency of the calls on shard-07 that overlapped a handover against those that did
//             not, with failed calls counted;
//   entities  on the same ShardRing: kv::cas vs kv::set (50 clients, each on its own key, 5 s per side,
//             `--load-rounds` rounds: rps and p99), and kv::get on a shard holding 10,000 keys vs one holding
//             10 (p99 and their ratio); see bench/entities.ts; then durable timers: firing lateness p50/p99
//             of 100 timers beside 50 writing clients, and of 50 timers across a kill of their shard's owner
//             (bench/timers.ts), and the time a workflow waits when its owner is killed (bench/workflows.ts;
//             both last: they kill nodes);
//   overload  cross-region backpressure on GlobalLeaderWithTwoRegions with a node budget (`--overload-budget=N`,
//             default 50 calls/s): time from the shard owner's first refusal to the first call shed by the
//             other region's ingress, and goodput at 150 % of the budget against 100 % (`--overload-seconds=N`,
//             default 10 per run); see bench/overload.ts. Each section is a module of bench/; this file reads
//             the flags, runs the sections asked for and prints their figures.
//   netfaults a region of GlobalLeaderWithTwoRegions cut off and healed `--rounds` times through each way
//             into a namespace, alternating: apply + verify and heal + verify through helper containers
//             vs host nsenter (left out, saying why, where this host cannot nsenter), medians and ratios;
//             the helper's first cut (which starts the helpers) apart; see bench/netfaults.ts;
//   skew      leases past relay-node's clock bound: the global leader's clocks run 5 %, 20 %, 40 % slow while
//             it is cut off; how long it and its successor both claim global-control; see bench/skew.ts;
//   suite     whole-suite wall time: serial, `--parallel 2` on one engine, `--parallel 2` over the engines of
//             OMNIRELAY_HYPERSCALE_ENGINES; long (three full runs), so only with `--only=suite`; see bench/suite.ts;
//   phases    where the last `npm run bdd`'s scenario time went, from its cucumber messages
//             (`--messages FILE`, default reports/cucumber-messages.ndjson): per phase (topology start,
//             heal waits, other steps, hooks) the total and the median per scenario; needs no Docker.
// Against a baseline (bench/regression.ts): `--save FILE` writes the figures with the machine they were
// measured on; `--compare FILE` prints each figure against that baseline on stderr and exits 1 when a
// judged figure is `--threshold N` % (default 20) or more worse (bench/figure-rules.ts says which are
// judged and why); `--figures FILE` takes the figures from an earlier run's saved stdout instead of
// running any section, and given several times merges those runs into medians that remember each run
// (bench/runs.ts), so that a baseline knows which figures are too noisy on its machine to judge.
// Committed baselines: seeds/bench/baseline-<cpus>cpu.json, each from three or more quiet runs.
// A section that fails is said on stderr and the others still run and print (bench/sections.ts); the run
// then exits 1 and writes no baseline.
import { CLIENTS, topologyByName, validateTopology } from '../../topologies';
import { Cluster } from '../cluster/cluster';
import { removeRun } from '../cluster/teardown';
import { prepareSuite } from '../suite';
import { median, mapPublished, type BenchEnv } from './bench/common';
import { entitiesFigures, printEntities, type EntitiesFigures } from './bench/entities';
import { printTimers, timerFigures, type TimerFigures } from './bench/timers';
import { printWorkflows, workflowFigures, type WorkflowFigures } from './bench/workflows';
import { failover } from './bench/failover';
import { handoverUnderLoad, type HandoverFigures } from './bench/handover';
import { loadVsAutocannon, type LoadFigures } from './bench/load';
import { netfaultsFigures, printNetfaults, type NetfaultsFigures } from './bench/netfaults';
import { printSkew, skewFigures, type SkewFigure } from './bench/skew';
import { overloadFigures, type OverloadFigures } from './bench/overload';
import { proxyOverhead, type ProxyFigures } from './bench/proxy';
import { viaBareDocker, viaFixture } from './bench/startup';
import { listOf, parseFlags, usageExit, UsageError, wholeNumber } from './flags';
import { readPhases } from '../evidence/phases';
import { phaseFigures } from './bench/phases';
import { printSuite, suiteWallTimes } from './bench/suite';
import { figure, printedFigures } from './bench/figures';
import { SECTIONS, type Section } from './bench/figure-rules';
import { THRESHOLD_PCT } from './bench/compare';
import { InputError } from './bench/baseline';
import { readInputs, saveAndCompare } from './bench/regression';
import { SectionRuns } from './bench/sections';

/** Run when no --only is given: everything but the long whole-suite runs. */
const DEFAULT_SECTIONS = SECTIONS.filter((s) => s !== 'suite');
const USAGE = `usage: npm run bench -- [--only <${SECTIONS.join(',')}>] [--rounds N] [--load-clients N] [--load-seconds N]
                          [--load-rounds N] [--proxy-clients N] [--handovers N] [--overload-budget N] [--overload-seconds N]
                          [--messages FILE] [--save FILE.json] [--compare BASELINE.json] [--threshold N]
       npm run bench -- --figures STDOUT_FILE [--figures STDOUT_FILE …] [--save FILE.json] [--compare BASELINE.json] [--threshold N]
  each flag takes its value as --flag N or --flag=N; see the top of support/cli/bench.ts for what each section measures;
  --save writes the figures as a baseline, --compare judges them against one (exit 1 when a judged figure is
  --threshold % worse, default ${THRESHOLD_PCT}), --figures takes them from an earlier run's stdout instead of running;
  several --figures are merged, each number the median of the runs: save a baseline from three quiet runs`;
const NUMBER_FLAGS = ['rounds', 'load-clients', 'load-seconds', 'load-rounds', 'proxy-clients', 'handovers', 'overload-budget', 'overload-seconds'] as const;
const flags = usageExit('bench', USAGE, () => {
  const { values } = parseFlags(process.argv.slice(2), {
    only: { type: 'string' },
    messages: { type: 'string' },
    compare: { type: 'string' },
    save: { type: 'string' },
    figures: { type: 'string', multiple: true },
    threshold: { type: 'string' },
    ...Object.fromEntries(NUMBER_FLAGS.map((f) => [f, { type: 'string' as const }])),
  });
  const given = values as Record<string, string | undefined>;
  const n = (flag: (typeof NUMBER_FLAGS)[number], fallback: number) => wholeNumber(flag, given[flag], fallback);
  if (values.figures !== undefined) {
    // The figures come from the files: nothing runs, so a flag that shapes a run would be silently ignored.
    const shaping = ['only', 'messages', ...NUMBER_FLAGS].filter((f) => given[f] !== undefined);
    if (shaping.length)
      throw new UsageError(`--figures takes the figures from ${values.figures.join(', ')}, no section runs: drop ${shaping.map((f) => `--${f}`).join(', ')}`);
    if (values.save === undefined && values.compare === undefined) throw new UsageError('--figures needs --save or --compare');
  }
  return {
    only: values.figures !== undefined ? [] : values.only === undefined ? DEFAULT_SECTIONS : listOf('only', values.only, SECTIONS),
    regression: {
      ...(values.compare === undefined ? {} : { compare: values.compare }),
      ...(values.save === undefined ? {} : { save: values.save }),
      ...(values.figures === undefined ? {} : { figures: values.figures }),
      thresholdPct: wholeNumber('threshold', values.threshold, THRESHOLD_PCT, { max: 1000 }),
    },
    rounds: n('rounds', 3),
    loadClients: n('load-clients', 1_000),
    loadSeconds: n('load-seconds', 5),
    loadRounds: n('load-rounds', 3),
    handovers: n('handovers', 5),
    proxyClients: n('proxy-clients', 100),
    overloadBudget: n('overload-budget', 50),
    overloadSeconds: n('overload-seconds', 10),
    messages: values.messages ?? 'reports/cucumber-messages.ndjson',
  };
});
const { only, messages, rounds, loadClients, loadSeconds, loadRounds, handovers, proxyClients, overloadBudget, overloadSeconds, regression } = flags;
const runs = (section: Section) => only.includes(section);
const topology = topologyByName('GlobalLeaderWithTwoRegions');
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const inputError = (e: unknown): never => {
  if (!(e instanceof InputError)) throw e;
  console.error(`bench: ${e.message}`);
  process.exit(2);
};
const inputs = await readInputs(regression).catch(inputError);

if (runs('phases')) {
  const run = await readPhases(messages).catch((e: Error) => {
    throw new Error(`phases: cannot read ${messages} (${e.message}); run npm run bdd first, or pass --messages FILE`);
  });
  for (const [name, value, unit] of phaseFigures(run)) figure(name, Number.isInteger(value) ? value : value.toFixed(2), unit);
}
if (runs('suite')) printSuite(await suiteWallTimes(say));
const sections = new SectionRuns(say);
const measured = <T>(section: string, body: () => Promise<T>) => sections.measured(section, body);
if (only.some((s) => s !== 'phases' && s !== 'suite')) await engineSections();
for (const line of sections.summary(regression.save)) console.error(line);
const failed = sections.failed.length > 0;
const compared = await saveAndCompare(failed ? { ...regression, save: undefined } : regression, inputs, inputs.earlier ?? printedFigures(), only).catch(
  inputError,
);
process.exitCode = failed ? 1 : compared;

async function engineSections(): Promise<void> {
  process.once('SIGINT', () => void removeRun().finally(() => process.exit(130)));

  const prepared = await prepareSuite();
  if (!prepared.containers) throw new Error('the benchmark needs containers (OMNIRELAY_HYPERSCALE_CONTAINERS is false)');
  const { images, ca } = prepared.containers;

  const env: BenchEnv = { images, ca, say };
  let startup: { fixture: number[]; bare: number[] } | undefined;
  let failovers: { withoutPromotion: number[]; withPromotion: number[] } | undefined;
  let load: { autocannon: LoadFigures; driver: LoadFigures } | undefined;
  let handover: HandoverFigures | undefined;
  let proxy: ProxyFigures | undefined;
  let overload: OverloadFigures | undefined;
  let netfaults: NetfaultsFigures | undefined;
  let skew: SkewFigure[] | undefined;
  let entities: EntitiesFigures | undefined;
  let timers: TimerFigures | undefined;
  let workflows: WorkflowFigures | undefined;
  try {
    if (runs('startup'))
      startup = await measured('startup', async () => {
        const fixture: number[] = [];
        const bare: number[] = [];
        try {
          for (let round = 1; round <= rounds; round++) {
            // Alternate the order so that neither side always runs on a warmer engine.
            const order = round % 2 === 1 ? (['fixture', 'bare'] as const) : (['bare', 'fixture'] as const);
            for (const side of order) {
              const ms = side === 'fixture' ? await viaFixture(env, topology, round) : await viaBareDocker(env, round, topology);
              (side === 'fixture' ? fixture : bare).push(ms);
              say(`round ${round}/${rounds}: ${side} ready in ${ms} ms`);
            }
          }
        } finally {
          await removeRun();
        }
        return { fixture, bare };
      });
    if (runs('failover'))
      failovers = await measured('failover', async () => ({
        withoutPromotion: await failover(env, topology, false, rounds),
        withPromotion: await failover(env, topology, true, rounds),
      }));
    const onRing = (['load', 'proxy', 'handover', 'entities'] as const).filter(runs);
    if (onRing.length)
      await measured(`${onRing.join(', ')} (the ShardRing cluster)`, async () => {
        // ShardRing with a client link, so that the fixture also starts the fault proxy in front of its nodes.
        const topology = validateTopology(
          { ...topologyByName('ShardRing'), links: [{ from: CLIENTS, to: 'ring', through: 'proxy', bidirectional: false }] },
          'ShardRing with a proxied client link',
        );
        const ring = await Cluster.start({ topology, images, ca, scenarioId: 'bench-shards', readyTimeoutMs: 120_000 });
        try {
          await mapPublished(ring);
          if (runs('load')) load = await measured('load', () => loadVsAutocannon(env, ring.node('ring-1').url, { loadClients, loadSeconds, loadRounds }));
          if (runs('proxy')) proxy = await measured('proxy', () => proxyOverhead(env, ring, { proxyClients, loadRounds }));
          if (runs('handover')) handover = await measured('handover', () => handoverUnderLoad(env, ring, handovers));
          if (runs('entities')) entities = await measured('entities', () => entitiesFigures(env, ring, { clients: 50, loadRounds }));
          // Last on this cluster: they kill the owner of shard-22, then of a shard-4x.
          if (runs('entities')) timers = await measured('entities: timers', () => timerFigures(env, ring, { clients: 50 }));
          if (runs('entities')) workflows = await measured('entities: workflows', () => workflowFigures(env, ring));
        } finally {
          await ring.stop();
        }
      });
    if (runs('netfaults')) netfaults = await measured('netfaults', () => netfaultsFigures(env, topology, rounds));
    if (runs('skew')) skew = await measured('skew', () => skewFigures(env));
    if (runs('overload'))
      overload = await measured('overload', async () => {
        const budgeted = validateTopology(
          { ...topology, shards: { ...topology.shards, nodeQpsBudget: overloadBudget } },
          `${topology.name} with a node budget`,
        );
        const cluster = await Cluster.start({ topology: budgeted, images, ca, scenarioId: 'bench-overload', readyTimeoutMs: 120_000 });
        try {
          await mapPublished(cluster);
          return await overloadFigures(cluster, { budgetQps: overloadBudget, seconds: overloadSeconds, say });
        } finally {
          await cluster.stop();
        }
      });
  } finally {
    await removeRun();
  }

  if (startup) {
    const { fixture, bare } = startup;
    const f = median(fixture);
    const b = median(bare);
    figure('topology_ready_fixture_ms', f, 'ms');
    figure('topology_ready_bare_docker_ms', b, 'ms');
    figure('fixture_to_bare_docker_ratio', (f / b).toFixed(2), 'x');
    // Each round starts both back to back on the same engine: the median of the per-round ratios leaves
    // out the drift between rounds that single starts show (±25 % on 2 cores).
    figure('fixture_to_bare_docker_round_ratio_median', median(fixture.map((ms, i) => ms / bare[i]!)).toFixed(2), 'x');
  }
  if (failovers) {
    const { withoutPromotion, withPromotion } = failovers;
    const [expiry, promoted] = [median(withoutPromotion), median(withPromotion)];
    figure('failover_without_promotion_ms', expiry, 'ms');
    figure('failover_without_promotion_max_ms', Math.max(...withoutPromotion), 'ms');
    figure('failover_with_promotion_ms', promoted, 'ms');
    figure('failover_with_promotion_max_ms', Math.max(...withPromotion), 'ms');
    figure('configured_lease_ttl_ms', topology.timers.leaseTtlMs, 'ms');
    figure('failover_without_promotion_to_lease_ratio', (expiry / topology.timers.leaseTtlMs).toFixed(2), 'x');
    figure('failover_with_promotion_to_lease_ratio', (promoted / topology.timers.leaseTtlMs).toFixed(2), 'x');
    figure('failover_rounds', withoutPromotion.length, 'rounds');
  }
  if (runs('startup')) {
    figure('topology_containers', topology.nodes.length + topology.etcd.length, 'containers');
    figure('bench_rounds', rounds, 'rounds');
  }
  if (netfaults) printNetfaults(netfaults);
  if (skew) printSkew(skew);
  if (entities) printEntities(entities);
  if (timers) printTimers(timers);
  if (workflows) printWorkflows(workflows);
  if (load) {
    figure('load_autocannon_rps', load.autocannon.rps, 'req/s');
    figure('load_autocannon_p50_ms', load.autocannon.p50Ms, 'ms');
    figure('load_autocannon_p99_ms', load.autocannon.p99Ms, 'ms');
    figure('load_autocannon_non2xx_or_errors', load.autocannon.non2xx + load.autocannon.errors, 'calls');
    figure('load_driver_rps', load.driver.rps, 'req/s');
    figure('load_driver_p50_ms', load.driver.p50Ms, 'ms');
    figure('load_driver_p99_ms', load.driver.p99Ms, 'ms');
    figure('load_driver_p99_with_connection_waits_ms', load.driver.callP99Ms ?? 'n/a', 'ms');
    figure('load_driver_to_autocannon_p99_ratio', (load.driver.p99Ms / Math.max(1, load.autocannon.p99Ms)).toFixed(2), 'x');
    figure('load_driver_non2xx_or_errors', load.driver.non2xx + load.driver.errors, 'calls');
    figure('load_driver_to_autocannon_rps_ratio', (load.driver.rps / load.autocannon.rps).toFixed(2), 'x');
    figure('load_concurrency', loadClients, 'connections');
    figure('load_seconds', loadSeconds, 's');
    figure('load_rounds', loadRounds, 'rounds');
  }
  if (proxy) {
    figure('proxy_flavour', proxy.flavour, '-');
    figure('proxy_direct_rps', proxy.direct.rps, 'req/s');
    figure('proxy_proxied_rps', proxy.proxied.rps, 'req/s');
    figure('proxy_throughput_ratio', (proxy.proxied.rps / proxy.direct.rps).toFixed(2), 'x');
    figure('proxy_direct_p50_ms', proxy.direct.p50Ms, 'ms');
    figure('proxy_proxied_p50_ms', proxy.proxied.p50Ms, 'ms');
    figure('proxy_added_p50_ms', (proxy.proxied.p50Ms - proxy.direct.p50Ms).toFixed(2), 'ms');
    figure('proxy_direct_p99_ms', proxy.direct.p99Ms, 'ms');
    figure('proxy_proxied_p99_ms', proxy.proxied.p99Ms, 'ms');
    figure('proxy_added_p99_ms', (proxy.proxied.p99Ms - proxy.direct.p99Ms).toFixed(2), 'ms');
    figure('proxy_clients', proxyClients, 'clients');
  }
  if (handover) {
    figure('handover_moves', handover.moves, 'moves');
    figure('handover_ms_p50', handover.handoverMs.p50, 'ms');
    figure('handover_ms_max', handover.handoverMs.max, 'ms');
    figure('handover_map_on_every_node_ms_p50', handover.mapEverywhereMs.p50, 'ms');
    figure('handover_map_on_every_node_ms_max', handover.mapEverywhereMs.max, 'ms');
    figure('handover_overlapping_calls', handover.during.calls, 'calls');
    figure('handover_overlapping_call_p50_ms', handover.during.p50Ms, 'ms');
    figure('handover_overlapping_call_p99_ms', handover.during.p99Ms, 'ms');
    figure('handover_overlapping_call_max_ms', handover.during.maxMs, 'ms');
    figure('handover_overlapping_calls_not_ok', handover.during.notOk, 'calls');
    figure('steady_call_p50_ms', handover.outside.p50Ms, 'ms');
    figure('steady_call_p99_ms', handover.outside.p99Ms, 'ms');
    figure('steady_calls_not_ok', handover.outside.notOk, 'calls');
    figure('handover_to_steady_p99_ratio', (handover.during.p99Ms / Math.max(1, handover.outside.p99Ms)).toFixed(2), 'x');
  }
  if (overload) {
    const { atBudget, overBudget } = overload.goodput;
    figure('overload_node_budget', overloadBudget, 'calls/s');
    figure('overload_saturation_to_first_throttle_in_other_region_ms', overload.propagationMs ?? 'never', 'ms');
    figure('overload_goodput_at_100pct_rps', atBudget.okRps, 'req/s');
    figure('overload_goodput_at_150pct_rps', overBudget.okRps, 'req/s');
    figure('overload_goodput_150_to_100_ratio', (overBudget.okRps / Math.max(0.1, atBudget.okRps)).toFixed(2), 'x');
    figure('overload_shed_at_ingress_150pct', overBudget.shedAtIngress, 'calls');
    figure('overload_refused_by_owner_150pct', overBudget.refusedByOwner, 'calls');
  }
}
