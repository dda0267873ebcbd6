// Pure judgements over what every node reported: leadership agreement and eligibility, gossip
// membership. Each returns the list of problems (empty = as declared), phrased for an operator.
import { eligibleFor, leadershipScopes, type Topology } from '../../topologies';
import type { LeadersView, LeaseToken, PeersView } from '../fabric/contract';

/** Views keyed by the node that reported them. */
export type Views<T> = ReadonlyMap<string, T>;

const holders = (view: LeadersView, scope: string): LeaseToken[] => view.tokens.filter((t) => t.scope === scope);

/**
 * Every node sees exactly one unexpired leader for each scope the topology establishes, all views name
 * the same holder, and no lease exists for a scope nobody was declared eligible for. `now` undefined:
 * node clocks are distrusted (skewed), so the expiries they report are not judged.
 */
export function leadershipAgreementProblems(
  topology: Topology,
  views: Views<LeadersView>,
  now: number | undefined = Date.now(),
  scopes = leadershipScopes(topology),
): string[] {
  const problems: string[] = [];
  const expected = leadershipScopes(topology);
  for (const scope of scopes) {
    const seenBy = new Map<string, string[]>();
    for (const [observer, view] of views) {
      const tokens = holders(view, scope);
      if (tokens.length === 0) problems.push(`${observer} sees no leader for ${scope}`);
      if (tokens.length > 1) problems.push(`${observer} sees ${tokens.length} leaders for ${scope}: ${tokens.map((t) => t.leaderId).join(', ')}`);
      for (const token of tokens) {
        if (now !== undefined && Date.parse(token.expiresAt) < now)
          problems.push(`${observer} reports an expired lease for ${scope} (held by ${token.leaderId}, expired ${token.expiresAt})`);
        seenBy.set(token.leaderId, [...(seenBy.get(token.leaderId) ?? []), observer]);
      }
    }
    if (seenBy.size > 1) {
      const detail = [...seenBy].map(([leader, observers]) => `${leader} (seen by ${observers.join(', ')})`).join('; ');
      problems.push(`views disagree on the leader of ${scope}: ${detail}`);
    }
  }
  for (const [observer, view] of views) {
    for (const token of view.tokens) {
      if (!expected.includes(token.scope) && !token.scope.startsWith('shard/')) {
        problems.push(`${observer} sees ${token.leaderId} leading ${token.scope}, a scope no node was declared eligible for`);
      }
    }
  }
  return problems;
}

/** Every lease for an expected scope is held by a node the topology declared eligible for it. */
export function eligibilityProblems(topology: Topology, views: Views<LeadersView>): string[] {
  const problems = new Set<string>();
  for (const scope of leadershipScopes(topology)) {
    const eligible = eligibleFor(topology, scope);
    for (const view of views.values()) {
      for (const token of holders(view, scope)) {
        if (!eligible.includes(token.leaderId)) {
          problems.add(`${scope} is held by ${token.leaderId}, which was not declared eligible (eligible: ${eligible.join(', ')})`);
        }
      }
    }
  }
  return [...problems];
}

/** The agreed holder of each expected scope (first view's), for evidence and later steps. */
export function agreedLeaders(topology: Topology, views: Views<LeadersView>): Record<string, string | undefined> {
  const first = [...views.values()][0];
  return Object.fromEntries(leadershipScopes(topology).map((s) => [s, first ? holders(first, s)[0]?.leaderId : undefined]));
}

/**
 * Every node sees every other declared node Alive, advertising the role, region and cluster the
 * topology declared for it in its gossip metadata, and sees no node the topology does not have (but for
 * `alsoKnown`: nodes that joined on purpose, judged by the caller).
 */
