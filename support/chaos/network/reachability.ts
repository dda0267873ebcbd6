// Reachability observations and their judgement: pure. What a TCP connect probe's exit means, which
// observed pairs contradict the plan, and a matrix that shows the whole picture in a message or report.
import type { PairExpectation, PairReason } from './plan';

/**
 * What one probe saw. `timed-out` is what a DROP rule looks like; `refused` means a RST came back, so
 * packets are NOT being dropped (and, where a connection was expected, the port is wrong or closed).
 */
export type ProbeOutcome = 'connected' | 'timed-out' | 'refused' | 'unreachable' | 'error';

export interface ProbeResult {
  readonly outcome: ProbeOutcome;
  readonly ms: number;
  /** stderr of the probe, when it said something. */
  readonly detail?: string;
}

/** One ordered pair as checked: the record attached to the report. */
export interface PairObservation {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly expected: boolean;
  readonly observed: boolean;
  readonly outcome: ProbeOutcome;
  readonly why: PairReason | 'healed';
  /** How long the connect took to settle, from the connect() call. */
  readonly ms?: number;
  readonly detail?: string;
}

export interface ReachabilityRecord {
  /** ISO time of the observation that settled the verdict (the last one when it failed). */
  readonly checkedAt: string;
  readonly ok: boolean;
  /** Probe rounds it took, and wall time from the first probe to the verdict. */
  readonly rounds: number;
  readonly waitedMs: number;
  readonly pairs: readonly PairObservation[];
  /** The same, as a text matrix (rows: from, columns: to). */
  readonly matrix: string;
}

/**
 * What one prober connect saw: the handshake completed, the deadline passed first (what DROP looks like),
 * or the socket failed with a Node error code.
 */
export function classifyConnect(event: 'connect' | 'error' | 'deadline', code?: string): ProbeOutcome {
  if (event === 'connect') return 'connected';
  if (event === 'deadline') return 'timed-out';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'unreachable';
  if (code === 'ETIMEDOUT') return 'timed-out';
  return 'error';
}

export function observe(
  expectation: PairExpectation | { from: string; to: string; expected: boolean; why: 'healed' },
  port: number,
  probe: ProbeResult,
): PairObservation {
  return {
    from: expectation.from,
    to: expectation.to,
    port,
    expected: expectation.expected,
    observed: probe.outcome === 'connected',
    outcome: probe.outcome,
    why: expectation.why,
    ms: probe.ms,
    ...(probe.detail ? { detail: probe.detail } : {}),
  };
}

/** Why a pair contradicts its expectation, or undefined when it agrees. */
export function pairProblem(p: PairObservation): string | undefined {
  const pair = `${p.from} → ${p.to}:${p.port}`;
  const detail = p.detail ? ` (${p.detail})` : '';
  const after = p.ms === undefined ? '' : ` after ${p.ms} ms`;
  if (p.expected) return p.observed ? undefined : `${pair} should connect (${p.why}) but ${p.outcome}${after}${detail}`;
  if (p.observed) return `${pair} should be cut (${p.why}) but connected`;
  if (p.outcome === 'refused') return `${pair} should be cut (${p.why}) but was refused: a RST came back, so packets are not dropped`;
  if (p.outcome === 'error') return `${pair} should be cut (${p.why}) but the probe itself failed${detail}`;
  return undefined;
}

export function problemsOf(pairs: readonly PairObservation[]): string[] {
  return pairs.map(pairProblem).filter((p): p is string => p !== undefined);
}

/**
 * Rows are `from`, columns are `to`. Cells: `ok` connected as expected, `cut` blocked as expected,
 * `OPEN!` connected but should be cut, `CUT!` blocked but should connect (`REFUSED!` / `ERROR!` when the
 * probe was refused or failed), `.` not checked, `-` self.
 */
export function renderMatrix(pairs: readonly PairObservation[]): string {
  return renderPairMatrix(pairs, (p) => {
    if (!pairProblem(p)) return p.observed ? 'ok' : 'cut';
    if (p.outcome === 'refused') return 'REFUSED!';
    if (p.outcome === 'error') return 'ERROR!';
    return p.observed ? 'OPEN!' : 'CUT!';
  });
}

/** The from × to grid both verifications print: `cellOf` fills a checked pair, `.` an unchecked one, `-` self. */
export function renderPairMatrix<P extends { readonly from: string; readonly to: string }>(pairs: readonly P[], cellOf: (pair: P) => string): string {
  const ids = [...new Set(pairs.flatMap((p) => [p.from, p.to]))].sort();
  if (ids.length === 0) return '(no pairs checked)';
  const cell = new Map(pairs.map((p) => [`${p.from}\u0000${p.to}`, p]));
  const text = (from: string, to: string): string => {
    if (from === to) return '-';
    const p = cell.get(`${from}\u0000${to}`);
    return p ? cellOf(p) : '.';
  };
  const rows = [['from \\ to', ...ids], ...ids.map((from) => [from, ...ids.map((to) => text(from, to))])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
