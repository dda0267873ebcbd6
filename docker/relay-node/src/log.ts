// One JSON object per line on stdout, so a failed scenario's attached node log is greppable:
// {"t":"<iso>","level":"info","msg":"...","node":"east-1",...fields}
import { clock } from './clock';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export function isLogLevel(value: string): value is LogLevel {
  return Object.hasOwn(LEVEL_ORDER, value);
}

export function createLogger(base: LogFields = {}, minLevel: LogLevel = 'info', write: (line: string) => void = stdoutLine): Logger {
  const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (LEVEL_ORDER[level] < LEVEL_ORDER[minLevel]) return;
    const record: LogFields = { t: clock.iso(), level, msg, ...base };
    if (fields) for (const [key, value] of Object.entries(fields)) record[key] = normalize(value);
    write(JSON.stringify(record));
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (fields) => createLogger({ ...base, ...fields }, minLevel, write),
  };
}

function stdoutLine(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Errors do not serialize with JSON.stringify; keep their message and code. */
function normalize(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as NodeJS.ErrnoException).code;
    const cause = value.cause instanceof Error ? value.cause.message : undefined;
    return { name: value.name, message: value.message, ...(code ? { code } : {}), ...(cause ? { cause } : {}) };
  }
  return value;
}

/** Message of anything thrown, including the cause fetch() hides its network error in. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
