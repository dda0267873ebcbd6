// `npm run chaos:up` and `npm run chaos:down`: images built or reused and tagged `:chaos`, compose started
// on the generated file, every service awaited; and removal of everything the environment labelled.
import { randomBytes } from 'node:crypto';
import { join, relative } from 'node:path';
import { docker } from '../../cluster/engine';
import { presentOrPulled, type ImageRef } from '../../cluster/images/image-cache';
import { chaosControlImage, nodeRuntimeImage, suiteImages } from '../../cluster/images/recipes';
import { removeLabelled } from '../../cluster/teardown';
import { readSettings } from '../../settings';
import { CHAOS_TAG, chaosImage, GRAFANA_IMAGE } from './compose';
import { findCompose, runCompose } from './compose-cli';
import {
  bootstrapToken,
  CHAOS_FILTER,
  chaosContainers,
  CONTROL_URL,
  findEnvironment,
  GRAFANA_URL,
  NoChaosEnvironmentError,
  PROMETHEUS_URL,
  serviceUrl,
  servicesOf,
  type ChaosEnvironment,
} from './environment';
import { knownDefects } from '../../check/check';
import { CHAOS_DIR, COMPOSE_FILE, generate, staleCommittedFiles, writeGenerated, type Generated } from './files';
import { prometheusImage } from './prometheus-image';

/** A request `chaos:up` refuses before starting anything (the CLI exits 2 for it). */
export class ChaosInputError extends Error {
  override name = 'ChaosInputError';
}

export interface UpOptions {
  readonly topology?: string;
  readonly nodesPerRegion?: number;
  /** Seeded defect for every relay node (RELAY_DEFECT): a game day that proves an alert. */
  readonly defect?: string;
  readonly readyTimeoutMs?: number;
  readonly log: (line: string) => void;
}

export interface UpResult {
  readonly generated: Generated;
  readonly env: ChaosEnvironment;
  readonly grafana: boolean;
  readonly ms: number;
}

export async function chaosUp(opts: UpOptions): Promise<UpResult> {
  const started = Date.now();
  const { log } = opts;
  const compose = findCompose();
  log(`compose: ${compose.command.join(' ')} ${compose.version}`);
  const running = await findEnvironment().catch((e: unknown) => (e instanceof NoChaosEnvironmentError ? undefined : Promise.reject(e)));
  const generated = generate(opts.topology, opts.nodesPerRegion);
  if (running && running.topology !== generated.topology.name) {
    throw new ChaosInputError(`A chaos environment of topology "${running.topology}" is running. Remove it first: \`npm run chaos:down\`.`);
  }
  if (opts.defect !== undefined) {
    const known = knownDefects();
    const unknown = opts.defect.split(',').filter((d) => !known.includes(d.trim()));
    if (unknown.length) throw new ChaosInputError(`--defect ${opts.defect}: unknown defect(s) ${unknown.join(', ')}; relay-node seeds: ${known.join(', ')}`);
  }
  const stale = staleCommittedFiles();
  if (generated.dir === CHAOS_DIR && stale.length > 0) {
    throw new Error(
      `${stale.join(', ')} differ from the generator's output (edited by hand, or the topology changed). Fix: \`npm run chaos:compose\`, review, commit.`,
    );
  }
  if (generated.dir !== CHAOS_DIR) log(`generated ${(await writeGenerated(generated)).join(', ')}`);

  log('images: building or reusing, then tagging :chaos');
  const grafana = await tagImages(log);
  const file = join(generated.dir, COMPOSE_FILE);
  // A running environment keeps its token (and so its CA, which compose recreates when its environment changes).
  const token = running ? await bootstrapToken(running) : randomBytes(18).toString('base64url');
  const env: Record<string, string> = { CHAOS_BOOTSTRAP_TOKEN: token, CHAOS_DEFECT: opts.defect ?? '' };
  log(
    `starting ${generated.topology.nodes.length} relay nodes, ${generated.topology.etcd.length} etcd members and the services (${relative(process.cwd(), file)})`,
  );
  // Recreating a running environment's nodes one at a time: Docker 20.10 can leak a network endpoint when
  // compose stops many containers of one network at once (support/cluster/reaper.ts has the same caution).
  if (running) env.COMPOSE_PARALLEL_LIMIT = '1';
  const code = await runCompose(compose, file, [...(grafana ? ['--profile', 'grafana'] : []), 'up', '-d', '--remove-orphans'], env);
  if (code !== 0) throw new Error(`compose up exited with ${code} (its output is above); \`npm run chaos:down\` removes whatever started`);
  const ready = await awaitReady(opts.readyTimeoutMs ?? 120_000, log);
  return { generated, env: ready, grafana, ms: Date.now() - started };
}

