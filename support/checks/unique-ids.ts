// The unique-ids checker (as in Jepsen): every value an acknowledged operation returned must be
// distinct. A history with too few acknowledged operations proves nothing, so that is a problem too.
import type { Op } from './history';

export interface UniqueIdsResult {
  readonly problems: string[];
  readonly acknowledged: number;
  readonly duplicates: { value: number; ops: number[] }[];
}

export function uniqueIdsProblems(ops: readonly Op[], valueOf: (op: Op) => number | undefined, minimumAcknowledged: number): UniqueIdsResult {
  const seen = new Map<number, number[]>();
  let acknowledged = 0;
  for (const op of ops) {
    if (op.outcome !== 'ok') continue;
    const value = valueOf(op);
    if (value === undefined) continue;
    acknowledged++;
    seen.set(value, [...(seen.get(value) ?? []), op.index]);
  }
  const duplicates = [...seen].filter(([, idx]) => idx.length > 1).map(([value, idx]) => ({ value, ops: idx }));
  const problems = duplicates.slice(0, 10).map((d) => `value ${d.value} was handed out ${d.ops.length} times (ops ${d.ops.join(', ')})`);
  if (duplicates.length > 10) problems.push(`… and ${duplicates.length - 10} more repeated values`);
  if (acknowledged < minimumAcknowledged)
    problems.push(`only ${acknowledged} acknowledged operations (at least ${minimumAcknowledged} needed for the check to mean anything)`);
  return { problems, acknowledged, duplicates };
}
