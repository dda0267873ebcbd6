// Judgements over every node's view of the shard map (`GET /control/shards` per node): do they agree,
// who owns a shard by majority, which nodes still route a shard elsewhere. Pure, so unit-tested.
import type { ShardRecord, ShardsView } from '../fabric/contract';
import type { Views } from './cluster-views';

const recordOf = (view: ShardsView, shardId: string): ShardRecord | undefined => view.items.find((r) => r.shardId === shardId);

/** Problems unless every view has the same version and the same owner and replicas for every shard. */
export function mapAgreementProblems(views: Views<ShardsView>): string[] {
  const problems: string[] = [];
  const versions = new Set([...views.values()].map((v) => v.version));
  if (versions.size > 1) problems.push(`nodes report different map versions: ${[...views].map(([id, v]) => `${id}=${v.version}`).join(', ')}`);
  const [first] = views;
  if (!first) return ['no node answered'];
  if (first[1].items.length === 0) problems.push(`${first[0]} reports an empty shard map`);
  for (const [id, view] of views) {
    if (view.version < 1) problems.push(`${id} has no published map yet (version ${view.version})`);
    for (const r of first[1].items) {
      const mine = recordOf(view, r.shardId);
      if (!mine) problems.push(`${id} has no record for ${r.shardId}`);
      else if (mine.ownerNodeId !== r.ownerNodeId) problems.push(`${id} routes ${r.shardId} to ${mine.ownerNodeId}, ${first[0]} to ${r.ownerNodeId}`);
    }
  }
  return problems.slice(0, 20);
}

/** Nodes that own no shard in `view`: a map published before they joined is not settled yet. */
export function unplacedNodes(view: ShardsView, nodeIds: readonly string[]): string[] {
  const owners = new Set(view.items.map((r) => r.ownerNodeId));
  return nodeIds.filter((id) => !owners.has(id));
}

/** The owner a strict majority of views name for `shardId`, if any. */
export function majorityOwner(views: Views<ShardsView>, shardId: string): string | undefined {
  const counts = new Map<string, number>();
  for (const view of views.values()) {
    const owner = recordOf(view, shardId)?.ownerNodeId;
    if (owner) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  }
  for (const [owner, n] of counts) if (n > views.size / 2) return owner;
  return undefined;
}

/** Problems unless every view routes `shardId` to `owner`. */
export function routingProblems(views: Views<ShardsView>, shardId: string, owner: string): string[] {
  return [...views].flatMap(([id, view]) => {
    const r = recordOf(view, shardId);
    return r?.ownerNodeId === owner ? [] : [`${id} routes ${shardId} to ${r?.ownerNodeId ?? 'nobody'} (map version ${view.version}), not ${owner}`];
  });
}

/** Shard ids a node owns or replicates in `view`. */
/** The first shard (by id) of `view` whose owner is one of `owners`: a stable pick for "a shard owned in west". */
export function firstShardOwnedBy(view: ShardsView, owners: ReadonlySet<string>): ShardRecord | undefined {
  return [...view.items].sort((a, b) => a.shardId.localeCompare(b.shardId)).find((r) => owners.has(r.ownerNodeId));
}

export function shardsHeldBy(view: ShardsView, nodeId: string): { owned: string[]; replicated: string[] } {
  return {
    owned: view.items.filter((r) => r.ownerNodeId === nodeId).map((r) => r.shardId),
    replicated: view.items.filter((r) => r.replicas?.includes(nodeId)).map((r) => r.shardId),
  };
}

/** A compact routing table for evidence: per node, its map version and the owner and replicas of `shardIds`. */
export function routingTable(views: Views<ShardsView>, shardIds: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(
    [...views].map(([id, v]) => [
      id,
      {
        version: v.version,
        routes: Object.fromEntries(
          shardIds.map((s) => {
            const r = recordOf(v, s);
            return [s, r ? { owner: r.ownerNodeId, replicas: r.replicas ?? [], fence: r.fenceToken } : null];
          }),
        ),
      },
    ]),
  );
}

/** The majority names an owner of the shard other than `origin.owner` (and, with `toReplica`, one of its replicas). */
export function movedProblems(views: Views<ShardsView>, shardId: string, origin: { owner: string; replicas: readonly string[] }, toReplica: boolean): string[] {
  const owner = majorityOwner(views, shardId);
  return [
    ...(owner === undefined ? ['no majority of nodes agrees on an owner'] : []),
    ...(owner === origin.owner ? [`${origin.owner} still owns it`] : []),
    ...(owner && owner !== origin.owner && toReplica && !origin.replicas.includes(owner) ? [`moved to ${owner}, which was not a replica`] : []),
  ];
}

/**
 * The map diff since version `since` records each moved shard with a last record that no longer names
 * its original owner; no move seen means nothing to find, which is a problem too.
 */
export function diffRecordsMovesProblems(
  since: number,
  moved: readonly { shardId: string; originalOwner: string | undefined }[],
  changed: ReadonlyMap<string | undefined, ShardRecord | undefined>,
): string[] {
  if (moved.length === 0) return ['no shard was seen moving, so there is nothing to find in the diff'];
  return moved.flatMap(({ shardId, originalOwner }) => {
    const current = changed.get(shardId);
    if (!current) return [`the diff since version ${since} has no change of ${shardId}`];
    return current.ownerNodeId === originalOwner ? [`the diff's last record of ${shardId} still names ${current.ownerNodeId}`] : [];
  });
}
