// A time budget on the command line: `90s`, `15m`, `2h`, `1h30m`. Pure.
import { UsageError } from '../../cli/flags';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or a UsageError naming the flag and showing how to write one. */
export function parseBudget(flag: string, text: string): number {
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)\s*([smh])/g)];
  const whole = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || whole.replace(/\s/g, '') !== text.replace(/\s/g, '')) {
    throw new UsageError(`--${flag} "${text}": not a duration; write e.g. 90s, 15m, 2h or 1h30m`);
  }
  const ms = parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_MS[unit!]!, 0);
  if (ms < 10_000) throw new UsageError(`--${flag} "${text}": at least 10s (one case takes about a minute)`);
  return Math.round(ms);
}
