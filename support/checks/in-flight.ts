// Calls in flight across a shard move: each must finish, successfully, on the node it started on. The
// judgement also proves its own premise: at least one call was still running when the move was seen,
// otherwise the calls ended before the move and the scenario tested nothing about calls in flight
// (a defect that cuts them off would pass unseen, as one did when the move came late).
import type { Op } from './history';

export interface InFlightAcrossMove {
  /** The slow calls, as recorded in the history (result carries `servedBy`). */
  readonly calls: readonly Op[];
  /** The node the calls were sent to: the shard's owner before the move. */
  readonly owner: string;
  /** When a majority of nodes was first seen naming the new owner (scenario clock). */
  readonly movedAtMs: number | undefined;
}

export function inFlightAcrossMoveProblems({ calls, owner, movedAtMs }: InFlightAcrossMove): string[] {
  if (calls.length === 0) return ['no slow call was started'];
  const problems = calls.flatMap((c, i) => {
    const servedBy = (c.result as { servedBy?: string } | undefined)?.servedBy;
    if (c.outcome !== 'ok') return [`slow call ${i + 1}: ${c.outcome ?? 'never completed'} ${c.error ?? ''}`.trim()];
    return servedBy === owner ? [] : [`slow call ${i + 1} was answered by ${servedBy ?? '(no node header)'}, not ${owner}`];
  });
  if (movedAtMs === undefined) return [...problems, 'the shard was never seen moving, so no call was in flight across a move'];
  const acrossMove = calls.filter((c) => c.invokeMs < movedAtMs && (c.completeMs === undefined || c.completeMs > movedAtMs));
  if (acrossMove.length === 0) {
    const lastEnd = Math.max(...calls.map((c) => c.completeMs ?? 0));
    problems.push(
      `no slow call was in flight when the move was seen at ${(movedAtMs / 1000).toFixed(2)} s (the last ended at ${(lastEnd / 1000).toFixed(2)} s): ` +
        "the scenario did not test calls across the move; make the calls outlast the move's deadline",
    );
  }
  return problems;
}
