// The Docker engine: one dockerode client for the suite, and a preflight that fails fast (well inside
// 10 s) with a message naming Docker and the fix when no engine answers.
import Docker from 'dockerode';

// testcontainers reads these when it first talks to the engine. The reaper image cannot be pulled on
// offline machines (the suite cleans up by label instead), and the host override stops it pulling alpine.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';

export class DockerUnavailableError extends Error {
  override name = 'DockerUnavailableError';
}

/** One client per engine address: a parallel run's coordinator addresses several (engines.ts). */
const clients = new Map<string, Docker>();

export function docker(): Docker {
  const address = process.env.DOCKER_HOST ?? '';
  let client = clients.get(address);
  if (!client) clients.set(address, (client = new Docker()));
  return client;
}

/** The engine of an unset DOCKER_HOST (dockerode's and the Docker CLI's default). */
export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

export function engineAddress(): string {
  return process.env.DOCKER_HOST ?? DEFAULT_DOCKER_HOST;
}

/**
 * Set when the engine stopped answering a removal: Docker 20.10's libnetwork can deadlock when containers
 * on one network exit together (moby/moby#46661, fixed in 20.10.27+ and 23+; Debian ships 20.10.24).
 * Every later container operation would hang too, so starts fail at once with this instead.
 */
let wedged: string | undefined;

export class EngineWedgedError extends Error {
  override name = 'EngineWedgedError';
}

export function markEngineWedged(what: string): EngineWedgedError {
  wedged ??= what;
  return wedgedError();
}

/** Throws when an earlier operation found the engine wedged. */
export function assertEngineNotWedged(): void {
  if (wedged) throw wedgedError();
}

function wedgedError(): EngineWedgedError {
  return new EngineWedgedError(
    [
      `The Docker engine at ${engineAddress()} stopped answering: ${wedged}.`,
      'Docker 20.10 (Debian docker.io) can deadlock in libnetwork when containers on one network exit at once (moby/moby#46661);',
      'every later container operation then hangs. Fix: restart the engine (`sudo systemctl restart docker`, or kill dockerd',
      'and containerd and start dockerd again), or use Docker ≥ 23; the next run sweeps what this one left.',
    ].join('\n'),
  );
}

/** Resolves when the engine answers a ping; rejects within `timeoutMs` with an actionable message. */
export async function assertEngineReachable(timeoutMs = 5_000): Promise<{ version: string; apiVersion: string }> {
  // The deadline aborts the requests themselves (dockerode's abortSignal) rather than racing them.
  const abortSignal = AbortSignal.timeout(timeoutMs);
  // dockerode passes `{ abortSignal }` on every call; @types/dockerode leaves it out of ping and version.
  type Signalled<R> = (this: Docker, opts: { abortSignal: AbortSignal }) => Promise<R>;
  const engine = docker();
  try {
    await (engine.ping as unknown as Signalled<unknown>).call(engine, { abortSignal });
    const v = await (engine.version as unknown as Signalled<Docker.DockerVersion>).call(engine, { abortSignal });
    return { version: v.Version, apiVersion: v.ApiVersion };
  } catch (error) {
    const reason = abortSignal.aborted ? `no answer within ${timeoutMs} ms` : error instanceof Error ? error.message : String(error);
    throw new DockerUnavailableError(
      [
        `Docker engine unreachable at ${engineAddress()} (${reason}).`,
        'The acceptance suite starts every topology as containers and needs a running Docker engine.',
        'Fix: start Docker (Linux: `sudo dockerd &` or `sudo systemctl start docker`; macOS/Windows: start Docker Desktop),',
        '     or point DOCKER_HOST at a running engine (e.g. DOCKER_HOST=unix:///var/run/docker.sock).',
        'To run without containers, set OMNIRELAY_HYPERSCALE_CONTAINERS=false: container scenarios are then skipped.',
      ].join('\n'),
    );
  }
}

/** Follows a Docker progress stream (pull, build, import) to its end; rejects on an error event. */
export function followProgress(stream: NodeJS.ReadableStream, onEvent?: (e: ProgressEvent) => void): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    docker().modem.followProgress(
      stream,
      (error: Error | null, events: ProgressEvent[]) => {
        if (error) return reject(error);
        const failed = events.find((e) => e.error || e.errorDetail);
        if (failed) return reject(new Error(failed.error ?? failed.errorDetail?.message ?? 'docker reported an error'));
        resolve(events);
      },
      onEvent,
    );
  });
}

export interface ProgressEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}
