// A write is acknowledged only once every replica its shard's map lists holds it. From outside this shows
// deterministically in one window: after a listed replica went down and before the map stopped listing
// it, no write to the shard can be confirmed by every listed replica, so a correct owner answers each
// one with an error (outcome unknown), never ok. The judgement also proves its own premise: at least one
// write was attempted inside the window, otherwise it proves nothing.
import type { Op } from './history';
import { seconds as s } from './format';

/** Procedures that change a shard's state (the ones a replica must confirm before the owner answers). */
export const WRITE_PROCEDURES: ReadonlySet<string> = new Set([
  'counter::increment',
  'counter::decrement',
  'counter::reset',
  'set::add',
  'kv::set',
  'kv::delete',
]);

export interface ReplicaDownWindow {
  readonly shardId: string;
  /** The listed replica that went down. */
  readonly replica: string;
  /** When it was certainly down (its kill had returned), scenario clock. */
  readonly downFromMs: number;
  /** When the leader planned the first map of the shard without it (the record's `updatedAt`), scenario clock. */
  readonly droppedAtMs: number;
}

export interface AckWindowResult {
  readonly problems: string[];
  /** Writes to the shard invoked inside the window, by outcome: the premise and the evidence. */
  readonly attempted: Readonly<Record<string, number>>;
}

export function ackedWithoutReplicaProblems(ops: readonly Op[], w: ReplicaDownWindow): AckWindowResult {
  if (!(w.droppedAtMs > w.downFromMs)) {
    return {
      problems: [`the map dropped ${w.replica} from ${w.shardId} at ${s(w.droppedAtMs)}, not after it went down at ${s(w.downFromMs)}: no window to judge`],
      attempted: {},
    };
  }
  const inWindow = ops.filter((o) => o.shardKey === w.shardId && WRITE_PROCEDURES.has(o.f) && o.invokeMs >= w.downFromMs && o.invokeMs < w.droppedAtMs);
  const attempted: Record<string, number> = {};
  for (const o of inWindow) attempted[o.outcome ?? 'pending'] = (attempted[o.outcome ?? 'pending'] ?? 0) + 1;
  const window = `while the map still listed ${w.replica}, down since ${s(w.downFromMs)} (dropped from the map at ${s(w.droppedAtMs)})`;
  if (inWindow.length === 0) {
    return { problems: [`no write to ${w.shardId} was attempted ${window}, so this proves nothing: send writes to the shard across the crash`], attempted };
  }
  const acked = inWindow.filter((o) => o.outcome === 'ok' && o.completeMs !== undefined && o.completeMs <= w.droppedAtMs);
  const problems = acked.slice(0, 10).map((o) => `${o.f} #${o.index} through ${o.target} was acknowledged at ${s(o.completeMs!)}, ${window}`);
  if (acked.length > 10) problems.push(`… and ${acked.length - 10} more acknowledged writes in that window`);
  return { problems, attempted };
}
