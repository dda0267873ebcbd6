// One picture per scenario: client operations, leadership (lease segments and elections) and fault
// windows on a shared time axis, fault periods shaded across every lane the way Jepsen shades its plots.
// Pure: data in, SVG text out. Class names are a contract with the report check (support/cli/report-check).
import type { Op } from '../checks/history';
import type { Election, LeaseSegment } from '../checks/leadership-history';

export interface FaultWindow {
  readonly name: string;
  readonly target: string;
  readonly startMs: number;
  readonly endMs?: number;
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
/** Characters of a row label that fit in LABEL_W at the font size used. */
const LABEL_CHARS = 27;
const PLOT_W = 900;
const ROW_H = 22;
const TOP = 46;
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac', '#e15759'];

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, Math.max(max - 1, 1))}…` : s);
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
  const processes = [...new Set(data.ops.map((o) => o.process))].sort();
  const verdicts = data.verdicts ?? [];
  const rows = [
    ...scopes.map((s) => ({ kind: 'scope' as const, key: s })),
    ...processes.map((p) => ({ kind: 'process' as const, key: p })),
    ...verdicts.map((v, k) => ({ kind: 'verdict' as const, key: `${VERDICT_MARK[v.outcome]} ${v.step ?? v.checker}`, index: k })),
  ];
  const height = TOP + Math.max(rows.length, 1) * ROW_H + 40;
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

  // Fault windows first, so everything else is drawn over the shading.
  for (const f of data.faults) {
    const x0 = x(f.startMs);
    const x1 = x(f.endMs ?? span);
    out.push(
      `<rect class="fault-window" data-fault="${esc(f.name)}" data-target="${esc(f.target)}" x="${x0.toFixed(1)}" y="${TOP - 4}" width="${Math.max(x1 - x0, 1).toFixed(1)}" height="${rows.length * ROW_H + 8}" fill="#e15759" fill-opacity="0.15"><title>${esc(`${f.name} on ${f.target}: ${(f.startMs / 1000).toFixed(2)} s → ${f.endMs === undefined ? 'not healed' : `${(f.endMs / 1000).toFixed(2)} s`}`)}</title></rect>`,
      // The label only where it fits; the window's tooltip always carries the full target.
      ...(x1 - x0 > 60
        ? [`<text x="${(x0 + 2).toFixed(1)}" y="${TOP - 8}" fill="#b03030">${esc(clip(`${f.name} ${f.target}`, Math.floor((x1 - x0) / 6)))}</text>`]
        : []),
    );
  }

  rows.forEach((row, i) => {
    const fill = row.kind === 'process' ? '#555' : row.kind === 'verdict' ? VERDICT_COLOUR[verdicts[row.index]!.outcome] : '#222';
    const label = row.kind === 'scope' ? `lease ${row.key}` : row.key;
    // A step's phrase is longer than the label column: cut it there, the whole of it in the tooltip.
    const shown = label.length > LABEL_CHARS ? `${label.slice(0, LABEL_CHARS - 1)}…` : label;
    out.push(`<text x="8" y="${y(i) + 15}" fill="${fill}"><title>${esc(label)}</title>${esc(shown)}</text>`);
    out.push(`<line x1="${LABEL_W}" x2="${LABEL_W + PLOT_W}" y1="${y(i) + ROW_H - 1}" y2="${y(i) + ROW_H - 1}" stroke="#eee"/>`);
  });

  for (const l of data.leases) {
    const i = rows.findIndex((r) => r.kind === 'scope' && r.key === l.scope);
    const x0 = x(l.startMs);
    const x1 = x(l.endMs ?? span);
    const colour = colourFor(l.leaderId);
    out.push(
      `<rect class="lease" data-scope="${esc(l.scope)}" data-leader="${esc(l.leaderId)}" data-term="${l.term}" x="${x0.toFixed(1)}" y="${y(i) + 3}" width="${Math.max(x1 - x0, 1).toFixed(1)}" height="${ROW_H - 7}" fill="${colour}" fill-opacity="0.35" stroke="${colour}"><title>${esc(`${l.scope}: ${l.leaderId}, term ${l.term}`)}</title></rect>`,
      `<text x="${(x0 + 10).toFixed(1)}" y="${y(i) + 15}" fill="#111">${esc(`${l.leaderId} (term ${l.term})`)}</text>`,
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
    const i = rows.findIndex((r) => r.kind === 'process' && r.key === op.process);
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
  out.push('</svg>');
  return out.join('\n');
}
