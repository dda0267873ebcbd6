// Run-level evidence written beside the Allure results: the environment section (images and their
// digests, topology, Node version, random seed), the categories that separate a product defect from
// a harness or infrastructure failure, and a metadata file for the run archive.
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunFacts } from '../suite';
import { RUN } from '../cluster/labels';
import CATEGORIES from './categories.json';

export const RESULTS_DIR = 'reports/allure-results';

/** Allure categories: error names lead every message, so the first matching rule decides (see allurerc.mjs). */
export { CATEGORIES };

export function environmentOf(suite: RunFacts): Record<string, string> {
  const env: Record<string, string> = {
    'run.id': RUN.id,
    'run.host': RUN.host,
    'node.version': process.version,
    'topology.default': suite.settings.defaultTopology,
    'random.seed': String(suite.seed),
    containers: String(suite.settings.containers),
  };
  if (suite.settings.defect) env['relay.defect'] = suite.settings.defect;
  if (suite.containers) {
    const { images, engine } = suite.containers;
    env['docker.engine'] = `${engine.version} (API ${engine.apiVersion})`;
    env['image.relay-node'] = `${images.relayNode.ref} (${images.relayNode.origin})`;
    env['image.relay-node.digest'] = images.relayNode.id;
    env['image.etcd'] = `${images.etcd.ref} (${images.etcd.origin})`;
    env['image.etcd.digest'] = images.etcd.id;
    // Which fault proxy ran: the real Toxiproxy, or the suite's fault-proxy speaking its API.
    env['image.fault-proxy'] = `${images.faultProxy.ref} (${images.faultProxy.flavour}, ${images.faultProxy.origin})`;
    env['image.fault-proxy.digest'] = images.faultProxy.id;
    env['image.capabilities'] = suite.containers.capabilities.join(' ');
    // How partitions and loss reached the containers: nsenter from the host, or helper containers.
    env['network.faults'] = `${suite.containers.netfaults.mode}; ${suite.containers.netfaults.why}`;
  }
  // A run over several engines (OMNIRELAY_HYPERSCALE_ENGINES): the images above are the first one's copies.
  if (suite.engines) env['docker.engines'] = suite.engines.join(', ');
  return env;
}

/** Java properties: `key = value`, with the characters properties files treat specially escaped. */
export function toProperties(values: Record<string, string>): string {
  const escape = (s: string) =>
    s
      .replace(/\\/g, '\\\\')
      .replace(/\n/g, '\\n')
      .replace(/([=:#!])/g, '\\$1');
  return (
    Object.entries(values)
      .map(([k, v]) => `${escape(k)} = ${escape(v)}`)
      .join('\n') + '\n'
  );
}

export async function writeRunEvidence(suite: RunFacts, dir = RESULTS_DIR): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'environment.properties'), toProperties(environmentOf(suite)));
  await writeFile(join(dir, 'categories.json'), JSON.stringify(CATEGORIES, null, 2));
}

/** One scenario as the archive's metadata records it. */
export interface ScenarioRecord {
  name: string;
  uri: string;
  scenarioId: string;
  status: string;
  startedAt: string;
  finishedAt: string;
  topology?: string;
  clusterId?: string;
  network?: string;
  containers?: string[];
  /** The engine its containers ran on (DOCKER_HOST): a run over several engines has each worker on one. */
  engine?: string;
}

const scenarios: ScenarioRecord[] = [];

export function recordScenario(record: ScenarioRecord): void {
  scenarios.push(record);
}

/** This thread's scenario records, for the coordinator to gather (a parallel run's workers are threads). */
export async function writeScenarioRecords(dir: string, worker: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `scenarios-${worker}.json`), JSON.stringify(scenarios));
}

/** Every worker's records, in the order the scenarios started, and how many workers left records. */
export async function gatherScenarioRecords(dir: string): Promise<{ records: ScenarioRecord[]; workers: number }> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => /^scenarios-.*\.json$/.test(f));
  const all = await Promise.all(files.map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as ScenarioRecord[]));
  return { records: all.flat().sort((a, b) => a.startedAt.localeCompare(b.startedAt)), workers: files.length };
}

/** reports/run-metadata.json: what the run was, and each scenario's timestamps, cluster ids and status. */
export async function writeRunMetadata(
  suite: RunFacts | undefined,
  startedAt: Date,
  records: readonly ScenarioRecord[],
  workers: number,
  path = 'reports/run-metadata.json',
): Promise<void> {
  await mkdir('reports', { recursive: true });
  const metadata = {
    runId: RUN.id,
    host: RUN.host,
    pid: RUN.pid,
    workers,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    environment: suite ? environmentOf(suite) : undefined,
    scenarios: records,
  };
  await writeFile(path, JSON.stringify(metadata, null, 2));
}
