// relay-node: the suite's reference OmniRelay host. main() reads the configuration, builds the node
// (node.ts) and starts it; SIGTERM drains, releases every held lease (SteppedDown, reason `shutdown`)
// and exits 0.
import { ConfigError, loadConfig, type RelayConfig } from './config';
import { createLogger, errorMessage } from './log';
import { buildNode, type RelayNode } from './node';
import { reportedStartTime } from './process-start';
import { installPeerRoutes } from './rpc/peer-routes';
import { clock } from './clock';

function loadConfigOrExit(): RelayConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : errorMessage(error);
    process.stderr.write(`relay-node: invalid configuration: ${message}\n`);
    process.stdout.write(`${JSON.stringify({ t: clock.iso(), level: 'error', msg: 'invalid configuration', error: message })}\n`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  installPeerRoutes(config.peerRoutes);
  // The process's start as a scraper sees it; two seeded defects bend it (see process-start.ts).
  const log = createLogger({ node: config.nodeId }, config.logLevel);
  const startTimeSeconds = reportedStartTime({ defects: config.defects, log });
  const node = buildNode(config, { startTimeSeconds, log });
  await node.start();
  installShutdown(node);
}

function installShutdown(node: RelayNode): void {
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) {
      node.log.warn('second signal: exiting now', { signal });
      process.exit(0);
    }
    stopping = true;
    await node.shutdown(signal);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

process.on('unhandledRejection', (reason) => {
  process.stdout.write(`${JSON.stringify({ t: clock.iso(), level: 'error', msg: 'unhandled rejection', error: errorMessage(reason) })}\n`);
});

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ t: clock.iso(), level: 'error', msg: 'relay-node failed to start', error: errorMessage(error) })}\n`);
  process.exit(1);
});
