// What a run prepares once, before the first scenario: settings, the engine check, the sweep of earlier
// killed runs, the images, the in-memory CA, and the capabilities of the image under test.
import { publishedUrl } from './cluster/engine-host';
import { randomInt } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topologyByName } from '../topologies';
import { assertEngineReachable } from './cluster/engine';
import { suiteImages, type SuiteImages } from './cluster/images/recipes';
import { SuiteContainer } from './cluster/container';
import { runLabels, RUN, LABEL } from './cluster/labels';
import { HttpOkWaitStrategy } from './cluster/readiness';
import { RELAY_HTTP_PORT } from './cluster/relay-node';
import { removeLabelled, sweepOrphans } from './cluster/teardown';
import { NodeClient } from './fabric/node-client';
import { readSettings, SettingsError, type EngineSpec, type Settings } from './settings';
import { engineOfWorker, forEachEngine, runEngines, useEngine } from './cluster/engines';
import { CertificateAuthority } from './tls';
import { chooseNetns, netnsExec, type NetnsChoice } from './chaos/network/choose';
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

/**
 * What a run prepares once, in cucumber's coordinator, and every worker joins: plain data, because a
 * parallel run's workers are threads with their own copies of every module (handOver/takeOver).
 */
export interface PreparedRun {
  readonly runId: string;
  readonly seed: number;
  readonly containers?: {
    /** Announced by the image under test, probed on the first engine. */
    readonly capabilities: readonly string[];
    /** One engine, or several (OMNIRELAY_HYPERSCALE_ENGINES), each with its own copy of the images. */
    readonly engines: readonly PreparedEngine[];
  };
}

export interface PreparedEngine extends EngineSpec {
  readonly engine: { version: string; apiVersion: string };
  readonly images: SuiteImages;
  readonly netfaults: NetnsChoice;
}

const say = (line: string) => process.stderr.write(`[hyperscale] ${line}\n`);

let current: Suite | undefined;

export function suite(): Suite {
  if (!current) throw new Error('the suite is not prepared: BeforeAll did not run (load support/hooks.ts)');
  return current;
}

/** Once per run, in the coordinator: settings, and on every engine the check, sweep, images and fault mode. */
export async function prepareRun(): Promise<PreparedRun> {
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
    return { runId: RUN.id, seed };
  }
  const engines = await forEachEngine(runEngines(settings), (spec) => prepareEngine(spec, settings));
  const capabilities = await probeCapabilities(engines[0]!.images.relayNode.ref);
  say(`image under test announces: ${capabilities.join(', ')}`);
  return { runId: RUN.id, seed, containers: { capabilities, engines } };
}

async function prepareEngine(spec: EngineSpec, settings: Settings): Promise<PreparedEngine> {
  const engine = await assertEngineReachable();
  say(`run ${RUN.id}: Docker engine ${engine.version} (API ${engine.apiVersion}) at ${spec.address}, ports dialled at ${spec.host}`);
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
  const netfaults = await chooseNetns(settings.netfaults, { registry: settings.registry, log: (l) => say(l) });
  say(`network faults: ${netfaultsOf(netfaults).mode} (${netfaults.why})`);
  return { ...spec, engine, images, netfaults };
}

function netfaultsOf(choice: NetnsChoice): { mode: string; why: string } {
  return { mode: netnsExec(choice).describe(), why: choice.why };
}

/** In every worker (the one thread of a serial run too): its engine of the prepared run, and its own CA. */
export async function joinRun(prepared: PreparedRun): Promise<Suite> {
  if (!prepared.containers) return (current = { settings: readSettings(), seed: prepared.seed });
  const { capabilities, engines } = prepared.containers;
  const mine = engineOfWorker(engines, RUN.worker) as PreparedEngine;
  useEngine(mine);
  const settings = readSettings();
  useNetns(netnsExec(mine.netfaults));
  // Each worker signs its own clusters' certificates; a cluster never spans workers.
  const ca = await CertificateAuthority.create();
  const { images, engine, netfaults } = mine;
  return (current = { settings, seed: prepared.seed, containers: { images, ca, capabilities, engine, netfaults: netfaultsOf(netfaults) } });
}

/** A single-process run (the bench): prepare and join in one go. */
export async function prepareSuite(): Promise<Suite> {
  return joinRun(await prepareRun());
}

/** The run as its evidence describes it, in the coordinator, which has no Suite of its own: the first engine's. */
export function factsOf(prepared: PreparedRun): RunFacts {
  const settings = readSettings();
  if (!prepared.containers) return { settings, seed: prepared.seed };
  const { capabilities, engines } = prepared.containers;
  const { images, engine, netfaults } = engines[0]!;
  return {
    settings,
    seed: prepared.seed,
    containers: { images, capabilities, engine, netfaults: netfaultsOf(netfaults) },
    ...(engines.length > 1 ? { engines: engines.map((e) => `${e.address} (${e.engine.version}, dialled at ${e.host})`) } : {}),
  };
}

/** What the run's evidence says about it: a Suite without the objects a worker keeps to itself. */
export interface RunFacts {
  readonly settings: Settings;
  readonly seed: number;
  readonly containers?: Omit<NonNullable<Suite['containers']>, 'ca'>;
  /** Every engine of a run over several. */
  readonly engines?: readonly string[];
}

/** The engines the coordinator cleans: every one the run prepared, or the configured ones while it prepared them. */
export function enginesOf(prepared: PreparedRun | undefined): EngineSpec[] {
  if (prepared?.containers) return prepared.containers.engines.map(({ address, host }) => ({ address, host }));
  try {
    return runEngines(readSettings());
  } catch {
    return []; // settings that do not parse: the run never reached an engine
  }
}

/** Where the coordinator leaves the prepared run for its workers, and they leave their scenario records. */
export function runDir(runId: string = RUN.id): string {
  return join(tmpdir(), 'omnirelay-hyperscale', runId);
}

export async function handOver(prepared: PreparedRun): Promise<void> {
  await mkdir(runDir(prepared.runId), { recursive: true });
  await writeFile(join(runDir(prepared.runId), 'prepared.json'), JSON.stringify(prepared));
}

/** The coordinator's prepared run; fails with the reason when the coordinator's BeforeAll did not finish. */
export async function takeOver(): Promise<PreparedRun> {
  const path = join(runDir(), 'prepared.json');
  const text = await readFile(path, 'utf8').catch(() => {
    throw new Error(`the run was not prepared (no ${path}): the coordinator's BeforeAll failed; its error is above`);
  });
  return JSON.parse(text) as PreparedRun;
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
