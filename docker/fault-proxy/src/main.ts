// fault-proxy: a server speaking the Toxiproxy 2.x HTTP API, for machines where the real image cannot be
// pulled. Flags follow the Go binary's (-host, -port) in either GNU or Go spelling. SIGTERM/SIGINT close
// the API, every listener and every proxied connection, then exit 0; a second signal exits at once.
import { VERSION } from './api';
import { parseArgs, type Cli } from './cli';
import { createLogger, errorText } from './log';
import { startFaultProxy } from './server';

const USAGE = `Usage: fault-proxy [--host HOST] [--port PORT]

A Toxiproxy ${VERSION}-compatible fault proxy (HTTP API + TCP proxies with toxics).

  --host HOST   address the API listens on (default localhost; use 0.0.0.0 in a container)
  --port PORT   API port (default 8474)
  --help        show this help
`;

async function main(): Promise<void> {
  let cli: Cli | 'help';
  try {
    cli = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`fault-proxy: ${errorText(error)}\n\n${USAGE}`);
    process.exit(2);
  }
  if (cli === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const log = createLogger();
  const server = await startFaultProxy({ host: cli.host, port: cli.port, log });
  log.info('API HTTP server listening', { host: cli.host, port: server.port, url: server.url, version: VERSION });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info('shutting down', { signal });
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.warn('shutdown failed', { error: errorText(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`fault-proxy: ${errorText(error)}\n`);
  process.exit(1);
});
