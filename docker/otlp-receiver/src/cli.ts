// Command line and environment of the receiver (flags override the environment).
import { parseArgs as parseFlags } from 'node:util';
import { DEFAULT_MAX_SPANS, DEFAULT_PORT } from './server';

export const USAGE = `Usage: otlp-receiver [--host HOST] [--port PORT] [--max-spans N]

An OTLP/HTTP trace receiver (POST /v1/traces, OTLP/JSON) that keeps spans in memory and serves them on
GET /spans?name=&since=&node=, DELETE /spans and GET /healthz.

  --host HOST      address to listen on (default 127.0.0.1; env OTLP_RECEIVER_HOST; use 0.0.0.0 in a container)
  --port PORT      port (default ${DEFAULT_PORT}; env OTLP_RECEIVER_PORT)
  --max-spans N    spans kept before the oldest are evicted (default ${DEFAULT_MAX_SPANS}; env OTLP_RECEIVER_MAX_SPANS)
  --help           show this help
`;

export interface Cli {
  host: string;
  port: number;
  maxSpans: number;
}

export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): Cli | 'help' {
  const { values } = parseFlags({
    // Go-style single-dash long flags (-host, -max-spans=7), as the fault proxy takes them, read as GNU ones.
    args: argv.map((a) => a.replace(/^-(?=[a-z][a-z-]+(=|$))/, '--')),
    options: { host: { type: 'string' }, port: { type: 'string' }, 'max-spans': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const envPort = env.OTLP_RECEIVER_PORT?.trim();
  const envMax = env.OTLP_RECEIVER_MAX_SPANS?.trim();
  return {
    host: values.host ?? (env.OTLP_RECEIVER_HOST?.trim() || '127.0.0.1'),
    port: values.port !== undefined ? whole('--port', values.port, 0, 65535) : envPort ? whole('OTLP_RECEIVER_PORT', envPort, 0, 65535) : DEFAULT_PORT,
    maxSpans:
      values['max-spans'] !== undefined
        ? whole('--max-spans', values['max-spans'], 1)
        : envMax
          ? whole('OTLP_RECEIVER_MAX_SPANS', envMax, 1)
          : DEFAULT_MAX_SPANS,
  };
}

function whole(name: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new Error(`${name} must be a whole number between ${min} and ${max}, got ${JSON.stringify(value)}`);
  return n;
}
