// The global leader's shard planner, pure so it is unit-tested directly: from the published map
// (if any) and the eligible nodes it computes the next map and the owner moves it implies.
// Rules: owner = the strategy's pick unless an override names an eligible node; replicas = the
// next `replicas` nodes in rendezvous score order (for every strategy), the owner excluded; a
// record's `version` moves only when one of its fields changes, its `fenceToken` only when its
// owner changes. No change at all → no new map, so the leader publishes only real changes.
import { ControlProblem } from './problem';
import { assignShards, beats, isStrategyId, rendezvousScore, type ShardNode, STRATEGY_IDS } from '../strategies';
import { SHARD_STATUS, type ShardMap, type ShardRecord } from '../types';
import { xxhash64 } from '../xxhash64';
import { clock } from '../../clock';

export interface ShardChange {
  shardId: string;
  /** Undefined for a shard that had no record yet. */
  from: string | undefined;
  to: string;
}

export interface PlanInput {
  namespace: string;
  shardIds: readonly string[];
  strategyId: string;
  replicas: number;
  /** Eligible nodes: Alive and not draining. */
  nodes: readonly ShardNode[];
  overrides: Readonly<Record<string, string>>;
  leaderId: string;
  now: Date;
  /** changeTicket of the records changed in this version; a function names each change (e.g. `drain:<node>`). */
  ticket: string | ((change: ShardChange) => string);
}

export interface PlannedMove {
  shardId: string;
  from: string;
  to: string;
  fenceToken: number;
  ticket: string;
}

export interface Plan {
  /** Undefined when nothing would change (or there is no eligible node to place shards on). */
  map: ShardMap | undefined;
  moves: PlannedMove[];
}

/** Candidates ranked by rendezvous score, best first (ties to the smaller node id, as the strategy). */
export function rankNodes(namespace: string, shardId: string, nodes: readonly ShardNode[]): string[] {
  return nodes
    .map((node) => ({ nodeId: node.nodeId, score: rendezvousScore(namespace, shardId, node) }))
    .sort((a, b) => (beats(a, b) ? -1 : beats(b, a) ? 1 : 0))
    .map((s) => s.nodeId);
}

export function replicasFor(namespace: string, shardId: string, nodes: readonly ShardNode[], owner: string, count: number): string[] {
  return rankNodes(namespace, shardId, nodes)
    .filter((id) => id !== owner)
    .slice(0, Math.max(0, count));
}

