// `npm run bench -- --compare <baseline.json>`: each figure against its baseline, judged by its rule in
// figure-rules.ts. Pure: bench.ts reads the files and prints the lines. A figure on one side only is
// "not measured", never a failure, since `--only` runs a subset of the sections.
import type { Figure } from './figures';
import { classify, SECTIONS, type Rule, type Section } from './figure-rules';
import { spreadPct } from './runs';

/** A judged figure this many % worse than its baseline fails the comparison (`--threshold N`). */
export const THRESHOLD_PCT = 20;
/**
 * Some judged latencies are a few ms (a handover's p50 is ~15 ms): there a move of a few ms is 20 % or
 * more, and a few ms is also one event-loop turn or timer tick on a loaded 2-core machine. A move of this
 * many ms or fewer is not judged, whatever its %.
 */
export const MS_FLOOR = 5;
/**
 * A judged figure is judged only when it is steady on the baseline's machine: when its furthest quiet
 * run lay less than this share of the threshold from the median. A regression must then move it at
 * least twice as far as the noise the baseline saw; a figure noisier than that on this machine class
 * is shown with its noise instead (a baseline from one run has no noise to go by and judges them all).
 */
export const NOISE_SHARE = 0.5;

/** `noisy`: a judged figure not judged this time, because it is not steady on the baseline's machine (NOISE_SHARE). */
export type Verdict = 'worse' | 'better' | 'ok' | 'same' | 'differs' | 'info' | 'noisy' | 'unclassified';

export interface Row {
  readonly name: string;
  readonly baseline: Figure;
  readonly now: Figure;
  /** (now − baseline) / baseline, in %; absent when the baseline is 0 or either side is not a number. */
  readonly changePct?: number;
  readonly verdict: Verdict;
  /** The rule behind the verdict: `lower is better`, `tail`, `rose from 0`, … */
  readonly why: string;
}

export interface Missing {
  readonly name: string;
  readonly section?: Section;
}

export interface Comparison {
  readonly thresholdPct: number;
  /** Figures on both sides, in this run's order. */
  readonly rows: readonly Row[];
  /** In the baseline, not measured in this run. */
  readonly notNow: readonly Missing[];
  /** Measured in this run, not in the baseline. */
  readonly notInBaseline: readonly Missing[];
}

type Judged = Pick<Row, 'changePct' | 'verdict' | 'why'>;

export function compare(baseline: readonly Figure[], now: readonly Figure[], thresholdPct = THRESHOLD_PCT): Comparison {
  const before = new Map(baseline.map((f) => [f.name, f]));
  const after = new Map(now.map((f) => [f.name, f]));
  const missing = (name: string): Missing => {
    const section = classify(name)?.section;
    return section ? { name, section } : { name };
  };
  return {
    thresholdPct,
    rows: now
      .filter((f) => before.has(f.name))
      .map((f) => ({ name: f.name, baseline: before.get(f.name)!, now: f, ...judge(f.name, before.get(f.name)!, f, thresholdPct) })),
    notNow: baseline.filter((f) => !after.has(f.name)).map((f) => missing(f.name)),
    notInBaseline: now.filter((f) => !before.has(f.name)).map((f) => missing(f.name)),
  };
}

/** One figure against its baseline. */
export function judge(name: string, b: Figure, n: Figure, thresholdPct = THRESHOLD_PCT): Judged {
  const rule: Rule | undefined = classify(name)?.rule;
  // Rounded so that a change of exactly the threshold counts (1.2 / 1 − 1 is 0.19999… in floating point).
  const changePct =
    typeof b.value === 'number' && typeof n.value === 'number' && b.value !== 0 && b.unit === n.unit
      ? Math.round(((n.value - b.value) / Math.abs(b.value)) * 100 * 1e6) / 1e6
      : undefined;
  const pct = changePct === undefined ? {} : { changePct };
  if (!rule) return { ...pct, verdict: 'unclassified', why: 'no rule in bench/figure-rules.ts' };
  if (rule.kind === 'setting') return { verdict: b.value === n.value && b.unit === n.unit ? 'same' : 'differs', why: 'setting' };
  if (rule.kind === 'info') return { ...pct, verdict: 'info', why: rule.why };
  if (b.unit !== n.unit) return { verdict: 'info', why: `unit was ${b.unit}` };
  if (typeof b.value !== 'number' || typeof n.value !== 'number') return { verdict: 'info', why: 'not a number' };
  if (rule.kind === 'failures') {
    if (b.value === 0) return n.value > 0 ? { verdict: 'worse', why: 'rose from 0' } : { verdict: 'ok', why: 'failures' };
    return { ...pct, verdict: 'info', why: 'failures, baseline not 0' };
  }
  const direction = `${rule.kind} is better`;
  if (changePct === undefined) return { verdict: n.value === 0 ? 'same' : 'info', why: 'baseline 0, no %' };
  const noise = spreadPct(b);
  if (noise !== undefined && noise >= thresholdPct * NOISE_SHARE)
    return { ...pct, verdict: 'noisy', why: `±${noise.toFixed(0)} % across the baseline's ${b.runs!.length} runs` };
  const against = rule.kind === 'lower' ? changePct : -changePct;
  if (Math.abs(against) < thresholdPct) return { ...pct, verdict: 'ok', why: direction };
  if (n.unit === 'ms' && Math.abs(n.value - b.value) <= MS_FLOOR) return { ...pct, verdict: 'ok', why: `${direction}, within ${MS_FLOOR} ms` };
  return { ...pct, verdict: against > 0 ? 'worse' : 'better', why: direction };
}

