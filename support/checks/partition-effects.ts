// What a split did to the cluster, judged from what nodes reported and clients saw: the gossip views on
// its sides diverged, and a node cut off handed out no sequence number meanwhile. The splits are read
// from the nemesis's ops in the same history as the clients'. Pure, so unit-tested.
import type { PeersView } from '../fabric/contract';
import type { Views } from './cluster-views';
import { nemesisWindows, type Op } from './history';

/** Fault names that split the network into sides (as opposed to one-way cuts and loss). */
export const SPLIT_FAULTS: ReadonlySet<string> = new Set(['partition', 'bridge']);

/** A split as it held: named groups of node ids, from when it took effect until its heal began. */
export interface Split {
  readonly groups: Readonly<Record<string, readonly string[]>>;
  readonly startMs: number;
  /** Undefined while the split still holds. */
  readonly endMs?: number;
}

/** The splits in a history, in the order they took effect. */
export function splitsIn(ops: readonly Op[]): Split[] {
  return nemesisWindows(ops).flatMap((w) =>
    SPLIT_FAULTS.has(w.fault) && w.subject.groups
      ? [{ groups: w.subject.groups, startMs: w.startMs, ...(w.endMs === undefined ? {} : { endMs: w.endMs }) }]
      : [],
  );
}

/** Each relay node of each side sees some relay node of another side not Alive. */
export function gossipDivergedProblems(sides: readonly (readonly [string, readonly string[]])[], views: Views<PeersView>): string[] {
  const problems: string[] = [];
  for (const [name, ids] of sides) {
    const others = sides.filter(([n]) => n !== name).flatMap(([, o]) => o);
    for (const id of ids) {
      const peers = views.get(id)?.peers ?? [];
      const unseen = others.filter((o) => peers.find((p) => p.nodeId === o)?.status !== 'Alive');
      if (unseen.length === 0) problems.push(`${id} (${name}) still sees every node of the other side Alive`);
    }
  }
  return problems;
}

/** No `sequence::next` was acknowledged by a node of a split's "isolated" group within the split's window. */
export function isolatedHandedOutProblems(ops: readonly Op[]): string[] {
  const splits = splitsIn(ops).filter((s) => s.groups.isolated);
  if (splits.length === 0) return ['no node was isolated, so nothing was checked'];
  return splits.flatMap((cut) => {
    const isolated = cut.groups.isolated ?? [];
    return ops
      .filter(
        (o) =>
          o.f === 'sequence::next' &&
          o.outcome === 'ok' &&
          isolated.includes(o.target) &&
          o.invokeMs >= cut.startMs &&
          (o.completeMs ?? Infinity) <= (cut.endMs ?? Infinity),
      )
      .map((o) => `${o.target} handed out ${JSON.stringify(o.result)} at ${(o.invokeMs / 1000).toFixed(2)} s while isolated`);
  });
}