/** Hex XXH64 of the routing fields, so two nodes can compare records cheaply. */
export function recordChecksum(r: Pick<ShardRecord, 'ownerNodeId' | 'replicas' | 'status' | 'fenceToken'>): string {
  return xxhash64(`${r.ownerNodeId}\n${r.replicas.join(',')}\n${r.status}\n${r.fenceToken}`)
    .toString(16)
    .padStart(16, '0');
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export function planMap(previous: ShardMap | undefined, input: PlanInput): Plan {
  if (!isStrategyId(input.strategyId)) throw new Error(`unknown shard strategy "${input.strategyId}" (expected one of ${STRATEGY_IDS.join(', ')})`);
  if (input.nodes.length === 0) return { map: undefined, moves: [] };
  const version = (previous?.version ?? 0) + 1;
  const eligible = new Set(input.nodes.map((n) => n.nodeId));
  const shardSet = new Set(input.shardIds);
  // An override naming a node that is no longer eligible is dropped (and so forgotten).
  const overrides: Record<string, string> = {};
  for (const [shardId, nodeId] of Object.entries(input.overrides)) {
    if (shardSet.has(shardId) && eligible.has(nodeId)) overrides[shardId] = nodeId;
  }
  const picked = assignShards(input.strategyId, input.nodes, input.namespace, input.shardIds);
  const before = new Map((previous?.records ?? []).map((r) => [r.shardId, r]));
  const updatedAt = input.now.toISOString();

  let changed = previous === undefined || previous.strategyId !== input.strategyId || previous.records.length !== input.shardIds.length;
  const moves: PlannedMove[] = [];
  const records = picked.map(({ shardId, ownerNodeId: strategyOwner }): ShardRecord => {
    const owner = overrides[shardId] ?? strategyOwner;
    const replicas = replicasFor(input.namespace, shardId, input.nodes, owner, input.replicas);
    const old = before.get(shardId);
    const ownerChanged = old?.ownerNodeId !== owner;
    const fenceToken = ownerChanged || !old ? version : old.fenceToken;
    const status = old?.status ?? SHARD_STATUS.Active;
    if (old && !ownerChanged && sameList(old.replicas, replicas) && old.strategyId === input.strategyId && old.namespace === input.namespace) {
      return old; // untouched: keeps its version, ticket and timestamp
    }
    changed = true;
    const ticket = typeof input.ticket === 'string' ? input.ticket : input.ticket({ shardId, from: old?.ownerNodeId, to: owner });
    if (old && ownerChanged) moves.push({ shardId, from: old.ownerNodeId, to: owner, fenceToken, ticket });
    const record: ShardRecord = {
      namespace: input.namespace,
      shardId,
      strategyId: input.strategyId,
      ownerNodeId: owner,
      capacityHint: old?.capacityHint ?? 1,
      status,
      version,
      checksum: '',
      updatedAt,
      changeTicket: ticket,
      replicas,
      fenceToken,
    };
    record.checksum = recordChecksum(record);
    return record;
  });
  if (!changed && !sameOverrides(previous?.overrides ?? {}, overrides)) changed = true;
  if (!changed) return { map: undefined, moves: [] };
  return {
    map: {
      namespace: input.namespace,
      version,
      strategyId: input.strategyId,
      records,
      overrides,
      publishedBy: input.leaderId,
      publishedAt: updatedAt,
    },
    moves,
  };
}

function sameOverrides(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

// ---- simulate (POST /control/shards/simulate) --------------------------------------------------

export class SimulationError extends ControlProblem {}

export interface SimulationNode {
  nodeId: string;
  weight?: number | null;
  region?: string | null;
  zone?: string | null;
}

export interface SimulationResult {
  namespace: string;
  strategyId: string;
  generatedAt: string;
  assignments: { namespace: string; shardId: string; ownerNodeId: string; capacity: number; replicas: string[] }[];
  /** As the real host: only the shards whose owner would change. */
  changes: { namespace: string; shardId: string; currentOwner: string; proposedOwner: string; changesOwner: boolean }[];
}

/**
 * What `strategyId` would do with `nodes`, compared with `current` (the published map). Shards are
 * the current map's, else `shardIds` when `namespace` is the configured one (`knownNamespace`).
 */
export function simulate(
  namespace: string,
  strategyId: string,
  nodes: readonly SimulationNode[],
  current: ShardMap | undefined,
  options: { shardIds: readonly string[]; knownNamespace: string; replicas: number; now?: Date },
): SimulationResult {
  if (!isStrategyId(strategyId)) {
    throw new SimulationError(400, 'shards.control.strategy.unknown', `unknown shard strategy "${strategyId}" (expected one of ${STRATEGY_IDS.join(', ')})`, {
      strategyId,
    });
  }
  if (nodes.length === 0) throw new SimulationError(400, 'shards.control.nodes.required', 'At least one node must be provided.');
  const shardNodes: ShardNode[] = nodes.map((n) => {
    if (typeof n?.nodeId !== 'string' || n.nodeId.trim() === '') {
      throw new SimulationError(400, 'shards.control.node_id.invalid', 'Node id cannot be empty.', { nodeId: String(n?.nodeId ?? '') });
    }
    if (n.weight !== undefined && n.weight !== null && !Number.isFinite(n.weight)) {
      throw new SimulationError(400, 'shards.control.node_weight.invalid', `node ${n.nodeId} has a non-finite weight`, { nodeId: n.nodeId });
    }
    return { nodeId: n.nodeId, weight: n.weight ?? 1, ...(n.region ? { region: n.region } : {}), ...(n.zone ? { zone: n.zone } : {}) };
  });
  const records = current && current.namespace === namespace ? current.records : undefined;
  if (!records && namespace !== options.knownNamespace) {
    throw new SimulationError(404, 'shards.control.namespace.missing', `Namespace '${namespace}' does not contain shard records.`, { namespace });
  }
  const shardIds = records ? records.map((r) => r.shardId) : options.shardIds;
  const owners = new Map((records ?? []).map((r) => [r.shardId, r.ownerNodeId]));
  const assignments = assignShards(strategyId, shardNodes, namespace, shardIds).map(({ shardId, ownerNodeId }) => ({
    namespace,
    shardId,
    ownerNodeId,
    capacity: 1,
    replicas: replicasFor(namespace, shardId, shardNodes, ownerNodeId, options.replicas),
  }));
  const changes = assignments.flatMap(({ shardId, ownerNodeId }) => {
    const currentOwner = owners.get(shardId);
    return currentOwner !== undefined && currentOwner !== ownerNodeId
      ? [{ namespace, shardId, currentOwner, proposedOwner: ownerNodeId, changesOwner: true }]
      : [];
  });
  return { namespace, strategyId, generatedAt: (options.now ?? new Date(clock.now())).toISOString(), assignments, changes };
}
