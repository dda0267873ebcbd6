// Judgements about who holds a shard once a holder was taken away (drained, crashed, restarted): pure
// functions over the map views, peer views and per-copy state the nodes reported, so unit-tested.
import type { PeersView, ShardCopy, ShardRecord, ShardsView } from '../fabric/contract';
import type { Views } from './cluster-views';
import { majorityOwner, shardsHeldBy } from './shard-views';

/** The shard's record as the majority's owner publishes it in `views`, if a majority names an owner. */
export function majorityRecord(views: Views<ShardsView>, shardId: string): ShardRecord | undefined {
  const owner = majorityOwner(views, shardId);
  return owner === undefined ? undefined : [...views.values()].flatMap((v) => v.items).find((r) => r.shardId === shardId && r.ownerNodeId === owner);
}

/** Every owner some map names must be seen Alive by every other node. */
export function orphanedOwnerProblems(maps: Views<ShardsView>, peers: Views<PeersView>): string[] {
  const owners = new Set([...maps.values()].flatMap((v) => v.items.map((r) => r.ownerNodeId)));
  return [...owners].flatMap((owner) =>
    [...peers]
      .filter(([observer, view]) => observer !== owner && view.peers.find((p) => p.nodeId === owner)?.status !== 'Alive')
      .map(([observer]) => `${observer} does not see owner ${owner} Alive`),
  );
}

/** Upgrade state `Drained` (contract §4). */
export const DRAINED = 2;

/** No other node's map gives the drained node a shard to own or replicate, and it reports Drained. */
export function drainedHoldsNothingProblems(views: Views<ShardsView>, drained: string, upgradeState: number): string[] {
  return [
    ...[...views].flatMap(([observer, v]) => {
      const held = shardsHeldBy(v, drained);
      return held.owned.length + held.replicated.length > 0
        ? [`${observer}'s map still gives ${drained} ${held.owned.length} owned and ${held.replicated.length} replicated shards`]
        : [];
    }),
    ...(upgradeState === DRAINED ? [] : [`${drained} reports upgrade state ${upgradeState}, not Drained (${DRAINED})`]),
  ];
}

/** The majority's record of `shardId` names `node` neither as owner nor among its replicas. */
export function replicaDroppedProblems(record: ShardRecord | undefined, shardId: string, node: string): string[] {
  if (record && record.ownerNodeId !== node && !record.replicas?.includes(node)) return [];
  return [`${shardId}: owner ${record?.ownerNodeId ?? '?'}, replicas ${record?.replicas?.join(', ') ?? '?'}`];
}

/** The majority's record of `shardId` has `node` back, among its replicas (or as its owner). */
export function replicaRejoinedProblems(record: ShardRecord | undefined, shardId: string, node: string): string[] {
  if (record?.replicas?.includes(node) || record?.ownerNodeId === node) return [];
  return [`${shardId}: owner ${record?.ownerNodeId ?? '?'}, replicas ${record?.replicas?.join(', ') ?? '?'}`];
}

/** Every replica's copy has the owner's applied index and digest. */
export function copiesIdenticalProblems(owner: string, copies: Views<Pick<ShardCopy, 'index' | 'digest'>>): string[] {
  const mine = copies.get(owner);
  if (!mine) return [`the owner ${owner} did not report its copy`];
  return [...copies]
    .filter(([id]) => id !== owner)
    .flatMap(([id, copy]) =>
      copy.digest === mine.digest && copy.index === mine.index
        ? []
        : [`${id}: index ${copy.index} digest ${copy.digest}; owner ${owner}: index ${mine.index} digest ${mine.digest}`],
    );
}
