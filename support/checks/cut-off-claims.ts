// A node cut off from the etcd quorum may not go on acting as leader: once its lease could have run out
// (one TTL after the cut, plus a poll's latency), its own /control/leaders must no longer name it the
// holder of anything. Judged over the suite's polls recorded while the cut held, so it speaks about the
// fault itself, not only about what the cluster looked like after the heal.
import type { LeadersSnapshot } from './leadership-checkers';
import { seconds as s } from './format';

export interface CutWindow {
  readonly startMs: number;
  /** Undefined while the cut still holds. */
  readonly endMs?: number;
  /** The relay nodes on the cut-off side. */
  readonly nodes: readonly string[];
}

/**
 * Problems: each (node, scope, fence) a cut-off node claimed after `graceMs` into the cut, with the first
 * and last poll that showed it; plus one problem when no poll of the cut-off nodes fell in the judged part
 * of any window (nothing was checked, which is not a pass).
 */
export function cutOffClaimProblems(snapshots: readonly LeadersSnapshot[], windows: readonly CutWindow[], graceMs: number, nowMs: number): string[] {
  if (windows.length === 0) return ['no cut was recorded, so nothing was checked'];
  const claims = new Map<string, { first: number; last: number; intoCut: number }>();
  let judged = 0;
  for (const w of windows) {
    const from = w.startMs + graceMs;
    const to = w.endMs ?? nowMs;
    for (const snap of snapshots) {
      if (!w.nodes.includes(snap.observer) || snap.atMs < from || snap.atMs >= to) continue;
      judged++;
      for (const t of snap.tokens) {
        if (t.leaderId !== snap.observer || t.expiresAtMs <= snap.atMs) continue;
        const key = `${snap.observer} claimed ${t.scope} (fence ${t.fenceToken})`;
        const c = claims.get(key);
        if (c) c.last = Math.max(c.last, snap.atMs);
        else claims.set(key, { first: snap.atMs, last: snap.atMs, intoCut: snap.atMs - w.startMs });
      }
    }
  }
  if (judged === 0) return [`no poll of the cut-off nodes fell later than ${s(graceMs)} into a cut, so nothing was checked`];
  return [...claims].map(([what, c]) => `${what} from ${s(c.first)} to ${s(c.last)}, ${s(c.intoCut)} into the cut (allowed: ${s(graceMs)})`);
}
