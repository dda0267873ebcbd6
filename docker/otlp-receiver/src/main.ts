// otlp-receiver: an OTLP/HTTP trace receiver for the suite. It keeps the spans relay-node exports in
// memory (bounded) and serves them back on GET /spans, so a scenario can assert on spans. Flags override
// the environment (OTLP_RECEIVER_HOST, OTLP_RECEIVER_PORT, OTLP_RECEIVER_MAX_SPANS). SIGTERM/SIGINT close
// the server and exit 0; a second signal exits at once.
import { createLogger, errorText } from './log';
import { type Cli, parseArgs, USAGE } from './cli';
import { startOtlpReceiver } from './server';

async function main(): Promise<void> {
  let cli: Cli | 'help';
  try {
    cli = parseArgs(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`otlp-receiver: ${errorText(error)}\n\n${USAGE}`);
    process.exit(2);
  }
  if (cli === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const log = createLogger();
  const receiver = await startOtlpReceiver({ host: cli.host, port: cli.port, maxSpans: cli.maxSpans, log });
  log.info('OTLP/HTTP receiver listening', {
    host: cli.host,
    port: receiver.port,
    url: receiver.url,
    traces: `${receiver.url}/v1/traces`,
    maxSpans: cli.maxSpans,
  });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info('shutting down', { signal, spans: receiver.store.size });
    receiver.close().then(
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
  process.stderr.write(`otlp-receiver: ${errorText(error)}\n`);
  process.exit(1);
});
