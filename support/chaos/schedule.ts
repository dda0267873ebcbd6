// A fault schedule from a data table: what, on what, when it starts and how long it lasts. Pure: the
// World runs it, the preview prints it. Every fault has a bounded window; overlapping is the point.
//
//   | fault              | target                      | start | duration   |
//   | latency 300 ms     | clients → region east       | 0 s   | 12 seconds |
//   | latency 400 ms     | region west                 | 0 s   | 20 seconds |
//   | partition          | region west / everyone else | 2 s   | 8 seconds  |
//   | crash              | east-3                      | 4 s   | 8 seconds  |
//
// Also: one-way cut (`<from> / <to>`), packet loss <p>%, pause, graceful stop (restarted at the window's
// end), `<n> nodes join` (`region <r>`: they join, stay for the window, then leave), clock skew.
import type { DataTable } from '@cucumber/cucumber';
import { TableError, type GroupRow } from '../tables';
import { MEMBER_PHRASES, parseMember } from '../members';

/**
 * Proxied paths a toxic goes on: a region's client ingress (`clients → region east`), every proxied path
 * into or out of a region (`region west`: its client ingress and its region ↔ region paths), or the
 * region ↔ region paths between two regions, both ways (`region east ↔ region west`).
 */
export type LinkTarget =
  | { readonly kind: 'clients'; readonly region: string }
  | { readonly kind: 'region'; readonly region: string }
  | { readonly kind: 'between'; readonly a: string; readonly b: string };

export type ScheduledFault =
  | { readonly kind: 'latency'; readonly latencyMs: number; readonly jitterMs: number; readonly link: LinkTarget }
  | { readonly kind: 'bandwidth'; readonly kbPerSecond: number; readonly link: LinkTarget }
  | { readonly kind: 'resets' | 'timeouts'; readonly link: LinkTarget }
  | { readonly kind: 'partition'; readonly sides: readonly [string, string] }
  /** `sides[0]` can no longer open connections to `sides[1]`; `sides[1]` still reaches `sides[0]`. */
  | { readonly kind: 'one-way'; readonly sides: readonly [string, string] }
  | { readonly kind: 'loss'; readonly percent: number; readonly sides: readonly [string, string] }
  /** `node`: a member phrase (support/members.ts), resolved when the fault starts. */
  | { readonly kind: 'crash' | 'pause'; readonly node: string }
  /** SIGTERM (the node drains and releases), started again when the window ends. */
  | { readonly kind: 'graceful stop'; readonly node: string }
  /** `count` undeclared nodes join `region` one a second, stay for the window, then leave (SIGTERM) one a second. */
  | { readonly kind: 'surge'; readonly count: number; readonly region: string }
  /** The node's wall clock shifted by `offsetMs`, both its clocks running at `1 + drift` (relay-node's clock-skew hook). */
  | { readonly kind: 'clock'; readonly offsetMs: number; readonly drift: number; readonly node: string };

export interface ScheduleEntry {
  readonly fault: ScheduledFault;
  readonly startMs: number;
  readonly durationMs: number;
  /** The row as written, for messages, the timeline and the preview. */
  readonly text: string;
  /** Its index in the table (the header is row 0). */
  readonly row: number;
}

const UNIT_MS: Record<string, number> = { ms: 1, millisecond: 1, milliseconds: 1, s: 1000, second: 1000, seconds: 1000, minute: 60_000, minutes: 60_000 };
const DURATION = /^(\d+(?:\.\d+)?) ?(ms|milliseconds?|s|seconds?|minutes?)$/;

