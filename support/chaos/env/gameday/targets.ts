// What a fault will act on, worked out from the environment's topology without touching it: the dry run
// prints it, and a target that names nothing (a region the topology lacks, an unknown node) is an error
// before anything starts. Phrases that depend on the live cluster (the global leader, a shard's owner, a
// scope's holder) are named as such and resolved when the fault starts. Pure.
import type { Topology } from '../../../../topologies';
import { planClientLinks, planPeerLinks } from '../../../cluster/peer-links';
import { parseMember } from '../../../members';
import { resolveGroups, TableError } from '../../../tables';
import { pathsOf } from '../../link-paths';
import { sideRows, type LinkTarget } from '../../schedule';
import type { GameDayFault } from './requests';

/** What `fault` acts on in `topology`; a TableError (a bad request, exit 2) when it names nothing there. */
export function plannedTargets(topology: Topology, fault: GameDayFault): string {
  try {
    return targetsOf(topology, fault);
  } catch (e) {
    throw e instanceof TableError ? e : new TableError((e as Error).message);
  }
}

function targetsOf(topology: Topology, fault: GameDayFault): string {
  const node = (phrase: string) => {
    const m = parseMember(phrase);
    if (m?.kind !== 'id') return `${phrase} (found when the fault starts)`;
    if (!topology.nodes.some((n) => n.id === m.id))
      throw new Error(`"${m.id}" is no relay node of topology "${topology.name}"; nodes: ${topology.nodes.map((n) => n.id).join(', ')}`);
    return m.id;
  };
  const sides = (s: readonly [string, string]) => {
    const regionOf = new Map([...topology.nodes, ...topology.etcd].map((m) => [m.id, m.region]));
    const named = new Map(
      s
        .flatMap((side) => side.split(',').map((t) => t.trim()))
        .filter((t) => parseMember(t) && parseMember(t)!.kind !== 'id')
        .map((t) => [t, `<${t}>`] as const),
    );
    const groups = resolveGroups(sideRows(s), {
      named,
      relay: topology.nodes.map((n) => n.id),
      etcd: topology.etcd.map((m) => m.id),
      regionOf: (id) => regionOf.get(id),
    });
    return `${groups['side 1']!.join(' ')} | ${groups['side 2']!.join(' ')}`;
  };
  switch (fault.kind) {
    case 'crash':
    case 'pause':
    case 'restart':
    case 'certificate expiry':
    case 'clock':
      return node(fault.node);
    case 'leader kill':
      if (fault.scope !== 'global-control' && !topology.regions.includes(fault.scope.slice('region/'.length)))
        throw new Error(`${fault.scope}: topology "${topology.name}" has regions ${topology.regions.join(', ')}`);
      return `the holder of ${fault.scope} (found when the fault starts)`;
    case 'partition':
    case 'loss':
    case 'one-way cut':
      return sides(fault.sides);
    case 'bridge':
      return `${sides(fault.sides)}, bridged by ${node(fault.via)}`;
    case 'majorities ring':
      return topology.nodes.map((n) => n.id).join(' ');
    case 'membership surge':
      if (!topology.regions.includes(fault.region))
        throw new Error(`region "${fault.region}": topology "${topology.name}" has regions ${topology.regions.join(', ')}`);
      return `${fault.count} new node(s) in region ${fault.region}`;
    default: {
      const names = proxiedPathNames(topology, fault.link);
      return `${names.length} proxied path(s): ${names.slice(0, 4).join(', ')}${names.length > 4 ? ', …' : ''}`;
    }
  }
}

/** The fault proxy's routes a link target covers in this topology (the environment routes exactly these). */
export function proxiedPathNames(topology: Topology, link: LinkTarget): string[] {
  const clients = planClientLinks(topology).map((l) => {
    const id = l.upstream.split(':')[0]!;
    return { name: l.name, node: id, region: topology.nodes.find((n) => n.id === id)!.region };
  });
  const links = topology.links.map((l) => `${l.from} → ${l.to}${l.bidirectional ? ' (both ways)' : ''}`).join(', ') || 'none';
  return pathsOf(link, { clients, peers: planPeerLinks(topology) }, { name: topology.name, links });
}
