// The suite's settings, read once from the environment and validated, so a wrong value fails at start
// with a message that names the variable and how to fix it.

export class SettingsError extends Error {
  override name = 'SettingsError';
}

export interface Settings {
  /** false: container scenarios are skipped with a clear message (OMNIRELAY_HYPERSCALE_CONTAINERS). */
  readonly containers: boolean;
  /** Topology used by "the default topology is running" (OMNIRELAY_HYPERSCALE_TOPOLOGY). */
  readonly defaultTopology: string;
  /** Image put under test instead of the bundled relay-node (OMNIRELAY_HYPERSCALE_IMAGE). */
  readonly imageUnderTest: string | undefined;
  /** Prefix for every image name, for teams that publish their own (OMNIRELAY_HYPERSCALE_REGISTRY). */
  readonly registry: string | undefined;
  /** Seeded defect to start relay nodes with (OMNIRELAY_HYPERSCALE_DEFECT); used by the sensitivity run. */
  readonly defect: string | undefined;
  /** Deadline for a topology to become ready (OMNIRELAY_HYPERSCALE_READY_TIMEOUT_MS). */
  readonly readyTimeoutMs: number;
  /** Keep containers after a failed scenario for debugging (OMNIRELAY_HYPERSCALE_KEEP_ON_FAILURE). */
  readonly keepOnFailure: boolean;
  /** Rewrite golden snapshots from this run's outcomes instead of comparing (OMNIRELAY_HYPERSCALE_UPDATE_GOLDEN). */
  readonly updateGolden: boolean;
  /** Seed for anything drawn at random; printed so a run can be reproduced (OMNIRELAY_HYPERSCALE_SEED). */
  readonly seed: number | undefined;
  /** The real Toxiproxy image, used when present or pullable; else the suite's fault-proxy (OMNIRELAY_HYPERSCALE_TOXIPROXY_IMAGE). */
  readonly toxiproxyImage: string;
  /**
   * How network faults reach a container's network namespace (OMNIRELAY_HYPERSCALE_NETFAULTS): `host`
   * enters it with nsenter from this host, `helper` runs the tools in a helper container that joins it,
   * `auto` (the default) uses the host where it can and the helper otherwise.
   */
  readonly netfaults: NetfaultsSetting;
  /**
   * Where the suite reaches published ports (OMNIRELAY_HYPERSCALE_ENGINE_HOST): 127.0.0.1 for a local
   * socket, the host of a tcp:// DOCKER_HOST. Ports are published on this address when it is a loopback
   * one (127.0.0.2 for a second engine on this machine), else on every interface of the remote engine.
   */
  readonly engineHost: string;
  /**
   * Several Docker engines for one parallel run (OMNIRELAY_HYPERSCALE_ENGINES): worker i drives engine
   * i mod n. Empty: the one engine of DOCKER_HOST.
   */
  readonly engines: readonly EngineSpec[];
}

/** One engine of OMNIRELAY_HYPERSCALE_ENGINES: its DOCKER_HOST and the engine host its ports are dialled at. */
export interface EngineSpec {
  readonly address: string;
  readonly host: string;
}

/** The host of a tcp:// (or http[s]://) Docker host; undefined for a local socket. */
function remoteHostOf(dockerHost: string): string | undefined {
  return /^(?:tcp|http|https):\/\/([^:/]+)/i.exec(dockerHost)?.[1];
}

/** An IPv4 address or a host name. */
const HOST = /^(\d{1,3}(\.\d{1,3}){3}|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)$/i;

/**
 * `unix:///var/run/docker.sock,unix:///run/docker2.sock=127.0.0.2,tcp://box:2375`: each engine's address,
 * optionally `=<engine host>`. By default the n-th local socket is dialled at 127.0.0.n (engines on one
 * machine hand out host ports from the same range) and a tcp:// engine at its host.
 */
function engines(env: Env, name: string): EngineSpec[] {
  const raw = text(env, name);
  if (raw === undefined) return [];
  let locals = 0;
  return raw.split(',').map((entry, i) => {
    const [address = '', host] = entry.trim().split('=');
    const remote = remoteHostOf(address);
    if (!address.startsWith('unix://') && !remote) {
      throw new SettingsError(
        `${name}: engine ${i + 1} "${entry.trim()}" is not a Docker host: use unix:///path/to/docker.sock or tcp://host:port, optionally followed by =<address to dial its ports at>.`,
      );
    }
    if (host !== undefined && !HOST.test(host)) throw new SettingsError(`${name}: engine ${i + 1} "${entry.trim()}": "${host}" is not a host address.`);
    const fallback = remote ?? `127.0.0.${++locals}`;
    return { address, host: host ?? fallback };
  });
}

