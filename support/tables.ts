// Data tables authors write, parsed into typed values with errors that name the offending row.
import type { DataTable } from '@cucumber/cucumber';
import { FAST_TIMERS, type Timers } from '../topologies';

export class TableError extends Error {
  override name = 'TableError';
}

/** `| leaseTtlMs | 8000 |` rows → timer overrides; unknown names and non-numbers are rejected by row. */
export function timerTable(table: DataTable | string[][]): Partial<Timers> {
  const rows = Array.isArray(table) ? table : table.raw();
  const known = Object.keys(FAST_TIMERS);
  const timers: Record<string, number> = {};
  rows.forEach((row, i) => {
    const [name, value, ...extra] = row.map((c) => c.trim());
    const where = `timers table, row ${i + 1} (| ${row.join(' | ')} |)`;
    if (!name || value === undefined || extra.length > 0) throw new TableError(`${where}: expected two cells, | <timer> | <milliseconds> |`);
    if (!known.includes(name)) throw new TableError(`${where}: unknown timer "${name}"; timers: ${known.join(', ')}`);
    const ms = Number(value.replace(/_/g, ''));
    if (!Number.isInteger(ms) || ms <= 0) throw new TableError(`${where}: "${value}" is not a whole number of milliseconds`);
    if (name in timers) throw new TableError(`${where}: "${name}" is set twice`);
    timers[name] = ms;
  });
  return timers as Partial<Timers>;
}