export function membershipProblems(topology: Topology, views: Views<PeersView>, alsoKnown: ReadonlySet<string> = new Set()): string[] {
  const problems: string[] = [];
  const declared = new Map(topology.nodes.map((n) => [n.id, n]));
  for (const [observer, view] of views) {
    if (view.localNodeId !== observer) problems.push(`${observer} reports itself as "${view.localNodeId}"`);
    const byId = new Map(view.peers.map((p) => [p.nodeId, p]));
    for (const node of topology.nodes) {
      if (node.id === observer) continue;
      const peer = byId.get(node.id);
      if (!peer) {
        problems.push(`${observer} does not know ${node.id}`);
        continue;
      }
      if (peer.status !== 'Alive') problems.push(`${observer} sees ${node.id} ${peer.status}`);
      const m = peer.metadata ?? ({} as PeersView['peers'][number]['metadata']);
      if (m.role !== node.role) problems.push(`${observer} sees ${node.id} with role "${m.role}", declared "${node.role}"`);
      if (m.region !== node.region) problems.push(`${observer} sees ${node.id} in region "${m.region}", declared "${node.region}"`);
      if (m.clusterId !== topology.clusterId) problems.push(`${observer} sees ${node.id} in cluster "${m.clusterId}", declared "${topology.clusterId}"`);
    }
    for (const peer of view.peers) {
      if (!declared.has(peer.nodeId) && !alsoKnown.has(peer.nodeId)) problems.push(`${observer} sees ${peer.nodeId}, which is not in the topology`);
    }
  }
  return problems;
}

/**
 * Leadership as each node reports it, next to what agreement would look like: every node naming the
 * holder most nodes name (or, where nobody names one, "one of" the eligible nodes).
 */
export function leadershipComparison(
  topology: Topology,
  views: Views<LeadersView>,
  scopes = leadershipScopes(topology),
): { expected: unknown; actual: unknown } {
  const reported = (view: LeadersView, scope: string) =>
    holders(view, scope)
      .map((t) => t.leaderId)
      .join(' + ') || '(none)';
  const consensus = Object.fromEntries(
    scopes.map((scope) => {
      const counts = new Map<string, number>();
      for (const view of views.values()) for (const t of holders(view, scope)) counts.set(t.leaderId, (counts.get(t.leaderId) ?? 0) + 1);
      const top = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
      return [scope, top ?? `one of ${eligibleFor(topology, scope).join(', ')}`];
    }),
  );
  const expected: Record<string, Record<string, string>> = {};
  const actual: Record<string, Record<string, string>> = {};
  for (const [observer, view] of views) {
    expected[observer] = consensus;
    actual[observer] = Object.fromEntries(scopes.map((s) => [s, reported(view, s)]));
    for (const t of view.tokens) if (!scopes.includes(t.scope) && !t.scope.startsWith('shard/')) actual[observer]![t.scope] = t.leaderId;
  }
  return { expected, actual };
}

/** Each node's view of every declared peer ("Alive regional/east"), next to what the topology declares. */
export function membershipComparison(topology: Topology, views: Views<PeersView>): { expected: unknown; actual: unknown } {
  const expected: Record<string, Record<string, string>> = {};
  const actual: Record<string, Record<string, string>> = {};
  for (const [observer, view] of views) {
    const byId = new Map(view.peers.map((p) => [p.nodeId, p]));
    expected[observer] = {};
    actual[observer] = {};
    for (const node of topology.nodes) {
      if (node.id === observer) continue;
      expected[observer][node.id] = `Alive ${node.role}/${node.region}`;
      const p = byId.get(node.id);
      actual[observer][node.id] = p ? `${p.status} ${p.metadata?.role}/${p.metadata?.region}` : '(unknown)';
    }
  }
  return { expected, actual };
}

/** Every observer sees `node` Left and every other peer Alive: only the faulty node is shut out. */
export function onlyNodeLeftProblems(views: Views<PeersView>, node: string): string[] {
  return [...views].flatMap(([observer, view]) =>
    view.peers.flatMap((p) =>
      p.nodeId === node
        ? p.status === 'Left'
          ? []
          : [`${observer} sees ${node} ${p.status}`]
        : p.status === 'Alive'
          ? []
          : [`${observer} sees ${p.nodeId} ${p.status}`],
    ),
  );
}

