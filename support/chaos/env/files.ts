// Where the environment's generated files live: the default topology's in docker/chaos (committed, so a
// newcomer can read and run it), any other topology's under reports/chaos/env/<name>/, beside copies of
// nothing: they point back at docker/chaos for the shared rules and dashboards.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { topologyByName, type Topology } from '../../../topologies';
import { chaosFiles, type ChaosFiles } from './compose';
import { kustomizeBase } from './kubernetes';
import { withNodesPerRegion } from './resize';

const REPO_ROOT = join(import.meta.dirname, '../../..');
export const CHAOS_DIR = join(REPO_ROOT, 'docker/chaos');
export const DEFAULT_CHAOS_TOPOLOGY = 'GlobalLeaderWithTwoRegions';
export const COMPOSE_FILE = 'docker-compose.chaos.yml';

export interface Generated {
  readonly topology: Topology;
  readonly dir: string;
  readonly files: ChaosFiles;
}

export function generate(topologyName: string = DEFAULT_CHAOS_TOPOLOGY, nodesPerRegion?: number): Generated {
  const base = topologyByName(topologyName);
  const topology = nodesPerRegion === undefined ? base : withNodesPerRegion(base, nodesPerRegion);
  const committed = topologyName === DEFAULT_CHAOS_TOPOLOGY && nodesPerRegion === undefined;
  const dir = committed
    ? CHAOS_DIR
    : join(REPO_ROOT, 'reports/chaos/env', `${topologyName}${nodesPerRegion === undefined ? '' : `-${nodesPerRegion}-per-region`}`);
  const invocation = `--topology ${topologyName}${nodesPerRegion === undefined ? '' : ` --nodes-per-region ${nodesPerRegion}`}`;
  const sharedDir = committed ? '.' : relative(dir, CHAOS_DIR);
  return { topology, dir, files: chaosFiles(topology, { invocation, sharedDir }) };
}

export async function writeGenerated(g: { readonly dir: string; readonly files: object }): Promise<string[]> {
  await mkdir(g.dir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of Object.entries(g.files) as [string, string][]) {
    await writeFile(join(g.dir, name), text);
    written.push(relative(process.cwd(), join(g.dir, name)));
  }
  return written;
}

export const KUBERNETES_DIR = join(CHAOS_DIR, 'kubernetes');
export const DEFAULT_NAMESPACE = 'omnirelay-chaos';

/** The kustomize base for a topology and namespace: docker/chaos/kubernetes/base for the defaults. */
export function generateKubernetes(
  topologyName: string = DEFAULT_CHAOS_TOPOLOGY,
  nodesPerRegion?: number,
  namespace: string = DEFAULT_NAMESPACE,
  out?: string,
): { dir: string; files: Record<string, string> } {
  const base = topologyByName(topologyName);
  const topology = nodesPerRegion === undefined ? base : withNodesPerRegion(base, nodesPerRegion);
  const committed = topologyName === DEFAULT_CHAOS_TOPOLOGY && nodesPerRegion === undefined && namespace === DEFAULT_NAMESPACE;
  const dir =
    out ??
    (committed ? join(KUBERNETES_DIR, 'base') : join(REPO_ROOT, 'reports/chaos/kubernetes', `${topologyName}-${nodesPerRegion ?? 'declared'}-${namespace}`));
  const invocation = `--topology ${topologyName}${nodesPerRegion === undefined ? '' : ` --nodes-per-region ${nodesPerRegion}`} --namespace ${namespace}`;
  return { dir, files: kustomizeBase(topology, { chaosDir: CHAOS_DIR, namespace, invocation }) };
}

/** Committed files that differ from the generator's output for the default topology (the gate's finding). */
export function staleCommittedFiles(): string[] {
  const g = generate();
  const k = generateKubernetes();
  return [
    ...Object.entries(g.files).map(([name, text]) => [join(g.dir, name), text] as const),
    ...Object.entries(k.files).map(([name, text]) => [join(k.dir, name), text] as const),
  ]
    .filter(([path, text]) => !existsSync(path) || readFileSync(path, 'utf8') !== text)
    .map(([path]) => relative(REPO_ROOT, path));
}