/** Builds or reuses every image and tags it `:chaos`; true when Grafana's image is present or pullable. */
async function tagImages(log: (line: string) => void): Promise<boolean> {
  const s = readSettings();
  // OMNIRELAY_HYPERSCALE_IMAGE puts another OmniRelay-compatible image under the game day, as under a run.
  const images = await suiteImages({ registry: s.registry, imageUnderTest: s.imageUnderTest, toxiproxyImage: s.toxiproxyImage, log });
  const base = await nodeRuntimeImage(s.registry, log);
  const [control, prometheus] = await Promise.all([chaosControlImage(base, s.registry, log), prometheusImage(s.registry, log)]);
  const tags: [ImageRef, Parameters<typeof chaosImage>[0]][] = [
    [images.relayNode, 'relay-node'],
    [images.etcd, 'etcd'],
    [images.faultProxy, 'fault-proxy'],
    [images.otlpReceiver, 'otlp-receiver'],
    [control, 'chaos-control'],
    [prometheus, 'prometheus'],
  ];
  for (const [image, kind] of tags) {
    const repo = chaosImage(kind).replace(`:${CHAOS_TAG}`, '');
    await docker().getImage(image.ref).tag({ repo, tag: CHAOS_TAG });
    log(`  ${chaosImage(kind)} ← ${image.ref} (${image.origin})`);
  }
  const grafana = await presentOrPulled(GRAFANA_IMAGE);
  if (!grafana)
    log(`  Grafana left out: ${GRAFANA_IMAGE} is not present and cannot be pulled (no registry). Prometheus's own UI and the dashboards' JSON still work.`);
  return grafana !== undefined;
}

/** Every relay node ready, Prometheus ready, the control service up with the proxy's routes in place. */
async function awaitReady(timeoutMs: number, log: (line: string) => void): Promise<ChaosEnvironment> {
  const deadline = Date.now() + timeoutMs;
  let lastReport = 0;
  for (;;) {
    const env = await findEnvironment();
    const waiting: string[] = [];
    const probe = async (what: string, url: string, ok: (body: unknown) => boolean = () => true) => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        const body: unknown = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
        if (!res.ok || !ok(body)) waiting.push(`${what} (${res.status})`);
      } catch (e) {
        waiting.push(`${what} (${(e as Error).message})`);
      }
    };
    await Promise.all([
      ...servicesOf(env, 'relay-node').map((n) => probe(n.service, `${serviceUrl(env, n.service, 8080)}/readyz`)),
      probe('prometheus', `${PROMETHEUS_URL}/-/ready`),
      probe('chaos-control', `${CONTROL_URL}/healthz`, (b) => (b as { routesInPlace?: boolean }).routesInPlace === true),
      ...(env.services.has('grafana') ? [probe('grafana', `${GRAFANA_URL}/api/health`)] : []),
    ]);
    if (waiting.length === 0) return env;
    const lastSeen = waiting.sort().join(', ');
    if (Date.now() > deadline) throw new Error(`the chaos environment did not become ready within ${timeoutMs / 1000} s; still waiting for: ${lastSeen}`);
    if (Date.now() - lastReport > 5000) {
      log(`  waiting for ${waiting.length} service(s): ${lastSeen.slice(0, 200)}`);
      lastReport = Date.now();
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Force-disconnects every endpoint left on the environment's networks and removes them, retrying for up to 60 s. */
async function disconnectAndRemove(): Promise<{ containers: number; networks: number }> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const networks = await docker().listNetworks({ filters: { label: [CHAOS_FILTER] } });
    for (const n of networks) {
      const network = docker().getNetwork(n.Id);
      const endpoints = Object.keys((await network.inspect().catch(() => ({ Containers: {} }))).Containers ?? {});
      for (const id of endpoints) await network.disconnect({ Container: id, Force: true }).catch(() => undefined);
      await network.remove().catch(() => undefined);
    }
    const left = await docker().listNetworks({ filters: { label: [CHAOS_FILTER] } });
    if (left.length === 0) return { containers: 0, networks: networks.length };
    if (Date.now() > deadline)
      throw new Error(`network(s) ${left.map((n) => n.Name).join(', ')} could not be removed within 60 s; \`docker network inspect\` shows what holds them`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Removes every container (with its anonymous volumes), network and volume labelled as the environment's. */
export async function chaosDown(log: (line: string) => void): Promise<{ containers: number; networks: number; volumes: number }> {
  const before = (await chaosContainers()).length;
  if (before === 0) log('no chaos environment containers found; removing any network or volume it left');
  const removed = await removeLabelled([CHAOS_FILTER]).catch(async (error: unknown) => {
    // Docker 20.10 can keep a removed container's endpoint on the network for a while ("has active
    // endpoints"): disconnect what is left by force and try again, bounded, before giving up.
    if (!/active endpoints/.test((error as Error).message)) throw error;
    log('the network still lists endpoints of removed containers: disconnecting them and retrying');
    return disconnectAndRemove();
  });
  const volumes = (await docker().listVolumes({ filters: { label: [CHAOS_FILTER] } })).Volumes ?? [];
  for (const v of volumes) await docker().getVolume(v.Name).remove();
  return { ...removed, volumes: volumes.length };
}