/**
 * After a membership surge: every declared node sees every other declared node Alive as declared (as
 * membershipProblems asks), and each node that joined and left again Left, or not at all. A departed node
 * still Alive or Suspect in some view is a view that has not converged.
 */
export function membershipAfterSurgeProblems(topology: Topology, views: Views<PeersView>, departed: readonly string[]): string[] {
  const gone = new Set(departed);
  const problems = membershipProblems(topology, views, gone);
  for (const [observer, view] of views) {
    for (const peer of view.peers)
      if (gone.has(peer.nodeId) && peer.status !== 'Left') problems.push(`${observer} sees ${peer.nodeId}, which left, ${peer.status}`);
  }
  return problems;
}

/** What a round trip must be: over a bound while a slow link lies between two regions, under one once it is fast again. */
export type RoundTripBound = { readonly over: number } | { readonly under: number };

/** "over 400 ms" / "under 100 ms": the bound in a verdict's words. */
export const describeRoundTripBound = (bound: RoundTripBound) => ('over' in bound ? `over ${bound.over} ms` : `under ${bound.under} ms`);

/** Each node of either region, in the regions' order, with the other region's nodes: the pairs a cross-region round trip is measured over. */
function crossRegionPairs(topology: Topology, regions: readonly [string, string]): { observer: string; far: string[] }[] {
  const idsIn = (region: string) => topology.nodes.filter((n) => n.region === region).map((n) => n.id);
  return regions.flatMap((from, i) => {
    const far = idsIn(regions[1 - i]!);
    return idsIn(from).map((observer) => ({ observer, far }));
  });
}

/**
 * The round trip every node of one region last measured, by its own gossip exchanges (contract §5
 * `rttMs`), to every node of the other, judged against `bound`. A pair with no measurement, or a node that
 * gave no view, is a problem: an exchange that never completes must not pass for a fast one.
 */
export function crossRegionRoundTripProblems(topology: Topology, views: Views<PeersView>, regions: readonly [string, string], bound: RoundTripBound): string[] {
  const empty = regions.filter((r) => !topology.nodes.some((n) => n.region === r));
  if (empty.length) return empty.map((r) => `topology "${topology.name}" has no node in region "${r}"`);
  const problems: string[] = [];
  for (const { observer, far } of crossRegionPairs(topology, regions)) {
    const view = views.get(observer);
    if (!view) {
      problems.push(`${observer} gave no gossip view`);
      continue;
    }
    for (const peer of far) {
      const rtt = view.peers.find((p) => p.nodeId === peer)?.rttMs;
      if (rtt === undefined) problems.push(`${observer} has measured no round trip to ${peer}`);
      else if ('over' in bound ? !(rtt > bound.over) : !(rtt < bound.under))
        problems.push(`${observer} last measured ${rtt} ms to ${peer}, expected ${describeRoundTripBound(bound)}`);
    }
  }
  return problems;
}

/** The round trips each node of either region last measured to the other's nodes, next to the bound. */
export function crossRegionRoundTripComparison(
  topology: Topology,
  views: Views<PeersView>,
  regions: readonly [string, string],
  bound: RoundTripBound,
): { expected: unknown; actual: unknown } {
  const expected: Record<string, Record<string, string>> = {};
  const actual: Record<string, Record<string, string>> = {};
  for (const { observer, far } of crossRegionPairs(topology, regions)) {
    const rtt = new Map((views.get(observer)?.peers ?? []).map((p) => [p.nodeId, p.rttMs]));
    expected[observer] = Object.fromEntries(far.map((id) => [id, describeRoundTripBound(bound)]));
    actual[observer] = Object.fromEntries(far.map((id) => [id, rtt.get(id) === undefined ? '(none)' : `${rtt.get(id)} ms`]));
  }
  return { expected, actual };
}
