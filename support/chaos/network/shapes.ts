// Partition shapes after Jepsen's nemeses (jepsen.nemesis: bridge, majorities-ring): pure functions from
// node ids to a `pairs` spec, so that the planner, the rules and the verification are those of any other
// pairs partition. Each shape checks its own promise (who sees whom) before returning, and `viewsOf` says
// who sees whom under any pairs spec, for tests and messages.
//
// "Sees" is symmetric here: a `pairs` spec cuts a pair both ways. Jepsen's grudges are per direction (a
// node drops packets *from* the nodes it holds a grudge against), so where Jepsen's shape is one-way, the
// symmetric version below says how it was made two-way.
import { PartitionSpecError } from './plan';
import type { PairsSpec } from './types';

/**
 * Two sides cut from each other, and one node that sees both (Jepsen's `bridge`):
 *
 *     a1 ─┐           ┌─ b1
 *     a2 ─┼─ bridge ──┼─ b2        a* ✗ b*  (every a–b pair cut, both ways)
 *     a3 ─┘           └─ b3        bridge ✓ everyone;  a ✓ a,  b ✓ b
 *
 * The bridge is in no cut pair, so it gets no rules; it is listed in `nodes` so the verification checks
 * that it still reaches (and is reached by) both sides. With sides of equal size, each side plus the bridge
 * is a majority, so two majorities overlap in one node: the case that breaks protocols assuming that a
 * node that can reach a majority is in *the* majority. Jepsen bisects the node list and takes the first
 * node of the second half as the bridge; here the caller names the sides and the bridge.
 */
export function bridge(sideA: readonly string[], sideB: readonly string[], bridgeNode: string): PairsSpec {
  const problems: string[] = [];
  if (sideA.length === 0) problems.push('side A names no node');
  if (sideB.length === 0) problems.push('side B names no node');
  for (const [name, side] of [
    ['A', sideA],
    ['B', sideB],
  ] as const) {
    const dup = side.filter((id, i) => side.indexOf(id) !== i);
    if (dup.length) problems.push(`side ${name} lists ${quoteAll(dup)} more than once`);
    if (side.includes(bridgeNode)) problems.push(`the bridge "${bridgeNode}" cannot also be on side ${name}: it must see both sides`);
  }
  const both = sideA.filter((id) => sideB.includes(id));
  if (both.length) problems.push(`${quoteAll(both)} cannot be on both sides`);
  if (problems.length) throw new PartitionSpecError(`invalid bridge:\n  - ${problems.join('\n  - ')}`);

  const cut = sideA.flatMap((a) => sideB.map((b) => [a, b] as const));
  return {
    kind: 'pairs',
    cut,
    nodes: [...sideA, bridgeNode, ...sideB],
    label: `bridge ${bridgeNode} between [${sideA.join(', ')}] and [${sideB.join(', ')}]`,
  };
}

/**
 * Every node sees a majority, but no two nodes see the same majority (Jepsen's `majorities-ring`). The
 * nodes stand in a ring in the order given (Jepsen shuffles first: shuffle before calling for a random
 * ring; the given order keeps a scenario reproducible). With k = ⌊n/2⌋, a majority is k + 1 nodes, so each
 * node must see itself and k others: Jepsen gives each node the window of its k nearest ring neighbours
 * around it, and each window differs from the others because it is centred on a different node.
 *
 * Five nodes (k = 2): each node keeps its two ring neighbours and is cut from the two across the ring.
 *
 *         n1                   n1 sees n5 n1 n2      (3 of 5, a majority)
 *       ╱    ╲                 n2 sees n1 n2 n3
 *     n5      n2               n3 sees n2 n3 n4      ... five different majorities
 *      │      │                cut: n1–n3 n1–n4 n2–n4 n2–n5 n3–n5 (the ring's chords)
 *     n4 ──── n3
 *
 * When k is odd, k neighbours cannot sit evenly around a node: Jepsen's window (`majorities-ring-perfect`)
 * then takes one more on one side (for 7 nodes: two to the left, one to the right), and that farthest
 * neighbour does not see the node back: the grudge is one-way. A pairs spec cuts both ways, so here a pair
 * is cut only when *neither* of its nodes sees the other in Jepsen's windows, i.e. each node sees
 * r = ⌈k/2⌉ neighbours on each side: for 7 nodes, itself and two on each side, 5 of 7 (still all
 * different, still every one a majority):
 *
 *     n = 7, k = 3, r = 2:   n1 sees n6 n7 n1 n2 n3    cut: n1–n4, n1–n5 (and the same for every node)
 *
 * An exact symmetric ring is impossible there anyway: 7 nodes seeing exactly 3 others each would need
 * 7 × 3 = 21 link ends, an odd number. (Jepsen itself uses the window for up to 5 nodes and, above that, a
 * stochastic two-way linking of least-connected nodes until each sees a majority, whose own docstring
 * says 7 nodes "does not work so cleanly"; the fixed ring here is reproducible and easy to read.)
 *
 * Three nodes are the exception: k = 1, r = 1 would keep every pair (one ring, one view), and no
 * symmetric cut of three gives three views of two nodes each (each node would need exactly one link: an
 * odd number of link ends). The one shape left where all views differ and each is a majority is a line,
 * which is a bridge of one node per side: nodes[1] sees all, nodes[0] and nodes[2] see only it and
 * themselves (cut: nodes[0]–nodes[2]).
 */
