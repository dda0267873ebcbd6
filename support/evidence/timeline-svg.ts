// One picture per scenario on a shared time axis: one lane per fault (its label in its own lane, so
// overlapping faults never print over each other), one lane per node a fault touched (crashed, stopped,
// paused, cut off, lossy), leases and elections, client operations and verdicts, with fault periods shaded
// across every lane the way Jepsen shades its plots, and a legend. Pure: data in, SVG text out. Class
// names are a contract with the report check (support/cli/report-check).
import { FINAL_READ, isFinalRead, type Op } from '../checks/history';
import type { Election, LeaseSegment } from '../checks/leadership-history';

/** What a fault acted on (structurally the FaultLog's subject): one node, groups of nodes, or proxied links. */
export type WindowSubject =
  | { readonly kind: 'node'; readonly node: string }
  | { readonly kind: 'groups'; readonly groups: Readonly<Record<string, readonly string[]>> }
  | { readonly kind: 'link'; readonly where: string };

export interface FaultWindow {
  readonly name: string;
  readonly target: string;
  readonly startMs: number;
  readonly endMs?: number;
  readonly subject?: WindowSubject;
}

export type NodeState = 'crashed' | 'stopped' | 'paused' | 'cut off' | 'lossy';

const STATE_COLOUR: Record<NodeState, string> = { crashed: '#c62828', stopped: '#7f7f7f', paused: '#d4a017', 'cut off': '#8e6bbf', lossy: '#b07aa1' };

/**
 * The nodes a fault window held in a state, and which: a node fault's own node; for a partition, every
 * group but the largest is cut off (the side an operator would say was cut off); for loss, every node of
 * every side is lossy.
 */
export function nodeStates(fault: FaultWindow): { node: string; state: NodeState }[] {
  const subject = fault.subject;
  if (!subject || subject.kind === 'link') return [];
  if (subject.kind === 'node') {
    const state: NodeState | undefined =
      fault.name === 'crash' ? 'crashed' : fault.name === 'pause' ? 'paused' : fault.name === 'graceful stop' ? 'stopped' : undefined;
    return state ? [{ node: subject.node, state }] : [];
  }
  const groups = Object.values(subject.groups);
  if (fault.name.includes('loss')) return groups.flat().map((node) => ({ node, state: 'lossy' as const }));
  const largest = groups.reduce((best, g, i) => (g.length > groups[best]!.length ? i : best), 0);
  return groups.flatMap((g, i) => (i === largest ? [] : g.map((node) => ({ node, state: 'cut off' as const }))));
}

export interface TimelineData {
  readonly title: string;
  /** Where the picture ends (scenario-clock ms); open segments and windows run to it. */
  readonly endMs: number;
  readonly ops: readonly Op[];
  readonly leases: readonly LeaseSegment[];
  readonly elections: readonly Election[];
  readonly faults: readonly FaultWindow[];
  /** Checker verdicts, drawn as flags on their own lane at the time they were reached. */
  readonly verdicts?: readonly { readonly checker: string; readonly step?: string; readonly outcome: 'ok' | 'failed' | 'unknown'; readonly atMs: number }[];
}

const LABEL_W = 170;
/** Width of one character at the font size used (sans-serif 11 px), generously: labels are placed by it. */
const CHAR_W = 6.4;
/** Characters of a row label that fit in LABEL_W at the font size used. */
const LABEL_CHARS = 27;
const PLOT_W = 900;
const ROW_H = 22;
const TOP = 46;
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac', '#e15759'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function colourFor(key: string): string {
  let h = 0;
  for (const c of key) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length]!;
}

function tickStep(spanMs: number): number {
  const steps = [100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000];
  return steps.find((s) => spanMs / s <= 12) ?? 600_000;
}

const VERDICT_MARK = { ok: '✔', failed: '✘', unknown: '?' } as const;
const VERDICT_COLOUR = { ok: '#2e7d32', failed: '#c62828', unknown: '#b8860b' } as const;
const VERDICT_WORD = { ok: 'passed', failed: 'FAILED', unknown: 'UNKNOWN (not a pass)' } as const;

