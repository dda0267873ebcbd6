// Faults composed on the same members: a node another fault holds down (crashed, stopped) when a
// partition starts is cut off already, so the partition is planned over the members that are up and
// applied to the others when they come back (NetworkFaults.rejoin). Pure: which ids a spec names, and
// the spec without the down ones.
import type { PartitionSpec } from './types';

/** Every node id a spec names. */
export function specIds(spec: PartitionSpec): string[] {
  switch (spec.kind) {
    case 'groups':
      return Object.values(spec.groups).flat();
    case 'one-way':
      return [...spec.from, ...spec.to];
    case 'pairs':
      return [...new Set([...spec.cut.flat(), ...(spec.nodes ?? [])])];
    case 'loss':
      return [...spec.between.a, ...spec.between.b];
  }
}

/**
 * `spec` without the nodes in `down`, or undefined when nothing is left to cut (a side emptied): the
 * fault then waits, applied to nobody, until a member comes back.
 */
export function withoutDown(spec: PartitionSpec, down: ReadonlySet<string>): PartitionSpec | undefined {
  if (down.size === 0) return spec;
  const up = (ids: readonly string[]) => ids.filter((id) => !down.has(id));
  switch (spec.kind) {
    case 'groups': {
      const groups = Object.fromEntries(Object.entries(spec.groups).flatMap(([name, ids]) => (up(ids).length > 0 ? [[name, up(ids)]] : [])));
      return Object.keys(groups).length >= 2 ? { kind: 'groups', groups } : undefined;
    }
    case 'one-way': {
      const from = up(spec.from);
      const to = up(spec.to);
      return from.length > 0 && to.length > 0 ? { kind: 'one-way', from, to } : undefined;
    }
    case 'pairs': {
      const cut = spec.cut.filter(([a, b]) => !down.has(a) && !down.has(b));
      return cut.length > 0 ? { ...spec, cut, ...(spec.nodes ? { nodes: up(spec.nodes) } : {}) } : undefined;
    }
    case 'loss': {
      const a = up(spec.between.a);
      const b = up(spec.between.b);
      return a.length > 0 && b.length > 0 ? { ...spec, between: { a, b } } : undefined;
    }
  }
}
