// The suite's command lines: node:util's parseArgs in strict mode (`--x v` and `--x=v` both work; an
// unknown flag, a missing value or a stray argument is an error), plus the value checks every tool
// repeated. A UsageError names the flag and what it accepts; `usageExit` prints it with the usage and
// exits 2, the convention for a bad command line.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

type Parsed<T extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ options: T; strict: true; allowPositionals: true }>>;

/** Parses `args` strictly against `options`; positionals only when `positionals` says they are allowed. */
export function parseFlags<T extends ParseArgsOptionsConfig>(args: readonly string[], options: T, { positionals = false } = {}): Parsed<T> {
  let parsed: Parsed<T>;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (error) {
    // node:util's messages name the flag; its advice on positionals after `--` does not apply here.
    const message = (error as Error).message;
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
    throw new UsageError(unknown ? `unknown flag ${unknown}` : message, { cause: error });
  }
  if (!positionals && parsed.positionals.length > 0) throw new UsageError(`unexpected argument(s): ${parsed.positionals.join(' ')}`);
  return parsed;
}

/** `--flag N`, a whole number within [min, max]; `fallback` when the flag is absent. */
export function wholeNumber(flag: string, value: string | undefined, fallback: number, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
    throw new UsageError(`--${flag} ${JSON.stringify(value)}: expected a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}`);
  }
  return n;
}

/** `--flag a,b`: each item one of `allowed`; all of them when the flag is absent. */
export function listOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T[] {
  if (value === undefined) return [...allowed];
  const items = value
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const unknown = items.filter((x) => !(allowed as readonly string[]).includes(x));
  if (items.length === 0 || unknown.length > 0)
    throw new UsageError(`--${flag} ${JSON.stringify(value)}: unknown ${unknown.join(', ') || '(none given)'}; known: ${allowed.join(', ')}`);
  return items as T[];
}

/** Runs `parse`; a UsageError becomes `<tool>: <message>` and the usage on stderr, and exit code 2. */
export function usageExit<T>(tool: string, usage: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return failUsage(tool, usage, error.message);
  }
}

/** `<tool>: <message>` and the usage on stderr, then exit code 2: a bad command line found after parsing. */
export function failUsage(tool: string, usage: string, message: string): never {
  console.error(`${tool}: ${message}\n\n${usage}`);
  process.exit(2);
}
