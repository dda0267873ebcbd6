// Judgements over what calls saw: every call on a shard succeeded, a drained node refused new calls the
// way the contract says, and a chooser steered around a hot node. Pure, so unit-tested.
import { isFinalRead, type Op } from './history';

/** Calls listed in a problem before "… and N more". */
const LISTED = 10;

/** Every call on `shardId` (final reads aside) ended ok, and there were at least `minimum` of them. */
export function everyCallSucceededProblems(ops: readonly Op[], shardId: string, minimum: number): { problems: string[]; calls: number; notOk: number } {
  const calls = ops.filter((o) => o.shardKey === shardId && !isFinalRead(o));
  const bad = calls.filter((o) => o.outcome !== 'ok');
  const problems = [
    ...bad
      .slice(0, LISTED)
      .map((o) => `${o.f} by ${o.process} via ${o.target} at ${(o.invokeMs / 1000).toFixed(2)} s: ${o.outcome ?? 'never completed'} ${o.error ?? ''}`.trim()),
    ...(bad.length > LISTED ? [`… and ${bad.length - LISTED} more`] : []),
    ...(calls.length < minimum ? [`only ${calls.length} calls on ${shardId}: too few to judge`] : []),
  ];
  return { problems, calls: calls.length, notOk: bad.length };
}

/** A new call to a draining node is refused with 503 and `Retry-After: 1` (contract §2). */
export function drainRefusalProblems(node: string, status: number, retryAfter: string | undefined): string[] {
  return [
    ...(status === 503 ? [] : [`${node} answered HTTP ${status}, not 503`]),
    ...(retryAfter === '1' ? [] : [`${node} sent Retry-After ${JSON.stringify(retryAfter ?? null)}, not 1`]),
  ];
}

/** One pick a chooser made: the peer, when, and whether shard routing pinned it (not the chooser's choice). */
export interface Pick {
  readonly peer: string;
  readonly atMs: number;
  readonly pinned: boolean;
}

export interface HotWindow {
  readonly hot: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** How many peers the chooser picks among (an even share is 1/peers). */
  readonly peers: number;
  /** Fewer free picks than this in the window are too few to judge. */
  readonly minimum: number;
}

/** While `hot` was hot, it got less than an even share of the chooser's free picks. */
export function hotNodeAvoidedProblems(picks: readonly Pick[], w: HotWindow): { problems: string[]; counts: Record<string, number>; share: number } {
  const chosen = picks.filter((p) => !p.pinned && p.atMs >= w.fromMs && p.atMs < w.toMs);
  const counts: Record<string, number> = {};
  for (const p of chosen) counts[p.peer] = (counts[p.peer] ?? 0) + 1;
  const even = 1 / w.peers;
  const share = (counts[w.hot] ?? 0) / Math.max(1, chosen.length);
  const problems = [
    ...(chosen.length < w.minimum ? [`only ${chosen.length} calls were left to the chooser while ${w.hot} was hot: too few to judge`] : []),
    ...(share >= even ? [`${w.hot} got ${(share * 100).toFixed(1)}% of the chooser's picks (an even share is ${(even * 100).toFixed(1)}%)`] : []),
  ];
  return { problems, counts, share };
}
