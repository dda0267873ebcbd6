// How checkers write times and values into their problems, one way for all of them.

/** Milliseconds on the scenario clock as seconds: `8.20 s`. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** A field of an op's value or result, when it is an object. */
export const fieldOf = (v: unknown, name: string): unknown => (v && typeof v === 'object' ? (v as Record<string, unknown>)[name] : undefined);

/** Lists shown per kind of problem; the count says how many there were. */
export const MAX_LISTED = 8;

/** Adds `header (n): a; b; …` to `problems` when there are `lines`, at most MAX_LISTED of them shown. */
export function listed(problems: string[], header: string, lines: readonly string[]): void {
  if (lines.length === 0) return;
  problems.push(`${header} (${lines.length}): ${lines.slice(0, MAX_LISTED).join('; ')}${lines.length > MAX_LISTED ? '; …' : ''}`);
}

/** The p50, p99 and max of `values` (nearest rank, rounded); null when there are none. */
export function spread(values: readonly number[]): { p50: number; p99: number; max: number } | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
  return { p50: at(0.5), p99: at(0.99), max: Math.round(sorted.at(-1)!) };
}
