// "The majority keeps its leader for the whole split": judged over the leaders polls recorded while the
// split held, not after the heal (when any leader would do). Every node of the side that must keep its
// leader names the same holder, with the same fence (a new fence is a new election, even of the same
// node), and never names nobody for longer than a lease: a node that loses its etcd member for a moment
// may briefly report no unexpired lease while it moves to another member.
import type { LeadersSnapshot } from './leadership-checkers';
import { seconds as s } from './format';

export interface LeaderKept {
  readonly snapshots: readonly LeadersSnapshot[];
  readonly scope: string;
  /** The relay nodes of the side that must keep its leader. */
  readonly side: readonly string[];
  readonly fromMs: number;
  readonly toMs: number;
  /** The longest a node of the side may name nobody. */
  readonly maxSilenceMs: number;
}

export interface LeaderKeptVerdict {
  readonly problems: string[];
  /** The holder and fence the side named first in the window. */
  readonly kept?: { readonly leaderId: string; readonly fenceToken: number };
  readonly polls: number;
}

export function leaderKeptProblems({ snapshots, scope, side, fromMs, toMs, maxSilenceMs }: LeaderKept): LeaderKeptVerdict {
  const inWindow = snapshots.filter((x) => side.includes(x.observer) && x.atMs >= fromMs && x.atMs <= toMs).sort((a, b) => a.atMs - b.atMs);
  const holders = (x: LeadersSnapshot) => x.tokens.filter((t) => t.scope === scope && t.expiresAtMs > x.atMs);
  const first = inWindow.map((x) => holders(x)[0]).find((t) => t !== undefined);
  if (!first) return { problems: [`no node of ${side.join(', ')} named a holder of ${scope} between ${s(fromMs)} and ${s(toMs)}`], polls: inWindow.length };
  const kept = { leaderId: first.leaderId, fenceToken: first.fenceToken };
  const problems: string[] = [];
  if (!side.includes(kept.leaderId)) problems.push(`${kept.leaderId}, the holder of ${scope} at the start, is not on this side (${side.join(', ')})`);
  for (const observer of side) {
    const mine = inWindow.filter((x) => x.observer === observer);
    if (mine.length === 0) {
      problems.push(`${observer} answered no leaders poll while the split held: nothing shows what it saw`);
      continue;
    }
    const other = mine
      .map((x) => ({ at: x.atMs, t: holders(x).find((t) => t.leaderId !== kept.leaderId || t.fenceToken !== kept.fenceToken) }))
      .filter((o) => o.t);
    if (other.length > 0) {
      const o = other[0]!;
      problems.push(
        `${observer} named ${o.t!.leaderId} (fence ${o.t!.fenceToken}) at ${s(o.at)}, not ${kept.leaderId} (fence ${kept.fenceToken})${other.length > 1 ? `, and so in ${other.length - 1} more polls` : ''}`,
      );
    }
    // Silences: from a poll naming nobody to the next poll naming someone (or the window's end).
    let silentFrom: number | undefined;
    let longest = { from: 0, ms: 0 };
    for (const x of [...mine, undefined]) {
      const named = x ? holders(x).length > 0 : true;
      const at = x?.atMs ?? toMs;
      if (!named && silentFrom === undefined) silentFrom = at;
      if (named && silentFrom !== undefined) {
        if (at - silentFrom > longest.ms) longest = { from: silentFrom, ms: at - silentFrom };
        silentFrom = undefined;
      }
    }
    if (longest.ms > maxSilenceMs)
      problems.push(`${observer} named no holder of ${scope} for ${s(longest.ms)} from ${s(longest.from)} (at most ${s(maxSilenceMs)} allowed)`);
  }
  return { problems, kept, polls: inWindow.length };
}