/** `"8 seconds"`, `"500 ms"`, `"2 minutes"` (also `"20s"`) in milliseconds; a TableError naming `where` and `field` otherwise. */
export function durationOf(text: string, where: string, field: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new TableError(`${where}: ${field} "${text}" is not a duration (e.g. "0 s", "500 ms", "8 seconds")`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
}

/** `a / b`: the two sides of a cut, each a member list of the partition table (`region west`, `everyone else`, ids). */
function sides(target: string, where: string): readonly [string, string] {
  const parts = target.split('/').map((p) => p.trim());
  if (parts.length !== 2 || !parts[0] || !parts[1])
    throw new TableError(`${where}: target "${target}" must name two sides separated by "/", e.g. "region west / everyone else"`);
  return [parts[0], parts[1]];
}

const REGION = '([a-z][a-z0-9-]*)';

/** A proxied link target: `clients → region <r>`, `region <r>`, or `region <a> ↔ region <b>`. */
export function linkTarget(kind: string, target: string, where: string): LinkTarget {
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`^clients (?:→|->) region ${REGION}$`).exec(target))) return { kind: 'clients', region: m[1]! };
  if ((m = new RegExp(`^region ${REGION} (?:↔|<->) region ${REGION}$`).exec(target))) return { kind: 'between', a: m[1]!, b: m[2]! };
  if ((m = new RegExp(`^region ${REGION}$`).exec(target))) return { kind: 'region', region: m[1]! };
  throw new TableError(
    `${where}: ${kind} needs proxied links as target: "clients → region east", "region west" or "region east ↔ region west"; got "${target}"`,
  );
}

/** Words for a link target, as authors write it. */
export function describeLink(link: LinkTarget): string {
  if (link.kind === 'clients') return `clients → region ${link.region}`;
  if (link.kind === 'region') return `region ${link.region}`;
  return `region ${link.a} ↔ region ${link.b}`;
}

/** One schedule row's fault (`latency 300 ms ± 50 ms` on `region west`, …); a TableError naming `where` otherwise. */
export function scheduledFault(kind: string, target: string, where: string): ScheduledFault {
  let m: RegExpExecArray | null;
  if ((m = /^latency (\d+) ?ms(?: (?:±|\+-|with jitter) (\d+) ?ms)?$/.exec(kind))) {
    return { kind: 'latency', latencyMs: Number(m[1]), jitterMs: Number(m[2] ?? 0), link: linkTarget('latency', target, where) };
  }
  if ((m = /^bandwidth (\d+) ?KB\/s$/i.exec(kind))) {
    return { kind: 'bandwidth', kbPerSecond: Number(m[1]), link: linkTarget('bandwidth', target, where) };
  }
  if (kind === 'connection resets') return { kind: 'resets', link: linkTarget(kind, target, where) };
  if (kind === 'connection timeouts') return { kind: 'timeouts', link: linkTarget(kind, target, where) };
  if (kind === 'partition') return { kind: 'partition', sides: sides(target, where) };
  if (kind === 'one-way cut') return { kind: 'one-way', sides: sides(target, where) };
  if ((m = /^packet loss (\d+(?:\.\d+)?) ?%$/.exec(kind))) {
    const percent = Number(m[1]);
    if (!(percent > 0 && percent < 100)) throw new TableError(`${where}: packet loss must be between 0 and 100 %, exclusive; got ${percent} %`);
    return { kind: 'loss', percent, sides: sides(target, where) };
  }
  if (kind === 'crash' || kind === 'pause') return { kind, node: oneNode(kind, target, where) };
  if (kind === 'graceful stop') return { kind, node: oneNode(kind, target, where) };
  if ((m = /^(\d+) nodes? joins?$/.exec(kind))) {
    const count = Number(m[1]);
    if (count < 1 || count > 10) throw new TableError(`${where}: a membership surge is 1 to 10 nodes; got ${count}`);
    const region = new RegExp(`^region ${REGION}$`).exec(target)?.[1];
    if (!region) throw new TableError(`${where}: "${kind}" needs a region as target, e.g. "region east"; got "${target}"`);
    return { kind: 'surge', count, region };
  }
  const skew = clockSkew(kind, where);
  if (skew) return { kind: 'clock', ...skew, node: oneNode('clock skew', target, where) };
  throw new TableError(
    `${where}: unknown fault "${kind}"; known: latency <n> ms [± <m> ms], bandwidth <n> KB/s, connection resets, connection timeouts (on "clients → region <r>", "region <r>" or "region <a> ↔ region <b>"), partition, one-way cut (on "<from> / <to>"), packet loss <p>%, crash, pause, graceful stop, <n> nodes join (on "region <r>"), clock skew <±n> s [drift <±p> %], clock drift <±p> %`,
  );
}

