// What a split did to the cluster, judged from what nodes reported and clients saw: the gossip views on
// its sides diverged, and a node cut off handed out no sequence number meanwhile. Pure, so unit-tested.
import type { PeersView } from '../fabric/contract';
import type { Views } from './cluster-views';
import type { Op } from './history';

/** A split as applied: named groups of node ids and the window it was given, on the scenario clock. */
export interface Split {
  readonly groups: Readonly<Record<string, readonly string[]>>;
  readonly startMs: number;
  readonly durationMs: number;
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
export function isolatedHandedOutProblems(ops: readonly Op[], splits: readonly Split[]): string[] {
  if (splits.length === 0) return ['no node was isolated, so nothing was checked'];
  return splits.flatMap((cut) => {
    const isolated = cut.groups.isolated ?? [];
    return ops
      .filter((o) => o.f === 'sequence::next' && o.outcome === 'ok' && isolated.includes(o.target) && o.invokeMs >= cut.startMs && (o.completeMs ?? Infinity) <= cut.startMs + cut.durationMs)
      .map((o) => `${o.target} handed out ${JSON.stringify(o.result)} at ${(o.invokeMs / 1000).toFixed(2)} s while isolated`);
  });
}
