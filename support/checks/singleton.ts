// The cluster singleton task: never two runners at once, judged by the suite's own observation times
// (never the nodes' clocks), and tenures ordered by fence tokens.
//
// Observations come from polling every node's GET /control/singleton: a node that answered "running at
// fence F" was running at some instant between the request and the response. A runner's tenure is one
// stretch, so a (node, fence) seen running from observation o1 to o2 certainly ran throughout
// [o1.response, o2.request]. Two such stretches of different (node, fence) that overlap are two runners
// at once. The record (singleton::status) must list every observed (node, fence) as a tenure, with
// fences strictly rising, and count as heartbeats exactly the beats of its tenures.
import { listed } from './format';

export interface SingletonObservation {
  readonly node: string;
  readonly requestMs: number;
  readonly responseMs: number;
  readonly running: boolean;
  readonly fence?: number;
}

export interface Tenure {
  readonly runner: string;
  readonly fence: number;
  readonly since: number;
  readonly until?: number;
  readonly beats: number;
}

export interface SingletonRecord {
  readonly key: string;
  readonly history: readonly Tenure[];
  readonly heartbeats: number;
}

export interface Stretch {
  readonly node: string;
  readonly fence: number;
  /** Certainly running from … to … (suite clock, ms); `toMs` < `fromMs` when seen only once. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly observations: number;
}

/** Per (node, fence), the stretch it was certainly running, from consecutive running observations. */
export function runningStretches(observations: readonly SingletonObservation[]): Stretch[] {
  const stretches: Stretch[] = [];
  const open = new Map<string, { node: string; fence: number; first: SingletonObservation; last: SingletonObservation; n: number }>();
  const close = (node: string) => {
    const s = open.get(node);
    if (s) stretches.push({ node, fence: s.fence, fromMs: s.first.responseMs, toMs: s.last.requestMs, observations: s.n });
    open.delete(node);
  };
  for (const o of [...observations].sort((a, b) => a.requestMs - b.requestMs)) {
    const current = open.get(o.node);
    if (!o.running || o.fence === undefined) {
      close(o.node);
      continue;
    }
    if (current && current.fence === o.fence) {
      current.last = o;
      current.n += 1;
    } else {
      close(o.node);
      open.set(o.node, { node: o.node, fence: o.fence, first: o, last: o, n: 1 });
    }
  }
  for (const node of [...open.keys()]) close(node);
  return stretches;
}

export function singletonProblems(
  observations: readonly SingletonObservation[],
  record: SingletonRecord | undefined,
  { minimumTenures }: { minimumTenures: number },
): { problems: string[]; detail: { stretches: Stretch[]; tenures: number; heartbeats: number } } {
  const stretches = runningStretches(observations);
  const overlaps: string[] = [];
  for (let i = 0; i < stretches.length; i++) {
    for (let j = i + 1; j < stretches.length; j++) {
      const [a, b] = [stretches[i]!, stretches[j]!];
      if (a.node === b.node && a.fence === b.fence) continue;
      const from = Math.max(a.fromMs, b.fromMs);
      const to = Math.min(a.toMs, b.toMs);
      if (from < to)
        overlaps.push(
          `${a.node} (fence ${a.fence}) and ${b.node} (fence ${b.fence}) both ran from ${(from / 1000).toFixed(2)} s to ${(to / 1000).toFixed(2)} s`,
        );
    }
  }
  const problems: string[] = [];
  const list = (header: string, lines: string[]) => listed(problems, header, lines);
  list('two runners at once', overlaps);
  if (!record) {
    problems.push('no final read of the singleton record');
    return { problems, detail: { stretches, tenures: 0, heartbeats: 0 } };
  }
  const history = record.history;
  const unordered = history
    .slice(1)
    .flatMap((t, i) => (t.fence > history[i]!.fence ? [] : [`${t.runner} at fence ${t.fence} after fence ${history[i]!.fence}`]));
  list('tenures whose fence did not rise', unordered);
  const granted = new Set(history.map((t) => `${t.runner}@${t.fence}`));
  list('runners observed without a tenure', [
    ...new Set(stretches.filter((s) => !granted.has(`${s.node}@${s.fence}`)).map((s) => `${s.node} at fence ${s.fence}`)),
  ]);
  const beats = history.reduce((n, t) => n + t.beats, 0);
  if (beats !== record.heartbeats) problems.push(`the record counts ${record.heartbeats} heartbeats but its tenures ${beats}`);
  if (history.length < minimumTenures) problems.push(`only ${history.length} tenures (at least ${minimumTenures} expected: the task should have moved)`);
  if (stretches.length === 0) problems.push('no runner was ever observed: the observation proves nothing');
  return { problems, detail: { stretches, tenures: history.length, heartbeats: record.heartbeats } };
}
