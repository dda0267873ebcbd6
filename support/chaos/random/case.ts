// One random case: a workload and a bounded fault schedule over a topology's members, in the suite's own
// vocabulary (the rows are fault schedule rows, support/chaos/schedule.ts), so that a case is a scenario
// anyone can read, run and edit. Pure.

/** What the clients do while the faults run, and the invariant that judges it afterwards. */
export const WORKLOADS = ['key-value', 'register', 'counter', 'set', 'sequence'] as const;
export type Workload = (typeof WORKLOADS)[number];

/** A row of the schedule table: `| fault | target | start | duration |`, times in whole seconds. */
export interface FaultRow {
  readonly fault: string;
  readonly target: string;
  readonly startS: number;
  readonly durationS: number;
}

export interface RandomCase {
  readonly topology: string;
  readonly workload: Workload;
  readonly clients: number;
  readonly faults: readonly FaultRow[];
}

/** When the last fault heals, in seconds from the schedule's start. */
export function scheduleEndS(c: RandomCase): number {
  return Math.max(0, ...c.faults.map((f) => f.startS + f.durationS));
}

/** One line for progress output: `key-value, 8 clients, 3 faults over 14 s: partition, crash, clock skew -20 s`. */
export function summarize(c: RandomCase): string {
  const faults = c.faults.map((f) => f.fault).join(', ');
  return `${c.workload}, ${c.clients} client${c.clients === 1 ? '' : 's'}, ${c.faults.length} fault${c.faults.length === 1 ? '' : 's'} over ${scheduleEndS(c)} s: ${faults}`;
}

/** The schedule as aligned table rows (header first), as a feature file shows it. */
export function scheduleTable(c: RandomCase): string[] {
  const rows = [['fault', 'target', 'start', 'duration'], ...c.faults.map((f) => [f.fault, f.target, `${f.startS} s`, `${f.durationS} seconds`])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `| ${r.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`);
}
