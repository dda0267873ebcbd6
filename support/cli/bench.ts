// `npm run bench`: prints `name value unit` per figure. Time until the GlobalLeaderWithTwoRegions
// topology answers ready on every node through the fixture, against the same containers started in
// parallel with bare Docker API calls and polled the same way, in the same run, and their ratio.
import { topologyByName, type Topology } from '../../topologies';
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
import { prepareSuite } from '../suite';

const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 3);
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
        env: Object.entries(relayNodeEnv(t, n, { bootstrapUrl: `http://${network.gateway}:${bootstrap.port}`, bootstrapToken: bootstrap.clusterToken ?? '' })).map(([k, v]) => `${k}=${v}`),
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
    const leader = await eventually('a global leader is elected', () => holderOf('global-control'), (id) => judge(id ? [] : ['none yet']), { timeoutMs: 30_000 });
    const west = await eventually('west has a leader', () => holderOf('region/west'), (id) => judge(id ? [] : ['none yet']), { timeoutMs: 30_000 });
    const started = Date.now();
    await cluster.node(leader!).pause();
    if (withPromotion) {
      const answer = await cluster.node(west!).client.promote('global-control');
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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fixture: number[] = [];
const bare: number[] = [];
try {
  for (let round = 1; round <= rounds; round++) {
    // Alternate the order so that neither side always runs on a warmer engine.
    const order = round % 2 === 1 ? (['fixture', 'bare'] as const) : (['bare', 'fixture'] as const);
    for (const side of order) {
      const ms = side === 'fixture' ? await viaFixture(round) : await viaBareDocker(round, topology);
      (side === 'fixture' ? fixture : bare).push(ms);
      say(`round ${round}/${rounds}: ${side} ready in ${ms} ms`);
    }
  }
} finally {
  await removeRun();
}
const withoutPromotion = await failover(false);
say(`failover by lease expiry and standby: ${withoutPromotion} ms`);
const withPromotion = await failover(true);
say(`failover by promotion: ${withPromotion} ms`);
await removeRun();

const f = median(fixture);
const b = median(bare);
console.log(`topology_ready_fixture_ms ${f} ms`);
console.log(`topology_ready_bare_docker_ms ${b} ms`);
console.log(`fixture_to_bare_docker_ratio ${(f / b).toFixed(2)} x`);
console.log(`failover_without_promotion_ms ${withoutPromotion} ms`);
console.log(`failover_with_promotion_ms ${withPromotion} ms`);
console.log(`configured_lease_ttl_ms ${topology.timers.leaseTtlMs} ms`);
console.log(`failover_without_promotion_to_lease_ratio ${(withoutPromotion / topology.timers.leaseTtlMs).toFixed(2)} x`);
console.log(`failover_with_promotion_to_lease_ratio ${(withPromotion / topology.timers.leaseTtlMs).toFixed(2)} x`);
console.log(`topology_containers ${topology.nodes.length + topology.etcd.length} containers`);
console.log(`bench_rounds ${rounds} rounds`);
