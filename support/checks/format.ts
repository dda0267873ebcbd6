// How checkers write times and values into their problems, one way for all of them.

/** Milliseconds on the scenario clock as seconds: `8.20 s`. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** A field of an op's value or result, when it is an object. */
export const fieldOf = (v: unknown, name: string): unknown => (v && typeof v === 'object' ? (v as Record<string, unknown>)[name] : undefined);
