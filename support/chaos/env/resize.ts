// `--nodes-per-region N`: the same topology with N relay nodes in every region, so one declared shape
// yields a small environment for a laptop and a large one for a game day. Pure.
import { checkTopology, formatPath, TopologyError, type Topology, type TopologyNode } from '../../../topologies';

/**
 * Keeps the first N nodes of each region (its leaders-eligible nodes come first in every built-in
 * topology) or adds replicas `<region>-<k>` after the last one. The result is validated like any topology.
 */
export function withNodesPerRegion(topology: Topology, perRegion: number): Topology {
  if (!Number.isInteger(perRegion) || perRegion < 1 || perRegion > 20) {
    throw new TopologyError(`--nodes-per-region ${perRegion}: must be a whole number from 1 to 20`);
  }
  const nodes: TopologyNode[] = [];
  const taken = new Set(topology.nodes.map((n) => n.id));
  for (const region of topology.regions) {
    const here = topology.nodes.filter((n) => n.region === region);
    nodes.push(...here.slice(0, perRegion));
    for (let k = here.length + 1; nodes.filter((n) => n.region === region).length < perRegion; k++) {
      const id = `${region}-${k}`;
      if (taken.has(id)) continue;
      taken.add(id);
      nodes.push({ id, region, role: 'replica', mode: 'InProc', eligible: [] });
    }
  }
  const checked = checkTopology({ ...topology, nodes });
  if (!checked.ok) {
    throw new TopologyError(
      `--nodes-per-region ${perRegion} makes topology "${topology.name}" invalid:\n${checked.problems.map((p) => `  ${formatPath(p.path)}: ${p.message}`).join('\n')}`,
    );
  }
  return checked.topology;
}
