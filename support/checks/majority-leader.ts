// Who leads a scope, as a majority of the running nodes sees it right now: the lookup behind every
// fault step that targets "the global leader" and behind "a new leader is elected". Pure.

/** What one node names as the unexpired holder(s) of the scope. */
export interface HolderView {
  readonly observer: string;
  readonly holders: readonly string[];
}

/**
 * Problems unless a majority of the `running` nodes name one holder, no node names two, the nodes that
 * name one agree, and it is none of `not` (the holders fault steps took down). Nodes naming nobody (cut
 * off from etcd, between leases, not answering) have no say.
 */
export function majorityLeaderProblems(views: readonly HolderView[], running: number, not: readonly string[] = []): string[] {
  const majority = Math.floor(running / 2) + 1;
  const naming = views.filter((v) => v.holders.length > 0);
  const named = new Set(naming.flatMap((v) => v.holders));
  return [
    ...(naming.length < majority ? [`only ${naming.length} of ${running} running nodes name a leader (${majority} needed)`] : []),
    ...naming.filter((v) => v.holders.length > 1).map((v) => `${v.observer} names ${v.holders.join(' + ')}`),
    ...(named.size > 1 ? [`nodes disagree: ${[...named].join(' vs ')}`] : []),
    ...[...named].filter((n) => not.includes(n)).map((n) => `${n} still leads`),
  ];
}

/** The holder the views agree on (call once `majorityLeaderProblems` found none). */
export function agreedHolder(views: readonly HolderView[]): string | undefined {
  return views.find((v) => v.holders.length > 0)?.holders[0];
}
