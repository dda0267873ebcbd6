// Counters across restarts, as a scraper with reset handling reads them. A Prometheus counter may drop to
// zero only when its process restarted; the scraper tells a restart by process_start_time_seconds (a new
// start time: add what the old process had counted and carry on). A counter that falls while the start
// time stays the same is a reset the scraper cannot detect: every rate and increase alert over it lies.
// Pure: the World scrapes, this judges.
import type { Sample } from './prometheus';

export interface Scrape {
  readonly node: string;
  readonly atMs: number;
  readonly samples: readonly Sample[];
}

export const START_TIME = 'process_start_time_seconds';

/** Counters by Prometheus convention: `_total`, and a histogram's `_count` and `_sum` (never negative observations here). */
const isCounter = (name: string) => name.endsWith('_total') || name.endsWith('_count');

export interface ResetReport {
  readonly problems: string[];
  /** Restarts the scraper told apart, per node (start time changes). */
  readonly restartsSeen: Record<string, number>;
  /** Counter series that fell at a detected restart (handled by the scraper), per node. */
  readonly resetsHandled: Record<string, number>;
  /** Per node, the series checked. */
  readonly seriesChecked: Record<string, number>;
}

export function counterResetReport(scrapes: readonly Scrape[]): ResetReport {
  const problems: string[] = [];
  const restartsSeen: Record<string, number> = {};
  const resetsHandled: Record<string, number> = {};
  const seriesChecked: Record<string, number> = {};
  const byNode = new Map<string, Scrape[]>();
  for (const s of scrapes) byNode.set(s.node, [...(byNode.get(s.node) ?? []), s]);
  for (const [node, list] of byNode) {
    const ordered = [...list].sort((a, b) => a.atMs - b.atMs);
    const last = new Map<string, number>();
    let start: number | undefined;
    restartsSeen[node] = 0;
    resetsHandled[node] = 0;
    for (const scrape of ordered) {
      const startNow = scrape.samples.find((x) => x.name === START_TIME)?.value;
      if (startNow === undefined) {
        problems.push(`${node} at ${(scrape.atMs / 1000).toFixed(1)} s exposes no ${START_TIME}: a scraper cannot tell its restarts`);
        continue;
      }
      const restarted = start !== undefined && startNow !== start;
      start = startNow;
      // A new process: every series starts again, also the ones it has not exported yet.
      const previous = restarted ? new Map(last) : last;
      if (restarted) {
        restartsSeen[node]!++;
        last.clear();
      }
      for (const x of scrape.samples) {
        if (!isCounter(x.name)) continue;
        const key = `${x.name}${JSON.stringify(Object.entries(x.labels).sort())}`;
        const before = previous.get(key);
        last.set(key, x.value);
        if (before === undefined || x.value >= before) continue;
        if (restarted) resetsHandled[node]!++;
        else {
          problems.push(
            `${node}: ${x.name}${labelText(x.labels)} fell from ${before} to ${x.value} at ${(scrape.atMs / 1000).toFixed(1)} s while ${START_TIME} stayed ${startNow}: a reset no scraper can detect`,
          );
        }
      }
      seriesChecked[node] = last.size;
    }
  }
  return { problems: dedupe(problems), restartsSeen, resetsHandled, seriesChecked };
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return pairs.length ? `{${pairs.join(',')}}` : '';
}

/** One line per series is enough; a falling series usually falls at one scrape only. */
function dedupe(lines: string[]): string[] {
  return [...new Set(lines)].slice(0, 20);
}
