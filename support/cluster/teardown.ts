// Removal by label: after every scenario, on Ctrl-C, at the end of a run, and at the start of the next
// run for whatever a killed run left behind (its process is gone).
import { assertEngineNotWedged, docker, markEngineWedged } from './engine';
import { LABEL, RUN } from './labels';

export interface Removed {
  containers: number;
  networks: number;
}

/** A removal (kill, exit, network release) takes well under a second; this long means the engine is stuck. */
const REMOVAL_DEADLINE_MS = 60_000;

/**
 * Removes containers, then networks, matching every given label filter (`key=value`). Containers go one
 * at a time: Docker 20.10 can deadlock when containers of one network exit together (see engine.ts), and
 * a removal that outlives its deadline marks the engine wedged instead of hanging the run.
 */
export async function removeLabelled(filters: string[]): Promise<Removed> {
  assertEngineNotWedged();
  const containers = await docker().listContainers({ all: true, filters: { label: filters } });
  for (const c of containers) {
    const name = c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12);
    // The deadline aborts the request (dockerode's abortSignal): a removal that hangs is not left running.
    const abortSignal = AbortSignal.timeout(REMOVAL_DEADLINE_MS);
    await docker()
      .getContainer(c.Id)
      .remove({ force: true, v: true, abortSignal })
      .catch((e: { statusCode?: number }) => {
        if (abortSignal.aborted) throw markEngineWedged(`removing container ${name} took over ${REMOVAL_DEADLINE_MS / 1000} s`);
        if (e.statusCode !== 404 && e.statusCode !== 409) throw e; // gone already, or removal in progress
      });
  }
  const networks = await docker().listNetworks({ filters: { label: filters } });
  await Promise.all(networks.map((n) => removeNetwork(n.Id)));
  return { containers: containers.length, networks: networks.length };
}

/**
 * A container whose removal is still in progress (ours answered 409, another teardown path got there
 * first) keeps its endpoint on the network for a moment: the engine answers 403 "has active endpoints".
 * Retry that, bounded, rather than leaking the network.
 */
async function removeNetwork(id: string, withinMs = 15_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      await docker().getNetwork(id).remove();
      return;
    } catch (error) {
      const e = error as { statusCode?: number; message?: string };
      if (e.statusCode === 404) return;
      if (e.statusCode !== 403 || !/active endpoints/.test(e.message ?? '') || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

export function removeScenario(scenarioId: string): Promise<Removed> {
  return removeLabelled([`${LABEL.run}=${RUN.id}`, `${LABEL.scenario}=${scenarioId}`]);
}

export function removeRun(runId: string = RUN.id): Promise<Removed> {
  return removeLabelled([`${LABEL.run}=${runId}`]);
}

/**
 * Removes the run's containers and networks until a listing finds none: on Ctrl-C a parallel worker may
 * have been creating one when the signal came, and that one appears only after the first listing.
 */
export async function removeRunUntilEmpty(withinMs = 60_000): Promise<Removed> {
  const total: Removed = { containers: 0, networks: 0 };
  const deadline = Date.now() + withinMs;
  for (;;) {
    const r = await removeRun().catch((e: Error) => {
      if (Date.now() > deadline) throw e;
      return undefined; // a network still had a container being created: list again
    });
    if (r) {
      total.containers += r.containers;
      total.networks += r.networks;
      if (r.containers === 0 && r.networks === 0) return total;
    }
    if (Date.now() > deadline) throw new Error(`the run's containers were still appearing after ${withinMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who ran a run, as its labels say, and whether that process is gone. */
export interface RunOwner {
  readonly pid: number;
  readonly host: string;
  /** The pid namespace its pid counts in (absent on runs labelled before it was recorded). */
  readonly pidns?: string;
  readonly created: number;
  /** The runner container it ran in, when it ran in one. */
  readonly runner?: string;
}

/**
 * Whether a run's owner is gone: a run in a runner container is judged by that container; a run of this
 * host and pid namespace by its pid; any other (another host's, or a container's whose pids are not ours
 * to see) only when older than `staleAfterMs`.
 */
export function orphaned(owner: RunOwner, now: number, staleAfterMs: number, alive: { pid(pid: number): boolean; runner(name: string): boolean }): boolean {
  if (owner.runner) return !alive.runner(owner.runner);
  if (owner.host === RUN.host && (owner.pidns ?? RUN.pidns) === RUN.pidns) return !alive.pid(owner.pid);
  return now - owner.created > staleAfterMs;
}

/**
 * Removes what earlier runs on this host left behind when their process no longer exists (killed,
 * crashed). Runs from other hosts sharing the engine are left alone unless older than `staleAfterMs`.
 */
export async function sweepOrphans(staleAfterMs = 6 * 3600_000): Promise<{ runs: string[]; stuck: string[] } & Removed> {
  const [containers, networks] = await Promise.all([
    docker().listContainers({ all: true, filters: { label: [LABEL.run] } }),
    docker().listNetworks({ filters: { label: [LABEL.run] } }),
  ]);
  const owners = new Map<string, RunOwner>();
  const ownerOf = (labels: Record<string, string> | undefined, created: number): RunOwner => ({
    pid: Number(labels?.[LABEL.pid]),
    host: labels?.[LABEL.host] ?? '',
    ...(labels?.[LABEL.pidns] !== undefined ? { pidns: labels[LABEL.pidns] } : {}),
    created,
    ...(labels?.[LABEL.runner] ? { runner: labels[LABEL.runner] } : {}),
  });
  for (const c of containers) owners.set(c.Labels[LABEL.run]!, ownerOf(c.Labels, c.Created * 1000));
  for (const n of networks) {
    const run = n.Labels?.[LABEL.run];
    if (run && !owners.has(run)) owners.set(run, ownerOf(n.Labels, Date.parse(n.Created ?? '') || 0));
  }
  // Running runner containers, asked for only when some run was in one (most starts have none).
  const runners = [...owners.values()].some((o) => o.runner)
    ? new Set(
        (await docker().listContainers({ filters: { label: [`${LABEL.image}=runner`], status: ['running'] } })).map(
          (c) => c.Names[0]?.replace(/^\//, '') ?? '',
        ),
      )
    : new Set<string>();
  const now = Date.now();
  const gone = [...owners].filter(([run, o]) => run !== RUN.id && orphaned(o, now, staleAfterMs, { pid: processAlive, runner: (name) => runners.has(name) }));
  const total: Removed = { containers: 0, networks: 0 };
  const stuck: string[] = [];
  for (const [run] of gone) {
    // One engine-side leftover (a network with a phantom endpoint no container holds) must not stop
    // every later run: report it and go on.
    const r = await removeRun(run).catch((e: Error) => {
      stuck.push(`${run}: ${e.message}`);
      return { containers: 0, networks: 0 };
    });
    total.containers += r.containers;
    total.networks += r.networks;
  }
  return { runs: gone.map(([run]) => run), stuck, ...total };
}
