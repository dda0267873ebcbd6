// One JSON object per line on stdout, like relay-node and fault-proxy: {"t":"<iso>","level":"info","msg":"...",...fields}
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
}

export function createLogger(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Logger {
  const emit = (level: string, msg: string, fields?: LogFields): void => write(JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields }));
  return { info: (msg, fields) => emit('info', msg, fields), warn: (msg, fields) => emit('warn', msg, fields) };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {} };

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