function oneNode(kind: string, target: string, where: string): string {
  let member;
  try {
    member = parseMember(target);
  } catch (error) {
    throw new TableError(`${where}: ${(error as Error).message}`);
  }
  if (!member) throw new TableError(`${where}: ${kind} needs one node: ${MEMBER_PHRASES}; got "${target}"`);
  return target;
}

/** Largest offset a schedule may set: relay-node accepts a day, but certificates and logs stop meaning anything long before. */
const MAX_SKEW_MS = 3_600_000;

/** `clock skew -20 s`, `clock skew +3 s drift -5 %`, `clock drift 10 %`; undefined for any other fault. */
function clockSkew(kind: string, where: string): { offsetMs: number; drift: number } | undefined {
  const m = /^clock (?:skew ([+-]?\d+(?:\.\d+)?) ?(ms|s|seconds?)(?: drift ([+-]?\d+(?:\.\d+)?) ?%)?|drift ([+-]?\d+(?:\.\d+)?) ?%)$/.exec(kind);
  if (!m) {
    if (kind.startsWith('clock'))
      throw new TableError(`${where}: "${kind}" is not a clock fault; write "clock skew -20 s", "clock skew +3 s drift -5 %" or "clock drift 10 %"`);
    return undefined;
  }
  const offsetMs = m[1] === undefined ? 0 : Math.round(Number(m[1]) * (m[2] === 'ms' ? 1 : 1000));
  const percent = Number(m[3] ?? m[4] ?? 0);
  if (Math.abs(offsetMs) > MAX_SKEW_MS)
    throw new TableError(`${where}: a clock skew of more than an hour says nothing more about leases; got ${offsetMs / 1000} s`);
  if (!(Math.abs(percent) < 100)) throw new TableError(`${where}: clock drift must be between -100 % and 100 %, exclusive; got ${percent} %`);
  return { offsetMs, drift: percent / 100 };
}

/** The header row of a fault schedule table. */
export const SCHEDULE_HEADER = ['fault', 'target', 'start', 'duration'];

/** Parses `| fault | target | start | duration |` rows, sorted by start. Every window is bounded by `maxWindowMs`. */
export function parseSchedule(table: DataTable | string[][], maxWindowMs = 120_000): ScheduleEntry[] {
  const rows = Array.isArray(table) ? table : table.raw();
  const [header, ...body] = rows;
  if (!header || header.map((c) => c.trim().toLowerCase()).join('|') !== SCHEDULE_HEADER.join('|')) {
    throw new TableError(`fault schedule: the first row must be the header | ${SCHEDULE_HEADER.join(' | ')} |`);
  }
  if (body.length === 0) throw new TableError('fault schedule: name at least one fault');
  return body
    .map((row, i) => {
      const where = `fault schedule, row ${i + 2} (| ${row.join(' | ')} |)`;
      const [kind, target, start, length] = row.map((c) => c.trim());
      if (!kind || !target || !start || !length) throw new TableError(`${where}: expected | <fault> | <target> | <start> | <duration> |`);
      const durationMs = durationOf(length, where, 'duration');
      if (durationMs <= 0 || durationMs > maxWindowMs) throw new TableError(`${where}: duration must be more than 0 and at most ${maxWindowMs / 1000} s`);
      return {
        fault: scheduledFault(kind, target, where),
        startMs: durationOf(start, where, 'start'),
        durationMs,
        text: `${kind} on ${target}, from ${start} for ${length}`,
        row: i + 1,
      };
    })
    .sort((a, b) => a.startMs - b.startMs);
}

/** The two sides of a cut as partition-table rows (members comma-separated, as in `| group | members |`). */
export function sideRows(sides: readonly [string, string]): GroupRow[] {
  return sides.map((members, i) => ({
    name: `side ${i + 1}`,
    members: members
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean),
  }));
}

/** One line per fault, for the preview and the scenario log: `+2.0 s … +10.0 s  partition  region west / everyone else`. */
export function describeSchedule(entries: readonly ScheduleEntry[]): string[] {
  return entries.map((e) => `+${(e.startMs / 1000).toFixed(1)} s … +${((e.startMs + e.durationMs) / 1000).toFixed(1)} s  ${e.text}`);
}