export const worse = (c: Comparison): readonly Row[] => c.rows.filter((r) => r.verdict === 'worse');

/** The table, the figures measured on one side only, warnings, and the last line naming what got worse. */
export function renderComparison(c: Comparison, baselineLabel: string): string[] {
  const cells = c.rows.map((r) => [
    r.name,
    String(r.baseline.value),
    String(r.now.value),
    r.changePct === undefined ? '' : signed(r.changePct),
    r.verdict === 'ok' || r.verdict === 'same' ? r.verdict : `${r.verdict} (${r.why})`,
  ]);
  const header = ['figure', 'baseline', 'now', 'change', 'verdict'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  // Names left, numbers right, the verdict left and unpadded.
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : i === 4 ? cell : cell.padStart(widths[i]!))).join('  ');
  const out = [line(header), ...cells.map(line)];
  if (c.notNow.length) out.push(`not measured in this run: ${missingList(c.notNow, c.rows.map((r) => r.name).concat(c.notInBaseline.map((m) => m.name)))}`);
  if (c.notInBaseline.length) out.push(`not in the baseline: ${missingList(c.notInBaseline, c.rows.map((r) => r.name).concat(c.notNow.map((m) => m.name)))}`);
  const differs = c.rows.filter((r) => r.verdict === 'differs');
  if (differs.length) {
    const changes = differs.map((r) => `${r.name} ${r.baseline.value} → ${r.now.value}`).join(', ');
    out.push(`warning: settings differ from the baseline (${changes}): their sections measured something else`);
  }
  const unclassified = c.rows.filter((r) => r.verdict === 'unclassified').map((r) => r.name);
  if (unclassified.length) out.push(`warning: not judged, no rule in bench/figure-rules.ts: ${unclassified.join(', ')}`);
  out.push(lastLine(c, baselineLabel));
  return out;
}

const signed = (pct: number) => `${pct > 0 ? '+' : ''}${pct.toFixed(1)} %`;

function lastLine(c: Comparison, baselineLabel: string): string {
  const bad = worse(c);
  const limit = `${c.thresholdPct} % or more worse than ${baselineLabel}`;
  if (bad.length) {
    const named = bad.map((r) => `${r.name} (${r.changePct === undefined ? r.why : signed(r.changePct)})`);
    return `bench: ${bad.length} judged figure${bad.length === 1 ? ' is' : 's are'} worse than ${baselineLabel} (threshold ${c.thresholdPct} %): ${named.join(', ')}`;
  }
  const count = (...vs: Verdict[]) => c.rows.filter((r) => vs.includes(r.verdict)).length;
  const better = count('better');
  const judged = count('ok', 'better');
  const noisy = count('noisy');
  return (
    `bench: no judged figure is ${limit} (${judged} judged${better ? `, ${better} better` : ''}; ` +
    `${count('info', 'noisy', 'same', 'differs', 'unclassified')} shown only${noisy ? `, ${noisy} of them too noisy on the baseline's machine to judge` : ''}; ` +
    `${c.notNow.length + c.notInBaseline.length} on one side only)`
  );
}

/** Whole sections by name when none of their figures is on the other side, the rest one by one. */
function missingList(missing: readonly Missing[], otherSide: readonly string[]): string {
  const present = new Set(otherSide.map((n) => classify(n)?.section));
  const whole = SECTIONS.filter((s) => !present.has(s) && missing.some((m) => m.section === s));
  const single = missing.filter((m) => !m.section || !whole.includes(m.section)).map((m) => m.name);
  const sections = whole.map((s) => `${s} (${missing.filter((m) => m.section === s).length})`);
  return [...(sections.length ? [`sections ${sections.join(', ')}`] : []), ...single].join('; ');
}

/** Figures from a machine of another size differ for that reason alone: a warning, not a verdict. */
export function machineWarning(baseline: { readonly cpus: number }, now: { readonly cpus: number }, baselineLabel: string): string | undefined {
  if (baseline.cpus === now.cpus) return undefined;
  return (
    `warning: ${baselineLabel} was saved on a ${baseline.cpus}-cpu machine and this one has ${now.cpus}: figures differ for that alone; ` +
    `compare with the baseline of this machine class (seeds/bench/baseline-${now.cpus}cpu.json)`
  );
}
