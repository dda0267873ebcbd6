// How the fault library reaches a container's network namespace: two ways behind one interface.
//   host    `nsenter -t <pid> -n <program>` from this host: Linux, root, and the engine's containers
//           running as local processes (a Linux engine on this machine);
//   helper  a helper container per target joins its namespace (NetworkMode container:<id>, NET_ADMIN)
//           and runs the program with docker exec (helper.ts): Docker Desktop, a remote engine, rootless
//           Docker, the suite inside a container.
// The planner, the iptables runner and the prober are the same in both; only where a program runs differs.
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import type { Member } from './types';

export type NetfaultsMode = 'host' | 'helper';

export interface ExecResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Killed on the timeout. */
  readonly killed: boolean;
}

export type NetnsMember = Pick<Member, 'id' | 'pid' | 'containerId' | 'name'>;

/** A program to run in a namespace: bounded by `timeoutMs`, `env` added to its environment, `input` on stdin. */
export interface NetnsCommand {
  readonly program: string;
  readonly args: readonly string[];
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
}

export interface NetnsExec {
  readonly mode: NetfaultsMode;
  /** The node binary the reachability prober runs with, where `run` runs programs. */
  readonly node: string;
  /**
   * Runs `program args…` in the member's network namespace (`env` added, `input` on stdin); never rejects
   * on a non-zero exit. A member whose namespace is gone (stopped, restarted since it was listed) throws
   * the NetnsGone error the iptables runner expects (see iptables.ts).
   */
  run(member: NetnsMember, command: NetnsCommand): Promise<ExecResult>;
  /** Throws NetworkFaultHostError (what is missing, how to fix it) unless faults can reach these members. */
  assertUsable<M extends NetnsMember>(members: readonly M[], stillRunning: (member: M) => Promise<boolean>): Promise<void>;
  /** One line for the report's environment: the mode and what it runs with. */
  describe(): string;
}

/** The host (or the helper) cannot run network faults: says what is missing and how to get it. */
export class NetworkFaultHostError extends Error {
  override name = 'NetworkFaultHostError';
}

/** The host's sbin directories hold iptables; a non-login root shell may not have them on PATH. */
function hostEnv(): NodeJS.ProcessEnv {
  const path = process.env.PATH ?? '/usr/bin:/bin';
  const extra = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'].filter((d) => !path.split(':').includes(d));
  return { ...process.env, PATH: [path, ...extra].join(':'), LC_ALL: 'C' };
}

/** Runs a host program (`input` on its stdin); never rejects on a non-zero exit (the code says), only when it cannot be started. */
export function run(program: string, args: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv = {}, input?: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      program,
      [...args],
      { timeout: timeoutMs, killSignal: 'SIGKILL', env: { ...hostEnv(), ...env }, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && typeof (error as NodeJS.ErrnoException).code === 'string') return reject(error);
        const code = error ? ((error as { code?: number | null }).code ?? null) : 0;
        resolve({ code, stdout, stderr: stderr.trim(), killed: Boolean(error && (error as { killed?: boolean }).killed) });
      },
    );
    child.stdin?.on('error', () => undefined); // a program that exits without reading: its exit code says why
    child.stdin?.end(input ?? '');
  });
}

/** nsenter from this host: the host's own iptables and node run, so target images need none of them. */
export class HostNetns implements NetnsExec {
  readonly mode = 'host';
  readonly node = process.execPath;
  private checked: Promise<void> | undefined;

  async run(member: NetnsMember, { program, args, timeoutMs, env = {}, input }: NetnsCommand): Promise<ExecResult> {
    try {
      return await run('nsenter', ['-t', String(member.pid), '-n', program, ...args], timeoutMs, env, input);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NetworkFaultHostError(hostRequirements(['nsenter is not installed']));
      throw e;
    }
  }

  /** Linux, root, nsenter + iptables, and each member's netns visible here (the probe runs this process's own node). */
  async assertUsable<M extends NetnsMember>(members: readonly M[], stillRunning: (member: M) => Promise<boolean>): Promise<void> {
    this.checked ??= hostMissing().then((missing) => {
      if (missing.length) throw new NetworkFaultHostError(hostRequirements(missing));
    });
    await this.checked.catch((e: unknown) => {
      this.checked = undefined;
      throw e;
    });
    const invisible: string[] = [];
    await Promise.all(
      members.map((m) =>
        access(`/proc/${m.pid}/ns/net`).catch(async () => {
          // A member that went down since it was listed (a crash at the same instant) is not a host problem.
          if (await stillRunning(m)) invisible.push(`${m.id} (${m.name}): pid ${m.pid} has no /proc/${m.pid}/ns/net on this host`);
        }),
      ),
    );
    if (invisible.length) {
      throw new NetworkFaultHostError(
        hostRequirements([
          ...invisible,
          "the engine's container processes are not visible from here: the engine runs in a VM (Docker Desktop), " +
            'on another host (DOCKER_HOST), or this process runs in a container without the host pid namespace',
        ]),
      );
    }
  }

  describe(): string {
    return 'host (nsenter from this host)';
  }
}

/** What this host lacks for nsenter mode: empty when Linux, root, nsenter and iptables are all here. */
export async function hostMissing(): Promise<string[]> {
  const missing: string[] = [];
  if (process.platform !== 'linux') return [`this host runs ${process.platform}, not Linux`];
  if (process.getuid?.() !== 0) missing.push(`this process runs as uid ${process.getuid?.()}, not root`);
  for (const [program, pkg] of [
    ['nsenter', 'util-linux'],
    ['iptables', 'iptables'],
    ['iptables-restore', 'iptables'],
  ] as const) {
    try {
      await run(program, ['--version'], 5_000);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') missing.push(`${program} is not installed (package ${pkg})`);
      else throw e;
    }
  }
  return missing;
}

export function hostRequirements(missing: readonly string[]): string {
  return [
    "Network faults in host mode need iptables inside each container's network namespace, entered from this host with nsenter.",
    'Missing here:',
    ...missing.map((m) => `  - ${m}`),
    'Needed:',
    '  - a Linux host whose Docker engine runs the containers as local processes (not Docker Desktop, not a remote DOCKER_HOST)',
    '  - root: run the suite as root (e.g. `sudo -E npm run bdd`)',
    "  - nsenter and iptables on the host: `apt-get install iptables util-linux` (the probe runs this process's own node)",
    'Elsewhere (Docker Desktop, a remote or rootless engine, the suite in a container) use the helper: OMNIRELAY_HYPERSCALE_NETFAULTS=helper',
    '(or auto, the default, which picks it when this host cannot enter the namespaces).',
  ].join('\n');
}

let current: NetnsExec | undefined;

/** The way this run reaches namespaces: set once the suite has decided (suite.ts), nsenter until then. */
export function netns(): NetnsExec {
  return (current ??= new HostNetns());
}

export function useNetns(exec: NetnsExec): void {
  current = exec;
}
