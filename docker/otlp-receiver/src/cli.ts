// Command line and environment of the receiver (flags override the environment).
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
  const cli: Cli = {
    host: env.OTLP_RECEIVER_HOST?.trim() || '127.0.0.1',
    port: env.OTLP_RECEIVER_PORT?.trim() ? whole('OTLP_RECEIVER_PORT', env.OTLP_RECEIVER_PORT.trim(), 0, 65535) : DEFAULT_PORT,
    maxSpans: env.OTLP_RECEIVER_MAX_SPANS?.trim() ? whole('OTLP_RECEIVER_MAX_SPANS', env.OTLP_RECEIVER_MAX_SPANS.trim(), 1) : DEFAULT_MAX_SPANS,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('-')) throw new Error(`unexpected argument ${arg}`);
    const [flag, inline] = arg.replace(/^--?/, '').split(/=(.*)/s, 2) as [string, string | undefined];
    if (flag === 'help' || flag === 'h') return 'help';
    if (flag !== 'host' && flag !== 'port' && flag !== 'max-spans') throw new Error(`unknown flag ${arg}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    if (flag === 'host') cli.host = value;
    else if (flag === 'port') cli.port = whole('--port', value, 0, 65535);
    else cli.maxSpans = whole('--max-spans', value, 1);
  }
  return cli;
}

function whole(name: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new Error(`${name} must be a whole number between ${min} and ${max}, got ${JSON.stringify(value)}`);
  return n;
}
