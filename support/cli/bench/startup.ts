// startup: time until a topology answers ready on every node through the fixture, against the same
// containers started with bare Docker API calls and polled the same way.
import type { Topology } from '../../../topologies';
import { clientRoutes, Cluster } from '../../cluster/cluster';
import { PROXY_API_PORT, PROXY_POOL } from '../../cluster/fault-proxy';
import { OTLP_ALIAS, OTLP_PORT } from '../../cluster/otlp-receiver';
import { PROXY_ALIAS } from '../../cluster/peer-links';
import { docker } from '../../cluster/engine';
import { publishAddress, publishedUrl } from '../../cluster/engine-host';
import { LABEL, RUN, runLabels } from '../../cluster/labels';
import { createNetwork } from '../../cluster/network';
import { waitForHttpOk } from '../../cluster/readiness';
import { RELAY_HTTP_PORT } from '../../cluster/relay-node';
import { ETCD_DATA_TMPFS, etcdCommand, relayNodeEnv } from '../../cluster/specs';
import { removeScenario } from '../../cluster/teardown';
import { BootstrapServer } from '../../tls';
import type { BenchEnv } from './common';

export async function viaFixture({ images, ca }: BenchEnv, topology: Topology, round: number): Promise<number> {
  const cluster = await Cluster.start({ topology, images, ca, scenarioId: `bench-fixture-${round}`, readyTimeoutMs: 120_000 });
  await cluster.stop();
  return cluster.startupMs;
}

const published = (s: { port: number; extra?: readonly number[] }): number[] => [s.port, ...(s.extra ?? [])];

/** The same containers, created and started with plain dockerode calls, polled for the same endpoints. */
export async function viaBareDocker({ images, ca }: BenchEnv, round: number, t: Topology): Promise<number> {
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
      // The fixture's two helpers, with the same published ports: the OTLP receiver, and the fault proxy
      // when the topology routes links through it.
      { id: OTLP_ALIAS, image: images.otlpReceiver.ref, port: OTLP_PORT, path: '/healthz', cmd: undefined, env: [] },
      ...(t.links.length > 0
        ? [
            {
              id: PROXY_ALIAS,
              image: images.faultProxy.ref,
              port: PROXY_API_PORT,
              path: '/version',
              cmd: undefined,
              env: [],
              extra: PROXY_POOL.slice(0, clientRoutes(t)),
            },
          ]
        : []),
    ];
    await Promise.all(
      specs.map(async (s) => {
        const container = await docker().createContainer({
          name: `ohs-${RUN.id}-${scenarioId}-${s.id}`,
          Image: s.image,
          Cmd: s.cmd,
          Env: s.env,
          Labels: labels,
          ExposedPorts: Object.fromEntries(published(s).map((p) => [`${p}/tcp`, {}])),
          HostConfig: {
            NetworkMode: network.name,
            PortBindings: Object.fromEntries(published(s).map((p) => [`${p}/tcp`, [{ HostIp: publishAddress(), HostPort: '0' }]])),
            Tmpfs: s.cmd ? { ...ETCD_DATA_TMPFS } : undefined,
          },
          NetworkingConfig: { EndpointsConfig: { [network.name]: { Aliases: [s.id] } } },
        });
        await container.start();
        const info = await container.inspect();
        const hostPort = info.NetworkSettings.Ports[`${s.port}/tcp`]?.[0]?.HostPort;
        await waitForHttpOk(`${publishedUrl(hostPort!)}${s.path}`, `${s.id} ${s.path}`, 120_000);
      }),
    );
    return Date.now() - started;
  } finally {
    await bootstrap.stop();
    await removeScenario(scenarioId);
  }
}