export function renderTimeline(data: TimelineData): string {
  const span = Math.max(data.endMs, 1);
  const x = (ms: number) => LABEL_W + (Math.min(Math.max(ms, 0), span) / span) * PLOT_W;
  const scopes = [...new Set([...data.leases.map((l) => l.scope), ...data.elections.map((e) => e.scope)])].sort();
  // Final reads (one process per key, possibly thousands) share one lane.
  const lane = (op: Op) => (isFinalRead(op) ? FINAL_READ : op.process);
  const processes = [...new Set(data.ops.map(lane))].sort();
  const verdicts = data.verdicts ?? [];
  const states = data.faults.flatMap((f) => nodeStates(f).map((s) => ({ ...s, fault: f })));
  const stateNodes = [...new Set(states.map((s) => s.node))].sort();
  const rows = [
    // The lane's own text carries the fault and its target in full; the row label only numbers it.
    ...data.faults.map((f, k) => ({ kind: 'fault' as const, key: `fault ${k + 1}`, index: k })),
    ...stateNodes.map((n) => ({ kind: 'node' as const, key: n })),
    ...scopes.map((s) => ({ kind: 'scope' as const, key: s })),
    ...processes.map((p) => ({ kind: 'process' as const, key: p })),
    ...verdicts.map((v, k) => ({ kind: 'verdict' as const, key: `${VERDICT_MARK[v.outcome]} ${v.step ?? v.checker}`, index: k })),
  ];
  const height = TOP + Math.max(rows.length, 1) * ROW_H + 64;
  const width = LABEL_W + PLOT_W + 20;
  const y = (i: number) => TOP + i * ROW_H;
  const out: string[] = [];

  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>Timeline: ${esc(data.title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="8" y="18" font-size="13" font-weight="bold">${esc(data.title)}</text>`,
    `<text x="8" y="34" fill="#555">${data.ops.length} client operations, ${data.elections.length} elections, ${data.faults.length} fault windows over ${(span / 1000).toFixed(1)} s</text>`,
  );

  // Fault windows first, so everything else is drawn over the shading; each is labelled in its own lane.
  for (const f of data.faults) {
    const x0 = x(f.startMs);
    const x1 = x(f.endMs ?? span);
    out.push(
      `<rect class="fault-window" data-fault="${esc(f.name)}" data-target="${esc(f.target)}" x="${x0.toFixed(1)}" y="${TOP - 4}" width="${Math.max(x1 - x0, 1).toFixed(1)}" height="${rows.length * ROW_H + 8}" fill="#e15759" fill-opacity="0.08"><title>${esc(`${f.name} on ${f.target}: ${(f.startMs / 1000).toFixed(2)} s → ${f.endMs === undefined ? 'not healed' : `${(f.endMs / 1000).toFixed(2)} s`}`)}</title></rect>`,
    );
  }

  rows.forEach((row, i) => {
    const fill =
      row.kind === 'process' ? '#555' : row.kind === 'verdict' ? VERDICT_COLOUR[verdicts[row.index]!.outcome] : row.kind === 'fault' ? '#b03030' : '#222';
    const label = row.kind === 'scope' ? `lease ${row.key}` : row.kind === 'node' ? `node ${row.key}` : row.key;
    // A step's phrase is longer than the label column: cut it there, the whole of it in the tooltip.
    const shown = label.length > LABEL_CHARS ? `${label.slice(0, LABEL_CHARS - 1)}…` : label;
    out.push(`<text x="8" y="${y(i) + 15}" fill="${fill}"><title>${esc(label)}</title>${esc(shown)}</text>`);
    out.push(`<line x1="${LABEL_W}" x2="${LABEL_W + PLOT_W}" y1="${y(i) + ROW_H - 1}" y2="${y(i) + ROW_H - 1}" stroke="#eee"/>`);
  });

  data.faults.forEach((f, k) => {
    const i = rows.findIndex((r) => r.kind === 'fault' && r.index === k);
    const x0 = x(f.startMs);
    const x1 = x(f.endMs ?? span);
    out.push(
      `<g class="fault-lane" data-fault="${esc(f.name)}" data-lane="${i}"><rect x="${x0.toFixed(1)}" y="${y(i) + 4}" width="${Math.max(x1 - x0, 2).toFixed(1)}" height="${ROW_H - 9}" fill="#e15759" fill-opacity="0.55"/>${laneLabel(`${f.name}: ${f.target}`, x0, y(i) + 15)}</g>`,
    );
  });

  for (const s of states) {
    const i = rows.findIndex((r) => r.kind === 'node' && r.key === s.node);
    const x0 = x(s.fault.startMs);
    const x1 = x(s.fault.endMs ?? span);
    out.push(
      `<rect class="node-state" data-node="${esc(s.node)}" data-state="${s.state}" x="${x0.toFixed(1)}" y="${y(i) + 4}" width="${Math.max(x1 - x0, 2).toFixed(1)}" height="${ROW_H - 9}" fill="${STATE_COLOUR[s.state]}" fill-opacity="0.7"><title>${esc(`${s.node} ${s.state} (${s.fault.name} on ${s.fault.target}): ${(s.fault.startMs / 1000).toFixed(2)} s → ${s.fault.endMs === undefined ? 'not healed' : `${(s.fault.endMs / 1000).toFixed(2)} s`}`)}</title></rect>`,
    );
  }

  for (const l of data.leases) {
    const i = rows.findIndex((r) => r.kind === 'scope' && r.key === l.scope);
    const x0 = x(l.startMs);
    const x1 = x(l.endMs ?? span);
    const colour = colourFor(l.leaderId);
    out.push(
      `<rect class="lease" data-scope="${esc(l.scope)}" data-leader="${esc(l.leaderId)}" data-term="${l.term}" x="${x0.toFixed(1)}" y="${y(i) + 3}" width="${Math.max(x1 - x0, 1).toFixed(1)}" height="${ROW_H - 7}" fill="${colour}" fill-opacity="0.35" stroke="${colour}"><title>${esc(`${l.scope}: ${l.leaderId}, term ${l.term}`)}</title></rect>`,
      // The holder's name only where it fits in the segment: the next term's marker sits at its end.
      ...(fits(`${l.leaderId} (term ${l.term})`, x1 - x0 - 16)
        ? [`<text x="${(x0 + 10).toFixed(1)}" y="${y(i) + 15}" fill="#111">${esc(`${l.leaderId} (term ${l.term})`)}</text>`]
        : []),
    );
  }

  for (const e of data.elections) {
    const i = rows.findIndex((r) => r.kind === 'scope' && r.key === e.scope);
    const cx = x(e.atMs);
    out.push(
      `<g class="election" data-scope="${esc(e.scope)}" data-leader="${esc(e.leaderId)}" data-term="${e.term}"><title>${esc(`${e.scope}: ${e.leaderId} elected, term ${e.term}, at ${(e.atMs / 1000).toFixed(2)} s`)}</title><path d="M ${cx.toFixed(1)} ${y(i) + 2} l 5 8 l -5 8 l -5 -8 z" fill="${colourFor(e.leaderId)}" stroke="#222"/></g>`,
    );
  }

  for (const op of data.ops) {
    const i = rows.findIndex((r) => r.kind === 'process' && r.key === lane(op));
    const x0 = x(op.invokeMs);
    const x1 = x(op.completeMs ?? span);
    const outcome = op.outcome ?? 'info';
    const fill = outcome === 'ok' ? '#59a14f' : outcome === 'fail' ? '#e15759' : '#edc948';
    out.push(
      `<rect class="op op-${outcome}" data-f="${esc(op.f)}" data-target="${esc(op.target)}" x="${x0.toFixed(1)}" y="${y(i) + 4}" width="${Math.max(x1 - x0, 2).toFixed(1)}" height="${ROW_H - 9}" fill="${fill}"><title>${esc(`${op.f} → ${op.target}: ${outcome}${op.error ? ` (${op.error})` : ''}, ${op.invokeMs.toFixed(0)}–${op.completeMs?.toFixed(0) ?? '?'} ms`)}</title></rect>`,
    );
  }

  verdicts.forEach((v, k) => {
    const i = rows.findIndex((r) => r.kind === 'verdict' && r.index === k);
    const cx = x(v.atMs);
    const colour = VERDICT_COLOUR[v.outcome];
    out.push(
      `<g class="verdict verdict-${v.outcome}" data-checker="${esc(v.checker)}"><title>${esc(`${VERDICT_WORD[v.outcome]}: ${v.step ? `${v.step} (${v.checker})` : v.checker}, judged at ${(v.atMs / 1000).toFixed(2)} s over everything recorded until then`)}</title><rect x="${LABEL_W}" y="${y(i) + 6}" width="${Math.max(cx - LABEL_W, 1).toFixed(1)}" height="${ROW_H - 13}" fill="${colour}" fill-opacity="0.18"/><circle cx="${cx.toFixed(1)}" cy="${y(i) + ROW_H / 2 - 1}" r="5" fill="${colour}"/></g>`,
    );
  });

  // Time axis.
  const axisY = TOP + rows.length * ROW_H + 6;
  out.push(`<line x1="${LABEL_W}" x2="${LABEL_W + PLOT_W}" y1="${axisY}" y2="${axisY}" stroke="#999"/>`);
  const step = tickStep(span);
  for (let t = 0; t <= span; t += step) {
    out.push(
      `<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${axisY}" y2="${axisY + 4}" stroke="#999"/>`,
      `<text x="${x(t).toFixed(1)}" y="${axisY + 16}" text-anchor="middle" fill="#555">${step < 1000 ? `${(t / 1000).toFixed(1)}` : (t / 1000).toFixed(0)} s</text>`,
    );
  }
  out.push(legend(axisY + 36));
  out.push('</svg>');
  return out.join('\n');
}

