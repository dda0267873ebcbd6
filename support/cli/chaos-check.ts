// `npm run chaos:check`: the chaos environment proven end to end, as a newcomer would use it: up on the
// committed topology, every Prometheus target up, the sample game day from the docs with clients running
// (each fault seen in the metrics), every metric a rule or a dashboard names present in a live scrape,
// every dashboard panel's query returning data, the archive collected, then the split-brain alert made to
// fire with the seeded defect leader-without-quorum and a partition, and everything torn down. One line
// per check (✔/✘); exits non-zero when any fails. `npm test` runs it; it takes about three minutes.
import { join } from 'node:path';
import { assertEngineReachable, docker } from '../cluster/engine';
import { LABEL } from '../cluster/labels';
import { NodeClient } from '../fabric/node-client';
import { collect } from '../chaos/env/collect';
import { CHAOS_FILTER, findEnvironment, PROMETHEUS_URL, serviceUrl, servicesOf, type ChaosEnvironment } from '../chaos/env/environment';
import { CHAOS_DIR } from '../chaos/env/files';
import { loadExperiment } from '../chaos/env/gameday/experiment';
import { parseRequest, type FaultRequest } from '../chaos/env/gameday/requests';
import { runGameDay, type FaultWindow } from '../chaos/env/gameday/run';
import { GameDay, prepareNetfaults, topologyOf } from '../chaos/env/gameday/engine';
import { removeRun } from '../cluster/teardown';
import { chaosDown, chaosUp } from '../chaos/env/lifecycle';
import { dashboardQueries, familyOf, metricsNamedInDashboards, metricsNamedInRules } from '../chaos/env/metric-names';
import { parseFlags, usageExit } from './flags';