export function majoritiesRing(nodes: readonly string[]): PairsSpec {
  const problems: string[] = [];
  if (nodes.length < 3) problems.push(`a majorities ring needs at least 3 nodes; got ${nodes.length}${nodes.length ? ` (${nodes.join(', ')})` : ''}`);
  const dup = nodes.filter((id, i) => nodes.indexOf(id) !== i);
  if (dup.length) problems.push(`${quoteAll(dup)} listed more than once`);
  if (problems.length) throw new PartitionSpecError(`invalid majorities ring:\n  - ${problems.join('\n  - ')}`);

  const n = nodes.length;
  const k = Math.floor(n / 2);
  // Neighbours kept on each side: k/2 when k is even (Jepsen's window exactly), (k+1)/2 when k is odd.
  const reach = Math.ceil(k / 2);
  const cut: (readonly [string, string])[] = [];
  if (n === 3) cut.push([nodes[0]!, nodes[2]!]);
  else {
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const ringDistance = Math.min(j - i, n - (j - i));
        if (ringDistance > reach) cut.push([nodes[i]!, nodes[j]!]);
      }
    }
  }
  const spec: PairsSpec = {
    kind: 'pairs',
    cut,
    nodes: [...nodes],
    label: `majorities ring of ${n} [${nodes.join(' ')}]: each sees ${n === 3 ? 'a majority (a line)' : `itself and ${reach} on each side`}`,
  };
  // The promise, checked: every view a majority, no two views alike.
  const views = [...viewsOf(spec)];
  const small = views.filter(([, v]) => v.size < k + 1).map(([id]) => id);
  const alike = views.filter(([, v], i) => views.some(([, w], j) => j !== i && sameSet(v, w))).map(([id]) => id);
  if (small.length || alike.length) {
    const why = [small.length ? `no majority seen by ${small.join(', ')}` : '', alike.length ? `same view for ${alike.join(', ')}` : ''];
    throw new Error(`majoritiesRing(${n}) broke its promise: ${why.filter(Boolean).join('; ')}`);
  }
  return spec;
}

/**
 * Who each node sees (itself included) under a pairs spec: every node named, minus the ones it is cut
 * from. Keys and members follow the order nodes are named in (`nodes`, then the cut pairs).
 */
export function viewsOf(spec: PairsSpec): Map<string, Set<string>> {
  const named = [...new Set([...(spec.nodes ?? []), ...spec.cut.flat()])];
  const cutFrom = new Map<string, Set<string>>(named.map((id) => [id, new Set()]));
  for (const [a, b] of spec.cut) {
    cutFrom.get(a)!.add(b);
    cutFrom.get(b)!.add(a);
  }
  return new Map(named.map((id) => [id, new Set(named.filter((o) => !cutFrom.get(id)!.has(o)))]));
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

function quoteAll(ids: readonly string[]): string {
  return [...new Set(ids)].map((d) => `"${d}"`).join(', ');
}
