// The topology registry: names authors use in features (`the "GlobalLeaderWithTwoRegions" topology`).
import type { TopologyBuilder } from './builder';
import { globalLeaderWithTwoRegions } from './global-leader-with-two-regions';
import { TopologyError, type Topology } from './schema';

const BUILDERS: Record<string, () => TopologyBuilder> = {
  GlobalLeaderWithTwoRegions: globalLeaderWithTwoRegions,
};

export function topologyNames(): string[] {
  return Object.keys(BUILDERS).sort();
}

export function topologyByName(name: string): Topology {
  const builder = BUILDERS[name];
  if (!builder) {
    throw new TopologyError(`Unknown topology "${name}". Known topologies: ${topologyNames().join(', ')}.`);
  }
  return builder().build();
}

export * from './builder';
export * from './schema';
export { globalLeaderWithTwoRegions };
