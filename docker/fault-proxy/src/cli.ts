// fault-proxy's command line: node:util's parseArgs in strict mode, with the Go binary's single-dash
// spelling (-host, -port=8474) read as the GNU one, so scripts written for the real Toxiproxy work.
import { parseArgs as parseFlags } from 'node:util';

export interface Cli {
  host: string;
  port: number;
}

export function parseArgs(argv: readonly string[]): Cli | 'help' {
  const { values } = parseFlags({
    args: argv.map((a) => a.replace(/^-(?=[a-z][a-z-]+(=|$))/, '--')),
    options: { host: { type: 'string', default: 'localhost' }, port: { type: 'string', default: '8474' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) throw new Error(`--port ${JSON.stringify(values.port)}: expected a whole number from 0 to 65535`);
  return { host: values.host, port };
}