const fits = (text: string, widthPx: number) => text.length * CHAR_W <= widthPx;

/**
 * A fault's target in its lane, never cut at the plot's right edge: after the window's start where it
 * fits, else ending at the right edge; only a text wider than the whole plot is shortened (tooltip whole).
 */
function laneLabel(text: string, x0: number, baseline: number): string {
  const right = LABEL_W + PLOT_W - 2;
  const maxChars = Math.floor(PLOT_W / CHAR_W);
  const shown = text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
  const after = x0 + 4;
  const anchored = after + shown.length * CHAR_W <= right ? `x="${after.toFixed(1)}"` : `x="${right.toFixed(1)}" text-anchor="end"`;
  return `<text class="fault-label" ${anchored} y="${baseline}" fill="#5a1010"><title>${esc(text)}</title>${esc(shown)}</text>`;
}

/** What every mark means, in one row under the axis. */
function legend(baseline: number): string {
  const items: [string, string, number][] = [
    ['fault window', '#e15759', 0.55],
    ...(Object.entries(STATE_COLOUR) as [NodeState, string][]).map(([state, colour]): [string, string, number] => [`node ${state}`, colour, 0.7]),
    ['op ok', '#59a14f', 1],
    ['op failed', '#e15759', 1],
    ['op unknown', '#edc948', 1],
    ['lease (◆ election)', '#4e79a7', 0.35],
  ];
  let cx = 8;
  const parts = items.map(([word, colour, opacity]) => {
    const part = `<rect x="${cx}" y="${baseline - 9}" width="12" height="10" fill="${colour}" fill-opacity="${opacity}"/><text x="${cx + 16}" y="${baseline}">${esc(word)}</text>`;
    cx += 16 + word.length * CHAR_W + 14;
    return part;
  });
  return `<g class="legend">${parts.join('')}</g>`;
}
