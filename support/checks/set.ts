// The set checker (as in Jepsen): after the adds, a final read of each set must hold every acknowledged
// add (a lost acknowledged write is the failure that matters), no add that failed, and nothing nobody
// tried to add. An info add may be either; one that shows up was "recovered".
import type { Op } from './history';
import { fieldOf, seconds as s } from './format';

const MAX_LISTED = 10;

export interface SetOptions {
  /** Fewer acknowledged adds than this is a problem: a check over nothing proves nothing. */
  readonly minimumAcknowledged: number;
}

export interface SetKeyDetail {
  readonly key: string;
  /** Invocation of the read judged (the last acknowledged one), if any. */
  readonly finalReadAtMs?: number;
  /** Distinct elements with an acknowledged add. */
  readonly acknowledged: number;
  readonly lost: string[];
  /** Present, but never attempted before the read completed, or only ever failed. */
  readonly unexpected: string[];
  /** Present, and only ever added with an unknown outcome. */
  readonly recoveredInfo: string[];
  /** Absent, and only ever added with an unknown outcome: allowed. */
  readonly unrecoveredInfo: number;
  /** Acknowledged, but completed after the final read began, so it may be absent. */
  readonly concurrent: number;
  /** Elements the read listed more than once. */
  readonly duplicates: string[];
}

export interface SetResult {
  readonly problems: string[];
  readonly keys: string[];
  readonly acknowledged: number;
  readonly lost: number;
  readonly unexpected: number;
  readonly recoveredInfo: number;
  readonly detail: SetKeyDetail[];
}

const list = (elements: readonly string[]) =>
  elements
    .slice(0, MAX_LISTED)
    .map((e) => JSON.stringify(e))
    .join(', ') + (elements.length > MAX_LISTED ? ` … and ${elements.length - MAX_LISTED} more` : '');

export function setProblems(ops: readonly Op[], { minimumAcknowledged }: SetOptions): SetResult {
  const problems: string[] = [];
  const adds = new Map<string, Op[]>();
  const reads = new Map<string, Op>();
  for (const op of ops) {
    if (op.f !== 'set::add' && op.f !== 'set::read') continue;
    const key = fieldOf(op.value, 'key');
    if (typeof key !== 'string') {
      problems.push(`op ${op.index} (${op.f}) names no key`);
      continue;
    }
    if (op.f === 'set::add') adds.set(key, [...(adds.get(key) ?? []), op]);
    else if (op.outcome === 'ok') {
      // The last acknowledged read is the final one.
      const prev = reads.get(key);
      if (!prev || (op.completeMs ?? 0) > (prev.completeMs ?? 0)) reads.set(key, op);
    }
  }

  const detail: SetKeyDetail[] = [];
  for (const key of [...new Set([...adds.keys(), ...reads.keys()])].sort()) {
    const keyAdds = adds.get(key) ?? [];
    const acknowledgedAll = new Set(keyAdds.filter((a) => a.outcome === 'ok').map((a) => String(fieldOf(a.value, 'element'))));
    const read = reads.get(key);
    if (!read) {
      problems.push(`set "${key}" had ${acknowledgedAll.size} acknowledged adds but no acknowledged read: nothing was checked`);
      continue;
    }
    const raw = fieldOf(read.result, 'elements');
    if (!Array.isArray(raw)) {
      problems.push(`the final read of set "${key}" at ${s(read.invokeMs)} returned no element list`);
      continue;
    }
    const counts = new Map<string, number>();
    for (const e of raw.map(String)) counts.set(e, (counts.get(e) ?? 0) + 1);
    const present = new Set(counts.keys());
    const duplicates = [...counts].filter(([, n]) => n > 1).map(([e]) => e);

    // Per element, the best outcome of any add that could have reached this read: ok > info > fail.
    const before = (a: Op) => a.invokeMs <= (read.completeMs ?? Infinity);
    const status = new Map<string, { ok: boolean; okBefore: boolean; info: boolean }>();
    for (const a of keyAdds.filter(before)) {
      const e = String(fieldOf(a.value, 'element'));
      const st = status.get(e) ?? { ok: false, okBefore: false, info: false };
      if (a.outcome === 'ok') {
        st.ok = true;
        if ((a.completeMs ?? Infinity) < read.invokeMs) st.okBefore = true;
      } else if (a.outcome !== 'fail') st.info = true;
      status.set(e, st);
    }
    const lost: string[] = [];
    const recoveredInfo: string[] = [];
    const neverAttempted: string[] = [];
    const failedPresent: string[] = [];
    let unrecoveredInfo = 0;
    let concurrent = 0;
    for (const [e, st] of status) {
      if (st.okBefore) {
        if (!present.has(e)) lost.push(e);
      } else if (st.ok) concurrent++;
      else if (st.info) {
        if (present.has(e)) recoveredInfo.push(e);
        else unrecoveredInfo++;
      }
    }
    for (const e of present) {
      const st = status.get(e);
      if (!st) neverAttempted.push(e);
      else if (!st.ok && !st.info) failedPresent.push(e);
    }
    const acknowledged = [...status.values()].filter((st) => st.ok).length;
    const at = `(read at ${s(read.invokeMs)})`;
    if (lost.length > 0) problems.push(`set "${key}" lost ${lost.length} of ${acknowledged} acknowledged adds ${at}: ${list(lost)}`);
    if (failedPresent.length > 0) problems.push(`set "${key}" holds ${failedPresent.length} elements whose adds all failed ${at}: ${list(failedPresent)}`);
    if (neverAttempted.length > 0) problems.push(`set "${key}" holds ${neverAttempted.length} elements nobody added ${at}: ${list(neverAttempted)}`);
    if (duplicates.length > 0) problems.push(`set "${key}" listed ${duplicates.length} elements more than once ${at}: ${list(duplicates)}`);
    detail.push({
      key,
      finalReadAtMs: read.invokeMs,
      acknowledged,
      lost,
      unexpected: [...failedPresent, ...neverAttempted],
      recoveredInfo,
      unrecoveredInfo,
      concurrent,
      duplicates,
    });
  }

  const sum = (f: (d: SetKeyDetail) => number) => detail.reduce((a, d) => a + f(d), 0);
  const acknowledged = sum((d) => d.acknowledged);
  if (acknowledged < minimumAcknowledged)
    problems.push(`only ${acknowledged} acknowledged adds were checked (at least ${minimumAcknowledged} needed for the check to mean anything)`);
  return {
    problems,
    keys: detail.map((d) => d.key),
    acknowledged,
    lost: sum((d) => d.lost.length),
    unexpected: sum((d) => d.unexpected.length),
    recoveredInfo: sum((d) => d.recoveredInfo.length),
    detail,
  };
}
