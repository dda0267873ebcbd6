// Shard placement strategies (contract §4), all over XXH64 of UTF-8 strings. The details that
// decide an owner (point counts, rounding, tie order) follow the real host, because
// `POST /control/shards/simulate` answers are compared against it.
import { xxhash64 } from './xxhash64';

export interface ShardNode {
  nodeId: string;
  /** Defaults to 1. */
  weight?: number;
  region?: string;
  zone?: string;
}

export interface Origin {
  zone?: string;
  region?: string;
}

export type StrategyId = 'ring' | 'rendezvous' | 'locality';
export const STRATEGY_IDS: readonly StrategyId[] = ['ring', 'rendezvous', 'locality'];

export interface ShardAssignment {
  shardId: string;
  ownerNodeId: string;
}

const VIRTUAL_NODES_PER_WEIGHT = 64;
const MIN_RENDEZVOUS_WEIGHT = 0.001;
/** Scores this close count as a tie: the real host compares doubles with this epsilon. */
const TIE_EPSILON = 1e-12;
const TWO_POW_64 = 2 ** 64;

/** Ordinal (UTF-16 code unit) order, like .NET's string.CompareOrdinal; not locale order. */
export function compareOrdinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Throws a clear error instead of placing shards on nothing or on a nameless node. */
function validate(nodes: readonly ShardNode[]): void {
  if (nodes.length === 0) throw new Error('shard assignment needs at least one node');
  for (const node of nodes) {
    if (typeof node.nodeId !== 'string' || node.nodeId.trim() === '') {
      throw new Error('every node needs a non-blank nodeId');
    }
    if (node.weight !== undefined && !Number.isFinite(node.weight)) {
      throw new Error(`node ${node.nodeId} has a non-finite weight`);
    }
  }
}

const shardKey = (namespace: string, shardId: string): string => `${namespace}/${shardId}`;

// ---- ring --------------------------------------------------------------------------------------

export interface RingPoint {
  hash: bigint;
  nodeId: string;
}

/** Ring order: by hash, then ordinal nodeId, so a point shared by two nodes goes to the smaller. */
export function compareRingPoints(a: RingPoint, b: RingPoint): number {
  return a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : compareOrdinal(a.nodeId, b.nodeId);
}

/**
 * The sorted ring: round(64 × weight) points per node (at least 1, so a tiny weight still owns
 * something), point i at XXH64("nodeId#i"), in compareRingPoints order.
 */
export function ringPoints(nodes: readonly ShardNode[]): RingPoint[] {
  validate(nodes);
  const points: RingPoint[] = [];
  for (const { nodeId, weight = 1 } of nodes) {
    const replicas = Math.max(1, Math.round(weight * VIRTUAL_NODES_PER_WEIGHT));
    for (let i = 0; i < replicas; i++) points.push({ hash: xxhash64(`${nodeId}#${i}`), nodeId });
  }
  return points.sort(compareRingPoints);
}

/**
 * Owner of `hash`: the first point at or after it, wrapping to the lowest point past the top.
 * Ties: if several points share a hash, the sort order makes the smallest nodeId win.
 */
export function locateOnRing(points: readonly RingPoint[], hash: bigint): string {
  let lo = 0;
  let hi = points.length; // binary search for the first point with point.hash >= hash
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]!.hash < hash) lo = mid + 1;
    else hi = mid;
  }
  const point = points[lo === points.length ? 0 : lo];
  if (!point) throw new Error('shard ring is empty');
  return point.nodeId;
}

export function ring(nodes: readonly ShardNode[], namespace: string, shardId: string): string {
  return locateOnRing(ringPoints(nodes), xxhash64(shardKey(namespace, shardId)));
}

// ---- rendezvous --------------------------------------------------------------------------------

export interface Scored {
  nodeId: string;
  score: number;
}

/** score = XXH64("ns/shardId::nodeId") / 2^64 × max(0.001, weight), in doubles like the real host. */
export function rendezvousScore(namespace: string, shardId: string, node: ShardNode): number {
  const hash = xxhash64(`${shardKey(namespace, shardId)}::${node.nodeId}`);
  return (Number(hash) / TWO_POW_64) * Math.max(MIN_RENDEZVOUS_WEIGHT, node.weight ?? 1);
}

/**
 * Whether `candidate` beats `best`: a higher score, or a tie (within 1e-12) and a smaller ordinal
 * nodeId. Order-independent, so the node list's order never changes an owner.
 */
export function beats(candidate: Scored, best: Scored): boolean {
  if (Math.abs(candidate.score - best.score) < TIE_EPSILON) return compareOrdinal(candidate.nodeId, best.nodeId) < 0;
  return candidate.score > best.score;
}

export function rendezvous(nodes: readonly ShardNode[], namespace: string, shardId: string): string {
  validate(nodes);
  let best: Scored | undefined;
  for (const node of nodes) {
    const scored = { nodeId: node.nodeId, score: rendezvousScore(namespace, shardId, node) };
    if (!best || beats(scored, best)) best = scored;
  }
  return best!.nodeId;
}

// ---- locality ----------------------------------------------------------------------------------

// Zone and region names compare case-insensitively, as in the real host.
const same = (a: string | undefined, b: string | undefined): boolean => !!a && !!b && a.toLowerCase() === b.toLowerCase();

/** The rendezvous candidates for `origin`: its zone's nodes, else its region's, else all. */
export function localityCandidates(nodes: readonly ShardNode[], origin: Origin = {}): readonly ShardNode[] {
  const inZone = nodes.filter((n) => same(n.zone, origin.zone));
  if (inZone.length > 0) return inZone;
  const inRegion = nodes.filter((n) => same(n.region, origin.region));
  return inRegion.length > 0 ? inRegion : nodes;
}

export function locality(nodes: readonly ShardNode[], namespace: string, shardId: string, origin: Origin = {}): string {
  validate(nodes);
  return rendezvous(localityCandidates(nodes, origin), namespace, shardId);
}

// ---- dispatch ----------------------------------------------------------------------------------

export function isStrategyId(value: unknown): value is StrategyId {
  return typeof value === 'string' && (STRATEGY_IDS as readonly string[]).includes(value);
}

/**
 * Owners for `shardIds` in order; throws on an unknown strategy (checked at run time too, since
 * ids arrive in request bodies) or an empty/invalid node list.
 */
export function assignShards(
  strategyId: StrategyId,
  nodes: readonly ShardNode[],
  namespace: string,
  shardIds: readonly string[],
  origin: Origin = {},
): ShardAssignment[] {
  if (!isStrategyId(strategyId)) {
    throw new Error(`unknown shard strategy "${strategyId}" (expected one of ${STRATEGY_IDS.join(', ')})`);
  }
  validate(nodes);
  let owner: (shardId: string) => string;
  switch (strategyId) {
    case 'ring': {
      const points = ringPoints(nodes); // built once: 64 hashes per node per call otherwise
      owner = (shardId) => locateOnRing(points, xxhash64(shardKey(namespace, shardId)));
      break;
    }
    case 'rendezvous':
      owner = (shardId) => rendezvous(nodes, namespace, shardId);
      break;
    case 'locality': {
      const candidates = localityCandidates(nodes, origin);
      owner = (shardId) => rendezvous(candidates, namespace, shardId);
      break;
    }
  }
  return shardIds.map((shardId) => ({ shardId, ownerNodeId: owner(shardId) }));
}