export const NETFAULTS_MODES = ['auto', 'helper', 'host'] as const;
export type NetfaultsSetting = (typeof NETFAULTS_MODES)[number];

function netfaults(env: Env, name: string): NetfaultsSetting {
  const raw = text(env, name)?.toLowerCase();
  if (raw === undefined) return 'auto';
  if (!(NETFAULTS_MODES as readonly string[]).includes(raw)) {
    throw new SettingsError(
      `${name}="${env[name]}" is not a mode: use auto, helper (a container joins each target's network namespace) or host (nsenter from this host).`,
    );
  }
  return raw as NetfaultsSetting;
}

type Env = Readonly<Record<string, string | undefined>>;

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new SettingsError(`${name}="${raw}" is not a boolean: use true or false.`);
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new SettingsError(`${name}="${raw}" must be a positive whole number of milliseconds.`);
  }
  return value;
}

function seed(env: Env, name: string): number | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new SettingsError(`${name}="${raw}" must be a non-negative whole number.`);
  return value;
}

function text(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

/** An image reference such as `ghcr.io/shopify/toxiproxy:2.12.0`: no spaces, no scheme. */
function imageRef(env: Env, name: string): string | undefined {
  const value = text(env, name);
  if (value !== undefined && !/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(value)) {
    throw new SettingsError(`${name} must be an image reference such as ghcr.io/shopify/toxiproxy:2.12.0, got ${JSON.stringify(value)}`);
  }
  return value;
}

function defectName(env: Env, name: string): string | undefined {
  const raw = text(env, name);
  if (raw !== undefined && !/^[a-z0-9-]+(,[a-z0-9-]+)*$/.test(raw)) {
    throw new SettingsError(`${name}="${raw}" is not a defect name: use kebab-case names, comma-separated.`);
  }
  return raw;
}

function engineHost(env: Env, name: string): string {
  const raw = text(env, name);
  if (raw !== undefined) {
    if (!HOST.test(raw)) {
      throw new SettingsError(`${name}="${raw}" is not a host: give an IPv4 address (127.0.0.2 for a second local engine) or a host name.`);
    }
    return raw;
  }
  const docker = text(env, 'DOCKER_HOST');
  return (docker ? remoteHostOf(docker) : undefined) ?? '127.0.0.1';
}

export function readSettings(env: Env = process.env): Settings {
  return {
    containers: bool(env, 'OMNIRELAY_HYPERSCALE_CONTAINERS', true),
    defaultTopology: text(env, 'OMNIRELAY_HYPERSCALE_TOPOLOGY') ?? 'GlobalLeaderWithTwoRegions',
    imageUnderTest: text(env, 'OMNIRELAY_HYPERSCALE_IMAGE'),
    registry: text(env, 'OMNIRELAY_HYPERSCALE_REGISTRY')?.replace(/\/+$/, ''),
    defect: defectName(env, 'OMNIRELAY_HYPERSCALE_DEFECT'),
    readyTimeoutMs: positiveInt(env, 'OMNIRELAY_HYPERSCALE_READY_TIMEOUT_MS', 60_000),
    keepOnFailure: bool(env, 'OMNIRELAY_HYPERSCALE_KEEP_ON_FAILURE', false),
    seed: seed(env, 'OMNIRELAY_HYPERSCALE_SEED'),
    toxiproxyImage: imageRef(env, 'OMNIRELAY_HYPERSCALE_TOXIPROXY_IMAGE') ?? 'ghcr.io/shopify/toxiproxy:2.12.0',
    updateGolden: bool(env, 'OMNIRELAY_HYPERSCALE_UPDATE_GOLDEN', false),
    netfaults: netfaults(env, 'OMNIRELAY_HYPERSCALE_NETFAULTS'),
    engineHost: engineHost(env, 'OMNIRELAY_HYPERSCALE_ENGINE_HOST'),
    engines: engines(env, 'OMNIRELAY_HYPERSCALE_ENGINES'),
  };
}