const { values } = usageExit('chaos:check', 'usage: npm run chaos:check [-- --keep]   (--keep: leave the environment running at the end)', () =>
  parseFlags(process.argv.slice(2), { keep: { type: 'boolean', default: false } }),
);
const log = (line: string) => console.log(`  ${line}`);
const results: { name: string; ok: boolean; detail: string }[] = [];
const check = async (name: string, body: () => Promise<string>) => {
  const started = Date.now();
  try {
    const detail = await body();
    results.push({ name, ok: true, detail });
    console.log(`✔ ${name}: ${detail} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (e) {
    results.push({ name, ok: false, detail: (e as Error).message });
    console.log(`✘ ${name}: ${(e as Error).message}`);
  }
};

interface Series {
  metric: Record<string, string>;
  values?: [number, string][];
  value?: [number, string];
}
async function query(promql: string, range?: { start: number; end: number }): Promise<Series[]> {
  const url = range
    ? `${PROMETHEUS_URL}/api/v1/query_range?query=${encodeURIComponent(promql)}&start=${range.start}&end=${range.end}&step=2`
    : `${PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(promql)}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { status: string; error?: string; data: { result: Series[] } };
  if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
  return body.data.result;
}

/** Polls `test` every second until it returns a string (the finding) or `timeoutMs` passes; the error says what was last seen. */
async function within(what: string, timeoutMs: number, test: () => Promise<string | { waiting: string }>): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await test().catch((e: Error) => ({ waiting: e.message }));
    if (typeof r === 'string') return r;
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs / 1000} s; last seen: ${r.waiting}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Clients for the game day: key-value writes routed by shard key and calls forwarded to the global leader. */
function startClients(env: ChaosEnvironment): { stop: () => Promise<{ ok: number; failed: number }> } {
  const nodes = servicesOf(env, 'relay-node').map((n) => new NodeClient(serviceUrl(env, n.service, 8080)));
  let running = true;
  const tally = { ok: 0, failed: 0 };
  const loop = async (i: number) => {
    for (let n = 0; running; n++) {
      const node = nodes[(i + n) % nodes.length]!;
      const key = `gameday-${i}-${n % 50}`;
      for (const [procedure, body, headers] of [
        ['kv::set', { key, value: `v${n}` }, { 'Rpc-Shard-Key': key }],
        ['global::echo', { n }, {}],
      ] as const) {
        await node.call(procedure, body, headers, 2000).then(
          (r) => (r.status === 200 ? tally.ok++ : tally.failed++),
          () => tally.failed++,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const loops = [0, 1, 2, 3].map((i) => loop(i));
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return tally;
    },
  };
}

const now = () => Math.floor(Date.now() / 1000);
// Pending is allowed: scrapes of two nodes are up to an interval apart, so a clean handover can look like
// two holders for one evaluation; the rule's `for: 4s` is what tells that from split brain.
const splitBrainSince = async (from: number, state: 'pending' | 'firing') =>
  query(`max_over_time(ALERTS{alertname="OmniRelaySplitBrain", alertstate="${state}"}[${now() - from + 10}s])`);
let env: ChaosEnvironment | undefined;
await assertEngineReachable();
const existing = await findEnvironment().catch(() => undefined);
if (existing) {
  // Someone's game day: the check would take it over and tear it down.
  console.log(
    `- skipped: a chaos environment (topology ${existing.topology}, started ${existing.createdAt.toISOString()}) is running; \`npm run chaos:down\` first to run this check`,
  );
  process.exit(0);
}
const checkStarted = now();

await check('chaos:up brings the environment up', async () => {
  const up = await chaosUp({ log });
  env = up.env;
  return `${servicesOf(up.env, 'relay-node').length} relay nodes and ${up.env.services.size - servicesOf(up.env, 'relay-node').length} other services in ${(up.ms / 1000).toFixed(1)} s${up.grafana ? ', Grafana included' : ' (no Grafana: no registry)'}`;
});

if (env) {
  const ready = env;
  await check('every Prometheus target is up', () =>
    within('every target up', 60_000, async () => {
      const res = (await (await fetch(`${PROMETHEUS_URL}/api/v1/targets`)).json()) as {
        data: { activeTargets: { labels: Record<string, string>; health: string }[] };
      };
      const targets = res.data.activeTargets;
      const down = targets.filter((t) => t.health !== 'up').map((t) => `${t.labels.job}/${t.labels.node ?? t.labels.instance} ${t.health}`);
      return down.length === 0 && targets.length > 0 ? `${targets.length} targets up` : { waiting: down.join(', ') || 'no targets' };
    }),
  );

  const experimentFile = join(CHAOS_DIR, 'experiments/sample-game-day.yaml');
  const experiment = loadExperiment(experimentFile);
  const dayStart = now();
  const termBefore = Number((await query('max(mesh_leadership_term{mesh_scope="global-control"})'))[0]?.value?.[1] ?? NaN);
  let ran: readonly FaultWindow[] = [];
  await check('the sample game day runs every fault and heals it', async () => {
    const clients = startClients(ready);
    const result = await runGameDay(experiment.steps, log);
    ran = result.windows;
    const tally = await clients.stop();
    if (result.failures.length) throw new Error(result.failures.join('; '));
    if (tally.ok === 0) throw new Error(`no client call succeeded (${tally.failed} failed)`);
    return `${result.started} faults; clients: ${tally.ok} calls answered, ${tally.failed} refused or failed meanwhile`;
  });
  // Each fault is looked for while it really was in place (applied → healed), not at the plan's offsets:
  // applying and healing take a second or two, so planned windows overlap their neighbours.
  const windowOf = (kind: string) => {
    const w = ran.find((r) => r.step.fault.kind === kind);
    if (!w) throw new Error(`the game day's ${kind} step did not run, so there is no window to look in`);
    return { step: w.step, start: Math.floor(w.startedAt / 1000), end: Math.ceil(w.healedAt / 1000) };
  };
  const seen = async (what: string, promql: string, window: { start: number; end: number }, pass: (v: number) => boolean) => {
    const series = await query(promql, { start: window.start, end: window.end + 6 });
    const values = series.flatMap((s) => (s.values ?? []).map(([, v]) => Number(v)));
    const passing = values.filter(pass);
    if (!passing.length)
      throw new Error(`${what}: ${promql} over the fault's window gave ${values.length ? `${Math.min(...values)} … ${Math.max(...values)}` : 'no samples'}`);
    return `${what} (${passing.length} of ${values.length} samples, ${Math.min(...passing)} … ${Math.max(...passing)})`;
  };
  /** The round trips nodes of one side measured to nodes of the other, both ways (a latency step's link between two regions). */
  const crossRegionRtt = (step: FaultRequest) => {
    const link = 'link' in step.fault ? step.fault.link : undefined;
    if (link?.kind !== 'between') throw new Error(`the sample game day's latency must lie between two regions, not on ${step.target}`);
    const { nodes } = topologyOf(ready);
    const ids = (region: string) =>
      nodes
        .filter((n) => n.region === region)
        .map((n) => n.id)
        .join('|');
    const [a, b] = [ids(link.a), ids(link.b)];
    return `max(mesh_gossip_rtt_ms{node=~"${a}",mesh_peer=~"${b}"} or mesh_gossip_rtt_ms{node=~"${b}",mesh_peer=~"${a}"})`;
  };
  await check('each fault shows in the metrics while it lasts', async () => {
    const kill = windowOf('leader kill');
    const partition = windowOf('partition');
    const latency = windowOf('latency');
    const cert = windowOf('certificate expiry');
    const found = [
      await seen('leader kill: chaos_fault_active', 'max(chaos_fault_active{fault="leader kill"})', kill, (v) => v === 1),
      await seen('leader kill: a relay node stopped answering scrapes', 'min(up{job="relay-nodes"})', kill, (v) => v === 0),
      await seen(
        'leader kill: global-control changed hands (its term rose)',
        'max(mesh_leadership_term{mesh_scope="global-control"})',
        kill,
        (v) => v > termBefore,
      ),
      await seen(
        'partition: some node saw fewer members alive',
        'max(mesh_gossip_members{mesh_status="Alive"}) - min(mesh_gossip_members{mesh_status="Alive"})',
        partition,
        (v) => v > 0,
      ),
      await seen('latency: a gossip round trip between the two regions passed 250 ms', crossRegionRtt(latency.step), latency, (v) => v > 250),
      await seen(
        'certificate expiry: east-2 ran on an expired certificate',
        'mesh_tls_certificate_expiry_timestamp_seconds{node="east-2"} - time()',
        cert,
        (v) => v < 0,
      ),
    ];
    return found.join('; ');
  });

  await check('every metric a rule or a dashboard names is in a live scrape', async () => {
    const named = [...new Set([...metricsNamedInRules(), ...metricsNamedInDashboards()])];
    const present = new Set((await query(`count by (__name__) ({__name__=~"${named.join('|')}"})`)).map((s) => s.metric.__name__!));
    const missing = named.filter((m) => !present.has(m));
    if (missing.length) throw new Error(`not scraped: ${missing.join(', ')} (families: ${missing.map(familyOf).join(', ')})`);
    return `${named.length} metrics`;
  });

  await check('the split-brain alert does not fire during the sample game day (no seeded defect)', async () => {
    const fired = await splitBrainSince(dayStart, 'firing');
    if (fired.length) throw new Error(`OmniRelaySplitBrain fired for ${fired.map((f) => f.metric.mesh_scope).join(', ')}`);
    const pending = await splitBrainSince(dayStart, 'pending');
    return `it never fired through a leader kill and a partition${pending.length ? ` (pending for a moment for ${pending.map((p) => p.metric.mesh_scope).join(', ')}: a handover seen across scrapes)` : ''}`;
  });

  await check("every dashboard panel's query returns data", async () => {
    const queries = dashboardQueries();
    const empty: string[] = [];
    for (const q of queries) {
      const series = await query(q.expr, { start: dayStart, end: now() });
      if (!series.some((s) => (s.values ?? []).some(([, v]) => !Number.isNaN(Number(v))))) empty.push(`${q.dashboard} / ${q.panel}: ${q.expr}`);
    }
    if (empty.length) throw new Error(`no data: ${empty.join('; ')}`);
    return `${queries.length} queries on ${new Set(queries.map((q) => q.dashboard)).size} dashboards`;
  });

  await check('chaos:collect packages the game day', async () => {
    const c = await collect({ scenario: experiment.name, experiment: experimentFile, since: new Date(checkStarted * 1000), log });
    const names = new Set(c.files.map((f) => f.name));
    const want = [
      'index.md',
      'summary.json',
      'faults.json',
      'enrollments.json',
      'metrics/alerts.json',
      'metrics/prometheus-snapshot.tar',
      'experiment/sample-game-day.yaml',
      ...[...ready.services.keys()].map((s) => `logs/${s}.log`),
      ...servicesOf(ready, 'relay-node').flatMap((n) => [
        `cluster/${n.service}/leaders.json`,
        `cluster/${n.service}/peers.json`,
        `cluster/${n.service}/shards.json`,
      ]),
      ...metricsNamedInRules().map((m) => `metrics/range/${m}.json`),
    ];
    const missing = want.filter((w) => !names.has(w));
    const problems = c.summary.problems as string[];
    if (missing.length || problems.length) throw new Error(`missing: ${missing.join(', ') || 'none'}; not collected: ${problems.join('; ') || 'none'}`);
    return `${c.path}: ${c.files.length} files`;
  });

  // The alert's proof, Jepsen-style: the same partition without the defect leaves it quiet, with it fires it.
  const partition = parseRequest({ fault: 'partition', target: 'region west / everyone else', duration: '40 s' }, 'split-brain proof');
  const underPartition = async <T>(body: () => Promise<T>): Promise<T> => {
    await prepareNetfaults(log); // earlier faults removed their helpers: start from fresh ones
    const active = await (await GameDay.open(log)).start(partition);
    try {
      return await body();
    } finally {
      await active.heal();
      await removeRun();
    }
  };
  await check('the split-brain alert does not fire under a partition of region west without a seeded defect', () =>
    underPartition(async () => {
      const from = now();
      await new Promise((r) => setTimeout(r, 15_000)); // the observation window: a correct cluster must show nothing in it
      const fired = await splitBrainSince(from, 'firing');
      if (fired.length) throw new Error(`OmniRelaySplitBrain fired for ${fired.map((a) => a.metric.mesh_scope).join(', ')}`);
      const leaders = await query(`max_over_time((sum by (mesh_scope) (mesh_leadership_is_leader))[${now() - from}s:2s])`);
      return `15 s partitioned; at most ${Math.max(...leaders.map((l) => Number(l.value?.[1])))} node(s) acted as leader of any scope`;
    }),
  );
  await check('the split-brain alert fires with leader-without-quorum and the same partition', async () => {
    // A fresh environment rather than compose recreating the nodes in place: Docker 20.10 can leave a
    // phantom endpoint on the network when compose stops many containers of it at once.
    await chaosDown(log);
    await chaosUp({ defect: 'leader-without-quorum', log });
    const before = await query('ALERTS{alertname="OmniRelaySplitBrain"}');
    if (before.length) throw new Error(`the alert is already ${before[0]!.metric.alertstate} before the partition: the proof would prove nothing`);
    return underPartition(() =>
      within('OmniRelaySplitBrain firing', 40_000, async () => {
        const alerts = await query('ALERTS{alertname="OmniRelaySplitBrain", alertstate="firing"}');
        if (alerts.length) return `firing for ${alerts.map((a) => a.metric.mesh_scope).join(', ')}`;
        const leaders = await query('sum by (mesh_scope) (mesh_leadership_is_leader)');
        return { waiting: `nodes acting as leader per scope: ${leaders.map((l) => `${l.metric.mesh_scope}=${l.value?.[1]}`).join(' ')}` };
      }),
    );
  });
}

if (!values.keep) {
  await check('chaos:down leaves nothing behind', async () => {
    const r = await chaosDown(log);
    const left = [
      ...(await docker().listContainers({ all: true, filters: { label: [CHAOS_FILTER] } })).map((c) => `container ${c.Names[0]}`),
      ...(await docker().listNetworks({ filters: { label: [CHAOS_FILTER] } })).map((n) => `network ${n.Name}`),
      ...((await docker().listVolumes({ filters: { label: [CHAOS_FILTER] } })).Volumes ?? []).map((v) => `volume ${v.Name}`),
      ...(await docker().listContainers({ all: true, filters: { label: [`${LABEL.suite}`], name: ['omnirelay-chaos'] } })).map(
        (c) => `container ${c.Names[0]}`,
      ),
    ];
    if (left.length) throw new Error(`left behind: ${left.join(', ')}`);
    return `removed ${r.containers} containers, ${r.networks} network(s), ${r.volumes} volume(s); none left`;
  });
}

const failed = results.filter((r) => !r.ok);
console.log(`chaos:check: ${results.length - failed.length} passed, ${failed.length} failed`);
process.exitCode = failed.length ? 1 : 0;
