// The topology registry: names authors use in features (`the "GlobalLeaderWithTwoRegions" topology`).
// A name is either a builder registered below or a file `topologies/<Name>.yaml`; builders are looked up
// first, and one name defined both ways is an error. Files in sub-folders (fixtures/) are not topologies.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TopologyBuilder } from './builder';
import { edgeFanOut } from './edge-fan-out';
import { globalLeaderWithTwoRegions } from './global-leader-with-two-regions';
import { TopologyError, type Topology } from './schema';
import { shardRing } from './shard-ring';
import { loadTopologyFile } from './yaml';

/** The topologies built in code, by name. */
export const TOPOLOGY_BUILDERS: Readonly<Record<string, () => TopologyBuilder>> = {
  GlobalLeaderWithTwoRegions: globalLeaderWithTwoRegions,
  ShardRing: () => shardRing(),
  EdgeFanOut: () => edgeFanOut(),
};

/** Where topologies come from; tests pass their own. */
export interface TopologySources {
  readonly builders: Readonly<Record<string, () => TopologyBuilder>>;
  /** The folder holding `<Name>.yaml` files. */
  readonly dir: string;
}

export const TOPOLOGY_DIR = import.meta.dirname;
const DEFAULT_SOURCES: TopologySources = { builders: TOPOLOGY_BUILDERS, dir: TOPOLOGY_DIR };

/** `<Name>.yaml` files directly in `dir`, by name. */
export function topologyFiles(dir: string = TOPOLOGY_DIR): Map<string, string> {
  const files = existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : [];
  return new Map(files.filter((f) => f.isFile() && f.name.endsWith('.yaml')).map((f) => [f.name.slice(0, -'.yaml'.length), join(dir, f.name)]));
}

/** Every known topology name, builders and files alike, sorted. */
export function topologyNames(sources: TopologySources = DEFAULT_SOURCES): string[] {
  return [...new Set([...Object.keys(sources.builders), ...topologyFiles(sources.dir).keys()])].sort();
}

export function topologyByName(name: string, sources: TopologySources = DEFAULT_SOURCES): Topology {
  const builder = Object.hasOwn(sources.builders, name) ? sources.builders[name] : undefined;
  const file = topologyFiles(sources.dir).get(name);
  if (builder && file) {
    throw new TopologyError(
      `Topology "${name}" is defined twice: by a builder registered in topologies/index.ts and by the file ${file}. Rename or remove one.`,
    );
  }
  if (builder) return builder().build();
  if (file) return loadTopologyFile(file);
  const hint = existsSync(join(sources.dir, `${name}.yml`)) ? ` (${name}.yml is not read: topology files end in .yaml)` : '';
  throw new TopologyError(`Unknown topology "${name}"${hint}. Known topologies: ${topologyNames(sources).join(', ')}.`);
}

export * from './builder';
export * from './schema';
export * from './yaml';
export { edgeFanOut, type EdgeFanOutOptions } from './edge-fan-out';
export { globalLeaderWithTwoRegions, shardRing };
