// `npm run chaos:collect`: one archive of what a game day leaves to read afterwards: every container's log,
// a Prometheus TSDB snapshot and range-query dumps of every metric the rules and dashboards use, the
// alerts, each node's leaders, peers and shard map, the fault log, the CA's enrollments, the experiment
// file, and a summary index (cluster id, topology, timestamps, scenario metadata, the files and sizes).
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { docker } from '../../cluster/engine';
import { containerLogs } from '../../cluster/logs';
import { NodeClient } from '../../fabric/node-client';
import { CONTROL_URL, findEnvironment, PROMETHEUS_URL, serviceUrl, servicesOf, type ChaosEnvironment } from './environment';
import { metricsNamedInRules, metricsNamedInDashboards } from './metric-names';

export interface CollectOptions {
  /** Free-form scenario metadata for the index (`--scenario "sample game day"`). */
  readonly scenario?: string;
  /** An experiment file that drove the game day, archived as is. */
  readonly experiment?: string;
  /** Start of the range dumps (default: when the environment started). */
  readonly since?: Date;
  readonly outDir?: string;
  readonly log: (line: string) => void;
}

export interface Collected {
  readonly path: string;
  readonly files: { readonly name: string; readonly bytes: number }[];
  readonly summary: Record<string, unknown>;
}

export async function collect(opts: CollectOptions): Promise<Collected> {
  const env = await findEnvironment();
  const collectedAt = new Date();
  const since = opts.since ?? env.createdAt;
  const stamp = collectedAt.toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const name = `chaos-${env.topology}-${stamp}`;
  const outDir = opts.outDir ?? 'reports/chaos';
  await mkdir(outDir, { recursive: true });
  const path = join(outDir, `${name}.tar.gz`);
  const entries: { name: string; content: Buffer }[] = [];
  const add = (file: string, content: string | Buffer) => entries.push({ name: file, content: typeof content === 'string' ? Buffer.from(content) : content });
  const json = (file: string, value: unknown) => add(file, `${JSON.stringify(value, null, 2)}\n`);
  const problems: string[] = [];
  const attempt = async (what: string, work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (e) {
      problems.push(`${what}: ${(e as Error).message}`);
    }
  };

  opts.log(`collecting logs of ${env.services.size} container(s)`);
  for (const s of env.services.values())
    await attempt(`logs of ${s.service}`, async () => add(`logs/${s.service}.log`, await containerLogs(s.containerId, 100_000)));

  opts.log('collecting leaders, peers and shard maps from every relay node');
  for (const n of servicesOf(env, 'relay-node')) {
    if (n.state !== 'running') {
      problems.push(`${n.service} is ${n.state}: no leaders, peers or shard map from it`);
      continue;
    }
    const base = serviceUrl(env, n.service, 8080);
    const client = new NodeClient(base);
    await attempt(`leaders of ${n.service}`, async () => json(`cluster/${n.service}/leaders.json`, await client.leaders()));
    await attempt(`peers of ${n.service}`, async () => json(`cluster/${n.service}/peers.json`, await getJson(`${base}/control/peers`)));
    await attempt(`shard map of ${n.service}`, async () => json(`cluster/${n.service}/shards.json`, await client.shards()));
  }

  opts.log('collecting the fault log and enrollments');
  await attempt('fault log', async () => json('faults.json', await getJson(`${CONTROL_URL}/faults`)));
  await attempt('enrollments', async () => json('enrollments.json', await getJson(`${CONTROL_URL}/ca/enrollments`)));
  if (opts.experiment) {
    const experiment = opts.experiment;
    await attempt(`experiment ${experiment}`, async () => add(`experiment/${basename(experiment)}`, await readFile(experiment)));
  }

  opts.log('collecting metrics: alerts, range dumps, a TSDB snapshot');
  await attempt('alerts', async () => json('metrics/alerts.json', await getJson(`${PROMETHEUS_URL}/api/v1/alerts`)));
  await attempt('targets', async () => json('metrics/targets.json', await getJson(`${PROMETHEUS_URL}/api/v1/targets`)));
  const metrics = [...new Set([...metricsNamedInRules(), ...metricsNamedInDashboards(), 'ALERTS'])].sort();
  const start = Math.floor(since.getTime() / 1000);
  const end = Math.ceil(collectedAt.getTime() / 1000);
  const step = Math.max(2, Math.ceil((end - start) / 10_000));
  for (const metric of metrics) {
    await attempt(`range of ${metric}`, async () =>
      json(
        `metrics/range/${metric}.json`,
        await getJson(`${PROMETHEUS_URL}/api/v1/query_range?query=${encodeURIComponent(metric)}&start=${start}&end=${end}&step=${step}`),
      ),
    );
  }
  await attempt('TSDB snapshot', async () => add('metrics/prometheus-snapshot.tar', await snapshot(env)));

  const summary = {
    clusterId: await clusterId(env),
    topology: env.topology,
    scenario: opts.scenario ?? null,
    experiment: opts.experiment ?? null,
    environmentStartedAt: env.createdAt.toISOString(),
    rangeFrom: since.toISOString(),
    collectedAt: collectedAt.toISOString(),
    services: Object.fromEntries([...env.services.values()].map((s) => [s.service, { kind: s.kind, state: s.state }])),
    problems,
  };
  const listed = entries.map((e) => ({ name: e.name, bytes: e.content.length })).sort((a, b) => a.name.localeCompare(b.name));
  json('summary.json', { ...summary, files: listed });
  add('index.md', indexMarkdown(summary, listed));
  const files = entries.map((e) => ({ name: e.name, bytes: e.content.length })).sort((a, b) => a.name.localeCompare(b.name));

  const tar = tarPack();
  const written = pipeline(tar, createGzip(), createWriteStream(path));
  for (const e of entries) tar.entry({ name: `${name}/${e.name}` }, e.content);
  tar.finalize();
  await written;
  return { path, files, summary };
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return res.json();
}

