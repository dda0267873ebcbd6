// `npm run bdd:container [-- cucumber args]`: the acceptance suite inside a runner container, the shape
// of a CI job that runs in a container and talks to the engine through a mounted socket: the project
// mounted at /suite, node_modules installed in the image (support/cluster/images/runner.ts), the engine's
// socket mounted, the host's network (published ports and the CA's endpoint on the scenario networks'
// gateways are reached as from the host), and its own pid namespace: no host process is visible, so
// network faults go through helper containers. The host prepares the images assembled from its own
// files (etcd, the network-fault helper, the offline Node base) and hands them over by name.
import { spawn } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { assertEngineReachable, DEFAULT_DOCKER_HOST, docker, engineAddress } from '../cluster/engine';
import { PREPARED_IMAGES_ENV } from '../cluster/images/image-cache';
import { netfaultHelperImage } from '../cluster/images/netfault-helper';
import { etcdImage, nodeRuntimeImage } from '../cluster/images/recipes';
import { runnerImage } from '../cluster/images/runner';
import { LABEL, RUN, runLabels } from '../cluster/labels';
import { readSettings } from '../settings';
import { runWhenMain } from './run';

const ROOT = join(import.meta.dirname, '../..');
const INSIDE = '--inside';
const say = (line: string) => process.stderr.write(`[runner] ${line}\n`);

/** The engine's socket on this machine, to mount into the runner; other engines cannot mount this project. */
export function socketToMount(dockerHost: string | undefined): string {
  const host = dockerHost?.trim() || DEFAULT_DOCKER_HOST;
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  throw new Error(
    `DOCKER_HOST=${host}: the runner mounts this project and the engine's socket into a container, so it needs an engine on this machine.\n` +
      'Fix: unset DOCKER_HOST (or point it at a local unix:// socket); for a remote engine run `npm run bdd` with OMNIRELAY_HYPERSCALE_ENGINE_HOST instead.',
  );
}

/** The environment the suite inside sees: the suite's settings and CI's flag, as set here. */
export function runnerEnv(env: NodeJS.ProcessEnv, extra: Record<string, string>): string[] {
  const passed = Object.entries(env).filter(([k, v]) => v !== undefined && (k.startsWith('OMNIRELAY_HYPERSCALE_') || k === 'CI' || k === 'FORCE_COLOR'));
  return [...passed.map(([k, v]) => `${k}=${v}`), ...Object.entries(extra).map(([k, v]) => `${k}=${v}`)];
}

async function outside(args: string[]): Promise<number> {
  const settings = readSettings();
  const socket = socketToMount(process.env.DOCKER_HOST);
  const engine = await assertEngineReachable();
  say(`engine ${engine.version} at ${engineAddress()}; preparing images from this host's files`);
  const log = (line: string) => say(line);
  const [base, etcd, helper, runner] = await Promise.all([
    nodeRuntimeImage(settings.registry, log),
    etcdImage(settings.registry, log),
    netfaultHelperImage(settings.registry, log),
    runnerImage(settings.registry, log),
  ]);
  say(`runner image ${runner.ref} (${runner.origin})`);
  // node_modules lives in a volume filled from the image on first use: the project's own directory
  // (mounted over /suite) would otherwise hide the image's. One volume per runner image, kept as a cache.
  const volume = `omnirelay-hyperscale-runner-modules-${runner.ref.split(':').pop()}`;
  const name = `ohs-runner-${RUN.id}`;
  const container = await docker().createContainer({
    name,
    Image: runner.ref,
    WorkingDir: '/suite',
    Cmd: ['node', '--import', 'tsx', 'support/cli/bdd-container.ts', INSIDE, ...args],
    Env: runnerEnv(process.env, {
      [PREPARED_IMAGES_ENV]: JSON.stringify({ 'node-base': base.ref, etcd: etcd.ref, 'netfault-helper': helper.ref }),
      OMNIRELAY_HYPERSCALE_RUNNER: name,
      HOME: '/tmp',
    }),
    Labels: runLabels({ [LABEL.image]: 'runner' }),
    Tty: false,
    HostConfig: {
      NetworkMode: 'host',
      Binds: [`${ROOT}:/suite`, `${socket}:/var/run/docker.sock`],
      Mounts: [{ Type: 'volume', Source: volume, Target: '/suite/node_modules' }],
    },
  });
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  const [out, err] = [new PassThrough(), new PassThrough()];
  docker().modem.demuxStream(stream, out, err);
  out.pipe(process.stdout);
  err.pipe(process.stderr);
  // Ctrl-C goes to the runner, whose suite removes its containers as it would outside; a second one kills it.
  let interrupts = 0;
  const interrupt = (signal: NodeJS.Signals) => {
    interrupts += 1;
    say(interrupts === 1 ? `${signal}: passing it to the suite in ${name}…` : `${signal} again: killing ${name}`);
    void container.kill({ signal: interrupts === 1 ? signal : 'SIGKILL' }).catch(() => undefined);
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    return StatusCode;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/**
 * Inside the runner this process is pid 1. It starts `npm run bdd`'s program in a process group of its
 * own and passes signals to the whole group, as a terminal does: cucumber then removes its containers.
 */
function inside(args: string[]): Promise<number> {
  say(`in ${process.env.OMNIRELAY_HYPERSCALE_RUNNER ?? 'a container'}: pid namespace ${readlinkSync('/proc/self/ns/pid')}, pid ${process.pid}`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'support/cli/bdd.ts', ...args], { stdio: 'inherit', detached: true });
  const pass = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // the group has ended
    }
  };
  process.on('SIGINT', pass);
  process.on('SIGTERM', pass);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

runWhenMain(import.meta.url, (args) => (args[0] === INSIDE ? inside(args.slice(1)) : outside(args)));
