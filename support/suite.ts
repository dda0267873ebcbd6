// What a run prepares once, before the first scenario: settings, the engine check, the sweep of earlier
// killed runs, the images, the in-memory CA, and the capabilities of the image under test.
import { publishedUrl } from './cluster/engine-host';
import { randomInt } from 'node:crypto';
import { topologyByName } from '../topologies';
import { assertEngineReachable } from './cluster/engine';
import { suiteImages, type SuiteImages } from './cluster/images/recipes';
import { SuiteContainer } from './cluster/container';
import { runLabels, RUN, LABEL } from './cluster/labels';
import { HttpOkWaitStrategy } from './cluster/readiness';
import { RELAY_HTTP_PORT } from './cluster/relay-node';
import { removeLabelled, sweepOrphans } from './cluster/teardown';
import { NodeClient } from './fabric/node-client';
import { readSettings, SettingsError, type Settings } from './settings';
import { CertificateAuthority } from './tls';
import { chooseNetns } from './chaos/network/choose';
import { useNetns } from './chaos/network/netns';

export interface Suite {
  readonly settings: Settings;
  /** The run's random seed: from OMNIRELAY_HYPERSCALE_SEED, or drawn and printed. */
  readonly seed: number;
  /** Absent when OMNIRELAY_HYPERSCALE_CONTAINERS=false. */
  readonly containers?: {
    readonly images: SuiteImages;
    readonly ca: CertificateAuthority;
    readonly capabilities: readonly string[];
    readonly engine: { version: string; apiVersion: string };
    /** How network faults reach containers' namespaces this run, and why (OMNIRELAY_HYPERSCALE_NETFAULTS). */
    readonly netfaults: { readonly mode: string; readonly why: string };
  };
}

const say = (line: string) => process.stderr.write(`[hyperscale] ${line}\n`);

let current: Suite | undefined;

export function suite(): Suite {
  if (!current) throw new Error('the suite is not prepared: BeforeAll did not run (load support/hooks.ts)');
  return current;
}

/** The prepared suite, or undefined when BeforeAll failed (nothing to clean up then). */
export function preparedSuite(): Suite | undefined {
  return current;
}

export async function prepareSuite(): Promise<Suite> {
  const settings = readSettings();
  try {
    topologyByName(settings.defaultTopology);
  } catch (error) {
    throw new SettingsError(`OMNIRELAY_HYPERSCALE_TOPOLOGY="${settings.defaultTopology}": ${(error as Error).message}`);
  }
  const seed = settings.seed ?? randomInt(2 ** 31);
  say(`random seed ${seed} (reproduce with OMNIRELAY_HYPERSCALE_SEED=${seed})`);
  if (!settings.containers) {
    say('OMNIRELAY_HYPERSCALE_CONTAINERS=false: container scenarios will be skipped.');
    return (current = { settings, seed });
  }
  const engine = await assertEngineReachable();
  say(`run ${RUN.id}: Docker engine ${engine.version} (API ${engine.apiVersion})`);
  const swept = await sweepOrphans();
  if (swept.runs.length > 0) {
    say(`swept ${swept.containers} containers and ${swept.networks} networks left by killed runs ${swept.runs.join(', ')}`);
  }
  for (const line of swept.stuck) {
    say(`warning: could not remove what a killed run left: ${line}. The engine still holds a stale endpoint; restarting the Docker engine clears it.`);
  }
  const started = Date.now();
  const images = await suiteImages({ ...settings, log: (l) => say(l) });
  say(
    `images: relay-node ${images.relayNode.ref} (${images.relayNode.origin}), etcd ${images.etcd.ref} (${images.etcd.origin}), ` +
      `fault proxy ${images.faultProxy.ref} (${images.faultProxy.flavour}, ${images.faultProxy.origin}), otlp receiver ${images.otlpReceiver.ref} (${images.otlpReceiver.origin}) in ${Date.now() - started} ms`,
  );
  const [ca, capabilities, choice] = await Promise.all([
    CertificateAuthority.create(),
    probeCapabilities(images.relayNode.ref),
    chooseNetns(settings.netfaults, { registry: settings.registry, log: (l) => say(l) }),
  ]);
  say(`image under test announces: ${capabilities.join(', ')}`);
  useNetns(choice.exec);
  const netfaults = { mode: choice.exec.describe(), why: choice.why };
  say(`network faults: ${netfaults.mode} (${netfaults.why})`);
  return (current = { settings, seed, containers: { images, ca, capabilities, engine, netfaults } });
}

/** Starts one throwaway node of the image under test and reads its introspect capabilities. */
async function probeCapabilities(image: string): Promise<string[]> {
  const labels = runLabels({ [LABEL.scenario]: 'capability-probe' });
  try {
    const container = await new SuiteContainer(image)
      .withName(`ohs-${RUN.id}-capability-probe`)
      .withLabels(labels)
      .withEnvironment({ RELAY_NODE_ID: 'capability-probe' })
      .withLoopbackPorts(RELAY_HTTP_PORT)
      .withWaitStrategy(new HttpOkWaitStrategy('/omnirelay/introspect', RELAY_HTTP_PORT, `image ${image}`))
      .withStartupTimeout(30_000)
      .start();
    const introspection = await new NodeClient(publishedUrl(container.getMappedPort(RELAY_HTTP_PORT))).introspect();
    return introspection.capabilities ?? [];
  } finally {
    await removeLabelled([`${LABEL.run}=${RUN.id}`, `${LABEL.scenario}=capability-probe`]);
  }
}