/** The cluster id the nodes report (introspect `mesh.clusterId`), from the first node that answers. */
async function clusterId(env: ChaosEnvironment): Promise<string | null> {
  for (const n of servicesOf(env, 'relay-node').filter((s) => s.state === 'running')) {
    const body = (await getJson(`${serviceUrl(env, n.service, 8080)}/omnirelay/introspect`).catch(() => undefined)) as
      { mesh?: { clusterId?: string } } | undefined;
    if (body?.mesh?.clusterId) return body.mesh.clusterId;
  }
  return null;
}

/** Prometheus's admin snapshot, copied out of its container as a tar of the snapshot directory. */
async function snapshot(env: ChaosEnvironment): Promise<Buffer> {
  const res = await fetch(`${PROMETHEUS_URL}/api/v1/admin/tsdb/snapshot`, { method: 'POST', signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`snapshot answered ${res.status}: ${await res.text()}`);
  const { data } = (await res.json()) as { data: { name: string } };
  const prometheus = env.services.get('prometheus');
  if (!prometheus) throw new Error('no prometheus service');
  const stream = await docker()
    .getContainer(prometheus.containerId)
    .getArchive({ path: `/prometheus/snapshots/${data.name}` });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function indexMarkdown(summary: Record<string, unknown>, files: readonly { name: string; bytes: number }[]): string {
  const problems = summary.problems as string[];
  return [
    `# Chaos environment archive: ${String(summary.topology)}`,
    '',
    `- cluster id: ${String(summary.clusterId)}`,
    `- scenario: ${String(summary.scenario ?? '(none given)')}`,
    `- experiment: ${String(summary.experiment ?? '(none)')}`,
    `- environment started: ${String(summary.environmentStartedAt)}`,
    `- metrics from ${String(summary.rangeFrom)} to ${String(summary.collectedAt)}`,
    '',
    '## Files',
    '',
    '| file | bytes |',
    '|---|---|',
    ...files.map((f) => `| ${f.name} | ${f.bytes} |`),
    '',
    '## Not collected',
    '',
    ...(problems.length ? problems.map((p) => `- ${p}`) : ['(nothing missing)']),
    '',
  ].join('\n');
}
